//! Broker benchmark (issue 6): the worker against a bare lapin passthrough, on the same broker, the same
//! queues and the same backlog, in one run.
//!
//! ```text
//! cargo build --release && cargo run --release --example broker_bench -- --messages 20000
//! cargo run --release --example broker_bench -- --messages 20000 --workers 2
//! cargo run --release --example broker_bench -- --sweep --messages 10000
//! cargo run --release --example broker_bench -- --messages 5000 --ner rules,model
//! cargo run --release --example broker_bench -- --messages 20000 --pass-output event
//! ```
//!
//! `--ner` picks the worker's `pipeline.ner` mode(s); with several, each round runs P then one W per mode.
//!
//! What one round of one side does:
//! 1. loads `--messages` copies of the seed release (distinct `message_id`s) into a fresh quorum input queue;
//! 2. starts the side: **P**, a passthrough written here (consume with prefetch P, publish each body to the
//!    output exchange, await that message's confirm, ack it: the naive loop, no pipeline; with
//!    `--pass-output event` it publishes the seed's event, rendered once by the worker's code, instead of the
//!    input: the worker's output bytes and headers without the work of making them), or **W**, the
//!    real worker (`target/release/wirefeed run` as a subprocess, configured by `WIREFEED__…` variables);
//! 3. a reader drains the output (and rejected) queue and timestamps every arrival: throughput is
//!    `(N-1) / (last arrival - first arrival)`, so process start-up and connection set-up count for neither;
//! 4. latency phase: with the side still running and the backlog gone, publishes `--latency-messages` more at
//!    a steady `--latency-rate` and measures publish → arrival at the reader (both instants taken here, so no
//!    clock skew; an output is matched to its input by `correlation_id`);
//! 5. stops the side; for the worker, its peak RSS (`VmHWM` of `/proc/<pid>/status`) is read just before
//!    SIGTERM.
//!
//! Rounds are interleaved (P W P W …) so that the noise of a shared 2-core machine hits both sides alike;
//! medians are reported. Everything the benchmark declared is deleted at the end.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions,
    ExchangeDeleteOptions, QueueDeleteOptions, QueuePurgeOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use tokio::sync::mpsc;
use wirefeed::broker::event_message;
use wirefeed::broker::topology::{self, ArgValue};
use wirefeed::config::ClosedSet;
use wirefeed::config::Config;
use wirefeed::pipeline::{NerMode, Pipeline, RawInput, Settings};

/// Command line.
#[derive(Debug, Clone, Parser)]
#[command(about = "Worker vs bare lapin passthrough on the same broker, same queues, same backlog")]
struct Args {
    /// Seed releases per round (the backlog each side drains).
    #[arg(long, default_value_t = 20_000)]
    messages: usize,
    /// Rounds per side (interleaved P W P W …); medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Prefetch of every consumer (passthrough and worker).
    #[arg(long, default_value_t = 200)]
    prefetch: u16,
    /// Worker processes (and passthrough consumers) on the one input queue.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// `pipeline.workers` of each worker process (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pipeline_workers: usize,
    /// Sweep prefetch × pipeline workers instead of one configuration.
    #[arg(long)]
    sweep: bool,
    /// Prefetch values of the sweep.
    #[arg(long, value_delimiter = ',', default_value = "50,100,200,500,1000")]
    sweep_prefetch: Vec<u16>,
    /// Pipeline worker counts of the sweep.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    sweep_pipeline_workers: Vec<usize>,
    /// Messages of the latency phase (0 = skip it).
    #[arg(long, default_value_t = 2_000)]
    latency_messages: usize,
    /// Publish rate of the latency phase, messages a second.
    #[arg(long, default_value_t = 1_000)]
    latency_rate: u32,
    /// The passthrough: `concurrent` (each delivery in its own task: publish, await that confirm, ack that
    /// delivery; up to prefetch in flight) or `sequential` (one message at a time).
    #[arg(long, value_enum, default_value_t = PassMode::Concurrent)]
    passthrough: PassMode,
    /// What the passthrough publishes: `input` (the delivery's own body, the issue's bare passthrough) or
    /// `event` (the seed's event, rendered once before the run with the worker's own code: the same bytes
    /// and headers the worker publishes, without the work of making them).
    #[arg(long, value_enum, default_value_t = PassOutput::Input)]
    pass_output: PassOutput,
    /// The worker's `pipeline.ner` mode(s), comma-separated: `rules` (the issue-6 targets), `model`, or both.
    #[arg(long, value_delimiter = ',', default_value = "rules")]
    ner: Vec<NerMode>,
    /// Only run the worker side (e.g. to profile it).
    #[arg(long)]
    worker_only: bool,
    /// Only run the passthrough side.
    #[arg(long)]
    passthrough_only: bool,
    /// Type of the all-events output queue (`classic` or `quorum`).
    #[arg(long, default_value = "classic")]
    output_queue_type: String,
    /// The release every message carries.
    #[arg(long, default_value = "samples/sayasat-2025-08-22.txt")]
    seed: PathBuf,
    /// The worker binary.
    #[arg(long, default_value = "target/release/wirefeed")]
    worker_bin: PathBuf,
    /// `log.stats_interval_secs` of the worker.
    #[arg(long, default_value_t = 5)]
    stats_interval: u64,
    /// Broker URL (else `AMQP_URL`, else the local default).
    #[arg(long, env = "AMQP_URL", default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    amqp_url: String,
}

