//! Black-box harness for the fault tests: runs the real `wirefeed` binary against the real broker, configured
//! only through `WIREFEED__…` environment variables, and counts every message with an AMQP client of its own.
//!
//! Every test gets its own queues, exchanges and connection names (a random suffix), deleted when the
//! [`Harness`] is dropped. A missing broker fails the test loudly: these tests never skip.
//!
//! Shared by `tests/reliability.rs` and `tests/broker_restart.rs`; not every binary uses every helper.
#![allow(dead_code)]

#[path = "../common/broker.rs"]
mod broker;
pub use broker::{amqp_url, connect, random_suffix};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use serde_json::Value;

/// The scenarios in one test binary run one at a time: each measures timing and shares of a handful of
/// worker processes on a small machine, and parallel scenarios would only make those figures noisy.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}

/// A confirm-mode channel on a fresh connection.
async fn confirm_channel(name: &str) -> (Connection, Channel) {
    let conn = connect(name).await;
    let ch = conn.create_channel().await.expect("create channel");
    ch.confirm_select(ConfirmSelectOptions::default()).await.expect("confirm_select");
    (conn, ch)
}

/// The names one test uses: all unique to it.
#[derive(Debug, Clone)]
pub struct Names {
    /// The random part.
    pub suffix: String,
    /// `input.queue`.
    pub input_queue: String,
    /// `output.exchange`.
    pub output_exchange: String,
    /// `output.queue` (the all-events queue).
    pub output_queue: String,
    /// `rejected.exchange`.
    pub rejected_exchange: String,
    /// `rejected.queue`.
    pub rejected_queue: String,
    /// `amqp.connection_name` (workers get `-w<n>` appended).
    pub connection_name: String,
}

impl Names {
    /// Fresh names for the test `test`.
    pub fn new(test: &str) -> Self {
        let suffix = format!("{test}-{}", random_suffix());
        Names {
            input_queue: format!("wf-test.raw.{suffix}"),
            output_exchange: format!("wf-test.events.{suffix}"),
            output_queue: format!("wf-test.events.all.{suffix}"),
            rejected_exchange: format!("wf-test.rejected.{suffix}"),
            rejected_queue: format!("wf-test.rejected.{suffix}"),
            connection_name: format!("wf-test.{suffix}"),
            suffix,
        }
    }
}

/// One message the test sends to the input queue.
#[derive(Debug, Clone)]
pub struct Input {
    /// `message_id` (none = leave it unset).
    pub id: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// `content_type` (none = unset).
    pub content_type: Option<String>,
    /// Application headers.
    pub headers: Option<FieldTable>,
}

impl Input {
    /// A text/plain message.
    pub fn text(id: &str, body: impl Into<Vec<u8>>) -> Self {
        Input {
            id: Some(id.into()),
            body: body.into(),
            content_type: Some("text/plain".into()),
            headers: None,
        }
    }
}

/// A small valid wire release, different for every `n` (so every input has its own content and id).
pub fn release_body(n: usize, tag: &str) -> String {
    format!(
        " date 2025-08-22 Садыр Жапаров провел встречу номер {n}\n\n\
         Бишкек, \"САЯСАТ.KG\". Президент Кыргызской Республики Садыр Жапаров провел встречу с \
         делегацией Казахстана, номер {n} в серии {tag}.\n\n\
         «Наши отношения крепнут», — сказал Садыр Жапаров.\n\n\
         Стороны обсудили торговлю и транспорт."
    )
}

/// `count` valid releases with ids `<prefix>-<n>`.
pub fn releases(prefix: &str, range: std::ops::Range<usize>) -> Vec<Input> {
    range.map(|n| Input::text(&format!("{prefix}-{n}"), release_body(n, prefix))).collect()
}

/// One message read back from the events or the rejected queue.
#[derive(Debug, Clone)]
pub struct Output {
    /// `message_id` (the event id on events; the input's id on rejected messages).
    pub message_id: Option<String>,
    /// `correlation_id` (the input's id on events).
    pub correlation_id: Option<String>,
    /// `content_type`.
    pub content_type: Option<String>,
    /// `delivery_mode` (2 = persistent).
    pub delivery_mode: Option<u8>,
    /// String-valued headers (other types rendered with `{:?}`).
    pub headers: BTreeMap<String, String>,
    /// The routing key it was published with.
    pub routing_key: String,
    /// The body.
    pub body: Vec<u8>,
    /// Whether the broker had already delivered it to the collector (a collector reconnect, not the worker).
    pub redelivered: bool,
}

