//! Layered configuration (SPEC §5): built-in defaults ← `config/default.toml` ← `--config FILE` ←
//! environment `WIREFEED__<SECTION>__<KEY>`.
//!
//! Every key has a default here, so the worker runs with no file at all; `config/default.toml` repeats them
//! with comments for operators.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Broker connection.
    pub amqp: AmqpConfig,
    /// Where raw releases come from.
    pub input: InputConfig,
    /// Where events go.
    pub output: OutputConfig,
    /// Where rejected releases go.
    pub rejected: RejectedConfig,
    /// The normalisation pipeline.
    pub pipeline: PipelineConfig,
    /// Logging.
    pub log: LogConfig,
    /// The optional HTTP endpoint.
    pub http: HttpConfig,
    /// Seconds to finish in-flight work after SIGTERM/SIGINT.
    pub shutdown_grace_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            amqp: AmqpConfig::default(),
            input: InputConfig::default(),
            output: OutputConfig::default(),
            rejected: RejectedConfig::default(),
            pipeline: PipelineConfig::default(),
            log: LogConfig::default(),
            http: HttpConfig::default(),
            shutdown_grace_secs: 20,
        }
    }
}

/// `[amqp]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmqpConfig {
    /// `amqp://` or `amqps://` URL. Logged only through [`redact_url`].
    pub url: String,
    /// The name the broker shows for the worker's connections (a suffix tells consumer from publisher).
    pub connection_name: String,
    /// Heartbeat in seconds (0 = the broker's default).
    pub heartbeat: u16,
    /// Largest AMQP frame in bytes the worker proposes (0 = accept the broker's, 128 KiB on RabbitMQ). lapin
    /// keeps 32 frames of read and of write buffer per connection, so this bounds the worker's memory:
    /// 32 KiB frames cost 2 MiB per connection where the broker's 128 KiB cost 8 MiB. Larger bodies are split
    /// into several frames, which costs the broker little.
    pub frame_max: u32,
    /// Seconds any single broker operation (connect, declare, publish, confirm, ack) may take before the
    /// worker gives the session up and reconnects.
    pub timeout_secs: u64,
}

impl Default for AmqpConfig {
    fn default() -> Self {
        AmqpConfig {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            connection_name: "wirefeed".into(),
            heartbeat: 30,
            frame_max: 32 * 1024,
            timeout_secs: 15,
        }
    }
}

/// `[input]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputConfig {
    /// The queue raw releases arrive on.
    pub queue: String,
    /// Whether to declare the topology at start.
    pub declare: bool,
    /// `quorum` or `classic`.
    pub queue_type: String,
    /// `x-delivery-limit` of the quorum queue: the backstop against poison messages.
    pub delivery_limit: u32,
    /// Unacknowledged messages the broker may send each consumer.
    pub prefetch: u16,
    /// Seconds the worker may hold a delivery unacked (its output refused or blocked) before it hands the
    /// delivery back to the queue (which spends one of its delivery attempts). Keep it below the broker's
    /// `consumer_timeout` (30 min by default), which would otherwise close the channel and hand back all of
    /// them at once.
    pub max_hold_secs: u64,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            queue: "wirefeed.raw".into(),
            declare: true,
            queue_type: "quorum".into(),
            delivery_limit: 5,
            prefetch: 200,
            max_hold_secs: 1500,
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    /// The topic exchange events are published to.
    pub exchange: String,
    /// Routing key template; `{language}`, `{event_type}`, `{country}` and `{source}` are filled in.
    pub routing_key: String,
    /// The all-events queue bound with `#`; empty = none.
    pub queue: String,
    /// Further bindings declared at start.
    pub bindings: Vec<Binding>,
    /// Milliseconds before the first re-publish of an output (event or rejection) the broker refused; the
    /// delay doubles per attempt up to `retry_max_ms`, each with random jitter (50-100 %).
    pub retry_first_ms: u64,
    /// The longest delay between re-publishes of a refused output, in milliseconds.
    pub retry_max_ms: u64,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            exchange: "wirefeed.events".into(),
            routing_key: "{language}.{event_type}".into(),
            queue: "wirefeed.events.all".into(),
            bindings: Vec::new(),
            retry_first_ms: 100,
            retry_max_ms: 5000,
        }
    }
}

/// A queue bound to the output exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// The queue (declared durable).
    pub queue: String,
    /// The binding pattern, e.g. `ru.diplomacy.#`.
    pub routing_key: String,
}

/// `[rejected]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RejectedConfig {
    /// The fanout exchange rejected releases go to (also the input queue's dead-letter exchange).
    pub exchange: String,
    /// The queue bound to it; empty = none.
    pub queue: String,
}

impl Default for RejectedConfig {
    fn default() -> Self {
        RejectedConfig { exchange: "wirefeed.rejected".into(), queue: "wirefeed.rejected".into() }
    }
}