/// How the bare passthrough treats deliveries. Both await each message's own confirm before acking it
/// (the naive contract); they differ only in whether messages overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PassMode {
    /// A task per delivery: publish → await its confirm → ack it; the prefetch bounds how many overlap.
    Concurrent,
    /// One delivery at a time.
    Sequential,
}

/// What the passthrough publishes for each delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PassOutput {
    /// The delivery's body, unchanged.
    Input,
    /// The seed's event envelope with the worker's properties and headers.
    Event,
}

/// A message the passthrough publishes instead of the delivery's body (`--pass-output event`).
struct Canned {
    body: Vec<u8>,
    properties: BasicProperties,
    routing_key: String,
}

impl Canned {
    /// The seed's event as the worker renders it (rules mode), rendered once.
    fn seed_event(seed: &[u8]) -> anyhow::Result<Canned> {
        let pipeline = Pipeline::load(&Settings::with_ner(NerMode::Rules))?;
        let envelope = pipeline
            .normalize(&RawInput::from_bytes(seed))
            .map_err(|r| anyhow::anyhow!("the seed does not normalise: {}", r.reason))?;
        let msg = event_message(&envelope, &Config::default().output.routing_key, None)?;
        Ok(Canned { body: msg.payload, properties: msg.properties, routing_key: msg.routing_key.to_string() })
    }
}

/// The queues and exchanges of one benchmark invocation, all named after a unique prefix.
#[derive(Debug, Clone)]
struct Topology {
    input: String,
    output_exchange: String,
    output_queue: String,
    rejected_exchange: String,
    rejected_queue: String,
}

impl Topology {
    fn unique() -> Self {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
        let p = format!("bench.{}.{}", std::process::id(), stamp);
        Topology {
            input: format!("{p}.raw"),
            output_exchange: format!("{p}.events"),
            output_queue: format!("{p}.events.all"),
            rejected_exchange: format!("{p}.rejected"),
            rejected_queue: format!("{p}.rejected"),
        }
    }

    /// The worker configuration that names this benchmark's queues and exchanges.
    fn config(&self) -> Config {
        let mut cfg = Config::default();
        cfg.input.queue = self.input.clone();
        cfg.output.exchange = self.output_exchange.clone();
        cfg.output.queue = self.output_queue.clone();
        cfg.rejected.exchange = self.rejected_exchange.clone();
        cfg.rejected.queue = self.rejected_queue.clone();
        cfg
    }

    /// Declares it with the worker's own code ([`topology::declare`]), so both sides run on exactly the
    /// production topology of SPEC §4; `output_queue_type` other than `classic` is added to the output and
    /// rejected queues.
    async fn declare(&self, ch: &Channel, output_queue_type: &str) -> anyhow::Result<()> {
        let mut declared = topology::Topology::from_config(&self.config());
        if output_queue_type != "classic" {
            for q in declared.queues.iter_mut().filter(|q| q.name != self.input) {
                q.args.push(("x-queue-type", ArgValue::Str(output_queue_type.to_string())));
            }
        }
        topology::declare(ch, &declared, STALL).await
    }

    async fn purge(&self, ch: &Channel) -> anyhow::Result<()> {
        for q in [&self.input, &self.output_queue, &self.rejected_queue] {
            ch.queue_purge(q.as_str().into(), QueuePurgeOptions::default()).await?;
        }
        Ok(())
    }

    async fn delete(&self, ch: &Channel) -> anyhow::Result<()> {
        for q in [&self.input, &self.output_queue, &self.rejected_queue] {
            ch.queue_delete(q.as_str().into(), QueueDeleteOptions::default()).await?;
        }
        for x in [&self.output_exchange, &self.rejected_exchange] {
            ch.exchange_delete(x.as_str().into(), ExchangeDeleteOptions::default()).await?;
        }
        Ok(())
    }
}

