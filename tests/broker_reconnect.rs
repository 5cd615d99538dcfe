//! The broker closes the worker's consuming connection mid-stream (as `rabbitmqctl close_connection` on its
//! named connection does): the worker logs, reconnects, re-applies its prefetch, and every input comes out.
//! Needs `rabbitmqctl` on the PATH (it is wherever the broker runs locally, and in CI).

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use support::{sample, TestBroker};

/// The broker-side pid of the connection whose client-given name is exactly `name`.
fn connection_pid(name: &str) -> Option<String> {
    let out = Command::new("rabbitmqctl")
        .args(["-q", "list_connections", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let quoted = format!("\"{name}\"");
    text.lines()
        .find(|line| line.contains(&quoted))
        .and_then(|line| line.split_whitespace().next())
        .map(str::to_string)
}

fn close_connection(name: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    let pid = loop {
        if let Some(pid) = connection_pid(name) {
            break pid;
        }
        assert!(Instant::now() < deadline, "connection {name} not listed by rabbitmqctl");
        std::thread::sleep(Duration::from_millis(200));
    };
    let status = Command::new("rabbitmqctl")
        .args(["-q", "close_connection", &pid, "wirefeed test: connection killed"])
        .status()
        .unwrap();
    assert!(status.success(), "close_connection {pid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_consume_connection_is_reopened_and_nothing_is_lost() {
    let broker = TestBroker::configured("reconnect", &[], |cfg| cfg.input.prefetch = 20).await;
    let seed = String::from_utf8(sample("sayasat-2025-08-22.txt")).unwrap();
    const N: usize = 400;
    for i in 0..N {
        let body = seed.replacen("Садыр", &format!("Садыр {i}"), 1);
        broker.send_with_id(body.as_bytes(), &format!("r-{i}"), "text/plain").await;
    }
    let worker = broker.start_worker();
    worker.ready().await;
    let name = format!("{}.consume", broker.cfg.amqp.connection_name);
    tokio::task::spawn_blocking(move || close_connection(&name)).await.unwrap();

    // Redelivered inputs may come out twice (same event id), so keep reading until every input has come out
    // (or the time is up): a fixed count of messages could be filled by duplicates.
    let mut ids: HashSet<String> = HashSet::new();
    let deadline = Instant::now() + support::WAIT;
    while ids.len() < N && Instant::now() < deadline {
        let batch = broker.take(&broker.cfg.output.queue, N - ids.len()).await;
        ids.extend(
            batch.iter().map(|m| m.delivery.properties.correlation_id().as_ref().unwrap().to_string()),
        );
    }
    assert_eq!(ids.len(), N, "every input came out at least once");
    let deadline = Instant::now() + support::WAIT;
    while worker.stats.reconnects.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(worker.stats.reconnects.load(Ordering::Relaxed) >= 1, "the worker reconnected");
    worker.ready().await;
    worker.stop().await;
    assert_eq!(broker.count(&broker.cfg.input.queue).await, 0);
    assert_eq!(broker.count(&broker.cfg.rejected.queue).await, 0);
}
