//! Fault tests (issue 5): the real `wirefeed run` binary against the real broker, driven only through its
//! command-line contract (SPEC §4–§7) and counted with an AMQP client of the test's own.
//!
//! Each scenario uses its own queues, exchanges and connection names, and runs alone within this binary (see
//! [`support::serial`]). The broker-restart scenario lives in `tests/broker_restart.rs`: `cargo test` runs test
//! binaries one after another, so that binary never overlaps these tests.
//!
//! `cargo test --test reliability -- --nocapture` prints one `RELIABILITY |` line per scenario with the figures.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldArray, FieldTable};
use serde_json::Value;
use support::{
    close_connections, connections_named, rabbitmqctl, releases, run_cli, with, Collected, Collector,
    Harness, Input, Tally, Worker,
};

/// Generous bound for a scenario's messages to come out on a loaded two-core machine with a debug build.
const DRAIN: Duration = Duration::from_secs(180);
const START: Duration = Duration::from_secs(30);

/// A worker's connection name (each worker gets its own, so the broker can tell them apart).
fn worker_name(h: &Harness, n: usize) -> String {
    format!("wf-worker.{}.{n}", h.names.suffix)
}

/// The environment for worker `n` with `extra` settings.
fn worker_env(h: &Harness, n: usize, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let name = worker_name(h, n);
    let mut all: Vec<(&str, &str)> = vec![("WIREFEED__AMQP__CONNECTION_NAME", name.as_str())];
    all.extend_from_slice(extra);
    with(h.env(), &all)
}

fn all_done(sent: &[Input]) -> impl Fn(&Collected) -> bool + '_ {
    move |c| Tally::of(sent, c).lost == 0
}

/// Checks the figures every scenario must meet, with the workers' logs in the failure message.
fn assert_nothing_lost(t: &Tally, workers: &[&Worker]) {
    let logs = || workers.iter().map(|w| w.log_tail(60)).collect::<Vec<_>>().join("\n---\n");
    assert_eq!(t.lost, 0, "inputs lost: {t:?}\n{}", logs());
    assert_eq!(t.strangers, 0, "outputs about inputs never sent: {t:?}");
    assert_eq!(t.unstable_ids, 0, "the same input got different event ids: {t:?}");
}

/// Every event is persistent JSON with an event id.
fn assert_events_well_formed(c: &Collected) {
    for e in &c.events {
        assert_eq!(e.content_type.as_deref(), Some("application/json"), "{e:?}");
        assert_eq!(e.delivery_mode, Some(2), "events must be persistent");
        assert!(e.message_id.as_deref().is_some_and(|id| !id.is_empty()), "an event without an id");
    }
}

/// Lines that would mean an ack was sent twice or for an unknown tag (the broker closes the channel).
fn double_ack_lines(w: &Worker) -> Vec<String> {
    w.log_lines()
        .into_iter()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("precondition_failed") || l.contains("unknown delivery tag")
        })
        .collect()
}

/// Waits for the worker to exit after SIGTERM, asserting exit 0 within `limit`.
async fn stop_gracefully(w: &mut Worker, limit: Duration) -> Duration {
    let t0 = Instant::now();
    w.sigterm();
    let status = w.wait_exit(limit).await;
    let took = t0.elapsed();
    let Some(status) = status else {
        panic!("{} did not exit within {limit:?} of SIGTERM\n{}", w.label, w.log_tail(40));
    };
    assert!(status.success(), "{} exited with {status} after SIGTERM\n{}", w.label, w.log_tail(40));
    took
}