/// What the reader saw arrive: which input (by its index in the round) and when.
#[derive(Debug, Clone, Copy)]
struct Arrival {
    round: u32,
    index: u32,
    rejected: bool,
    at: Instant,
}

/// Input message ids are `b<round>-<index>`; outputs carry them back as `correlation_id` (the worker's
/// contract, and the passthrough's here). Latency-phase indices start at [`LATENCY_BASE`].
fn message_id(round: u32, index: u32) -> String {
    format!("b{round}-{index}")
}

fn parse_message_id(id: &str) -> Option<(u32, u32)> {
    let (round, index) = id.strip_prefix('b')?.split_once('-')?;
    Some((round.parse().ok()?, index.parse().ok()?))
}

const LATENCY_BASE: u32 = 1 << 30;

/// Which side a round measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Passthrough,
    Worker(NerMode),
}

impl Side {
    fn letter(self) -> &'static str {
        match self {
            Side::Passthrough => "P",
            Side::Worker(NerMode::Rules) => "W",
            Side::Worker(NerMode::Model) => "M",
        }
    }

    fn is_worker(self) -> bool {
        matches!(self, Side::Worker(_))
    }
}

/// One round's measurements.
#[derive(Debug, Clone, Default)]
struct RoundResult {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    rss_kib: u64,
    rejected: usize,
    /// Broker (beam.smp) CPU per message during the throughput phase, µs.
    broker_us: f64,
    /// Client CPU per message during the throughput phase, µs: this process (passthrough or not, and the
    /// reader) plus the worker processes.
    client_us: f64,
}

/// A configuration to measure.
#[derive(Debug, Clone, Copy)]
struct Setup {
    prefetch: u16,
    pipeline_workers: usize,
    processes: usize,
}

struct Bench {
    args: Args,
    topo: Topology,
    admin: Channel,
    loader: Channel,
    loader_conn: Option<Connection>,
    body: Arc<Vec<u8>>,
    /// What the passthrough publishes instead of the input (`--pass-output event`).
    canned: Option<Arc<Canned>>,
    arrivals: mpsc::UnboundedReceiver<Arrival>,
    round: u32,
    _reader: Connection,
    _admin_conn: Connection,
}

async fn connect(url: &str, name: &str) -> anyhow::Result<Connection> {
    let props = ConnectionProperties::default().with_connection_name(name.into());
    Connection::connect(url, props).await.with_context(|| format!("cannot connect to the broker ({name})"))
}

/// Drains a queue with auto-ack and reports every arrival.
async fn start_reader(
    conn: &Connection,
    queue: &str,
    rejected: bool,
    tx: mpsc::UnboundedSender<Arrival>,
) -> anyhow::Result<()> {
    let ch = conn.create_channel().await?;
    let mut consumer = ch
        .basic_consume(
            queue.into(),
            format!("bench-reader-{rejected}").into(),
            BasicConsumeOptions { no_ack: true, ..Default::default() },
            FieldTable::default(),
        )
        .await?;
    tokio::spawn(async move {
        let _ch = ch;
        while let Some(Ok(delivery)) = consumer.next().await {
            let at = Instant::now();
            let id = delivery.properties.correlation_id().as_ref().map(|s| s.as_str().to_string());
            let Some((round, index)) = id.as_deref().and_then(parse_message_id) else {
                // A rejected message keeps its own properties: its message_id is the input's.
                let id = delivery.properties.message_id().as_ref().map(|s| s.as_str().to_string());
                if let Some((round, index)) = id.as_deref().and_then(parse_message_id) {
                    let _ = tx.send(Arrival { round, index, rejected: true, at });
                }
                continue;
            };
            let _ = tx.send(Arrival { round, index, rejected, at });
        }
    });
    Ok(())
}

impl Bench {
    async fn new(args: Args) -> anyhow::Result<Self> {
        let body =
            std::fs::read(&args.seed).with_context(|| format!("cannot read {}", args.seed.display()))?;
        let admin_conn = connect(&args.amqp_url, "bench-admin").await?;
        let admin = admin_conn.create_channel().await?;
        let loader = admin_conn.create_channel().await?;
        loader.confirm_select(ConfirmSelectOptions::default()).await?;
        let topo = Topology::unique();
        topo.declare(&admin, &args.output_queue_type).await?;
        let canned = match args.pass_output {
            PassOutput::Input => None,
            PassOutput::Event => Some(Arc::new(Canned::seed_event(&body)?)),
        };
        let reader = connect(&args.amqp_url, "bench-reader").await?;
        let (tx, arrivals) = mpsc::unbounded_channel();
        start_reader(&reader, &topo.output_queue, false, tx.clone()).await?;
        start_reader(&reader, &topo.rejected_queue, true, tx).await?;
        Ok(Bench {
            args,
            topo,
            admin,
            loader,
            loader_conn: None,
            canned,
            body: Arc::new(body),
            arrivals,
            round: 0,
            _reader: reader,
            _admin_conn: admin_conn,
        })
    }

