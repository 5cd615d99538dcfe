//! The RabbitMQ side: connection, topology, consuming, publishing with confirms. It knows nothing of the
//! text it carries: it hands bodies to a [`crate::pipeline::Pipeline`] and publishes what comes back.

use std::path::PathBuf;

use crate::config::Config;

/// Runs the worker until SIGTERM/SIGINT.
pub fn run(_cfg: Config) -> anyhow::Result<()> {
    anyhow::bail!("the worker is not built yet")
}

/// Publishes files (or directories of files) to the input queue, `repeat` times each.
pub fn publish_files(_cfg: Config, _paths: &[PathBuf], _repeat: u32) -> anyhow::Result<()> {
    anyhow::bail!("publish is not built yet")
}

/// Declares the topology and prints it.
pub fn declare_and_print(_cfg: Config) -> anyhow::Result<()> {
    anyhow::bail!("topology is not built yet")
}
