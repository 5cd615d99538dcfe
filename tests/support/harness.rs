//! The fault tests' view of the broker ([`Harness`]): the environment that points a `wirefeed` process at one
//! test's topology, publishing inputs with confirms, inspecting queues, and deleting everything afterwards.

use std::time::{Duration, Instant};

use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

use super::{amqp_url, connect, run_cli, Input, Names, Worker};

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