    fn input_props(&self, id: String) -> BasicProperties {
        BasicProperties::default()
            .with_message_id(id.into())
            .with_content_type("text/plain; charset=utf-8".into())
            .with_delivery_mode(2)
    }

    async fn publish_input(&self, id: String) -> anyhow::Result<lapin::PublisherConfirm> {
        Ok(self
            .loader
            .basic_publish(
                "".into(),
                self.topo.input.as_str().into(),
                BasicPublishOptions::default(),
                &self.body,
                self.input_props(id),
            )
            .await?)
    }

    /// Loads `n` seed releases for this round, confirms pipelined (1000 in flight).
    async fn load(&self, n: usize) -> anyhow::Result<()> {
        let mut pending = VecDeque::new();
        for i in 0..n as u32 {
            pending.push_back(self.publish_input(message_id(self.round, i)).await?);
            if pending.len() >= 1000 {
                let c = pending.pop_front().unwrap().await?;
                if !c.is_ack() {
                    bail!("the broker nacked a load message");
                }
            }
        }
        for c in pending {
            if !c.await?.is_ack() {
                bail!("the broker nacked a load message");
            }
        }
        Ok(())
    }

    /// Runs one round of one side and measures it.
    async fn round(&mut self, side: Side, setup: Setup) -> anyhow::Result<RoundResult> {
        self.round += 1;
        // A fresh loading connection each round: a long-idle one once hung a whole run.
        if let Some(old) = self.loader_conn.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), old.close(200, "next round".into())).await;
        }
        let conn = connect(&self.args.amqp_url, &format!("bench-load-{}", self.round)).await?;
        self.loader = conn.create_channel().await?;
        self.loader.confirm_select(ConfirmSelectOptions::default()).await?;
        self.loader_conn = Some(conn);
        tokio::time::timeout(STALL, self.topo.purge(&self.admin)).await.context("purging timed out")??;
        while self.arrivals.try_recv().is_ok() {}
        let n = self.args.messages;
        tokio::time::timeout(STALL * 4, self.load(n)).await.context("loading timed out")??;
        let mut running = match side {
            Side::Passthrough => {
                Running::passthrough(&self.args, &self.topo, setup, self.canned.clone()).await?
            }
            Side::Worker(ner) => Running::workers(&self.args, &self.topo, setup, ner)?,
        };
        let result = self.measure(&mut running, n).await;
        let rss_kib = running.stop().await?;
        let mut result = result?;
        result.rss_kib = rss_kib;
        Ok(result)
    }

    async fn measure(&mut self, running: &mut Running, n: usize) -> anyhow::Result<RoundResult> {
        let round = self.round;
        let (mut first, mut last, mut seen, mut rejected) = (None, None, 0usize, 0usize);
        let broker = broker_pid();
        let mut cpu_start = (0u64, 0u64);
        while seen < n {
            let a = self.next_arrival(running).await?;
            if a.round != round || a.index >= LATENCY_BASE {
                continue;
            }
            if first.is_none() {
                cpu_start = (broker.and_then(cpu_ticks).unwrap_or(0), running.client_ticks());
            }
            first.get_or_insert(a.at);
            last = Some(a.at);
            seen += 1;
            rejected += a.rejected as usize;
        }
        let cpu_end = (broker.and_then(cpu_ticks).unwrap_or(0), running.client_ticks());
        let per_msg_us =
            |ticks: u64| ticks as f64 * 1e6 / ticks_per_sec() / (n.saturating_sub(1)).max(1) as f64;
        let broker_us = per_msg_us(cpu_end.0.saturating_sub(cpu_start.0));
        let client_us = per_msg_us(cpu_end.1.saturating_sub(cpu_start.1));
        let span = last.unwrap().duration_since(first.unwrap()).as_secs_f64();
        let rate = (n.saturating_sub(1)) as f64 / span.max(1e-9);
        let (p50_ms, p99_ms) = self.latency_phase(running).await?;
        Ok(RoundResult { rate, p50_ms, p99_ms, rss_kib: 0, rejected, broker_us, client_us })
    }

    /// The next output the reader saw; fails when the side under test died or nothing arrived for [`STALL`].
    async fn next_arrival(&mut self, running: &mut Running) -> anyhow::Result<Arrival> {
        let waiting_since = Instant::now();
        loop {
            match tokio::time::timeout(Duration::from_secs(1), self.arrivals.recv()).await {
                Ok(Some(a)) => return Ok(a),
                Ok(None) => bail!("the reader stopped"),
                Err(_) => {
                    running.check_alive()?;
                    if waiting_since.elapsed() > STALL {
                        bail!(
                            "no output for {} s; see the worker logs under target/broker_bench/",
                            STALL.as_secs()
                        )
                    }
                }
            }
        }
    }

    /// Publishes at a steady rate and measures publish → arrival, in milliseconds (p50, p99).
    async fn latency_phase(&mut self, running: &mut Running) -> anyhow::Result<(f64, f64)> {
        let m = self.args.latency_messages;
        if m == 0 {
            return Ok((f64::NAN, f64::NAN));
        }
        let round = self.round;
        let interval = Duration::from_secs_f64(1.0 / self.args.latency_rate.max(1) as f64);
        let start = Instant::now();
        let mut sent = vec![start; m];
        let mut latencies = Vec::with_capacity(m);
        let mut confirms = VecDeque::new();
        for i in 0..m {
            let due = start + interval * i as u32;
            tokio::time::sleep_until(due.into()).await;
            sent[i] = Instant::now();
            confirms.push_back(self.publish_input(message_id(round, LATENCY_BASE + i as u32)).await?);
            while confirms.len() > 100 {
                confirms.pop_front().unwrap().await?;
            }
            while let Ok(a) = self.arrivals.try_recv() {
                record_latency(&a, round, &sent, &mut latencies);
            }
        }
        for c in confirms {
            c.await?;
        }
        while latencies.len() < m {
            let a = self.next_arrival(running).await?;
            record_latency(&a, round, &sent, &mut latencies);
        }
        latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
        Ok((percentile(&latencies, 0.50), percentile(&latencies, 0.99)))
    }
}

