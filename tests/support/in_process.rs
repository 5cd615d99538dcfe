//! The in-process worker tests' view of the broker: one test's own topology ([`TestBroker`]), a small AMQP
//! client to publish and read, and a [`wirefeed::broker::Worker`] running on the test's runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lapin::message::BasicGetMessage;
use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use wirefeed::broker::{Shutdown, Stats, Worker};
use wirefeed::config::{Binding, Config};
use wirefeed::pipeline::Pipeline;

use super::{amqp_url, connect, unique};

/// How long any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// One test's own topology and a client channel to drive it. Deletes its queues and exchanges on drop.
pub struct TestBroker {
    /// The worker configuration with this test's names.
    pub cfg: Config,
    /// A client connection for publishing and reading.
    pub conn: Connection,
    /// A channel with publisher confirms on.
    pub channel: Channel,
}

impl TestBroker {
    /// A fresh topology named after `label`; `bindings` are extra (queue suffix, pattern) pairs bound to the
    /// output exchange.
    pub async fn new(label: &str, bindings: &[(&str, &str)]) -> TestBroker {
        Self::configured(label, bindings, |_| {}).await
    }

    /// [`TestBroker::new`] with the configuration changed by `change` before anything is declared.
    pub async fn configured(
        label: &str,
        bindings: &[(&str, &str)],
        change: impl FnOnce(&mut Config),
    ) -> TestBroker {
        let base = unique(label);
        let mut cfg = Config::default();
        cfg.amqp.url = amqp_url();
        cfg.amqp.connection_name = base.clone();
        cfg.amqp.timeout_secs = 5;
        cfg.input.queue = format!("{base}.raw");
        cfg.input.prefetch = 50;
        cfg.output.exchange = format!("{base}.events");
        cfg.output.queue = format!("{base}.events.all");
        cfg.output.bindings = bindings
            .iter()
            .map(|(suffix, key)| Binding { queue: format!("{base}.{suffix}"), routing_key: key.to_string() })
            .collect();
        cfg.rejected.exchange = format!("{base}.rejected");
        cfg.rejected.queue = format!("{base}.rejected");
        cfg.pipeline.workers = 2;
        cfg.log.stats_interval_secs = 0;
        cfg.shutdown_grace_secs = 10;
        change(&mut cfg);
        let conn = connect("wirefeed-tests").await;
        let channel = conn.create_channel().await.expect("a channel");
        channel.confirm_select(ConfirmSelectOptions::default()).await.expect("confirms");
        let broker = TestBroker { cfg, conn, channel };
        broker.declare().await;
        broker
    }

    /// Declares the configured topology (as the worker would).
    pub async fn declare(&self) {
        let topology = wirefeed::broker::topology::Topology::from_config(&self.cfg);
        wirefeed::broker::topology::declare(&self.channel, &topology, Duration::from_secs(10))
            .await
            .expect("declaring the test topology");
    }

    /// Publishes `body` to the input queue and waits for the broker's confirm.
    pub async fn send(&self, body: &[u8], properties: BasicProperties) {
        let options = BasicPublishOptions { mandatory: true, ..Default::default() };
        let confirm = self
            .channel
            .basic_publish("".into(), self.cfg.input.queue.as_str().into(), options, body, properties)
            .await
            .expect("publish");
        let confirmation =
            tokio::time::timeout(WAIT, confirm).await.expect("confirm in time").expect("confirm");
        assert!(confirmation.is_ack() && confirmation.take_message().is_none(), "input not accepted");
    }

    /// Publishes `body` with a message id and a content type.
    pub async fn send_with_id(&self, body: &[u8], id: &str, content_type: &str) {
        let props = BasicProperties::default()
            .with_message_id(id.into())
            .with_content_type(content_type.into())
            .with_delivery_mode(2);
        self.send(body, props).await;
    }

