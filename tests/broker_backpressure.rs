//! The broker tells the worker to slow down (issue 15): a full downstream queue nacks the worker's events, no
//! queue is behind the rejected exchange, a delivery is held past `input.max_hold_secs`. In each the worker
//! keeps the input (no requeue that would spend its delivery attempts, never an ack without a stored output),
//! retries with backoff, and once the cause is gone every release comes out. The real `wirefeed run` binary
//! against the real broker, counted with an AMQP client of the test's own (see `tests/support`).
//!
//! `cargo test --test broker_backpressure -- --nocapture` prints one `RELIABILITY |` line per scenario.
//! (The resource-alarm scenario changes the broker's memory watermark and has a binary of its own,
//! `tests/broker_alarm.rs`.)

mod support;

use std::time::{Duration, Instant};

use lapin::types::{AMQPValue, FieldTable, LongString};
use serde_json::Value;
use support::{
    declare_bound_queue, free_local_addr, http_get, log_lines_saying, process_cpu_seconds, releases,
    unacked_in, with, Collector, Harness, Input, Tally, Worker,
};

/// Generous bound for a scenario's messages to come out on a loaded two-core machine with a debug build.
const DRAIN: Duration = Duration::from_secs(180);
const START: Duration = Duration::from_secs(30);

/// The arguments of a queue that holds at most `max` messages and refuses (nacks) publishes beyond that.
fn bounded_queue_args(max: i64) -> FieldTable {
    let mut args = FieldTable::default();
    args.insert("x-max-length".into(), AMQPValue::LongLongInt(max));
    args.insert("x-overflow".into(), AMQPValue::LongString(LongString::from("reject-publish")));
    args
}

/// The latest value of a float field of the `stats` line (e.g. `paused_seconds_total`).
fn last_stat_f64(w: &Worker, name: &str) -> Option<f64> {
    w.json_lines().iter().rev().find_map(|v| {
        let fields = v.get("fields").unwrap_or(v);
        let is_stats = fields.get("message").and_then(Value::as_str) == Some("stats");
        is_stats.then(|| fields.get(name).and_then(Value::as_f64)).flatten()
    })
}

