//! `wirefeed publish`: send releases (files, directories) to the input queue through the default exchange,
//! with pipelined publisher confirms, a progress bar and a summary line. For backfills, demos, load tests.
//!
//! Each message gets `message_id` = hex SHA-256 of its bytes, so publishing the same file twice sends the
//! same release twice (the worker gives both the same event id and consumers dedupe). With `--repeat N`
//! (N > 1) the copies get `-1` … `-N` suffixes: they are distinct releases, which is what a load test wants.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::{BasicProperties, Confirmation};
use sha2::{Digest, Sha256};

use super::connection::{self, short, timed};
use super::message::PERSISTENT;
use super::topology::{self, Topology};
use crate::config::Config;
use crate::ids::hex;

/// Confirms awaited at most at once: enough to keep the broker busy, bounded so memory is too.
const WINDOW: usize = 1024;

/// What a publish run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishSummary {
    /// Messages the broker confirmed.
    pub confirmed: u64,
    /// Messages nacked or returned (no such queue).
    pub failed: u64,
    /// Bytes of the confirmed messages.
    pub bytes: u64,
}

/// The files under `paths`: files as given, directories walked recursively; sorted by path, hidden files
/// (names starting with `.`) and README files skipped inside directories.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.eq_ignore_ascii_case("README.md") {
            continue;
        }
        if path.is_dir() {
            walk(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// `application/json` for `.json` files, `text/plain` otherwise.
pub fn content_type_for(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("json") => "application/json",
        _ => "text/plain",
    }
}

/// The `message_id` of copy `copy` (1-based) of `bytes` when sending `repeat` copies.
pub fn message_id(bytes: &[u8], copy: u32, repeat: u32) -> String {
    let sha = hex(&Sha256::digest(bytes));
    if repeat > 1 {
        format!("{sha}-{copy}")
    } else {
        sha
    }
}

/// Publishes every file `repeat` times to `input.queue` and waits for every confirm.
pub async fn publish(cfg: &Config, files: &[PathBuf], repeat: u32) -> anyhow::Result<PublishSummary> {
    let limit = Duration::from_secs(cfg.amqp.timeout_secs.max(1));
    let conn = connection::connect(&cfg.amqp, "publish-cli").await?;
    let result = publish_on(cfg, &conn, files, repeat, limit).await;
    connection::close(&conn, limit).await;
    result
}

async fn publish_on(
    cfg: &Config,
    conn: &lapin::Connection,
    files: &[PathBuf],
    repeat: u32,
    limit: Duration,
) -> anyhow::Result<PublishSummary> {
    let channel = timed("opening a channel", limit, conn.create_channel()).await?;
    if cfg.input.declare {
        topology::declare(&channel, &Topology::from_config(cfg), limit).await?;
    }
    timed("enabling publisher confirms", limit, channel.confirm_select(ConfirmSelectOptions::default()))
        .await?;
    let total = files.len() as u64 * u64::from(repeat);
    let bar = progress_bar(total);
    let queue = short(&cfg.input.queue);
    let mut summary = PublishSummary::default();
    let mut pending = FuturesUnordered::new();
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let content_type = content_type_for(path);
        for copy in 1..=repeat {
            let props = BasicProperties::default()
                .with_message_id(short(&message_id(&bytes, copy, repeat)))
                .with_content_type(content_type.into())
                .with_delivery_mode(PERSISTENT)
                .with_app_id("wirefeed-publish".into())
                .with_timestamp(chrono::Utc::now().timestamp().max(0) as u64);
            let options = BasicPublishOptions { mandatory: true, ..Default::default() };
            let publish = channel.basic_publish("".into(), queue.clone(), options, &bytes, props);
            let confirm = timed("publishing", limit, publish).await?;
            let size = bytes.len() as u64;
            pending.push(async move { (size, timed("waiting for a confirm", limit, confirm).await) });
            while pending.len() >= WINDOW {
                if let Some((size, result)) = pending.next().await {
                    settle(&mut summary, size, result, &cfg.input.queue)?;
                    bar.inc(1);
                }
            }
        }
    }
    while let Some((size, result)) = pending.next().await {
        settle(&mut summary, size, result, &cfg.input.queue)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    connection::close_channel(&channel, limit).await;
    Ok(summary)
}

fn settle(
    summary: &mut PublishSummary,
    size: u64,
    result: anyhow::Result<Confirmation>,
    queue: &str,
) -> anyhow::Result<()> {
    match result? {
        Confirmation::Ack(None) | Confirmation::NotRequested => {
            summary.confirmed += 1;
            summary.bytes += size;
        }
        Confirmation::Ack(Some(_)) => {
            if summary.failed == 0 {
                tracing::error!(
                    queue,
                    "no queue {queue}: run `wirefeed topology` or set input.declare = true"
                );
            }
            summary.failed += 1;
        }
        Confirmation::Nack(_) => summary.failed += 1,
    }
    Ok(())
}

/// A bar on stderr for `total` messages, hidden when stderr is not a terminal (logs stay clean).
pub(super) fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}") {
        bar.set_style(style);
    }
    bar
}

/// The CLI entry: collect, publish, print the summary line; fails if any message was not confirmed.
pub async fn run_cli(cfg: &Config, paths: &[PathBuf], repeat: u32) -> anyhow::Result<()> {
    let files = collect_files(paths)?;
    anyhow::ensure!(!files.is_empty(), "no files to publish under the given paths");
    let repeat = repeat.max(1);
    let started = Instant::now();
    let summary = publish(cfg, &files, repeat).await?;
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    println!(
        "published {} of {} messages ({} files x {repeat}, {} bytes) to queue {} in {secs:.2} s ({:.0} msg/s); \
         {} failed",
        summary.confirmed,
        files.len() as u64 * u64::from(repeat),
        files.len(),
        summary.bytes,
        cfg.input.queue,
        summary.confirmed as f64 / secs,
        summary.failed
    );
    anyhow::ensure!(summary.failed == 0, "{} messages were not accepted by the broker", summary.failed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_follows_the_extension() {
        assert_eq!(content_type_for(Path::new("a/release.json")), "application/json");
        assert_eq!(content_type_for(Path::new("a/RELEASE.JSON")), "application/json");
        assert_eq!(content_type_for(Path::new("a/x.txt")), "text/plain");
        assert_eq!(content_type_for(Path::new("a/random.bin")), "text/plain");
    }

    #[test]
    fn repeats_get_distinct_ids_single_sends_the_plain_hash() {
        let single = message_id(b"abc", 1, 1);
        assert_eq!(single, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(message_id(b"abc", 2, 3), format!("{single}-2"));
        assert_ne!(message_id(b"abc", 1, 3), message_id(b"abc", 2, 3));
    }

    #[test]
    fn directories_are_walked_recursively_and_sorted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for name in ["b.txt", "a.json", "sub/c.txt", ".hidden", "README.md"] {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        let files = collect_files(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<String> =
            files.iter().map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
        assert_eq!(names, ["a.json", "b.txt", "sub/c.txt"]);
    }
}