/// `[pipeline]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Bodies larger than this are rejected as `too_large` before decoding.
    pub max_body_bytes: usize,
    /// Language when detection is unsure (BCP 47).
    pub default_language: String,
    /// Time zone of a date-only release whose agency and city are unknown (`+06:00` or an IANA name).
    pub timezone: String,
    /// A directory of data files overriding the built-in ones; empty = built in.
    pub data_dir: Option<PathBuf>,
    /// Pipeline threads; 0 = one per core.
    pub workers: usize,
    /// Entity recognition: `model` (the slovnet NER model proposes spans, the knowledge base and morphology
    /// normalise and link them) or `rules` (knowledge base and patterns only: faster, lower recall).
    pub ner: String,
    /// The converted slovnet model (`models/slovnet_ner_news_v1`); a relative path is looked up in the
    /// working directory, then in the source tree the binary was built from.
    pub model_dir: PathBuf,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            max_body_bytes: 1024 * 1024,
            default_language: "ru".into(),
            timezone: "+00:00".into(),
            data_dir: None,
            workers: 0,
            ner: "model".into(),
            model_dir: PathBuf::from(crate::pipeline::ner::DEFAULT_MODEL_DIR),
        }
    }
}

impl PipelineConfig {
    /// The number of pipeline threads to run.
    pub fn worker_threads(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `json` (production) or `pretty` (a terminal).
    pub format: String,
    /// A `tracing` filter, e.g. `info` or `wirefeed=debug`.
    pub level: String,
    /// Seconds between `stats` lines; 0 = none.
    pub stats_interval_secs: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { format: "json".into(), level: "info".into(), stats_interval_secs: 10 }
    }
}

/// `[http]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// `host:port` for `/healthz`, `/readyz`, `/metrics`; empty = off.
    pub addr: String,
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(#[from] config::ConfigError);

impl Config {
    /// Loads the layers: defaults ← `config/default.toml` (if present in the working directory) ←
    /// `file` ← `WIREFEED__SECTION__KEY` environment variables.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(Some(Path::new("config/default.toml")), file, std::env::vars())
    }

    /// [`Config::load`] with the default file and the environment given explicitly (for tests).
    pub fn load_from(
        default_file: Option<&Path>,
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let defaults = config::Config::try_from(&Config::default())?;
        let mut builder = config::Config::builder().add_source(defaults);
        if let Some(path) = default_file {
            builder = builder.add_source(config::File::from(path).required(false));
        }
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).required(true));
        }
        let env: config::Map<String, String> =
            env.into_iter().filter(|(k, _)| k.starts_with("WIREFEED__")).collect();
        builder = builder.add_source(
            config::Environment::with_prefix("WIREFEED")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        );
        Ok(builder.build()?.try_deserialize()?)
    }
}

/// The URL with its password replaced by `***`, safe to log.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return url.to_string() };
    let userinfo = &rest[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    format!("{}://{}:***@{}", &url[..scheme_end], user, &rest[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_load_without_files() {
        let cfg = Config::load_from(None, None, env(&[])).unwrap();
        assert_eq!(cfg.input.queue, "wirefeed.raw");
        assert_eq!(cfg.output.routing_key, "{language}.{event_type}");
        assert_eq!(cfg.log.stats_interval_secs, 10);
    }

    #[test]
    fn environment_overrides_nested_keys() {
        let cfg = Config::load_from(
            None,
            None,
            env(&[
                ("WIREFEED__AMQP__URL", "amqp://u:p@h:1/%2f"),
                ("WIREFEED__INPUT__PREFETCH", "17"),
                ("WIREFEED__SHUTDOWN_GRACE_SECS", "3"),
                ("WIREFEED__OUTPUT__QUEUE", ""),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.amqp.url, "amqp://u:p@h:1/%2f");
        assert_eq!(cfg.input.prefetch, 17);
        assert_eq!(cfg.shutdown_grace_secs, 3);
        assert_eq!(cfg.output.queue, "");
    }

    #[test]
    fn shipped_default_toml_matches_builtin_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
        let from_file = Config::load_from(Some(&path), None, env(&[])).unwrap();
        let builtin = Config::load_from(None, None, env(&[])).unwrap();
        assert_eq!(serde_json::to_value(&from_file).unwrap(), serde_json::to_value(&builtin).unwrap());
    }

    #[test]
    fn redaction_hides_password_only() {
        assert_eq!(redact_url("amqp://guest:secret@host:5672/%2f"), "amqp://guest:***@host:5672/%2f");
        assert_eq!(redact_url("amqps://u:p@ss@h/v"), "amqps://u:***@h/v");
        assert_eq!(redact_url("amqp://host/"), "amqp://host/");
    }
}
