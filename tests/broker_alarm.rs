//! A memory alarm mid-stream (`rabbitmqctl set_vm_memory_high_watermark absolute 1`): the broker blocks the
//! worker's publishing connection. The worker waits — no confirm timeout tears the session down, no
//! reconnect, no redelivery — pauses its consumer meanwhile, and carries on once the alarm clears.
//!
//! The alarm blocks every publisher on the broker, so this test has a binary of its own (`cargo test` runs
//! test binaries one after another, so no other test of this crate overlaps it) and takes the harness's lock.
//! A guard puts back the watermark the broker had before (read at the start), whatever the outcome.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{
    free_local_addr, http_get, log_lines_saying, process_cpu_seconds, rabbitmqctl, releases, with, Collector,
    Harness, Tally, Worker,
};

/// Puts the broker's memory high watermark back to what it was when dropped.
struct WatermarkGuard {
    /// The `set_vm_memory_high_watermark` arguments that restore it, e.g. `["0.4"]`.
    restore: Vec<String>,
    raised: bool,
}

impl WatermarkGuard {
    /// Reads the current watermark, then sets an alarm-raising one.
    fn raise_alarm() -> Self {
        let current = rabbitmqctl(&["eval", "vm_memory_monitor:get_vm_memory_high_watermark()."]);
        let restore = restore_args(current.trim());
        // Marked raised before the command, so a half-done `set` is still undone.
        let guard = WatermarkGuard { restore, raised: true };
        rabbitmqctl(&["set_vm_memory_high_watermark", "absolute", "1"]);
        guard
    }

    fn clear(&mut self) {
        let args: Vec<&str> = std::iter::once("set_vm_memory_high_watermark")
            .chain(self.restore.iter().map(String::as_str))
            .collect();
        rabbitmqctl(&args);
        self.raised = false;
    }
}

impl Drop for WatermarkGuard {
    fn drop(&mut self) {
        if self.raised {
            let _ = std::process::Command::new("rabbitmqctl")
                .arg("set_vm_memory_high_watermark")
                .args(&self.restore)
                .status();
        }
    }
}

/// `set_vm_memory_high_watermark` arguments for what `get_vm_memory_high_watermark()` printed: a fraction
/// (`0.4`) or `{absolute,Bytes}`.
fn restore_args(current: &str) -> Vec<String> {
    if let Some(inner) = current.strip_prefix("{absolute,").and_then(|r| r.strip_suffix('}')) {
        return vec!["absolute".into(), inner.trim().to_string()];
    }
    assert!(current.parse::<f64>().is_ok(), "unexpected watermark {current:?}");
    vec![current.to_string()]
}

/// Whether any client connection is blocked right now (the alarm has reached the worker's publisher).
fn blocked_connection_listed(prefix: &str) -> bool {
    let out = rabbitmqctl(&["list_connections", "client_properties", "state", "-q", "--no-table-headers"]);
    out.lines().any(|l| l.contains(prefix) && l.trim_end().ends_with("blocked"))
}

fn lines_saying(w: &Worker, text: &str) -> usize {
    log_lines_saying(w, text).len()
}