fn record_latency(a: &Arrival, round: u32, sent: &[Instant], out: &mut Vec<f64>) {
    if a.round == round && a.index >= LATENCY_BASE {
        if let Some(t) = sent.get((a.index - LATENCY_BASE) as usize) {
            out.push(a.at.duration_since(*t).as_secs_f64() * 1000.0);
        }
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i]
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.retain(|x| !x.is_nan());
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if xs.is_empty() {
        f64::NAN
    } else if xs.len() % 2 == 1 {
        xs[xs.len() / 2]
    } else {
        (xs[xs.len() / 2 - 1] + xs[xs.len() / 2]) / 2.0
    }
}

const STALL: Duration = Duration::from_secs(30);

/// The side under test while it runs.
enum Running {
    Passthrough {
        stop: Arc<AtomicBool>,
        tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
        conns: Vec<Connection>,
    },
    Workers {
        children: Vec<(tokio::process::Child, PathBuf)>,
        peak_kib: u64,
    },
}

impl Running {
    /// `setup.processes` passthrough loops, each with its own consuming and publishing connection (as the
    /// worker has), prefetch `setup.prefetch`.
    async fn passthrough(
        args: &Args,
        topo: &Topology,
        setup: Setup,
        canned: Option<Arc<Canned>>,
    ) -> anyhow::Result<Running> {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        let mut conns = Vec::new();
        for k in 0..setup.processes {
            let consume_conn = connect(&args.amqp_url, &format!("bench-passthrough-{k}-consume")).await?;
            let publish_conn = connect(&args.amqp_url, &format!("bench-passthrough-{k}-publish")).await?;
            let cch = consume_conn.create_channel().await?;
            cch.basic_qos(setup.prefetch, BasicQosOptions::default()).await?;
            let pch = publish_conn.create_channel().await?;
            pch.confirm_select(ConfirmSelectOptions::default()).await?;
            let consumer = cch
                .basic_consume(
                    topo.input.as_str().into(),
                    format!("bench-passthrough-{k}").into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            let exchange = topo.output_exchange.clone();
            tasks.push(tokio::spawn(passthrough_loop(
                consumer,
                cch,
                pch,
                exchange,
                stop.clone(),
                args.passthrough,
                canned.clone(),
            )));
            conns.push(consume_conn);
            conns.push(publish_conn);
        }
        Ok(Running::Passthrough { stop, tasks, conns })
    }

    /// `setup.processes` worker processes on the benchmark's queues.
    fn workers(args: &Args, topo: &Topology, setup: Setup, ner: NerMode) -> anyhow::Result<Running> {
        let dir = Path::new("target/broker_bench");
        std::fs::create_dir_all(dir)?;
        if !args.worker_bin.exists() {
            bail!("{} not found: run `cargo build --release` first", args.worker_bin.display());
        }
        let mut children = Vec::new();
        for k in 0..setup.processes {
            let log = dir.join(format!("worker-{}-{k}.log", std::process::id()));
            let file = std::fs::File::create(&log)?;
            let child = tokio::process::Command::new(&args.worker_bin)
                .arg("run")
                .env("WIREFEED__AMQP__URL", &args.amqp_url)
                .env("WIREFEED__AMQP__CONNECTION_NAME", format!("bench-worker-{k}"))
                .env("WIREFEED__INPUT__QUEUE", &topo.input)
                .env("WIREFEED__INPUT__DECLARE", "false")
                .env("WIREFEED__INPUT__PREFETCH", setup.prefetch.to_string())
                .env("WIREFEED__OUTPUT__EXCHANGE", &topo.output_exchange)
                .env("WIREFEED__OUTPUT__QUEUE", &topo.output_queue)
                .env("WIREFEED__REJECTED__EXCHANGE", &topo.rejected_exchange)
                .env("WIREFEED__REJECTED__QUEUE", &topo.rejected_queue)
                .env("WIREFEED__PIPELINE__WORKERS", setup.pipeline_workers.to_string())
                .env("WIREFEED__PIPELINE__NER", ner.as_str())
                .env("WIREFEED__LOG__STATS_INTERVAL_SECS", args.stats_interval.to_string())
                .env("WIREFEED__HTTP__ADDR", "")
                .env("WIREFEED__SHUTDOWN_GRACE_SECS", "10")
                .stdin(Stdio::null())
                .stdout(file.try_clone()?)
                .stderr(file)
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("cannot start {}", args.worker_bin.display()))?;
            children.push((child, log));
        }
        Ok(Running::Workers { children, peak_kib: 0 })
    }

