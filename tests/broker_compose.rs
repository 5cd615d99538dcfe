//! `docker-compose.yml` and the `Dockerfile` are what `docker compose up --scale worker=3` runs. There is no
//! Docker engine here, so check what we rely on: the YAML parses, and its services and keys are right.

use serde_yaml::Value;

fn compose() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docker-compose.yml");
    let mut doc: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap())
        .expect("docker-compose.yml is valid YAML");
    // Compose resolves `<<: *anchor` merge keys; do the same before looking at the result.
    doc.apply_merge().expect("merge keys resolve");
    doc
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.get("services").and_then(|s| s.get(name)).unwrap_or_else(|| panic!("service {name}"))
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, key| v.get(*key))?.as_str()
}

#[test]
fn rabbitmq_service_has_management_image_healthcheck_and_volume() {
    let doc = compose();
    let rabbit = service(&doc, "rabbitmq");
    assert!(str_at(rabbit, &["image"]).is_some_and(|i| i.starts_with("rabbitmq:3.13-management")));
    let test = rabbit["healthcheck"]["test"].as_sequence().expect("healthcheck test");
    let words: Vec<&str> = test.iter().filter_map(Value::as_str).collect();
    assert!(words.contains(&"rabbitmq-diagnostics") && words.contains(&"ping"), "{words:?}");
    let volume = rabbit["volumes"][0].as_str().expect("a volume");
    let name = volume.split(':').next().unwrap();
    assert!(doc["volumes"].get(name).is_some(), "named volume {name} declared at the top level");
}

#[test]
fn worker_is_built_waits_for_a_healthy_broker_and_scales() {
    let doc = compose();
    let worker = service(&doc, "worker");
    assert_eq!(str_at(worker, &["build", "dockerfile"]), Some("Dockerfile"));
    assert_eq!(str_at(worker, &["depends_on", "rabbitmq", "condition"]), Some("service_healthy"));
    assert!(worker.get("container_name").is_none(), "a fixed container_name would prevent --scale");
    let ports = worker.get("ports").and_then(Value::as_sequence).cloned().unwrap_or_default();
    assert!(ports.is_empty(), "host port mappings would collide with --scale worker=3");
    // The merged environment (YAML anchors) configures the broker URL and the named connections.
    let env = &worker["environment"];
    assert!(str_at(env, &["WIREFEED__AMQP__URL"]).is_some_and(|u| u.contains("@rabbitmq:5672")));
    assert!(str_at(env, &["WIREFEED__AMQP__CONNECTION_NAME"]).is_some());
    for (key, _) in env.as_mapping().unwrap() {
        let key = key.as_str().unwrap();
        assert!(key.starts_with("WIREFEED__"), "unexpected variable {key}");
    }
}

#[test]
fn demo_profile_publishes_the_samples_once() {
    let doc = compose();
    let demo = service(&doc, "demo");
    let profiles: Vec<&str> =
        demo["profiles"].as_sequence().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(profiles, ["demo"]);
    let command: Vec<&str> =
        demo["command"].as_sequence().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(command, ["publish", "/samples"]);
    assert_eq!(str_at(demo, &["restart"]), Some("no"));
}

#[test]
fn dockerfile_is_multi_stage_and_ships_the_config() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
    let text = std::fs::read_to_string(path).unwrap();
    let stages: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(stages.len(), 2, "builder and runtime: {stages:?}");
    assert!(stages[0].contains("rust:") && stages[0].contains(" AS builder"));
    assert!(stages[1].contains("debian:") && stages[1].contains("slim"));
    assert!(text.contains("COPY --from=builder"));
    assert!(text.contains("COPY config ./config"));
    assert!(text.contains("COPY samples /samples"), "the demo profile publishes /samples");
}