/// Waits until `done()` or `timeout`, failing with the worker's log.
async fn wait_for(what: &str, timeout: Duration, w: &mut Worker, done: impl Fn(&Worker) -> bool) {
    let deadline = Instant::now() + timeout;
    while !done(w) {
        if let Some(status) = w.try_exit() {
            panic!("the worker exited ({status}) while waiting for {what}\n{}", w.log_tail(60));
        }
        assert!(Instant::now() < deadline, "no {what} within {timeout:?}\n{}", w.log_tail(60));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// CPU seconds per wall second the worker used over `window`.
async fn cpu_share(w: &Worker, window: Duration) -> f64 {
    let before = process_cpu_seconds(w.pid());
    let t0 = Instant::now();
    tokio::time::sleep(window).await;
    (process_cpu_seconds(w.pid()) - before) / t0.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_downstream_queue_pauses_the_worker_and_loses_nothing() {
    let _serial = support::serial().await;
    const SENT: usize = 300;
    const ROOM: i64 = 20;
    const PREFETCH: usize = 50;
    let h = Harness::new("downstream-full").await;
    // The only queue behind the output exchange is the test's own, full after ROOM events.
    let no_all_queue = [("WIREFEED__OUTPUT__QUEUE", "")];
    h.declare_topology(&no_all_queue);
    declare_bound_queue(&h.names.output_queue, bounded_queue_args(ROOM), &h.names.output_exchange, "#").await;
    let inputs = releases(&format!("full-{}", h.names.suffix), 0..SENT);
    h.publish(&inputs).await;
    let http = free_local_addr();
    let prefetch = PREFETCH.to_string();
    let env = with(
        h.env(),
        &[
            ("WIREFEED__OUTPUT__QUEUE", ""),
            ("WIREFEED__INPUT__PREFETCH", &prefetch),
            ("WIREFEED__HTTP__ADDR", &http),
        ],
    );
    let mut w = Worker::spawn("worker", &env);
    wait_for("refusal warning", START, &mut w, |w| {
        !log_lines_saying(w, "the broker refuses events").is_empty()
    })
    .await;
    // Paused: the consumer is cancelled, so the broker sends nothing more (a quorum queue still lists a
    // cancelled consumer while it holds unacked messages, so the test watches what is delivered and what is
    // left in the queue); /readyz says not ready.
    wait_for("the pause", START, &mut w, |w| !log_lines_saying(w, "consumer paused").is_empty()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (ready_before, _) = h.queue_state(&h.names.input_queue).await.expect("the input queue");
    let received_before = w.last_stat("received");
    let cpu = cpu_share(&w, Duration::from_secs(8)).await;
    let (ready_after, _) = h.queue_state(&h.names.input_queue).await.expect("the input queue");
    assert_eq!(w.last_stat("received"), received_before, "deliveries taken while paused");
    assert_eq!(ready_after, ready_before, "deliveries taken while paused");
    let (status, body) = http_get(&http, "/readyz");
    assert_eq!(status, 503, "/readyz while paused: {body}");
    assert!(
        body.starts_with("paused: the broker refuses events") && body.contains(&h.names.output_exchange),
        "/readyz body {body:?}"
    );
    let (_, metrics) = http_get(&http, "/metrics");
    assert!(metrics.contains("wirefeed_paused 1\n"), "{metrics}");
    let held = unacked_in(&h.names.input_queue);
    let (full, _) = h.queue_state(&h.names.output_queue).await.expect("the output queue");
    assert_eq!(full, ROOM as u32, "the output queue holds exactly its limit");
    assert!(held > 0 && held <= PREFETCH as u64, "{held} inputs held (prefetch {PREFETCH})");
    assert!(w.try_exit().is_none(), "the worker died while paused\n{}", w.log_tail(40));
    assert!(cpu < 0.2, "the paused worker used {cpu:.3} CPU s per s");

    // The downstream consumer comes back: everything comes out, nothing in the rejected queue.
    let collector = Collector::start(&h.names);
    let done = collector.wait_until(DRAIN, |c| Tally::of(&inputs, c).lost == 0).await;
    assert_eq!(Tally::of(&inputs, &done).lost, 0, "{:?}\n{}", Tally::of(&inputs, &done), w.log_tail(60));
    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_eq!((t.lost, t.rejected, t.strangers, t.unstable_ids), (0, 0, 0, 0), "{t:?}");
    assert!(t.duplicates <= PREFETCH, "{t:?}");
    wait_for("the consumer to resume", START, &mut w, |w| w.last_stat("acked") == Some(SENT as u64)).await;
    let (status, _) = http_get(&http, "/readyz");
    assert_eq!(status, 200, "/readyz after the refusals ended");
    // Refusals spend no delivery attempt. The only redeliveries allowed are those of the cancel race: the
    // broker may return (or send after the cancel) what was in flight to the consumer when it was cancelled.
    let refusals = w.last_stat("downstream_refusals").unwrap_or(0);
    assert!(refusals > 0, "no refusal counted");
    let requeued = w.last_stat("requeued").unwrap_or(u64::MAX);
    let redelivered = w.last_stat("redelivered").unwrap_or(u64::MAX);
    assert!(
        requeued + redelivered <= PREFETCH as u64,
        "requeued {requeued}, redelivered {redelivered} for {refusals} refusals\n{}",
        w.log_tail(40)
    );
    let paused_secs = last_stat_f64(&w, "paused_seconds_total").unwrap_or(0.0);
    assert!(paused_secs >= 8.0, "paused_seconds_total {paused_secs}");
    // One WARN when a stretch of refusals starts and one when it ends, not one per message.
    let starts = log_lines_saying(&w, "the broker refuses events").len();
    let ends = log_lines_saying(&w, "the broker accepts events again").len();
    assert!(starts >= 1 && ends == starts, "{starts} start and {ends} end lines");
    assert!(starts <= SENT / 10, "{starts} refusal warnings for {SENT} releases");
    assert!(w.try_exit().is_none(), "the worker died\n{}", w.log_tail(40));
    w.sigterm_and_expect_exit_0().await;
    println!(
        "downstream full: {held} inputs held while paused, CPU {cpu:.3} s/s, paused {paused_secs:.1} s in all, \
         {refusals} refusals in {starts} stretch(es), requeued {requeued}, redelivered {redelivered}, duplicates {}",
        t.duplicates
    );
    t.report(
        &format!(
            "downstream full: the only bound queue at x-max-length {ROOM} (reject-publish), drained from ~10 s into the \
             pause; prefetch {PREFETCH}"
        ),
        "cargo test --test broker_backpressure a_full_downstream_queue_pauses_the_worker_and_loses_nothing",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_no_queue_takes_is_held_until_one_is_bound() {
    let _serial = support::serial().await;
    const GOOD: usize = 20;
    let h = Harness::new("no-rejected-queue").await;
    let no_rejected_queue = [("WIREFEED__REJECTED__QUEUE", "")];
    h.declare_topology(&no_rejected_queue);
    let tag = format!("norej-{}", h.names.suffix);
    let empty: Vec<Input> = (0..3).map(|n| Input::text(&format!("{tag}-empty-{n}"), "")).collect();
    let mut inputs = releases(&tag, 0..GOOD);
    inputs.extend(empty.iter().cloned());
    h.publish(&inputs).await;
    let mut w = Worker::spawn("worker", &with(h.env(), &no_rejected_queue));
    wait_for("the good releases to be acked", DRAIN, &mut w, |w| w.last_stat("acked") == Some(GOOD as u64))
        .await;
    wait_for("the held rejections", START, &mut w, |w| w.last_stat("in_flight") == Some(3)).await;
    // Retried a few times (first delay 100 ms, doubling), still held: not acked away.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(w.last_stat("acked"), Some(GOOD as u64), "a rejection nobody stored was acked");
    assert_eq!(unacked_in(&h.names.input_queue), 3, "the three rejected inputs are held unacked");
    let (events, _) = h.queue_state(&h.names.output_queue).await.expect("events queue");
    assert_eq!(events, GOOD as u32, "good releases keep flowing meanwhile");
    let errors = w.lines_at("ERROR");
    assert_eq!(errors.len(), 1, "one ERROR for the stretch, not one per retry: {errors:?}");
    let error = errors[0].to_string();
    let fix = format!("bind a queue to {} or set rejected.queue", h.names.rejected_exchange);
    assert!(error.contains(&fix), "{error}");
    let refusals = w.last_stat("downstream_refusals").unwrap_or(0);
    assert!(refusals >= 6, "{refusals} refusals: the rejections were not retried");

    // The operator binds a queue: the held rejections are stored, then their inputs acked.
    declare_bound_queue(&h.names.rejected_queue, FieldTable::default(), &h.names.rejected_exchange, "").await;
    let collector = Collector::start(&h.names);
    let done = collector.wait_until(DRAIN, |c| Tally::of(&inputs, c).lost == 0).await;
    let t = Tally::of(&inputs, &done);
    assert_eq!(t.lost, 0, "{t:?}\n{}", w.log_tail(40));
    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_eq!((t.delivered, t.rejected, t.duplicates, t.strangers), (GOOD, 3, 0, 0), "{t:?}");
    for r in &settled.rejected {
        assert_eq!(r.header("x-wirefeed-error-kind"), Some("parse"), "{r:?}");
        assert!(r.body.is_empty());
    }
    wait_for("the held inputs to be acked", START, &mut w, |w| {
        w.last_stat("acked") == Some(inputs.len() as u64)
    })
    .await;
    assert_eq!(log_lines_saying(&w, "the broker stores rejections again").len(), 1, "{}", w.log_tail(20));
    assert_eq!(w.last_stat("requeued"), Some(0));
    w.sigterm_and_expect_exit_0().await;
    println!("no rejected queue: {refusals} refusals before the queue was bound");
    t.report(
        "no queue behind the rejected exchange (`rejected.queue = \"\"`), 3 empty releases among 20; a queue \
         bound after ~5 s",
        "cargo test --test broker_backpressure a_rejection_no_queue_takes_is_held_until_one_is_bound",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_held_past_max_hold_is_handed_back_not_lost() {
    let _serial = support::serial().await;
    let mut h = Harness::new("max-hold").await;
    let no_all_queue = [("WIREFEED__OUTPUT__QUEUE", "")];
    h.declare_topology(&no_all_queue);
    // Room for nothing: every event is refused while this queue is bound.
    let full = format!("{}.full", h.names.output_queue);
    h.extra_queues.push(full.clone());
    declare_bound_queue(&full, bounded_queue_args(0), &h.names.output_exchange, "#").await;
    let inputs = releases(&format!("hold-{}", h.names.suffix), 0..2);
    h.publish(&inputs).await;
    let env = with(h.env(), &[("WIREFEED__OUTPUT__QUEUE", ""), ("WIREFEED__INPUT__MAX_HOLD_SECS", "2")]);
    let mut w = Worker::spawn("worker", &env);
    wait_for("a hand-back", START, &mut w, |w| w.last_stat("requeued").is_some_and(|n| n >= 2)).await;
    assert!(!log_lines_saying(&w, "held longer than input.max_hold_secs").is_empty());
    // Bind a queue with room, then delete the full one (in this order, so that events are never unroutable);
    // the handed-back inputs come out.
    declare_bound_queue(&h.names.output_queue, FieldTable::default(), &h.names.output_exchange, "#").await;
    let conn = support::connect("wf-test.max-hold.replace").await;
    let ch = conn.create_channel().await.unwrap();
    ch.queue_delete(full.as_str().into(), Default::default()).await.unwrap();
    let _ = conn.close(200, "replaced".into()).await;
    let collector = Collector::start(&h.names);
    let done = collector.wait_until(DRAIN, |c| Tally::of(&inputs, c).lost == 0).await;
    let t = Tally::of(&inputs, &collector.settle(Duration::from_secs(2)).await);
    assert_eq!((t.lost, t.rejected, t.delivered), (0, 0, 2), "{t:?} {done:?}\n{}", w.log_tail(40));
    assert!(w.last_stat("redelivered").is_some_and(|n| n >= 2), "{}", w.log_tail(20));
    w.sigterm_and_expect_exit_0().await;
    t.report(
        "delivery held past `input.max_hold_secs` (2 s; output queue of length 0): handed back, delivered later",
        "cargo test --test broker_backpressure a_delivery_held_past_max_hold_is_handed_back_not_lost",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_out_of_attempts_is_dead_lettered_and_the_log_names_it() {
    let _serial = support::serial().await;
    let h = Harness::new("out-of-attempts").await;
    let settings = [
        ("WIREFEED__OUTPUT__QUEUE", ""),
        ("WIREFEED__INPUT__DELIVERY_LIMIT", "1"),
        ("WIREFEED__INPUT__MAX_HOLD_SECS", "1"),
    ];
    h.declare_topology(&settings);
    declare_bound_queue(&h.names.output_queue, bounded_queue_args(0), &h.names.output_exchange, "#").await;
    let inputs = releases(&format!("attempts-{}", h.names.suffix), 0..1);
    let id = inputs[0].id.clone().unwrap();
    h.publish(&inputs).await;
    let mut w = Worker::spawn("worker", &with(h.env(), &settings));
    // Held past max_hold twice (two deliveries, limit 1): the broker dead-letters it.
    let deadline = Instant::now() + DRAIN;
    while h.queue_state(&h.names.rejected_queue).await.map(|(n, _)| n) != Some(1) {
        assert!(Instant::now() < deadline, "not dead-lettered\n{}", w.log_tail(40));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let last = log_lines_saying(&w, "last delivery the input queue allows");
    assert_eq!(last.len(), 1, "{}", w.log_tail(40));
    assert!(last[0].to_string().contains(&id), "the warning names the message: {}", last[0]);
    let collector = Collector::start(&h.names);
    let settled = collector.wait_until(START, |c| !c.rejected.is_empty()).await;
    let t = Tally::of(&inputs, &settled);
    assert_eq!((t.lost, t.rejected, t.delivered), (0, 1, 0), "{t:?}");
    let dead = &settled.rejected[0];
    assert_eq!(dead.header("x-first-death-reason"), Some("delivery_limit"), "{dead:?}");
    assert_eq!(dead.header("x-wirefeed-error"), None, "a broker dead-letter, not a worker rejection");
    assert!(dead.body == inputs[0].body, "dead-lettered without its body");
    assert!(w.try_exit().is_none(), "{}", w.log_tail(20));
    w.sigterm_and_expect_exit_0().await;
    t.report(
        "delivery out of attempts (`delivery_limit` 1, held past `max_hold_secs` 1 twice): dead-lettered by \
         the broker, its message id in the worker's WARN",
        "cargo test --test broker_backpressure a_delivery_out_of_attempts_is_dead_lettered_and_the_log_names_it",
    );
}