    /// CPU ticks used so far by this process and the worker processes.
    fn client_ticks(&self) -> u64 {
        let own = cpu_ticks(std::process::id()).unwrap_or(0);
        match self {
            Running::Passthrough { .. } => own,
            Running::Workers { children, .. } => {
                own + children.iter().filter_map(|(c, _)| c.id().and_then(cpu_ticks)).sum::<u64>()
            }
        }
    }

    /// Fails when a worker process has exited on its own; also samples peak RSS.
    fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Running::Workers { children, peak_kib, .. } = self {
            for (child, log) in children.iter_mut() {
                if let Some(pid) = child.id() {
                    *peak_kib = (*peak_kib).max(vm_hwm_kib(pid).unwrap_or(0));
                }
                if let Some(status) = child.try_wait()? {
                    let tail = std::fs::read_to_string(log).unwrap_or_default();
                    let tail: Vec<&str> = tail.lines().rev().take(10).collect();
                    bail!("the worker exited early ({status}); last log lines:\n{}", tail.join("\n"));
                }
            }
        }
        Ok(())
    }

    /// Stops the side; returns the peak RSS of the worker process(es) in KiB (the largest one), 0 for the
    /// passthrough.
    async fn stop(self) -> anyhow::Result<u64> {
        match self {
            Running::Passthrough { stop, tasks, conns } => {
                stop.store(true, Ordering::SeqCst);
                for c in &conns {
                    let _ = c.close(200, "bench done".into()).await;
                }
                for t in tasks {
                    let _ = t.await;
                }
                Ok(0)
            }
            Running::Workers { mut children, mut peak_kib, .. } => {
                for (child, _) in &children {
                    if let Some(pid) = child.id() {
                        peak_kib = peak_kib.max(vm_hwm_kib(pid).unwrap_or(0));
                        let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
                    }
                }
                for (child, log) in children.iter_mut() {
                    match tokio::time::timeout(Duration::from_secs(30), child.wait()).await {
                        Ok(Ok(status)) if status.success() => {}
                        Ok(Ok(status)) => eprintln!("  worker exited with {status}; see {}", log.display()),
                        _ => {
                            eprintln!("  worker did not stop within 30 s of SIGTERM; killing it");
                            let _ = child.kill().await;
                        }
                    }
                }
                Ok(peak_kib)
            }
        }
    }
}

/// The naive passthrough: consume → publish the body unchanged (mandatory, persistent) → await that
/// message's confirm → ack that message. No pipeline, no batching, no `multiple` acks.
async fn passthrough_loop(
    mut consumer: lapin::Consumer,
    _consume_channel: Channel,
    publish: Channel,
    exchange: String,
    stop: Arc<AtomicBool>,
    mode: PassMode,
    canned: Option<Arc<Canned>>,
) -> anyhow::Result<()> {
    let exchange: Arc<str> = Arc::from(exchange);
    while let Some(delivery) = consumer.next().await {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let delivery = delivery?;
        match mode {
            PassMode::Sequential => pass_one(delivery, &publish, &exchange, canned.as_deref()).await?,
            PassMode::Concurrent => {
                let (publish, exchange, canned) = (publish.clone(), exchange.clone(), canned.clone());
                tokio::spawn(async move { pass_one(delivery, &publish, &exchange, canned.as_deref()).await });
            }
        }
    }
    Ok(())
}