/// The prefetch the broker applies to each consumer of `queue`: per consumer (`basic.qos` global=false) or,
/// failing that, per channel.
fn consumer_prefetches(queue: &str) -> Vec<u64> {
    let consumers = rabbitmqctl(&[
        "list_consumers",
        "queue_name",
        "channel_pid",
        "prefetch_count",
        "--formatter",
        "json",
        "-q",
    ]);
    let consumers: Vec<Value> = serde_json::from_str(consumers.trim()).unwrap_or_default();
    let channels = rabbitmqctl(&[
        "list_channels",
        "pid",
        "prefetch_count",
        "global_prefetch_count",
        "--formatter",
        "json",
        "-q",
    ]);
    let channels: Vec<Value> = serde_json::from_str(channels.trim()).unwrap_or_default();
    consumers
        .iter()
        .filter(|c| c.get("queue_name").and_then(Value::as_str) == Some(queue))
        .map(|c| {
            let own = c.get("prefetch_count").and_then(Value::as_u64).unwrap_or(0);
            if own > 0 {
                return own;
            }
            let pid = c.get("channel_pid").and_then(Value::as_str).unwrap_or("");
            channels
                .iter()
                .find(|ch| ch.get("pid").and_then(Value::as_str) == Some(pid))
                .and_then(|ch| ch.get("global_prefetch_count").and_then(Value::as_u64))
                .unwrap_or(0)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harness_finds_connections_by_their_name() {
    let _serial = support::serial().await;
    let name = format!("wf-test.probe.{}", support::random_suffix());
    let conn = support::connect(&name).await;
    let found = connections_named(&name);
    let raw = || rabbitmqctl(&["list_connections", "pid", "client_properties", "-q", "--no-table-headers"]);
    assert_eq!(found.len(), 1, "{found:?}\n{}", raw());
    assert!(found[0].pid.starts_with('<') && found[0].name == name, "{found:?}\n{}", raw());
    assert_eq!(close_connections(&name, "harness self-test"), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while conn.status().connected() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!conn.status().connected(), "close_connection did not close our connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_closed_by_the_broker_mid_stream() {
    let _serial = support::serial().await;
    const PREFETCH: usize = 50;
    let h = Harness::new("conn-close").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("cc-{}", h.names.suffix), 0..1500);
    h.publish(&inputs).await;
    let mut w = Worker::spawn("worker", &worker_env(&h, 1, &[("WIREFEED__INPUT__PREFETCH", "50")]));

    let mut closed_total = 0;
    for (round, threshold) in [(1, 300usize), (2, 900)] {
        let snap = collector.wait_until(DRAIN, |c| c.events.len() >= threshold).await;
        assert!(
            snap.events.len() >= threshold,
            "round {round}: only {} events\n{}",
            snap.events.len(),
            w.log_tail(40)
        );
        let closed = close_connections(&worker_name(&h, 1), "wirefeed reliability test: connection closed");
        assert!(closed >= 1, "round {round}: no connection named {} to close", worker_name(&h, 1));
        closed_total += closed;
        // Reconnected: the broker lists the worker's connections again and it consumes again.
        h.wait_consumers(1, Duration::from_secs(60), &mut [&mut w]).await;
    }
    let warned = w.wait_log(Duration::from_secs(10), |l| l.contains("\"WARN\"")).await;
    assert!(warned, "no WARN log line after the connection was closed\n{}", w.log_tail(40));

    let done = collector.wait_until(DRAIN, all_done(&inputs)).await;
    assert_nothing_lost(&Tally::of(&inputs, &done), &[&w]);
    let prefetches = consumer_prefetches(&h.names.input_queue);
    assert_eq!(prefetches, vec![PREFETCH as u64], "prefetch after reconnecting (per consumer)");
    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_nothing_lost(&t, &[&w]);
    assert_eq!(t.rejected, 0, "{t:?}");
    assert_eq!(t.delivered, inputs.len());
    assert!(t.duplicates <= 2 * PREFETCH, "{t:?}: more duplicates than two rounds of in-flight messages");
    assert_events_well_formed(&settled);
    assert!(double_ack_lines(&w).is_empty(), "{:?}", double_ack_lines(&w));
    assert!(w.try_exit().is_none(), "the worker died\n{}", w.log_tail(40));
    stop_gracefully(&mut w, Duration::from_secs(25)).await;
    t.report(
        &format!("connection closed by the broker, 2 rounds ({closed_total} connections)"),
        "cargo test --test reliability connection_closed_by_the_broker_mid_stream",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_sigkilled_mid_stream_then_restarted() {
    let _serial = support::serial().await;
    const PREFETCH: usize = 50;
    let h = Harness::new("sigkill").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("sk-{}", h.names.suffix), 0..1500);
    h.publish(&inputs).await;
    let env = worker_env(&h, 1, &[("WIREFEED__INPUT__PREFETCH", "50")]);
    let mut first = Worker::spawn("first worker", &env);
    let snap = collector.wait_until(DRAIN, |c| c.events.len() >= 400).await;
    assert!(
        snap.events.len() >= 400,
        "only {} events before the kill\n{}",
        snap.events.len(),
        first.log_tail(40)
    );
    first.sigkill();
    let at_kill = collector.snapshot().events.len();

    let mut second = Worker::spawn("second worker", &env);
    let done = collector.wait_until(DRAIN, all_done(&inputs)).await;
    assert_nothing_lost(&Tally::of(&inputs, &done), &[&first, &second]);
    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_nothing_lost(&t, &[&first, &second]);
    assert_eq!(t.delivered, inputs.len());
    assert_eq!(t.rejected, 0, "{t:?}");
    assert!(
        t.duplicates <= PREFETCH,
        "{t:?}: more duplicates than the prefetch ({PREFETCH}) could hold in flight"
    );
    // The envelopes say which ones were redeliveries; every duplicate must be one of them.
    let redelivered = settled
        .events
        .iter()
        .filter(|e| {
            serde_json::from_slice::<Value>(&e.body)
                .ok()
                .and_then(|v| v.pointer("/x/ingest/redelivered")?.as_bool())
                == Some(true)
        })
        .count();
    assert!(redelivered <= PREFETCH, "{redelivered} events flagged redelivered, prefetch is {PREFETCH}");
    assert!(t.duplicates <= redelivered, "{t:?} but only {redelivered} events flagged x.ingest.redelivered");
    assert_events_well_formed(&settled);
    stop_gracefully(&mut second, Duration::from_secs(25)).await;
    println!("sigkill: {at_kill} events out when killed, {redelivered} redelivered after restart");
    t.report(
        "worker SIGKILLed mid-stream, then restarted (prefetch 50)",
        "cargo test --test reliability worker_sigkilled_mid_stream_then_restarted",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_five_thousand_releases() {
    let _serial = support::serial().await;
    let h = Harness::new("scale-out").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let mut workers: Vec<Worker> =
        (1..=3).map(|n| Worker::spawn(&format!("worker {n}"), &worker_env(&h, n, &[]))).collect();
    {
        let mut refs: Vec<&mut Worker> = workers.iter_mut().collect();
        h.wait_consumers(3, START, &mut refs).await;
    }
    let inputs = releases(&format!("so-{}", h.names.suffix), 0..5000);
    let t0 = Instant::now();
    h.publish(&inputs).await;
    let done = collector.wait_until(Duration::from_secs(300), all_done(&inputs)).await;
    let took = t0.elapsed();
    let refs: Vec<&Worker> = workers.iter().collect();
    assert_nothing_lost(&Tally::of(&inputs, &done), &refs);

    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_nothing_lost(&t, &refs);
    assert_eq!(t.delivered, 5000);
    assert_eq!(t.rejected, 0, "{t:?}");
    assert_eq!(t.duplicates, 0, "no fault, yet duplicates: {t:?}");
    assert_events_well_formed(&settled);
    // Each worker's share, from its own counters: the last `stats` line, written at shutdown.
    let mut shares = Vec::new();
    for w in workers.iter_mut() {
        stop_gracefully(w, Duration::from_secs(25)).await;
        assert!(double_ack_lines(w).is_empty(), "{:?}", double_ack_lines(w));
        let published = w.last_stat("published");
        assert!(published.is_some(), "{} logged no stats line with `published`\n{}", w.label, w.log_tail(20));
        shares.push(published.unwrap_or(0));
    }
    assert_eq!(shares.iter().sum::<u64>(), 5000, "events published per worker {shares:?} do not add up");
    for (n, share) in shares.iter().enumerate() {
        assert!(*share >= 500, "worker {} published only {share} of 5000 events: {shares:?}", n + 1);
    }
    println!(
        "scale-out: 5000 releases in {:.1} s; events published per worker {shares:?}",
        took.as_secs_f64()
    );
    t.report(
        &format!("scale-out: 3 workers on one queue (shares {shares:?})"),
        "cargo test --test reliability three_workers_share_five_thousand_releases",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_work_in_flight_exits_cleanly() {
    let _serial = support::serial().await;
    const GRACE: u64 = 10;
    let h = Harness::new("sigterm").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("st-{}", h.names.suffix), 0..2000);
    h.publish(&inputs).await;
    let env =
        worker_env(&h, 1, &[("WIREFEED__INPUT__PREFETCH", "100"), ("WIREFEED__SHUTDOWN_GRACE_SECS", "10")]);
    let mut first = Worker::spawn("first worker", &env);
    let snap = collector.wait_until(DRAIN, |c| c.events.len() >= 300).await;
    assert!(snap.events.len() >= 300, "only {} events\n{}", snap.events.len(), first.log_tail(40));
    let took = stop_gracefully(&mut first, Duration::from_secs(GRACE + 2)).await;
    assert!(
        took <= Duration::from_secs(GRACE) + Duration::from_millis(1500),
        "exit took {took:?}, shutdown_grace_secs is {GRACE}"
    );
    assert!(double_ack_lines(&first).is_empty(), "{:?}", double_ack_lines(&first));
    let (ready, consumers) = h.queue_state(&h.names.input_queue).await.expect("input queue");
    assert_eq!(consumers, 0);
    let before = collector.settle(Duration::from_secs(1)).await;
    let out_before = Tally::of(&inputs, &before).delivered;
    assert!(
        out_before + ready as usize >= inputs.len(),
        "after SIGTERM: {out_before} delivered + {ready} still queued < {} sent",
        inputs.len()
    );

    let mut second = Worker::spawn("second worker", &env);
    let done = collector.wait_until(DRAIN, all_done(&inputs)).await;
    assert_nothing_lost(&Tally::of(&inputs, &done), &[&first, &second]);
    let settled = collector.settle(Duration::from_secs(2)).await;
    stop_gracefully(&mut second, Duration::from_secs(GRACE + 2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_nothing_lost(&t, &[&first, &second]);
    assert_eq!(t.delivered, inputs.len());
    assert_eq!(t.duplicates, 0, "a graceful stop finishes and acks its in-flight work: {t:?}");
    assert!(double_ack_lines(&second).is_empty(), "{:?}", double_ack_lines(&second));
    let (ready, consumers) = h.queue_state(&h.names.input_queue).await.expect("input queue");
    assert_eq!((ready, consumers), (0, 0), "messages left in the input queue (unacked ones return as ready)");
    println!("sigterm: exit 0 in {took:?} (grace {GRACE} s); {out_before} out before the stop");
    t.report(
        &format!("graceful stop (SIGTERM) with work in flight, exit 0 in {:.1} s", took.as_secs_f64()),
        "cargo test --test reliability sigterm_with_work_in_flight_exits_cleanly",
    );
}

/// What a hostile input must lead to.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Rejected with one of these kinds.
    Rejected(&'static [&'static str]),
    /// An event, or a rejection of one of these kinds (the contract leaves both open); never `internal`.
    Either(&'static [&'static str]),
}

/// Pseudo-random bytes from a fixed seed (reproducible).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

fn hostile_inputs(tag: &str) -> Vec<(&'static str, Input, Expect)> {
    const NOT_TEXT: &[&str] = &["decode", "parse"];
    let id = |name: &str| format!("{name}-{tag}");
    let good = support::release_body(0, tag);
    let mut mid_invalid = good.clone().into_bytes();
    let middle = mid_invalid.len() / 2;
    let middle = (middle..mid_invalid.len()).find(|&i| good.is_char_boundary(i)).unwrap();
    mid_invalid.splice(middle..middle, [0xC3, 0x28, 0xFF, 0xFE, 0x80]);
    let mut one_line = b" date 2025-08-22 ".to_vec();
    one_line.extend(std::iter::repeat_n(b'x', 1_000_000));
    let deep = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend(noise(2048, 7));
    let mut odd_headers = FieldTable::default();
    let mut table = FieldTable::default();
    table.insert("nested".into(), AMQPValue::LongLongInt(1));
    odd_headers.insert("x-wirefeed-source".into(), AMQPValue::FieldTable(table));
    odd_headers.insert(
        "x-wirefeed-language".into(),
        AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::Boolean(true)])),
    );
    odd_headers.insert("x-priority-note".into(), AMQPValue::Double(1.5));
    let with_headers = Input { headers: Some(odd_headers), ..Input::text(&id("odd-headers"), good.clone()) };
    let no_id = Input { id: None, ..Input::text("", support::release_body(1, tag)) };
    let ct = |name: &str, body: Vec<u8>, ct: &str| Input {
        content_type: Some(ct.into()),
        ..Input::text(&id(name), body)
    };
    vec![
        ("0 bytes", Input::text(&id("empty"), Vec::new()), Expect::Rejected(&["parse"])),
        (
            "64 KB of random bytes",
            Input { content_type: None, ..Input::text(&id("random"), noise(65_536, 1)) },
            Expect::Rejected(NOT_TEXT),
        ),
        (
            "the bad/random.bin sample",
            Input::text(
                &id("random-sample"),
                std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/bad/random.bin")).unwrap(),
            ),
            Expect::Rejected(NOT_TEXT),
        ),
        ("10,000 NUL bytes", Input::text(&id("nul"), vec![0u8; 10_000]), Expect::Rejected(NOT_TEXT)),
        (
            "invalid UTF-8 in the middle of a release",
            Input::text(&id("mid-invalid-utf8"), mid_invalid),
            Expect::Rejected(&["decode"]),
        ),
        (
            "10 MB body (max_body_bytes is 1 MiB)",
            Input::text(&id("ten-mb"), vec![b'a'; 10 * 1024 * 1024]),
            Expect::Rejected(&["too_large"]),
        ),
        ("1 MB on a single line", Input::text(&id("one-line"), one_line), Expect::Either(&["parse"])),
        (
            "JSON nested 100,000 deep",
            ct("deep-json", deep.into_bytes(), "application/json"),
            Expect::Rejected(&["parse"]),
        ),
        (
            "a JSON array instead of an object",
            ct("json-array", br#"[{"headline":"a","body":"b"}]"#.to_vec(), "application/json"),
            Expect::Rejected(&["parse"]),
        ),
        (
            "JSON with wrong field types",
            ct("json-types", br#"{"headline":5,"body":["x"]}"#.to_vec(), "application/json"),
            Expect::Rejected(&["parse"]),
        ),
        ("content_type image/png with PNG bytes", ct("png", png, "image/png"), Expect::Rejected(NOT_TEXT)),
        (
            "content_type image/png on a text release",
            ct("png-text", good.clone().into_bytes(), "image/png"),
            Expect::Either(NOT_TEXT),
        ),
        (
            "an unknown charset",
            ct("charset", good.clone().into_bytes(), "text/plain; charset=x-no-such-charset"),
            Expect::Either(NOT_TEXT),
        ),
        ("headers of the wrong type (table, array, float)", with_headers, Expect::Either(NOT_TEXT)),
        ("no message_id", no_id, Expect::Either(&[])),
        (
            "a panic inside a stage (fault injection)",
            Input::text(&id("panic"), format!("{good}\n\nWIREFEED_TEST_PANIC")),
            Expect::Rejected(&["internal"]),
        ),
    ]
}

/// What became of one hostile input (for the printed table), and what is wrong with it, if anything.
fn judge_hostile(
    what: &str,
    input: &Input,
    expect: Expect,
    c: &Collected,
    log: &str,
) -> (String, Vec<String>) {
    let mut wrong = Vec::new();
    let event = c.events.iter().find(|e| e.correlation_id == input.id);
    let rejected = c.rejected.iter().find(|r| r.message_id == input.id);
    let outcome = match (event, rejected) {
        (Some(_), Some(_)) => {
            wrong.push(format!("{what}: both an event and a rejection"));
            "event and rejection".to_string()
        }
        (None, None) => {
            wrong.push(format!("{what}: no outcome at all"));
            "nothing".to_string()
        }
        (Some(e), None) => {
            if let Expect::Rejected(kinds) = expect {
                wrong.push(format!("{what}: processed into an event, but must be rejected as {kinds:?}"));
            }
            let warnings = serde_json::from_slice::<Value>(&e.body)
                .ok()
                .and_then(|v| v.pointer("/x/warnings").and_then(Value::as_array).map(Vec::len))
                .unwrap_or(0);
            // The input's odd headers must not leak into the event's own: those are plain strings.
            for name in
                ["x-wirefeed-schema", "x-wirefeed-event-type", "x-wirefeed-language", "x-wirefeed-source"]
            {
                match e.header(name) {
                    None => wrong.push(format!("{what}: the event has no {name} header")),
                    Some(v) if v.starts_with("FieldTable") || v.starts_with("FieldArray") => {
                        wrong.push(format!("{what}: the event's {name} header is not a string: {v}"))
                    }
                    Some(_) => {}
                }
            }
            format!("event ({warnings} warnings)")
        }
        (None, Some(r)) => {
            let (Expect::Rejected(kinds) | Expect::Either(kinds)) = expect;
            let kind = r.header("x-wirefeed-error-kind").unwrap_or("<none>");
            let reason = r.header("x-wirefeed-error").unwrap_or("");
            if !kinds.contains(&kind) {
                wrong.push(format!("{what}: rejected as {kind} ({reason}), expected one of {kinds:?}"));
            }
            if reason.split_whitespace().count() < 2 {
                wrong.push(format!("{what}: the reason {reason:?} says too little"));
            }
            if r.header("x-wirefeed-stage").is_none_or(|s| s.is_empty()) {
                wrong.push(format!("{what}: no x-wirefeed-stage header"));
            }
            if r.body != input.body {
                wrong.push(format!("{what}: the rejected message lost its body ({} bytes)", r.body.len()));
            }
            if r.content_type != input.content_type {
                wrong.push(format!("{what}: content_type {:?} not kept", input.content_type));
            }
            if kind == "too_large" && !reason.contains("max_body_bytes") {
                wrong.push(format!("{what}: the reason should name max_body_bytes: {reason}"));
            }
            if let Some(id) = &input.id {
                let logged = log
                    .lines()
                    .any(|l| l.contains("\"WARN\"") && l.contains(id.as_str()) && l.contains(kind));
                if !logged {
                    wrong.push(format!("{what}: no WARN log line with the message id and kind {kind}"));
                }
            }
            format!("rejected `{kind}`: {reason}")
        }
    };
    (outcome, wrong)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_rejected_and_the_worker_stays_up() {
    let _serial = support::serial().await;
    let h = Harness::new("hostile").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let env = worker_env(&h, 1, &[("WIREFEED_FAULT_INJECTION", "panic-on-marker")]);
    let mut w = Worker::spawn("worker", &env);
    h.wait_consumers(1, START, &mut [&mut w]).await;

    let cases = hostile_inputs(&h.names.suffix);
    let inputs: Vec<Input> = cases.iter().map(|(_, i, _)| i.clone()).collect();
    // One input at a time, so a crash is pinned on the input that caused it.
    for (what, input, _) in &cases {
        h.publish(std::slice::from_ref(input)).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(w.try_exit().is_none(), "the worker died on {what}\n{}", w.log_tail(40));
    }
    let sentinel = releases(&format!("sentinel-{}", h.names.suffix), 0..1);
    h.publish(&sentinel).await;

    let mut all = inputs.clone();
    all.extend(sentinel.iter().cloned());
    let with_id: Vec<Input> = all.iter().filter(|i| i.id.is_some()).cloned().collect();
    let done = collector
        .wait_until(Duration::from_secs(120), |c| {
            Tally::of(&with_id, c).lost == 0
                && (c.events.iter().any(|e| e.correlation_id.is_none())
                    || c.rejected.iter().any(|r| r.message_id.is_none()))
        })
        .await;
    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&with_id, &settled);
    assert_nothing_lost(&t, &[&w]);
    assert!(
        done.events.len() + done.rejected.len() >= all.len(),
        "some hostile input had no outcome\n{}",
        w.log_tail(60)
    );
    assert!(w.try_exit().is_none(), "the worker died\n{}", w.log_tail(40));
    assert_eq!(t.duplicates, 0, "{t:?}");

    let log = w.log_text();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (what, input, expect) in &cases {
        let (outcome, mut wrong) = judge_hostile(what, input, *expect, &settled, &log);
        rows.push(format!("  {what}: {outcome}"));
        problems.append(&mut wrong);
    }
    println!("hostile inputs:\n{}", rows.join("\n"));
    assert!(
        problems.is_empty(),
        "hostile inputs handled wrongly:\n{}\n\n{}",
        problems.join("\n"),
        w.log_tail(30)
    );
    assert!(
        settled.events.iter().any(|e| e.correlation_id == sentinel[0].id),
        "the release sent after the hostile ones did not come out"
    );
    stop_gracefully(&mut w, Duration::from_secs(25)).await;
    let (ready, consumers) = h.queue_state(&h.names.input_queue).await.expect("input queue");
    assert_eq!((ready, consumers), (0, 0), "hostile input left in the input queue");
    let anonymous = settled.events.iter().filter(|e| e.correlation_id.is_none()).count();
    let t_all = Tally { sent: all.len(), delivered: t.delivered + anonymous, ..t };
    t_all.report(
        &format!("hostile input ({} kinds + 1 good release after them)", cases.len()),
        "cargo test --test reliability hostile_input_is_rejected_and_the_worker_stays_up",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_keeps_failing_is_dead_lettered_by_the_delivery_limit() {
    let _serial = support::serial().await;
    const LIMIT: usize = 2;
    let h = Harness::new("poison").await;
    h.declare_topology(&[("WIREFEED__INPUT__DELIVERY_LIMIT", "2")]);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("poison-{}", h.names.suffix), 0..3);
    h.publish(&inputs).await;

    // A consumer that fails every message transiently (nack, requeue), as a worker would on a broken stage
    // that never recovers. The queue's delivery limit must stop the loop.
    let conn = support::connect(&format!("wf-test.{}.nacker", h.names.suffix)).await;
    let ch = conn.create_channel().await.unwrap();
    ch.basic_qos(10, BasicQosOptions::default()).await.unwrap();
    let mut consumer = ch
        .basic_consume(
            h.names.input_queue.as_str().into(),
            "nacker".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut deliveries: HashMap<String, usize> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Tally::of(&inputs, &collector.snapshot()).rejected < inputs.len() {
        assert!(Instant::now() < deadline, "still looping after 60 s: {deliveries:?}");
        let next = tokio::time::timeout(Duration::from_millis(500), consumer.next()).await;
        if let Ok(Some(Ok(d))) = next {
            let id = d.properties.message_id().as_ref().map(|s| s.to_string()).unwrap_or_default();
            *deliveries.entry(id).or_default() += 1;
            d.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await.unwrap();
        }
    }
    let _ = conn.close(200, "done".into()).await;
    let settled = collector.settle(Duration::from_secs(1)).await;
    let t = Tally::of(&inputs, &settled);
    assert_eq!(t.rejected, inputs.len(), "{t:?}");
    assert_eq!(t.lost, 0);
    for input in &inputs {
        let id = input.id.as_deref().unwrap();
        let n = deliveries.get(id).copied().unwrap_or(0);
        assert!((LIMIT..=LIMIT + 1).contains(&n), "{id} was delivered {n} times with delivery limit {LIMIT}");
        let dead = settled.rejected.iter().find(|r| r.message_id.as_deref() == Some(id)).unwrap();
        assert_eq!(dead.header("x-first-death-reason"), Some("delivery_limit"), "{dead:?}");
        assert!(dead.body == input.body, "dead-lettered without its body");
    }
    let (ready, _) = h.queue_state(&h.names.input_queue).await.expect("input queue");
    assert_eq!(ready, 0);
    let max = deliveries.values().max().copied().unwrap_or(0);
    println!("poison: deliveries per message {deliveries:?}");
    Tally { duplicates: 0, ..t }.report(
        &format!(
            "poison message nacked forever, delivery_limit {LIMIT}: dead-lettered after {max} deliveries"
        ),
        "cargo test --test reliability a_message_that_keeps_failing_is_dead_lettered_by_the_delivery_limit",
    );
}

/// A broker user created for one test and deleted afterwards, even if the test fails.
struct TempUser(String);

impl TempUser {
    fn create(name: &str, password: &str) -> Self {
        rabbitmqctl(&["add_user", name, password]);
        let user = TempUser(name.to_string());
        rabbitmqctl(&["set_permissions", "-p", "/", name, ".*", ".*", ".*"]);
        user
    }
}

impl Drop for TempUser {
    fn drop(&mut self) {
        let _ = std::process::Command::new("rabbitmqctl").args(["delete_user", &self.0]).output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_never_appear_in_logs_or_errors() {
    let _serial = support::serial().await;
    let h = Harness::new("creds").await;
    let suffix = &h.names.suffix;
    let user = format!("wf-test-user-{suffix}");
    let password = format!("Zebra{}Quokka", suffix.replace('-', ""));
    let wrong = format!("Wrong{}Walrus", suffix.replace('-', ""));
    let _user = TempUser::create(&user, &password);
    let url = |pw: &str| format!("amqp://{user}:{pw}@127.0.0.1:5672/%2f");

    // Wrong password: every command fails, says why, and never prints the password.
    let bad_env = with(h.env(), &[("WIREFEED__AMQP__URL", &url(&wrong))]);
    let topology = run_cli(&["topology"], &bad_env, Duration::from_secs(60));
    assert!(!topology.status.success(), "topology succeeded with a wrong password");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/sayasat-2025-08-22.txt");
    let publish = run_cli(&["publish", sample], &bad_env, Duration::from_secs(60));
    assert!(!publish.status.success(), "publish succeeded with a wrong password");
    let mut w = Worker::spawn(
        "worker (wrong password)",
        &worker_env(&h, 1, &[("WIREFEED__AMQP__URL", &url(&wrong))]),
    );
    // Let it try (and fail) for a few seconds; it may exit or keep retrying with backoff.
    if w.wait_exit(Duration::from_secs(6)).await.is_none() {
        // Still retrying with backoff: SIGTERM must end it cleanly even though it never connected.
        let took = stop_gracefully(&mut w, Duration::from_secs(5)).await;
        println!("credentials: SIGTERM during reconnect backoff, exit 0 in {took:?}");
    }
    let wrong_log = w.log_text();
    drop(w);
    for (what, text) in [
        ("topology", format!("{}{}", topology.stdout, topology.stderr)),
        ("publish", format!("{}{}", publish.stdout, publish.stderr)),
        ("run", wrong_log.clone()),
    ] {
        assert!(!text.trim().is_empty(), "{what}: failed without saying why");
        assert!(!text.contains(&wrong), "{what} printed the password:\n{text}");
    }

    // amqps:// (rustls) with the right password against the plain-AMQP port: the TLS handshake fails, the
    // command says so, and the password still does not show.
    let tls_env =
        with(h.env(), &[("WIREFEED__AMQP__URL", &format!("amqps://{user}:{password}@127.0.0.1:5672/%2f"))]);
    let tls = run_cli(&["topology"], &tls_env, Duration::from_secs(60));
    assert!(!tls.status.success(), "amqps:// to a plain AMQP port cannot succeed");
    let tls_text = format!("{}{}", tls.stdout, tls.stderr);
    assert!(
        !tls_text.trim().is_empty() && !tls_text.contains(&password),
        "amqps failure output:\n{tls_text}"
    );
    println!("amqps:// against a plain port: {}", tls.stderr.trim());

    // Right password, debug logging (where libraries log the most): still never the password.
    let good_env =
        with(h.env(), &[("WIREFEED__AMQP__URL", &url(&password)), ("WIREFEED__LOG__LEVEL", "debug")]);
    let topology = run_cli(&["topology"], &good_env, Duration::from_secs(60));
    assert!(topology.status.success(), "topology failed: {}", topology.stderr);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("cr-{suffix}"), 0..20);
    h.publish(&inputs).await;
    let mut w = Worker::spawn(
        "worker (right password)",
        &worker_env(&h, 1, &[("WIREFEED__AMQP__URL", &url(&password)), ("WIREFEED__LOG__LEVEL", "debug")]),
    );
    let done = collector.wait_until(DRAIN, all_done(&inputs)).await;
    assert_nothing_lost(&Tally::of(&inputs, &done), &[&w]);
    stop_gracefully(&mut w, Duration::from_secs(25)).await;
    for (what, text) in
        [("topology", format!("{}{}", topology.stdout, topology.stderr)), ("run", w.log_text())]
    {
        assert!(!text.contains(&password), "{what} printed the password:\n{text}");
    }
    println!("credentials: wrong-password run logged {} lines, right-password debug run {} lines, neither with the password",
        wrong_log.lines().count(), w.log_lines().len());
}
