//! The RabbitMQ side: connection, topology, consuming, publishing with confirms. It knows nothing of the
//! text it carries: it hands bodies to a [`crate::pipeline::Pipeline`] and publishes what comes back.
//!
//! - `worker`: the reconnect loop, the pipeline pool, HTTP and stats around a `consume::Session`;
//! - `consume`: one session: consume → pipeline → publish with confirms → ack;
//! - `acks`: which delivery tags to ack and how (`multiple` for contiguous runs);
//! - `message`: event and rejection messages (properties, headers, routing key);
//! - [`topology`]: what is declared; `publish`: the `publish` command; `connection`: named connections,
//!   timeouts, backoff; `stats`, `http`: observability; `shutdown`: the stop signal and task
//!   completion; `replay`: the `replay` command (rejected messages back to the input queue).
//!
//! The modules are private; the public surface is what the binary, tests, benches and examples use: the
//! commands ([`run`], [`publish_files`], [`replay()`], [`declare_and_print`]), a worker to run in process
//! ([`Worker`], [`Shutdown`], [`Stats`]), the message helpers that build and read the worker's messages
//! ([`event_message`], [`rejection_properties`], [`header_text`]) and the [`topology`] it declares.

mod acks;
mod backpressure;
mod connection;
mod consume;
mod http;
mod message;
mod pool;
mod publish;
mod replay;
mod shutdown;
mod stats;
pub mod topology;
mod worker;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use message::{
    event_message, header_text, rejection_properties, routing_key, EventMessage, MAX_REASON_BYTES,
    MIN_FRAME_MAX,
};
pub use replay::{Filter, ReplayOptions};
pub use shutdown::Shutdown;
pub use stats::Stats;
pub use worker::Worker;

use crate::config::Config;
use crate::pipeline::Pipeline;

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Runs the worker until `shutdown` resolves (polled on the worker's runtime, so it may use tokio's signal
/// handling), then finishes in-flight work and returns.
pub fn run(cfg: Config, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let pipeline = Arc::new(Pipeline::load(&cfg.pipeline)?);
    runtime()?.block_on(Worker::new(cfg, pipeline).run(shutdown))
}

/// Publishes files (or directories of files) to the input queue, `repeat` times each.
pub fn publish_files(cfg: Config, paths: &[PathBuf], repeat: u32) -> anyhow::Result<()> {
    runtime()?.block_on(publish::run_cli(&cfg, paths, repeat))
}

/// Moves the rejected messages `options` selects back to the input queue.
pub fn replay(cfg: Config, options: &replay::ReplayOptions) -> anyhow::Result<()> {
    runtime()?.block_on(replay::run_cli(&cfg, options))
}

/// Declares the topology and prints it.
pub fn declare_and_print(cfg: Config) -> anyhow::Result<()> {
    let topology = topology::Topology::from_config(&cfg);
    runtime()?.block_on(async {
        let limit = Duration::from_secs(cfg.amqp.timeout_secs.max(1));
        let conn = connection::connect(&cfg.amqp, "topology").await?;
        let result = async {
            let channel = connection::timed("opening a channel", limit, conn.create_channel()).await?;
            let declared = topology::declare(&channel, &topology, limit).await;
            connection::close_channel(&channel, limit).await;
            declared
        }
        .await;
        connection::close(&conn, limit).await;
        result
    })?;
    println!("declared on {}:\n{topology}", crate::config::redact_url(&cfg.amqp.url));
    Ok(())
}