async fn pass_one(
    delivery: lapin::message::Delivery,
    publish: &Channel,
    exchange: &str,
    canned: Option<&Canned>,
) -> anyhow::Result<()> {
    {
        let input_id = delivery.properties.message_id().clone();
        let (body, props, key) = match canned {
            None => {
                let mut props = BasicProperties::default()
                    .with_content_type("application/json".into())
                    .with_delivery_mode(2);
                if let Some(id) = &input_id {
                    props = props.with_message_id(id.clone());
                }
                (&delivery.data[..], props, "ru.other")
            }
            Some(c) => (&c.body[..], c.properties.clone(), c.routing_key.as_str()),
        };
        let props = match input_id {
            Some(id) => props.with_correlation_id(id),
            None => props,
        };
        let confirm = publish
            .basic_publish(
                exchange.into(),
                key.into(),
                BasicPublishOptions { mandatory: true, ..Default::default() },
                body,
                props,
            )
            .await?
            .await?;
        if !confirm.is_ack() {
            bail!("the broker nacked a passthrough publish");
        }
        delivery.ack(BasicAckOptions::default()).await?;
    }
    Ok(())
}

/// User + system CPU time of a process so far, in clock ticks (`/proc/<pid>/stat` fields 14 and 15).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; the fields after it start past the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Clock ticks a second (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
fn ticks_per_sec() -> f64 {
    100.0
}

/// The RabbitMQ node's process (`beam.smp`) on this machine, if the broker runs here.
fn broker_pid() -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        (comm.trim() == "beam.smp").then_some(pid)
    })
}

/// `VmHWM` (peak resident set) of a process, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Medians of one side's rounds.
#[derive(Debug, Clone, Default)]
struct Summary {
    rates: Vec<f64>,
    p50: f64,
    p99: f64,
    rss_kib: u64,
    rejected: usize,
    broker_us: f64,
    client_us: f64,
}

impl Summary {
    fn from(results: &[RoundResult]) -> Summary {
        Summary {
            rates: results.iter().map(|r| r.rate).collect(),
            p50: median(results.iter().map(|r| r.p50_ms).collect()),
            p99: median(results.iter().map(|r| r.p99_ms).collect()),
            rss_kib: results.iter().map(|r| r.rss_kib).max().unwrap_or(0),
            rejected: results.iter().map(|r| r.rejected).sum(),
            broker_us: median(results.iter().map(|r| r.broker_us).collect()),
            client_us: median(results.iter().map(|r| r.client_us).collect()),
        }
    }

    fn rate(&self) -> f64 {
        median(self.rates.clone())
    }

    fn rates_text(&self) -> String {
        self.rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(" ")
    }
}

/// Runs `rounds` interleaved rounds of the enabled sides for one setup.
async fn compare(bench: &mut Bench, setup: Setup, sides: &[Side]) -> anyhow::Result<Vec<Summary>> {
    let mut results: Vec<Vec<RoundResult>> = vec![Vec::new(); sides.len()];
    for r in 0..bench.args.rounds {
        for (s, side) in sides.iter().enumerate() {
            let res = bench.round(*side, setup).await?;
            eprintln!(
                "  round {} {}: {:>8.0} msg/s  p50 {:>6.1} ms  p99 {:>6.1} ms  CPU/msg broker {:>5.0} µs client {:>5.0} µs{}{}",
                r + 1,
                side.letter(),
                res.rate,
                res.p50_ms,
                res.p99_ms,
                res.broker_us,
                res.client_us,
                if res.rss_kib > 0 { format!("  peak RSS {:.1} MiB", res.rss_kib as f64 / 1024.0) } else { String::new() },
                if res.rejected > 0 { format!("  ({} rejected!)", res.rejected) } else { String::new() },
            );
            results[s].push(res);
        }
    }
    Ok(results.iter().map(|r| Summary::from(r)).collect())
}

