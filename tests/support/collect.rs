//! The independent client that reads what the worker published ([`Collector`]) and the count made of it
//! ([`Tally`]): the fault tests judge the worker by what reached the queues, not by what it says it did.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties};

use super::{amqp_url, Input, Names};

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
