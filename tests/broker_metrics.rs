//! `/metrics`, `/readyz` and the `stats` line of the real `wirefeed run` binary against a real RabbitMQ
//! (issue 15): the latencies are Prometheus histograms whose buckets add up to what the worker did, the pause
//! state is exposed, and the last `stats` line, written once the work is drained after SIGTERM, counts all of it.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{with, Harness, Input, Worker};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const WAIT: Duration = Duration::from_secs(60);

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `GET path`: `(status code, body)`, or `None` while nothing listens.
async fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await.ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.split(' ').nth(1)?.parse().ok()?, body.to_string()))
}

/// Every sample of the exposition: series (name and labels) → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// The `le` buckets of histogram `name` in exposition order, checked to be cumulative and to end in `+Inf`
/// equal to `_count`; returns `_count`.
fn histogram_count(text: &str, name: &str) -> f64 {
    assert!(text.contains(&format!("# TYPE {name} histogram\n")), "{name} is a histogram:\n{text}");
    let prefix = format!("{name}_bucket{{le=\"");
    let buckets: Vec<(String, f64)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (le, value) = rest.split_once("\"} ")?;
            Some((le.to_string(), value.parse().unwrap()))
        })
        .collect();
    assert_eq!(buckets.len(), 17, "16 bounds and +Inf: {buckets:?}");
    assert_eq!(buckets[0].0, "0.0001");
    assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "cumulative: {buckets:?}");
    let all = samples(text);
    let count = all[&format!("{name}_count")];
    assert_eq!(buckets.last().unwrap(), &("+Inf".to_string(), count));
    assert!(all[&format!("{name}_sum")] > 0.0 || count == 0.0);
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_histograms_that_add_up_and_the_last_stats_line_follows_the_drain() {
    let h = Harness::new("metrics").await;
    h.declare_topology(&[]);
    let port = free_port();
    let env = with(
        h.env(),
        &[
            ("WIREFEED__HTTP__ADDR", &format!("127.0.0.1:{port}")),
            ("WIREFEED__LOG__STATS_INTERVAL_SECS", "3600"),
        ],
    );
    let mut worker = Worker::spawn("metrics-worker", &env);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some((200, body)) = get(port, "/readyz").await {
            assert_eq!(body, "ready\n");
            break;
        }
        assert!(worker.try_exit().is_none(), "the worker exited:\n{}", worker.log_tail(30));
        assert!(Instant::now() < deadline, "/readyz never said ready:\n{}", worker.log_tail(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut inputs = support::releases("metrics", 0..4);
    inputs.push(Input::text("metrics-empty", ""));
    h.publish(&inputs).await;
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let (status, text) = get(port, "/metrics").await.expect("/metrics answers");
        assert_eq!(status, 200);
        if samples(&text).get("wirefeed_acked_total") == Some(&5.0) {
            break text;
        }
        assert!(Instant::now() < deadline, "not all acked:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let all = samples(&text);
    assert_eq!(all["wirefeed_published_total"], 4.0);
    assert_eq!(all["wirefeed_rejected_total"], 1.0);
    assert_eq!(histogram_count(&text, "wirefeed_pipeline_seconds"), 5.0, "one pipeline run per input");
    assert_eq!(histogram_count(&text, "wirefeed_e2e_seconds"), 5.0, "one confirmed output per input");
    for (series, value) in [
        ("wirefeed_up", 1.0),
        ("wirefeed_paused", 0.0),
        ("wirefeed_blocked", 0.0),
        ("wirefeed_paused_seconds_total", 0.0),
        ("wirefeed_blocked_seconds_total", 0.0),
        ("wirefeed_downstream_refusals_total", 0.0),
    ] {
        assert_eq!(all.get(series), Some(&value), "{series}:\n{text}");
    }

    worker.sigterm();
    let exit = worker.wait_exit(WAIT).await.expect("the worker exits after SIGTERM");
    assert!(exit.success(), "worker exit {exit}:\n{}", worker.log_tail(30));
    // With a stats interval of an hour, the only `stats` line is the last one, written after the drain.
    let stats: Vec<Value> = worker
        .log_lines()
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "stats" || v["message"] == "stats")
        .collect();
    assert_eq!(stats.len(), 1, "{}", worker.log_text());
    let line = stats[0].get("fields").unwrap_or(&stats[0]);
    assert_eq!(line["acked"], 5, "{line}");
    assert_eq!(line["paused"], false, "{line}");
    assert_eq!(line["blocked"], false, "{line}");
    assert_eq!(line["downstream_refusals"], 0, "{line}");
    assert!(line["paused_seconds_total"].is_number() && line["blocked_seconds_total"].is_number(), "{line}");
}
