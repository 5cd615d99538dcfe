//! The `wirefeed` command line (SPEC §6). Only argument handling lives here; the work is in the library.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use wirefeed::broker::{Filter, ReplayOptions};
use wirefeed::config::Config;
use wirefeed::pipeline::{Format, Pipeline, RawInput};

/// Normalises raw news-wire releases into enriched IPTC ninjs events, from RabbitMQ or from files.
#[derive(Debug, Parser)]
#[command(name = "wirefeed", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the worker: consume raw releases, publish events, until SIGTERM/SIGINT.
    Run {
        /// A TOML file layered over config/default.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Normalise files (or stdin) without a broker: one envelope per input on stdout (NDJSON).
    Normalize {
        /// How the inputs are laid out.
        #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
        format: FormatArg,
        /// Pretty-print each envelope instead of one line each.
        #[arg(long)]
        pretty: bool,
        /// A TOML file layered over config/default.toml (for the [pipeline] section).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Input files; stdin when none.
        files: Vec<PathBuf>,
    },
    /// Publish releases (files or directories) to the input queue with confirms.
    Publish {
        /// A TOML file layered over config/default.toml.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Send every file this many times. message_id is the SHA-256 of the bytes; with N > 1 the copies get
        /// `-1`..`-N` suffixes, so they are distinct releases (for load tests).
        #[arg(long, default_value_t = 1)]
        repeat: u32,
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Score the pipeline on a directory of releases against a gold file (README "Real copy").
    Evaluate {
        /// The directory of releases, one file each.
        dir: PathBuf,
        /// The gold file: one JSON record per release (JSON Lines).
        #[arg(long)]
        gold: PathBuf,
        /// How the releases are laid out (a gold record's `format` overrides it).
        #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
        format: FormatArg,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// List every release's misses.
        #[arg(long)]
        debug: bool,
        /// A TOML file layered over config/default.toml (for the [pipeline] section).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Move rejected messages back to the input queue (after a fix), keeping their headers and adding
    /// `x-wirefeed-replay-count`; each rejected copy is acked only once its replay is confirmed.
    Replay {
        /// A TOML file layered over config/default.toml.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Only this error kind (`x-wirefeed-error-kind`: decode, parse, too_large, unroutable, internal; or the
        /// broker's dead-letter reason, e.g. delivery_limit); repeat for several. Default: every kind.
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// Only messages rejected at least this long ago (e.g. `90s`, `30m`, `2h`, `1d`).
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        older_than: Option<Duration>,
        /// Only messages rejected less than this long ago.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        newer_than: Option<Duration>,
        /// Replay at most this many messages.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
        /// List what would be replayed; move nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Declare the exchanges, queues and bindings, and print them.
    Topology {
        /// A TOML file layered over config/default.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Auto,
    Wire,
    Json,
    Plain,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Auto => Format::Auto,
            FormatArg::Wire => Format::Wire,
            FormatArg::Json => Format::Json,
            FormatArg::Plain => Format::Plain,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Normalize { format, pretty, config, files } => {
            normalize(format.into(), pretty, config, &files)
        }
        Command::Run { config } => with_config(config, |cfg| wirefeed::broker::run(cfg, stop_signal())),
        Command::Publish { config, repeat, paths } => {
            with_config(config, |cfg| wirefeed::broker::publish_files(cfg, &paths, repeat))
        }
        Command::Replay { config, kinds, older_than, newer_than, limit, dry_run } => {
            let filter = Filter { kinds, older_than, newer_than };
            let options = ReplayOptions { filter, limit, dry_run };
            with_config(config, |cfg| wirefeed::broker::replay(cfg, &options))
        }
        Command::Topology { config } => with_config(config, wirefeed::broker::declare_and_print),
        Command::Evaluate { dir, gold, format, json, debug, config } => {
            evaluate(&dir, &gold, format.into(), json, debug, config)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("wirefeed: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C): the worker's shutdown future. It is polled on the worker's runtime,
/// where the handlers are installed on its first poll.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                let name = tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                };
                tracing::info!(signal = name, "stop signal received");
                return;
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "cannot handle SIGTERM/SIGINT; only Ctrl-C will stop the worker");
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!(signal = "ctrl-c", "stop signal received");
}

/// Loads the configuration, sets up logging, and runs `f`.
fn with_config(
    path: Option<PathBuf>,
    f: impl FnOnce(Config) -> anyhow::Result<()>,
) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(path.as_deref())?;
    wirefeed::telemetry::init(&cfg.log);
    f(cfg)?;
    Ok(ExitCode::SUCCESS)
}

/// `wirefeed normalize`: every input processed; rejected ones reported on stderr; exit 1 if any was.
fn normalize(
    format: Format,
    pretty: bool,
    config: Option<PathBuf>,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(config.as_deref())?;
    let pipeline = Pipeline::load(&cfg.pipeline)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut rejected = 0usize;
    let inputs: Vec<(String, std::io::Result<Vec<u8>>)> = if files.is_empty() {
        let mut buf = Vec::new();
        let read = std::io::stdin().read_to_end(&mut buf).map(|_| buf);
        vec![("<stdin>".to_string(), read)]
    } else {
        files.iter().map(|f| (f.display().to_string(), std::fs::read(f))).collect()
    };
    for (name, bytes) in inputs {
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{name}: cannot read: {e}");
                rejected += 1;
                continue;
            }
        };
        let mut input = RawInput::from_bytes(&bytes);
        input.format = format;
        match pipeline.normalize(&input) {
            Ok(envelope) => {
                let json = if pretty {
                    serde_json::to_string_pretty(&envelope)?
                } else {
                    serde_json::to_string(&envelope)?
                };
                writeln!(out, "{json}")?;
            }
            Err(rejection) => {
                eprintln!("{name}: rejected ({}): {}", rejection.kind.as_str(), rejection.reason);
                rejected += 1;
            }
        }
    }
    out.flush()?;
    Ok(if rejected > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `wirefeed evaluate`: the measures of issue #13 over `dir`, as a table (or JSON) on stdout.
fn evaluate(
    dir: &std::path::Path,
    gold: &std::path::Path,
    format: Format,
    json: bool,
    debug: bool,
    config: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(config.as_deref())?;
    let pipeline = Pipeline::load(&cfg.pipeline)?;
    let gold = wirefeed::evaluate::gold::load(gold)?;
    let report = wirefeed::evaluate::evaluate_dir(&pipeline, dir, &gold, format)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&wirefeed::evaluate::report::to_json(&report))?);
    } else {
        print!("{}", wirefeed::evaluate::report::to_text(&report, debug));
    }
    Ok(ExitCode::SUCCESS)
}