fn print_comparison(args: &Args, setup: Setup, sides: &[Side], sums: &[Summary]) {
    println!(
        "\n{} seed releases/round, {} rounds interleaved, prefetch {}, pipeline.workers {}, {} process(es)",
        args.messages,
        args.rounds,
        setup.prefetch,
        if setup.pipeline_workers == 0 {
            "0 (= cores)".to_string()
        } else {
            setup.pipeline_workers.to_string()
        },
        setup.processes
    );
    println!("| side | msg/s (median) | rounds | p50 ms | p99 ms | peak RSS MiB | broker CPU µs/msg | client CPU µs/msg |");
    println!("|---|---:|---|---:|---:|---:|---:|---:|");
    for (side, s) in sides.iter().zip(sums) {
        let name = match side {
            Side::Passthrough => format!(
                "bare lapin passthrough ({}, confirm+ack per message{})",
                match args.passthrough {
                    PassMode::Concurrent => "concurrent",
                    PassMode::Sequential => "sequential",
                },
                match args.pass_output {
                    PassOutput::Input => "",
                    PassOutput::Event => ", publishes the seed's event",
                }
            ),
            Side::Worker(ner) => format!("wirefeed run (ner = {})", ner.as_str()),
        };
        println!(
            "| {name} | {:.0} | {} | {:.1} | {:.1} | {} | {:.0} | {:.0} |",
            s.rate(),
            s.rates_text(),
            s.p50,
            s.p99,
            if side.is_worker() { format!("{:.1}", s.rss_kib as f64 / 1024.0) } else { "–".into() },
            s.broker_us,
            s.client_us,
        );
    }
    if let Some(p) = sides.iter().position(|s| *s == Side::Passthrough) {
        for (side, s) in sides.iter().zip(sums).filter(|(side, _)| side.is_worker()) {
            let Side::Worker(ner) = side else { continue };
            println!("ratio worker (ner = {}) / passthrough: {:.2}", ner.as_str(), s.rate() / sums[p].rate());
        }
    }
    let rejected: usize = sums.iter().map(|s| s.rejected).sum();
    if rejected > 0 {
        println!("WARNING: {rejected} messages went to the rejected queue");
    }
}

async fn run(bench: &mut Bench) -> anyhow::Result<()> {
    let args = bench.args.clone();
    let workers = args.ner.iter().map(|&ner| Side::Worker(ner));
    let sides: Vec<Side> = match (args.passthrough_only, args.worker_only) {
        (true, false) => vec![Side::Passthrough],
        (false, true) => workers.collect(),
        _ => std::iter::once(Side::Passthrough).chain(workers).collect(),
    };
    if !args.sweep {
        let setup = Setup {
            prefetch: args.prefetch,
            pipeline_workers: args.pipeline_workers,
            processes: args.workers,
        };
        let sums = compare(bench, setup, &sides).await?;
        print_comparison(&args, setup, &sides, &sums);
        return Ok(());
    }
    let mut rows = Vec::new();
    for &prefetch in &args.sweep_prefetch {
        for &pw in &args.sweep_pipeline_workers {
            let setup = Setup { prefetch, pipeline_workers: pw, processes: args.workers };
            eprintln!("prefetch {prefetch}, pipeline.workers {pw}:");
            let sums = compare(bench, setup, &sides).await?;
            rows.push((setup, sums));
        }
    }
    println!(
        "\nsweep: {} seed releases/round, {} rounds interleaved, {} process(es)",
        args.messages, args.rounds, args.workers
    );
    println!("| prefetch | pipeline.workers | passthrough msg/s | worker msg/s | ratio | worker p50 ms | worker p99 ms | peak RSS MiB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (setup, sums) in rows {
        let p = sums.iter().zip(&sides).find(|(_, s)| **s == Side::Passthrough).map(|(x, _)| x.clone());
        let w = sums.iter().zip(&sides).find(|(_, s)| s.is_worker()).map(|(x, _)| x.clone());
        let pr = p.as_ref().map(|p| p.rate()).unwrap_or(f64::NAN);
        let wr = w.as_ref().map(|w| w.rate()).unwrap_or(f64::NAN);
        let w = w.unwrap_or_default();
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2} | {:.1} | {:.1} | {:.1} |",
            setup.prefetch,
            setup.pipeline_workers,
            pr,
            wr,
            wr / pr,
            w.p50,
            w.p99,
            w.rss_kib as f64 / 1024.0
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"))?;
    let mut bench = Bench::new(args).await?;
    eprintln!(
        "topology: {} → {} → {}",
        bench.topo.input, bench.topo.output_exchange, bench.topo.output_queue
    );
    // Ctrl-C (or SIGTERM from `timeout`) still deletes the topology; worker children die with kill_on_drop.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let result = tokio::select! {
        r = run(&mut bench) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        _ = term.recv() => Err(anyhow::anyhow!("terminated")),
    };
    if let Err(e) = bench.topo.delete(&bench.admin).await {
        eprintln!("cleanup failed: {e:#}");
    }
    result
}