    /// Takes (and acks) up to `n` messages from `queue`, waiting at most [`WAIT`] for them.
    pub async fn take(&self, queue: &str, n: usize) -> Vec<BasicGetMessage> {
        let deadline = Instant::now() + WAIT;
        let mut got = Vec::new();
        while got.len() < n && Instant::now() < deadline {
            let options = BasicGetOptions { no_ack: true };
            match self.channel.basic_get(queue.into(), options).await.expect("basic.get") {
                Some(msg) => got.push(msg),
                None => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        got
    }

    /// Messages ready in `queue` now.
    pub async fn count(&self, queue: &str) -> u32 {
        let options = QueueDeclareOptions { passive: true, ..Default::default() };
        let q =
            self.channel.queue_declare(queue.into(), options, FieldTable::default()).await.expect("passive");
        q.message_count()
    }

    /// Waits until `queue` holds at least `n` ready messages.
    pub async fn wait_for_count(&self, queue: &str, n: u32) -> u32 {
        let deadline = Instant::now() + WAIT;
        loop {
            let count = self.count(queue).await;
            if count >= n || Instant::now() >= deadline {
                return count;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Every queue of this test.
    pub fn queues(&self) -> Vec<String> {
        let mut queues = vec![self.cfg.input.queue.clone(), self.cfg.output.queue.clone()];
        queues.extend(self.cfg.output.bindings.iter().map(|b| b.queue.clone()));
        queues.push(self.cfg.rejected.queue.clone());
        queues.retain(|q| !q.is_empty());
        queues
    }

    /// Starts an in-process worker on this test's topology.
    pub fn start_worker(&self) -> RunningWorker {
        RunningWorker::start(self.cfg.clone())
    }
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        let queues = self.queues();
        let exchanges = [self.cfg.output.exchange.clone(), self.cfg.rejected.exchange.clone()];
        // Drop cannot await: clean up on a thread of its own, also when the test failed.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let Ok(Ok(conn)) = tokio::time::timeout(
                    Duration::from_secs(5),
                    Connection::connect(&amqp_url(), ConnectionProperties::default()),
                )
                .await
                else {
                    return;
                };
                if let Ok(ch) = conn.create_channel().await {
                    for q in queues {
                        let _ = ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default()).await;
                    }
                    for e in exchanges {
                        let _ = ch.exchange_delete(e.as_str().into(), ExchangeDeleteOptions::default()).await;
                    }
                    let _ = ch.close(200, "bye".into()).await;
                }
                let _ = conn.close(200, "bye".into()).await;
            });
        })
        .join();
    }
}

/// A worker running in this process.
pub struct RunningWorker {
    /// Its stop signal.
    pub shutdown: Shutdown,
    /// Its counters.
    pub stats: Arc<Stats>,
    handle: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningWorker {
    /// Starts a worker for `cfg` on the current runtime.
    pub fn start(cfg: Config) -> RunningWorker {
        let worker = Worker::new(cfg, Arc::new(Pipeline::builtin()));
        let stats = worker.stats();
        let shutdown = Shutdown::new();
        let handle = tokio::spawn(worker.run(shutdown.clone()));
        RunningWorker { shutdown, stats, handle }
    }

    /// Waits until it is connected and consuming.
    pub async fn ready(&self) {
        let deadline = Instant::now() + WAIT;
        while !self.stats.is_ready() {
            assert!(Instant::now() < deadline, "the worker did not become ready");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until it has acked `n` inputs.
    pub async fn wait_acked(&self, n: u64) {
        let deadline = Instant::now() + WAIT;
        while self.stats.acked.load(Ordering::Relaxed) < n {
            assert!(
                Instant::now() < deadline,
                "only {} of {n} inputs acked",
                self.stats.acked.load(Ordering::Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops it gracefully and waits for it to return.
    pub async fn stop(self) {
        self.shutdown.trigger();
        let result = tokio::time::timeout(WAIT, self.handle).await.expect("the worker stopped in time");
        result.expect("the worker task did not panic").expect("the worker ended cleanly");
    }
}

/// A header's value as text.
pub fn header(props: &BasicProperties, key: &str) -> Option<String> {
    wirefeed::broker::header_text(props, key)
}
