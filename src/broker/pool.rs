//! The pipeline pool: `pipeline.workers` OS threads that run the CPU-bound normalisation off the async
//! reactor. Jobs carry their own reply channel, so results of a session that has since died simply have
//! nowhere to go and are dropped (the broker redelivers those messages).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use chrono::{DateTime, Utc};
use lapin::BasicProperties;
use tokio::sync::mpsc::UnboundedSender;

use super::message::{event_message, EventMessage};
use super::stats::Stats;
use crate::pipeline::{Format, Pipeline, RawInput, RejectKind, Rejection};

/// One delivery to normalise.
#[derive(Debug)]
pub struct Job {
    /// The delivery tag on the consuming channel.
    pub tag: u64,
    /// The body; handed back in the [`Done`] so the rejection path can republish it without a copy.
    pub body: Vec<u8>,
    /// The input's properties.
    pub properties: BasicProperties,
    /// Whether the broker redelivered it.
    pub redelivered: bool,
    /// Wall-clock time of receipt (`x.ingest.received_at`).
    pub received_at: DateTime<Utc>,
    /// Monotonic time of receipt (end-to-end latency).
    pub received: Instant,
    /// Where the result goes.
    pub reply: UnboundedSender<Done>,
}

/// What the pipeline made of a delivery.
#[derive(Debug)]
pub enum Outcome {
    /// An event to publish.
    Event(Box<EventMessage>),
    /// A permanent failure to send to the rejected exchange.
    Rejected(Rejection),
}

/// A finished job.
#[derive(Debug)]
pub struct Done {
    /// The delivery tag.
    pub tag: u64,
    /// The result.
    pub outcome: Outcome,
    /// The original body.
    pub body: Vec<u8>,
    /// The original properties.
    pub properties: BasicProperties,
    /// Monotonic time of receipt.
    pub received: Instant,
}

/// A fixed set of pipeline threads fed from one queue.
#[derive(Debug)]
pub struct Pool {
    sender: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts `threads` threads sharing `pipeline`; events get routing keys from `routing_template`.
    pub fn start(pipeline: Arc<Pipeline>, threads: usize, routing_template: &str, stats: Arc<Stats>) -> Pool {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let template: Arc<str> = Arc::from(routing_template);
        let threads = (0..threads.max(1))
            .map(|i| {
                let receiver = Arc::clone(&receiver);
                let pipeline = Arc::clone(&pipeline);
                let template = Arc::clone(&template);
                let stats = Arc::clone(&stats);
                std::thread::Builder::new()
                    .name(format!("wirefeed-pipeline-{i}"))
                    .spawn(move || serve(&receiver, &pipeline, &template, &stats))
                    .expect("spawning a pipeline thread")
            })
            .collect();
        Pool { sender: Some(sender), threads }
    }

    /// Queues a job. Never blocks: the consumer's prefetch bounds how many can be waiting.
    pub fn submit(&self, job: Job) {
        if let Some(sender) = &self.sender {
            // Fails only once the pool is shut down, when nobody waits for the result either.
            let _ = sender.send(job);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.sender.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// At most this many queued jobs are taken in one go by a pipeline thread (see [`serve`]). 32 rather than 8:
/// under a backlog each wake-up then finds the pipeline's tables still in cache for more releases (worker
/// client CPU 176–177 → 166–169 µs per message, `broker_bench --worker-only --messages 20000`, 3 alternating
/// pairs); with no backlog a batch is still one job.
const MAX_BATCH: usize = 32;

/// A pipeline thread: takes what is queued (up to [`MAX_BATCH`] jobs, at least one, blocking for it),
/// normalises it, then sends the results. Under load this turns one wake-up of the thread and one of the
/// session loop per message into one per batch (context switches were the largest cost in the worker's
/// profile on a 2-core box); with no backlog a batch is one job, so latency does not grow.
fn serve(receiver: &Mutex<mpsc::Receiver<Job>>, pipeline: &Pipeline, template: &str, stats: &Stats) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut results = Vec::with_capacity(MAX_BATCH);
    loop {
        {
            let Ok(guard) = receiver.lock() else { return };
            match guard.recv() {
                Ok(job) => batch.push(job),
                Err(_) => return,
            }
            while batch.len() < MAX_BATCH {
                match guard.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
        }
        for job in batch.drain(..) {
            let started = Instant::now();
            let outcome = process(pipeline, template, &job);
            stats.pipeline_us.record_duration(started.elapsed());
            let Job { tag, body, properties, received, reply, .. } = job;
            results.push((reply, Done { tag, outcome, body, properties, received }));
        }
        for (reply, done) in results.drain(..) {
            let _ = reply.send(done);
        }
    }
}

/// Normalises one job and renders its event. A panic anywhere in here (the pipeline catches its own; this
/// also covers rendering the event) becomes an `internal` rejection instead of a dead thread.
pub fn process(pipeline: &Pipeline, template: &str, job: &Job) -> Outcome {
    let run = || -> Outcome {
        let input = RawInput {
            body: &job.body,
            content_type: job.properties.content_type().as_ref().map(|s| s.as_str()),
            message_id: job.properties.message_id().as_ref().map(|s| s.as_str()),
            format: Format::Auto,
            received_at: job.received_at,
            redelivered: job.redelivered,
        };
        match pipeline.normalize(&input) {
            Ok(envelope) => match event_message(&envelope, template, job.properties.message_id().as_ref()) {
                Ok(msg) => Outcome::Event(Box::new(msg)),
                Err(e) => Outcome::Rejected(Rejection::new(
                    RejectKind::Internal,
                    "publish",
                    format!("the event could not be serialised ({e}); this is a bug, please report it"),
                )),
            },
            Err(rejection) => Outcome::Rejected(rejection),
        }
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Outcome::Rejected(Rejection::new(
            RejectKind::Internal,
            "pipeline",
            format!("a pipeline stage panicked ({what}); this is a bug, please report it"),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(body: &[u8], reply: UnboundedSender<Done>) -> Job {
        Job {
            tag: 1,
            body: body.to_vec(),
            properties: BasicProperties::default().with_message_id("m-1".into()),
            redelivered: false,
            received_at: Utc::now(),
            received: Instant::now(),
            reply,
        }
    }

    #[test]
    fn pool_returns_events_and_rejections_with_the_original_body() {
        let stats = Arc::new(Stats::default());
        let pool =
            Pool::start(Arc::new(Pipeline::builtin()), 2, "{language}.{event_type}", Arc::clone(&stats));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        pool.submit(job(b" date 2025-08-22 Headline\n\nBody text here.", tx.clone()));
        pool.submit(job(b"", tx));
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let done = rx.blocking_recv().expect("a result");
            outcomes.push(done);
        }
        let rejected =
            outcomes.iter().find(|d| matches!(d.outcome, Outcome::Rejected(_))).expect("a rejection");
        assert!(rejected.body.is_empty());
        let event = outcomes.iter().find(|d| matches!(d.outcome, Outcome::Event(_))).expect("an event");
        assert!(!event.body.is_empty());
        assert_eq!(stats.pipeline_us.snapshot().count(), 2);
    }
}
