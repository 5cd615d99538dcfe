//! SIGTERM with messages in flight: the `wirefeed run` binary stops consuming, finishes what it holds, acks
//! it, closes, and exits 0, and nothing is lost (issue 3; SPEC §4).

mod support;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{sample, TestBroker};

/// The worker's configuration as the environment an operator would set.
fn worker_command(broker: &TestBroker) -> Command {
    let cfg = &broker.cfg;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    cmd.arg("run")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("WIREFEED__AMQP__URL", &cfg.amqp.url)
        .env("WIREFEED__AMQP__CONNECTION_NAME", &cfg.amqp.connection_name)
        .env("WIREFEED__INPUT__QUEUE", &cfg.input.queue)
        .env("WIREFEED__INPUT__PREFETCH", "100")
        .env("WIREFEED__OUTPUT__EXCHANGE", &cfg.output.exchange)
        .env("WIREFEED__OUTPUT__QUEUE", &cfg.output.queue)
        .env("WIREFEED__REJECTED__EXCHANGE", &cfg.rejected.exchange)
        .env("WIREFEED__REJECTED__QUEUE", &cfg.rejected.queue)
        .env("WIREFEED__PIPELINE__WORKERS", "2")
        .env("WIREFEED__SHUTDOWN_GRACE_SECS", "15")
        .env("WIREFEED__LOG__STATS_INTERVAL_SECS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_messages_in_flight_exits_zero_and_loses_nothing() {
    let broker = TestBroker::new("sigterm", &[]).await;
    let seed = String::from_utf8(sample("sayasat-2025-08-22.txt")).unwrap();
    const N: usize = 600;
    for i in 0..N {
        let body = seed.replacen("Садыр", &format!("Садыр {i}"), 1);
        broker.send_with_id(body.as_bytes(), &format!("t-{i}"), "text/plain").await;
    }
    let mut child = worker_command(&broker).spawn().expect("starting wirefeed run");
    // Stop it mid-stream: once some events are out, with the rest of its prefetch window in flight.
    let out_before = broker.wait_for_count(&broker.cfg.output.queue, 20).await;
    assert!(out_before >= 20, "the worker never got going");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());

    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("wirefeed did not exit within 30 s of SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(exit.success(), "exit status {exit:?}; log:\n{log}");
    let cancelled = log.lines().find(|l| l.contains("consumer cancelled"));
    assert!(cancelled.is_some(), "it stopped consuming first; log:\n{log}");
    eprintln!("{}", cancelled.unwrap_or_default());
    assert!(!log.contains("guest:guest"), "no credentials in the log");

    // Nothing lost: every input is either out (exactly once) or still waiting in the input queue.
    let left = broker.count(&broker.cfg.input.queue).await as usize;
    let out_count = broker.count(&broker.cfg.output.queue).await as usize;
    let out = broker.take(&broker.cfg.output.queue, out_count).await;
    let ids: HashSet<String> =
        out.iter().map(|m| m.delivery.properties.correlation_id().as_ref().unwrap().to_string()).collect();
    assert_eq!(ids.len(), out.len(), "no duplicates after a graceful stop");
    assert_eq!(out.len() + left, N, "{} out + {left} waiting != {N} sent", out.len());
    assert_eq!(broker.count(&broker.cfg.rejected.queue).await, 0);
}