/// Waits for the first events of `w`, raises the alarm, and waits until the worker reports the block.
/// Returns the guard, when the alarm was raised, and how many events had come out by then.
async fn alarm_mid_stream(collector: &Collector, w: &Worker) -> (WatermarkGuard, Instant, usize) {
    let snap = collector.wait_until(Duration::from_secs(120), |c| c.events.len() >= 30).await;
    let before = snap.events.len();
    assert!(before >= 30, "only {before} events before the alarm\n{}", w.log_tail(40));
    // From the start of the `rabbitmqctl` calls, which take a second or more each.
    let t0 = Instant::now();
    let alarm = WatermarkGuard::raise_alarm();
    let deadline = t0 + Duration::from_secs(20);
    while lines_saying(w, "the broker blocked the connection") == 0 {
        assert!(Instant::now() < deadline, "the worker never saw the block\n{}", w.log_tail(40));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (alarm, t0, before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_alarm_is_waited_out_without_reconnects_or_redeliveries() {
    let _serial = support::serial().await;
    // Enough work (about 30 s of it) that the alarm lands mid-stream: the broker blocks a connection only
    // when it next publishes, which took up to 5 s here.
    const SENT: usize = 1500;
    const PREFETCH: usize = 50;
    const ALARM: Duration = Duration::from_secs(15);
    let h = Harness::new("alarm").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("alarm-{}", h.names.suffix), 0..SENT);
    h.publish(&inputs).await;
    let http = free_local_addr();
    let prefetch = PREFETCH.to_string();
    let name = format!("wf-worker.{}", h.names.suffix);
    // A confirm timeout and a heartbeat well inside the alarm: neither may end the session.
    let env = with(
        h.env(),
        &[
            ("WIREFEED__AMQP__CONNECTION_NAME", &name),
            ("WIREFEED__AMQP__TIMEOUT_SECS", "3"),
            ("WIREFEED__AMQP__HEARTBEAT", "5"),
            ("WIREFEED__INPUT__PREFETCH", &prefetch),
            ("WIREFEED__HTTP__ADDR", &http),
        ],
    );
    let mut w = Worker::spawn("worker", &env);
    let (mut alarm, t0, before) = alarm_mid_stream(&collector, &w).await;
    let blocked_after = t0.elapsed().as_secs_f64();
    let at_block = collector.snapshot().events.len();
    // Consumer paused while blocked (nothing more is taken from the input queue), /readyz 503.
    let deadline = Instant::now() + Duration::from_secs(10);
    while lines_saying(&w, "consumer paused") == 0 {
        assert!(Instant::now() < deadline, "the consumer was not paused\n{}", w.log_tail(40));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (ready_before, _) = h.queue_state(&h.names.input_queue).await.expect("the input queue");
    let received_before = w.last_stat("received");
    let (status, body) = http_get(&http, "/readyz");
    assert_eq!(status, 503, "/readyz while blocked: {body}");
    assert!(body.starts_with("paused: the broker blocked"), "/readyz body {body:?}");
    let (_, metrics) = http_get(&http, "/metrics");
    assert!(metrics.contains("wirefeed_blocked 1\n"), "{metrics}");
    let blocked_listed = blocked_connection_listed(&name);
    let cpu_before = process_cpu_seconds(w.pid());
    let cpu_t0 = Instant::now();
    let remaining = ALARM.saturating_sub(t0.elapsed());
    tokio::time::sleep(remaining).await;
    let cpu = (process_cpu_seconds(w.pid()) - cpu_before) / cpu_t0.elapsed().as_secs_f64();
    let during = collector.snapshot().events.len();
    let (ready_after, _) = h.queue_state(&h.names.input_queue).await.expect("the input queue");
    assert_eq!(w.last_stat("received"), received_before, "deliveries taken while blocked");
    assert_eq!(ready_after, ready_before, "deliveries taken while blocked");
    assert!(w.try_exit().is_none(), "the worker died during the alarm\n{}", w.log_tail(40));
    alarm.clear();
    let alarm_secs = t0.elapsed().as_secs_f64();

    let done = collector.wait_until(Duration::from_secs(180), |c| Tally::of(&inputs, c).lost == 0).await;
    let t = Tally::of(&inputs, &done);
    assert_eq!(t.lost, 0, "{t:?}\n{}", w.log_tail(60));
    let settled = collector.settle(Duration::from_secs(2)).await;
    let t = Tally::of(&inputs, &settled);
    assert_eq!((t.lost, t.rejected, t.strangers, t.unstable_ids), (0, 0, 0, 0), "{t:?}");
    assert_eq!(t.duplicates, 0, "an alarm must cause no redelivery: {t:?}\n{}", w.log_tail(60));
    let deadline = Instant::now() + Duration::from_secs(30);
    while w.last_stat("acked") != Some(SENT as u64) {
        assert!(Instant::now() < deadline, "not all acked\n{}", w.log_tail(40));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(w.last_stat("reconnects"), Some(0), "reconnected during the alarm\n{}", w.log_tail(60));
    // The pause cancels the consumer; deliveries the broker had already sent before the cancel reached it
    // arrive after it, lapin drops them unprocessed, and the worker hands them back (README "Backpressure and
    // alarms"): they come round again with no output duplicated (asserted above), at most one prefetch of them.
    let redelivered = w.last_stat("redelivered").unwrap_or(u64::MAX);
    assert!(redelivered <= PREFETCH as u64, "{redelivered} redelivered\n{}", w.log_tail(60));
    assert_eq!(lines_saying(&w, "reconnecting"), 0, "{}", w.log_tail(60));
    assert_eq!(lines_saying(&w, "the broker unblocked the connection"), 1, "{}", w.log_tail(60));
    assert_eq!(http_get(&http, "/readyz").0, 200, "/readyz after the alarm");
    assert!(cpu < 0.2, "the blocked worker used {cpu:.3} CPU s per s");
    // Blocked for longer than three confirm timeouts and two heartbeat intervals, and it did not matter.
    let blocked_secs = w
        .json_lines()
        .iter()
        .rev()
        .find_map(|v| v.get("fields").unwrap_or(v).get("blocked_seconds_total").and_then(Value::as_f64))
        .unwrap_or(0.0);
    assert!(blocked_secs >= 9.0, "blocked_seconds_total {blocked_secs}");
    w.sigterm();
    let status = w.wait_exit(Duration::from_secs(25)).await;
    assert!(status.is_some_and(|s| s.success()), "no clean exit: {status:?}\n{}", w.log_tail(40));
    println!(
        "memory alarm: {alarm_secs:.1} s, the worker blocked {blocked_after:.1} s after rabbitmqctl started and for \
         {blocked_secs:.1} s; events when set/blocked/cleared {}/{at_block}/{during}; CPU while blocked \
         {cpu:.3} s/s; broker listed the worker blocked: {blocked_listed}",
        before
    );
    t.report(
        &format!(
            "memory alarm mid-stream (`set_vm_memory_high_watermark absolute 1`, {} s), timeout_secs 3, \
             heartbeat 5, prefetch {PREFETCH}",
            ALARM.as_secs()
        ),
        "cargo test --test broker_alarm",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_an_alarm_exits_within_the_grace_and_loses_nothing() {
    let _serial = support::serial().await;
    // Enough that the worker is still publishing when the alarm lands: with 1000 a fast run drained the
    // queue during the `rabbitmqctl` calls, and a connection that publishes nothing is never blocked.
    const SENT: usize = 3000;
    const PREFETCH: usize = 50;
    let h = Harness::new("alarm-stop").await;
    h.declare_topology(&[]);
    let collector = Collector::start(&h.names);
    let inputs = releases(&format!("alarm-stop-{}", h.names.suffix), 0..SENT);
    h.publish(&inputs).await;
    let prefetch = PREFETCH.to_string();
    let env =
        with(h.env(), &[("WIREFEED__SHUTDOWN_GRACE_SECS", "3"), ("WIREFEED__INPUT__PREFETCH", &prefetch)]);
    let mut w = Worker::spawn("worker", &env);
    let (mut alarm, _, _) = alarm_mid_stream(&collector, &w).await;
    // Stopped while blocked: its outputs cannot be sent, so it gives up after the grace period and its
    // deliveries go back to the queue; closing the blocked connection must not hang.
    let t0 = Instant::now();
    w.sigterm();
    let status = w.wait_exit(Duration::from_secs(30)).await;
    let took = t0.elapsed();
    assert!(
        status.is_some_and(|s| s.success()),
        "no clean exit while blocked: {status:?}\n{}",
        w.log_tail(40)
    );
    assert!(took < Duration::from_secs(15), "exit took {took:?} with shutdown_grace_secs 3");
    alarm.clear();

    let mut second = Worker::spawn("second", &env);
    let done = collector.wait_until(Duration::from_secs(180), |c| Tally::of(&inputs, c).lost == 0).await;
    let t = Tally::of(&inputs, &done);
    assert_eq!(t.lost, 0, "{t:?}\n{}", second.log_tail(40));
    let t = Tally::of(&inputs, &collector.settle(Duration::from_secs(2)).await);
    assert_eq!((t.lost, t.rejected, t.strangers, t.unstable_ids), (0, 0, 0, 0), "{t:?}");
    assert!(t.duplicates <= PREFETCH, "{t:?}");
    second.sigterm();
    let status = second.wait_exit(Duration::from_secs(25)).await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}\n{}", second.log_tail(40));
    println!("SIGTERM while blocked: exit 0 after {:.1} s (grace 3 s)", took.as_secs_f64());
    t.report(
        &format!(
            "SIGTERM during a memory alarm (grace 3 s): exit 0 in {:.1} s, then a second worker drains",
            took.as_secs_f64()
        ),
        "cargo test --test broker_alarm sigterm_during_an_alarm_exits_within_the_grace_and_loses_nothing",
    );
}
