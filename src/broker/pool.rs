//! The pipeline pool: `pipeline.workers` OS threads that run the CPU-bound normalisation off the async
//! reactor. Jobs carry their own reply channel, so results of a session that has since died simply have
//! nowhere to go and are dropped (the broker redelivers those messages). Each thread takes one job at a time
//! and sends its result the moment it is ready: a slow release holds up only its own thread (issue 14).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use chrono::{DateTime, Utc};
use lapin::BasicProperties;
use tokio::sync::mpsc::UnboundedSender;

use super::message::{check_fits, event_message, EventMessage};
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

/// How the pool renders events for the wire.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// `output.routing_key`.
    pub routing_template: String,
    /// The largest frame the publishing connection may carry: an event whose properties do not fit is
    /// rejected as `too_large` instead of published (see [`check_fits`]).
    pub frame_max: u32,
}

impl Pool {
    /// Starts `threads` threads sharing `pipeline`; events are rendered as `rendering` says.
    pub fn start(pipeline: Arc<Pipeline>, threads: usize, rendering: Rendering, stats: Arc<Stats>) -> Pool {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let rendering = Arc::new(rendering);
        let threads = (0..threads.max(1))
            .map(|i| {
                let receiver = Arc::clone(&receiver);
                let pipeline = Arc::clone(&pipeline);
                let rendering = Arc::clone(&rendering);
                let stats = Arc::clone(&stats);
                std::thread::Builder::new()
                    .name(format!("wirefeed-pipeline-{i}"))
                    .spawn(move || serve(&receiver, &pipeline, &rendering, &stats))
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

/// A pipeline thread: takes one queued job at a time (blocking for it), normalises it and sends the result
/// at once. One at a time rather than a batch under one lock (as before issue 14): a thread that had taken
/// 32 jobs held them all while a slow release (a hostile one, up to its work budget) ran, though the other
/// threads were idle; now they take the rest of the queue.
fn serve(receiver: &Mutex<mpsc::Receiver<Job>>, pipeline: &Pipeline, rendering: &Rendering, stats: &Stats) {
    loop {
        let job = {
            let Ok(guard) = receiver.lock() else { return };
            match guard.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let started = Instant::now();
        let outcome = process(pipeline, rendering, &job);
        stats.pipeline_us.record_duration(started.elapsed());
        let Job { tag, body, properties, received, reply, .. } = job;
        let _ = reply.send(Done { tag, outcome, body, properties, received });
    }
}

/// Normalises one job and renders its event. A panic anywhere in here (the pipeline catches its own; this
/// also covers rendering the event) becomes an `internal` rejection instead of a dead thread; an event the
/// broker would refuse for its size becomes a `too_large` one.
pub fn process(pipeline: &Pipeline, rendering: &Rendering, job: &Job) -> Outcome {
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
            Ok(envelope) => match event_message(
                &envelope,
                &rendering.routing_template,
                job.properties.message_id().as_ref(),
            ) {
                Ok(msg) => match check_fits(&msg.properties, rendering.frame_max) {
                    Ok(()) => Outcome::Event(Box::new(msg)),
                    Err(rejection) => Outcome::Rejected(rejection),
                },
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

    fn rendering() -> Rendering {
        Rendering { routing_template: "{language}.{event_type}".into(), frame_max: 32 * 1024 }
    }

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
        let pool = Pool::start(Arc::new(Pipeline::builtin()), 2, rendering(), Arc::clone(&stats));
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

    #[test]
    fn a_slow_release_holds_up_no_release_queued_behind_it() {
        let stats = Arc::new(Stats::default());
        let pool = Pool::start(Arc::new(Pipeline::builtin()), 2, rendering(), Arc::clone(&stats));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let paragraph =
            "Бишкек. Президент Садыр Жапаров провёл встречу с делегацией, стороны обсудили торговлю.\n\n";
        let slow = format!(" date 2025-08-22 Заголовок\n\n{}", paragraph.repeat(1500));
        let small = |tag: u64| {
            let mut small = job(b" date 2025-08-22 Headline\n\nBody text here.", tx.clone());
            small.tag = tag;
            small
        };
        // Queued all at once: before issue 14 one thread took them as one batch and sent every result only
        // after the slow one.
        (1..=8).for_each(|tag| pool.submit(small(tag)));
        let mut slow = job(slow.as_bytes(), tx.clone());
        slow.tag = 0;
        pool.submit(slow);
        (9..=16).for_each(|tag| pool.submit(small(tag)));
        let order: Vec<u64> = (0..17).map(|_| rx.blocking_recv().expect("a result").tag).collect();
        assert_eq!(order.last(), Some(&0), "the small releases were held back by the slow one: {order:?}");
    }
}
