//! The worker against a real RabbitMQ (SPEC §4, issue 3): events out with the right ids, properties and
//! headers; rejections with their reasons; routing by key; nothing left unacked; restart; competing workers.

mod support;

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::BasicProperties;
use support::{header, sample, RunningWorker, TestBroker};
use wirefeed::event::Envelope;

const SEED: &str = "sayasat-2025-08-22.txt";

/// Asserts the input queue is empty once the worker is gone: anything it had left unacked would be back.
async fn assert_nothing_left(broker: &TestBroker) {
    assert_eq!(broker.count(&broker.cfg.input.queue).await, 0, "inputs left in (or returned to) the queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_in_one_event_out_with_ids_properties_and_headers() {
    let broker = TestBroker::new("seed", &[("ru", "ru.#"), ("en", "en.#")]).await;
    let worker = broker.start_worker();
    broker.send_with_id(&sample(SEED), "seed-input-1", "text/plain").await;

    let out = broker.take(&broker.cfg.output.queue, 1).await;
    assert_eq!(out.len(), 1, "one event on the all-events queue");
    let msg = &out[0].delivery;
    let envelope: Envelope = serde_json::from_slice(&msg.data).expect("the body is an envelope");
    let p = &msg.properties;
    assert_eq!(p.message_id().as_ref().map(|s| s.as_str()), Some(envelope.id.as_str()));
    assert_eq!(p.correlation_id().as_ref().map(|s| s.as_str()), Some("seed-input-1"));
    assert_eq!(*p.delivery_mode(), Some(2), "persistent");
    assert_eq!(p.content_type().as_ref().map(|s| s.as_str()), Some("application/json"));
    assert_eq!(header(p, "x-wirefeed-schema").as_deref(), Some("wirefeed.event/1"));
    assert_eq!(header(p, "x-wirefeed-event-type").as_deref(), Some(envelope.primary_event_type()));
    assert_eq!(header(p, "x-wirefeed-language"), Some(envelope.item.language.clone()));
    assert_eq!(header(p, "x-wirefeed-countries"), Some(envelope.countries().join(",")));
    assert!(header(p, "x-wirefeed-source").is_some_and(|s| !s.is_empty()));
    let expected_key = format!("{}.{}", envelope.item.language, envelope.primary_event_type());
    assert_eq!(msg.routing_key.as_str(), expected_key);

    // Routed by key: the `ru.#` desk gets the Russian seed, the `en.#` desk does not.
    assert_eq!(envelope.item.language, "ru");
    assert_eq!(broker.take(&format!("{}.ru", base(&broker)), 1).await.len(), 1);
    worker.wait_acked(1).await;
    assert_eq!(broker.count(&format!("{}.en", base(&broker))).await, 0);
    assert_eq!(broker.count(&broker.cfg.rejected.queue).await, 0);

    let stats = worker.stats.clone();
    worker.stop().await;
    assert_eq!(stats.received.load(Ordering::Relaxed), 1);
    assert_eq!(stats.published.load(Ordering::Relaxed), 1);
    assert_eq!(stats.acked.load(Ordering::Relaxed), 1);
    assert_nothing_left(&broker).await;
}

fn base(broker: &TestBroker) -> String {
    broker.cfg.input.queue.trim_end_matches(".raw").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_samples_are_rejected_with_reason_and_keep_body_and_ids() {
    let broker = TestBroker::new("bad", &[]).await;
    let worker = broker.start_worker();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        broker.send_with_id(&sample(&format!("bad/{name}")), &format!("bad-{name}"), "text/plain").await;
    }
    worker.wait_acked(names.len() as u64).await;
    // Acked means confirmed: every output is in its queue by now.
    let rejected_count = broker.count(&broker.cfg.rejected.queue).await as usize;
    let event_count = broker.count(&broker.cfg.output.queue).await as usize;
    let rejected = broker.take(&broker.cfg.rejected.queue, rejected_count).await;
    let events = broker.take(&broker.cfg.output.queue, event_count).await;
    assert_eq!(rejected.len() + events.len(), names.len(), "every bad sample comes out exactly once");

    let mut rejected_names = HashSet::new();
    for msg in &rejected {
        let p = &msg.delivery.properties;
        let id = p.message_id().as_ref().expect("message_id kept").to_string();
        let name = id.strip_prefix("bad-").expect("our id").to_string();
        assert_eq!(msg.delivery.data, sample(&format!("bad/{name}")), "{name}: body kept");
        assert_eq!(
            p.content_type().as_ref().map(|s| s.as_str()),
            Some("text/plain"),
            "{name}: properties kept"
        );
        let kind = header(p, "x-wirefeed-error-kind").expect("kind header");
        assert!(["decode", "parse", "too_large", "internal"].contains(&kind.as_str()), "{name}: kind {kind}");
        assert!(header(p, "x-wirefeed-error").is_some_and(|r| r.len() > 5), "{name}: a reason");
        assert!(header(p, "x-wirefeed-stage").is_some_and(|s| !s.is_empty()), "{name}: a stage");
        rejected_names.insert(name);
    }
    for must in ["empty.txt", "whitespace-only.txt"] {
        assert!(rejected_names.contains(must), "{must} must be rejected");
    }
    worker.stop().await;
    assert_nothing_left(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_headers_and_a_missing_message_id_crash_nothing() {
    let broker = TestBroker::new("headers", &[]).await;
    let worker = broker.start_worker();
    let mut headers = FieldTable::default();
    headers.insert("x-wirefeed-error".into(), AMQPValue::Boolean(true));
    headers.insert("x-retries".into(), AMQPValue::LongString(LongString::from("not a number")));
    headers.insert("x-nested".into(), AMQPValue::FieldTable(FieldTable::default()));
    headers.insert("x-int".into(), AMQPValue::LongLongInt(-3));
    // An empty body (rejected) and a good release (an event), both without message_id or content_type.
    broker.send(b"", BasicProperties::default().with_headers(headers.clone())).await;
    broker.send(&sample(SEED), BasicProperties::default().with_headers(headers)).await;
    worker.wait_acked(2).await;

    let rejected = broker.take(&broker.cfg.rejected.queue, 1).await;
    assert_eq!(rejected.len(), 1);
    let p = &rejected[0].delivery.properties;
    assert_eq!(header(p, "x-wirefeed-error-kind").as_deref(), Some("parse"));
    assert_ne!(header(p, "x-wirefeed-error").as_deref(), Some("Boolean(true)"), "our reason replaces it");
    assert_eq!(header(p, "x-int").as_deref(), Some("LongLongInt(-3)"), "other headers kept as they were");
    let events = broker.take(&broker.cfg.output.queue, 1).await;
    assert_eq!(events.len(), 1);
    assert!(events[0].delivery.properties.correlation_id().is_none(), "no input id, no correlation id");
    assert!(events[0].delivery.properties.message_id().is_some(), "the event still has its id");
    assert!(worker.stats.is_ready(), "the worker is still up");
    worker.stop().await;
    assert_nothing_left(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unroutable_event_goes_to_rejected_as_unroutable() {
    // No all-events queue and no bindings: nothing can receive the event.
    let broker = TestBroker::configured("unroutable", &[], |cfg| cfg.output.queue.clear()).await;
    let worker = broker.start_worker();
    broker.send_with_id(&sample(SEED), "lost-1", "text/plain").await;
    let rejected = broker.take(&broker.cfg.rejected.queue, 1).await;
    assert_eq!(rejected.len(), 1, "the release lands in rejected");
    let p = &rejected[0].delivery.properties;
    assert_eq!(header(p, "x-wirefeed-error-kind").as_deref(), Some("unroutable"));
    assert!(header(p, "x-wirefeed-error").is_some_and(|r| r.contains("routing key")));
    assert_eq!(p.message_id().as_ref().map(|s| s.as_str()), Some("lost-1"));
    assert_eq!(rejected[0].delivery.data, sample(SEED), "the original release, not the event");
    worker.wait_acked(1).await;
    worker.stop().await;
    assert_nothing_left(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_while_the_worker_is_down_is_processed_after_restart() {
    let broker = TestBroker::new("restart", &[]).await;
    let first = broker.start_worker();
    first.ready().await;
    first.stop().await;

    broker.send_with_id(&sample(SEED), "while-down-1", "text/plain").await;
    assert_eq!(broker.count(&broker.cfg.input.queue).await, 1, "waiting while no worker runs");

    let second = broker.start_worker();
    let out = broker.take(&broker.cfg.output.queue, 1).await;
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].delivery.properties.correlation_id().as_ref().map(|s| s.as_str()),
        Some("while-down-1")
    );
    second.wait_acked(1).await;
    second.stop().await;
    assert_nothing_left(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_queue_share_the_load() {
    let mut broker = TestBroker::new("compete", &[]).await;
    broker.cfg.input.prefetch = 5;
    let a = broker.start_worker();
    let b = broker.start_worker();
    a.ready().await;
    b.ready().await;
    let seed = String::from_utf8(sample(SEED)).unwrap();
    const N: usize = 200;
    for i in 0..N {
        // Distinct releases (distinct headlines), so distinct event ids.
        let body = seed.replacen("Садыр", &format!("Садыр {i}"), 1);
        broker.send_with_id(body.as_bytes(), &format!("c-{i}"), "text/plain").await;
    }
    let out = broker.take(&broker.cfg.output.queue, N).await;
    assert_eq!(out.len(), N, "every release comes out");
    let ids: HashSet<String> =
        out.iter().map(|m| m.delivery.properties.correlation_id().as_ref().unwrap().to_string()).collect();
    assert_eq!(ids.len(), N, "each exactly once");
    let (ra, rb) = (a.stats.received.load(Ordering::Relaxed), b.stats.received.load(Ordering::Relaxed));
    assert!(ra > 0 && rb > 0, "both workers consumed: {ra} and {rb}");
    assert_eq!(ra + rb, N as u64, "no redeliveries");
    a.stop().await;
    b.stop().await;
    assert_nothing_left(&broker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_endpoints_report_health_readiness_and_metrics() {
    let mut broker = TestBroker::new("http", &[]).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    broker.cfg.http.addr = format!("127.0.0.1:{port}");
    let worker: RunningWorker = broker.start_worker();
    worker.ready().await;
    broker.send_with_id(&sample(SEED), "http-1", "text/plain").await;
    worker.wait_acked(1).await;
    assert!(get(port, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(get(port, "/readyz").await.starts_with("HTTP/1.1 200"));
    let metrics = get(port, "/metrics").await;
    assert!(metrics.contains("wirefeed_received_total 1"), "{metrics}");
    assert!(metrics.contains("wirefeed_acked_total 1"), "{metrics}");
    worker.stop().await;
}

/// A minimal HTTP/1.1 GET, to avoid an HTTP client dependency.
async fn get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("http connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(support::WAIT, stream.read_to_string(&mut response)).await.unwrap().unwrap();
    response
}