impl Output {
    /// The id of the input this output is about: `correlation_id` on events, `message_id` on rejections.
    pub fn input_id(&self, rejected: bool) -> Option<&str> {
        if rejected {
            self.message_id.as_deref()
        } else {
            self.correlation_id.as_deref()
        }
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

fn header_text(v: &AMQPValue) -> String {
    match v {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.as_str().to_string(),
        other => format!("{other:?}"),
    }
}

fn output_of(d: &lapin::message::Delivery) -> Output {
    let p = &d.properties;
    Output {
        message_id: p.message_id().as_ref().map(|s| s.as_str().to_string()),
        correlation_id: p.correlation_id().as_ref().map(|s| s.as_str().to_string()),
        content_type: p.content_type().as_ref().map(|s| s.as_str().to_string()),
        delivery_mode: *p.delivery_mode(),
        headers: p
            .headers()
            .as_ref()
            .map(|t| t.inner().iter().map(|(k, v)| (k.as_str().to_string(), header_text(v))).collect())
            .unwrap_or_default(),
        routing_key: d.routing_key.as_str().to_string(),
        body: d.data.clone(),
        redelivered: d.redelivered,
    }
}

/// Everything the collector has read so far.
#[derive(Debug, Default, Clone)]
pub struct Collected {
    /// From the all-events queue.
    pub events: Vec<Output>,
    /// From the rejected queue.
    pub rejected: Vec<Output>,
    /// How many times the collector had to reconnect.
    pub reconnects: usize,
}

/// Reads the events and rejected queues until stopped, reconnecting on its own when the broker goes away,
/// and acknowledging each message only after recording it.
pub struct Collector {
    state: Arc<Mutex<Collected>>,
    stop: Arc<AtomicBool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Collector {
    /// Starts reading the queues of `names` (they must exist or come to exist: the collector retries).
    pub fn start(names: &Names) -> Self {
        let state = Arc::new(Mutex::new(Collected::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(collect_loop(names.clone(), state.clone(), stop.clone()));
        Collector { state, stop, task: Some(task) }
    }

    /// A copy of what was read.
    pub fn snapshot(&self) -> Collected {
        self.state.lock().unwrap().clone()
    }

    /// Waits until `done` holds for what was read, or `timeout` passes; returns the last snapshot.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&Collected) -> bool) -> Collected {
        let deadline = Instant::now() + timeout;
        loop {
            let snap = self.snapshot();
            if done(&snap) || Instant::now() >= deadline {
                return snap;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing new has arrived for `quiet`, so late duplicates are counted too.
    pub async fn settle(&self, quiet: Duration) -> Collected {
        let mut last = (usize::MAX, usize::MAX);
        loop {
            let snap = self.snapshot();
            let now = (snap.events.len(), snap.rejected.len());
            if now == last {
                return snap;
            }
            last = now;
            tokio::time::sleep(quiet).await;
        }
    }

    /// Stops reading.
    pub async fn stop(mut self) -> Collected {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
        self.snapshot()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn collect_loop(names: Names, state: Arc<Mutex<Collected>>, stop: Arc<AtomicBool>) {
    let mut first = true;
    while !stop.load(Ordering::SeqCst) {
        if !first {
            state.lock().unwrap().reconnects += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        first = false;
        let _ = collect_once(&names, &state, &stop).await;
    }
}

/// One connection's worth of collecting; returns when the connection fails or the collector is stopped.
async fn collect_once(names: &Names, state: &Mutex<Collected>, stop: &AtomicBool) -> lapin::Result<()> {
    let url = amqp_url();
    let props = ConnectionProperties::default()
        .with_connection_name(format!("{}.collector", names.connection_name).into());
    let conn = match tokio::time::timeout(Duration::from_secs(5), Connection::connect(&url, props)).await {
        Ok(c) => c?,
        Err(_) => return Ok(()),
    };
    let ch = conn.create_channel().await?;
    ch.basic_qos(1000, BasicQosOptions::default()).await?;
    let events = ch
        .basic_consume(
            names.output_queue.as_str().into(),
            "collector-events".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let rejected = ch
        .basic_consume(
            names.rejected_queue.as_str().into(),
            "collector-rejected".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut merged = futures_util::stream::select(events.map(|d| (false, d)), rejected.map(|d| (true, d)));
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            next = merged.next() => {
                let Some((is_rejected, delivery)) = next else { break };
                let delivery = delivery?;
                let out = output_of(&delivery);
                {
                    let mut s = state.lock().unwrap();
                    if is_rejected { s.rejected.push(out) } else { s.events.push(out) }
                }
                delivery.ack(BasicAckOptions::default()).await?;
            }
            _ = tick.tick() => {
                if stop.load(Ordering::SeqCst) || !conn.status().connected() {
                    break;
                }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), conn.close(200, "done".into())).await;
    Ok(())
}

/// The count the README table reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Inputs sent.
    pub sent: usize,
    /// Inputs with at least one event.
    pub delivered: usize,
    /// Inputs with at least one rejection.
    pub rejected: usize,
    /// Extra event copies from the worker (same event id again), beyond the first per input.
    pub duplicates: usize,
    /// Inputs with neither an event nor a rejection.
    pub lost: usize,
    /// Outputs about inputs this test never sent.
    pub strangers: usize,
    /// Outputs without an input id (inputs sent without `message_id`); matched by the test itself.
    pub anonymous: usize,
    /// Inputs whose copies carried different event ids (must be 0: the id is deterministic).
    pub unstable_ids: usize,
    /// Copies the broker delivered to the collector again after a collector reconnect (not counted above).
    pub collector_redeliveries: usize,
}

impl Tally {
    /// Counts `collected` against the ids of `sent`.
    pub fn of(sent: &[Input], collected: &Collected) -> Self {
        let sent_ids: HashSet<&str> = sent.iter().filter_map(|i| i.id.as_deref()).collect();
        let mut t = Tally { sent: sent.len(), ..Tally::default() };
        let mut event_ids: HashMap<&str, Vec<&str>> = HashMap::new();
        for e in &collected.events {
            let Some(input) = e.input_id(false) else {
                t.anonymous += 1;
                continue;
            };
            let event = e.message_id.as_deref().unwrap_or("");
            if !sent_ids.contains(input) {
                t.strangers += 1;
                continue;
            }
            let copies = event_ids.entry(input).or_default();
            if e.redelivered && copies.contains(&event) {
                t.collector_redeliveries += 1;
                continue;
            }
            copies.push(event);
        }
        let mut rejected: HashSet<&str> = HashSet::new();
        for r in &collected.rejected {
            match r.input_id(true) {
                Some(id) if sent_ids.contains(id) => {
                    rejected.insert(id);
                }
                Some(_) => t.strangers += 1,
                None => t.anonymous += 1,
            }
        }
        for id in &sent_ids {
            let copies = event_ids.get(id).map(Vec::as_slice).unwrap_or(&[]);
            if !copies.is_empty() {
                t.delivered += 1;
                t.duplicates += copies.len() - 1;
                if copies.iter().any(|c| c != &copies[0]) {
                    t.unstable_ids += 1;
                }
            }
            if rejected.contains(id) {
                t.rejected += 1;
            }
            if copies.is_empty() && !rejected.contains(id) {
                t.lost += 1;
            }
        }
        t
    }

    /// One row for the README table, printed so `--nocapture` runs show the figures.
    pub fn report(&self, fault: &str, command: &str) {
        println!(
            "RELIABILITY | {fault} | sent {} | delivered {} | rejected {} | duplicates {} | lost {} | `{command}`",
            self.sent, self.delivered, self.rejected, self.duplicates, self.lost
        );
    }
}

/// The test's own view of the broker: publishing inputs, inspecting queues, and cleaning up afterwards.
pub struct Harness {
    /// The names this test uses.
    pub names: Names,
    /// Extra queues to delete at the end.
    pub extra_queues: Vec<String>,
}

impl Harness {
    /// A harness for test `test`, after checking the broker is there.
    pub async fn new(test: &str) -> Self {
        let names = Names::new(test);
        let conn = connect(&format!("wf-test.{test}.probe")).await;
        let _ = conn.close(200, "probe".into()).await;
        Harness { names, extra_queues: Vec::new() }
    }

    /// The environment that configures a worker (or any `wirefeed` command) for this test's topology.
    pub fn env(&self) -> Vec<(String, String)> {
        let n = &self.names;
        [
            ("WIREFEED__AMQP__URL", amqp_url()),
            ("WIREFEED__AMQP__CONNECTION_NAME", n.connection_name.clone()),
            ("WIREFEED__INPUT__QUEUE", n.input_queue.clone()),
            ("WIREFEED__OUTPUT__EXCHANGE", n.output_exchange.clone()),
            ("WIREFEED__OUTPUT__QUEUE", n.output_queue.clone()),
            ("WIREFEED__REJECTED__EXCHANGE", n.rejected_exchange.clone()),
            ("WIREFEED__REJECTED__QUEUE", n.rejected_queue.clone()),
            ("WIREFEED__LOG__FORMAT", "json".into()),
            ("WIREFEED__LOG__LEVEL", "info".into()),
            ("WIREFEED__LOG__STATS_INTERVAL_SECS", "1".into()),
            ("WIREFEED__HTTP__ADDR", String::new()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Declares the topology with `wirefeed topology` (the CLI contract), so inputs can be sent before any
    /// worker runs.
    pub fn declare_topology(&self, extra: &[(&str, &str)]) {
        let out = run_cli(&["topology"], &with(self.env(), extra), Duration::from_secs(60));
        assert!(
            out.status.success(),
            "`wirefeed topology` failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            out.stdout,
            out.stderr
        );
    }

    /// Sends `inputs` to the input queue with publisher confirms (mandatory: a missing queue fails).
    pub async fn publish(&self, inputs: &[Input]) {
        let (conn, ch) = confirm_channel(&format!("{}.publisher", self.names.connection_name)).await;
        let mut confirms = Vec::with_capacity(inputs.len());
        for input in inputs {
            let mut props = BasicProperties::default().with_delivery_mode(2);
            if let Some(id) = &input.id {
                props = props.with_message_id(id.as_str().into());
            }
            if let Some(ct) = &input.content_type {
                props = props.with_content_type(ct.as_str().into());
            }
            if let Some(h) = &input.headers {
                props = props.with_headers(h.clone());
            }
            let confirm = ch
                .basic_publish(
                    "".into(),
                    self.names.input_queue.as_str().into(),
                    BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() },
                    &input.body,
                    props,
                )
                .await
                .expect("publish an input");
            confirms.push(confirm);
        }
        for c in confirms {
            let confirmation = tokio::time::timeout(Duration::from_secs(60), c)
                .await
                .expect("publisher confirm timed out")
                .expect("publisher confirm");
            assert!(confirmation.is_ack(), "the broker nacked an input");
            assert!(
                confirmation.take_message().is_none(),
                "an input was returned: is the input queue there?"
            );
        }
        let _ = conn.close(200, "published".into()).await;
    }

    /// `(ready messages, consumers)` of `queue`, or `None` when it does not exist.
    pub async fn queue_state(&self, queue: &str) -> Option<(u32, u32)> {
        let conn = connect(&format!("{}.inspect", self.names.connection_name)).await;
        let ch = conn.create_channel().await.expect("create channel");
        let r = ch
            .queue_declare(
                queue.into(),
                QueueDeclareOptions { passive: true, ..QueueDeclareOptions::default() },
                FieldTable::default(),
            )
            .await
            .ok()
            .map(|q| (q.message_count(), q.consumer_count()));
        let _ = conn.close(200, "inspected".into()).await;
        r
    }

    /// Waits until the input queue has `n` consumers (workers consuming), failing after `timeout`.
    pub async fn wait_consumers(&self, n: u32, timeout: Duration, workers: &mut [&mut Worker]) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((_, c)) = self.queue_state(&self.names.input_queue).await {
                if c >= n {
                    return;
                }
            }
            for w in workers.iter_mut() {
                if let Some(status) = w.try_exit() {
                    panic!("worker {} exited early ({status}):\n{}", w.label, w.log_tail(40));
                }
            }
            if Instant::now() >= deadline {
                let logs: Vec<String> = workers.iter().map(|w| w.log_tail(40)).collect();
                panic!(
                    "the input queue did not get {n} consumers within {timeout:?}:\n{}",
                    logs.join("\n---\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // Cleanup must run even when the test panicked, so it runs on a runtime of its own.
        let names = self.names.clone();
        let extra = self.extra_queues.clone();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                let props = ConnectionProperties::default().with_connection_name("wf-test.cleanup".into());
                let Ok(Ok(conn)) =
                    tokio::time::timeout(Duration::from_secs(5), Connection::connect(&amqp_url(), props))
                        .await
                else {
                    return;
                };
                let queues = [&names.input_queue, &names.output_queue, &names.rejected_queue];
                for q in queues.into_iter().chain(extra.iter()) {
                    if let Ok(ch) = conn.create_channel().await {
                        let _ = ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default()).await;
                    }
                }
                for x in [&names.output_exchange, &names.rejected_exchange] {
                    if let Ok(ch) = conn.create_channel().await {
                        let _ = ch.exchange_delete(x.as_str().into(), ExchangeDeleteOptions::default()).await;
                    }
                }
                let _ = conn.close(200, "cleaned up".into()).await;
            });
        })
        .join();
    }
}

/// `base` with `extra` added (later wins).
pub fn with(mut base: Vec<(String, String)>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in extra {
        base.retain(|(bk, _)| bk != k);
        base.push((k.to_string(), v.to_string()));
    }
    base
}

/// What a finished `wirefeed` command printed.
#[derive(Debug)]
pub struct CliOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `wirefeed <args>` with `env` (and nothing of the caller's `WIREFEED__*`/`RUST_LOG`), killing it after
/// `timeout`.
pub fn run_cli(args: &[&str], env: &[(String, String)], timeout: Duration) -> CliOutput {
    let mut child = wirefeed_command(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wirefeed");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for wirefeed") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`wirefeed {}` did not finish within {timeout:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    CliOutput { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

/// The `wirefeed` binary with a clean environment of our choosing, run outside the repository so no
/// `config/default.toml` other than the built-in defaults applies.
fn wirefeed_command(args: &[&str], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    cmd.args(args).current_dir(std::env::temp_dir()).env_remove("RUST_LOG").stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("WIREFEED__") || k == "WIREFEED_FAULT_INJECTION" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

/// A running `wirefeed run` process whose stderr (the JSON log) is captured line by line.
pub struct Worker {
    /// A name for messages.
    pub label: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    exited: Option<ExitStatus>,
}

impl Worker {
    /// Starts `wirefeed run` with `env`.
    pub fn spawn(label: &str, env: &[(String, String)]) -> Self {
        let mut child = wirefeed_command(&["run"], env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn `wirefeed run`");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Worker { label: label.into(), child, log, exited: None }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (a graceful stop).
    pub fn sigterm(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("run kill");
        assert!(ok.success(), "kill -TERM {} failed", self.pid());
    }

    /// Sends SIGKILL and reaps the process.
    pub fn sigkill(&mut self) {
        let _ = self.child.kill();
        self.exited = self.child.wait().ok();
    }

    /// The exit status if the process has exited.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        self.exited
    }

    /// Waits up to `timeout` for the process to exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_exit() {
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every line the worker wrote to stderr so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The whole log as one string.
    pub fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    /// The last `n` lines, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let lines = self.log_lines();
        let start = lines.len().saturating_sub(n);
        format!(
            "[{} log, last {} of {} lines]\n{}",
            self.label,
            lines.len() - start,
            lines.len(),
            lines[start..].join("\n")
        )
    }

    /// The log lines that are JSON objects.
    pub fn json_lines(&self) -> Vec<Value> {
        self.log_lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(Value::is_object)
            .collect()
    }

    /// JSON log lines at `level` (case-insensitive, e.g. "WARN").
    pub fn lines_at(&self, level: &str) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .filter(|v| v.get("level").and_then(Value::as_str).is_some_and(|l| l.eq_ignore_ascii_case(level)))
            .collect()
    }

    /// The latest value of stats counter `name` (from the periodic `stats` lines), if any was logged.
    pub fn last_stat(&self, name: &str) -> Option<u64> {
        self.json_lines().iter().rev().find_map(|v| stat_field(v, name))
    }

    /// Waits until a log line satisfies `pred`.
    pub async fn wait_log(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.log.lock().unwrap().iter().any(|l| pred(l)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A counter of a `stats` line: the field may be at the top level or under `fields`.
fn stat_field(v: &Value, name: &str) -> Option<u64> {
    let is_stats = v.get("message").and_then(Value::as_str).is_some_and(|m| m.contains("stats"))
        || v.get("fields")
            .and_then(|f| f.get("message"))
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("stats"));
    if !is_stats {
        return None;
    }
    v.get(name).or_else(|| v.get("fields").and_then(|f| f.get(name))).and_then(Value::as_u64)
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `rabbitmqctl` and returns its stdout, failing the test on an error.
pub fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl").args(args).output().expect("run rabbitmqctl (is it on PATH?)");
    assert!(
        out.status.success(),
        "rabbitmqctl {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One client connection as the broker lists it.
#[derive(Debug, Clone)]
pub struct BrokerConnection {
    /// The Erlang pid, for `close_connection`.
    pub pid: String,
    /// The `connection_name` client property.
    pub name: String,
}

/// The client connections whose `connection_name` starts with `prefix`.
///
/// Uses rabbitmqctl's default (tab-separated) output: its `pid` column is the form `close_connection` takes
/// (`<rabbit@host.1.2.0>`), unlike the JSON formatter's `#PID<…>`.
pub fn connections_named(prefix: &str) -> Vec<BrokerConnection> {
    let out = rabbitmqctl(&["list_connections", "pid", "client_properties", "-q", "--no-table-headers"]);
    out.lines().filter_map(|line| parse_connection_line(line, prefix)).collect()
}

/// One line of `list_connections pid client_properties`, if its connection name starts with `prefix`.
fn parse_connection_line(line: &str, prefix: &str) -> Option<BrokerConnection> {
    let (pid, props) = line.split_once('\t')?;
    let name = connection_name_in(props)?;
    name.starts_with(prefix).then(|| BrokerConnection { pid: pid.trim().to_string(), name })
}

/// The `connection_name` value in rabbitmqctl's rendering of client properties, e.g.
/// `[{"connection_name","x"}, …]` or `[{"connection_name",longstr,"x"}, …]`.
fn connection_name_in(props: &str) -> Option<String> {
    let at = props.find("\"connection_name\"")? + "\"connection_name\"".len();
    let rest = &props[at..];
    let end = rest.find('}')?;
    let value = rest[..end].rsplit(',').next()?.trim();
    Some(value.trim_matches('"').to_string())
}

/// Closes every connection whose name starts with `prefix` (as an operator or a load balancer would).
pub fn close_connections(prefix: &str, reason: &str) -> usize {
    let conns = connections_named(prefix);
    for c in &conns {
        rabbitmqctl(&["close_connection", &c.pid, reason]);
    }
    conns.len()
}

/// CPU seconds (user + system) the process `pid` has used so far, from `/proc/<pid>/stat` (Linux).
pub fn process_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/<pid>/stat");
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
    // state is field 3, utime 14 and stime 15.
    let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_sec = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    ticks as f64 / per_sec
}

/// A `127.0.0.1:<port>` nobody listens on right now (for a worker's `http.addr`).
pub fn free_local_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().to_string()
}

/// `GET path` on `addr` over plain HTTP/1.0: the status code and the body (0 and the error when the request
/// fails).
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let run = || -> std::io::Result<(u16, String)> {
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Ok((status, body))
    };
    run().unwrap_or_else(|e| (0, e.to_string()))
}

/// Declares the durable queue `queue` with `args` and binds it to `exchange` with `routing_key` (for tests
/// that shape the downstream themselves: a full queue, a late binding).
pub async fn declare_bound_queue(queue: &str, args: FieldTable, exchange: &str, routing_key: &str) {
    let conn = connect("wf-test.declare").await;
    let ch = conn.create_channel().await.expect("create channel");
    ch.queue_declare(
        queue.into(),
        QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() },
        args,
    )
    .await
    .expect("declare the queue");
    ch.queue_bind(
        queue.into(),
        exchange.into(),
        routing_key.into(),
        lapin::options::QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .expect("bind the queue");
    let _ = conn.close(200, "declared".into()).await;
}

/// `messages_unacknowledged` of `queue` as `rabbitmqctl list_queues` shows it (0 when it is not listed).
pub fn unacked_in(queue: &str) -> u64 {
    let out = rabbitmqctl(&["list_queues", "name", "messages_unacknowledged", "-q", "--no-table-headers"]);
    out.lines()
        .filter_map(|l| l.split_once('\t'))
        .find(|(name, _)| name.trim() == queue)
        .and_then(|(_, n)| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The JSON log lines of `w` whose message contains `text`.
pub fn log_lines_saying(w: &Worker, text: &str) -> Vec<Value> {
    w.json_lines()
        .into_iter()
        .filter(|v| {
            let msg = v.get("message").or_else(|| v.get("fields").and_then(|f| f.get("message")));
            msg.and_then(Value::as_str).is_some_and(|m| m.contains(text))
        })
        .collect()
}
