//! Layered configuration (SPEC §5): built-in defaults ← `config/default.toml` ← `--config FILE` ←
//! environment `WIREFEED__<SECTION>__<KEY>`.
//!
//! Every key has a default here, so the worker runs with no file at all; `config/default.toml` repeats them
//! with comments for operators. Keys with a closed set of values are enums ([`QueueType`], [`LogFormat`],
//! [`crate::pipeline::NerMode`]), so a typo stops the worker at start with the key and the allowed values. The
//! `[pipeline]` section is the pipeline's own [`crate::pipeline::Settings`].

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The trait behind the typed values (`QueueType::as_str`, …), re-exported for the configuration's readers.
pub use crate::pipeline::settings::ClosedSet;
use crate::pipeline::settings::UnknownValue;
use crate::pipeline::Settings as PipelineSettings;

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
    pub pipeline: PipelineSettings,
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
            pipeline: PipelineSettings::default(),
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
    /// The input queue's type.
    pub queue_type: QueueType,
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
            queue_type: QueueType::Quorum,
            delivery_limit: 5,
            prefetch: 200,
            max_hold_secs: 1500,
        }
    }
}

/// `input.queue_type`: the kind of queue the worker declares for its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum QueueType {
    /// Replicated, with `x-delivery-limit` as the backstop against poison messages.
    Quorum,
    /// A single-node queue (no delivery limit).
    Classic,
}

impl ClosedSet for QueueType {
    const ALL: &'static [QueueType] = &[QueueType::Quorum, QueueType::Classic];

    /// Also the `x-queue-type` argument.
    fn as_str(self) -> &'static str {
        match self {
            QueueType::Quorum => "quorum",
            QueueType::Classic => "classic",
        }
    }
}

impl TryFrom<String> for QueueType {
    type Error = UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
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

/// `[log]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// How log lines are written.
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `wirefeed=debug`.
    pub level: String,
    /// Seconds between `stats` lines; 0 = none.
    pub stats_interval_secs: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { format: LogFormat::Json, level: "info".into(), stats_interval_secs: 10 }
    }
}

/// `log.format`: how log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum LogFormat {
    /// One JSON object per line, for log shippers (production).
    Json,
    /// Human-readable lines, for a terminal.
    Pretty,
}

impl ClosedSet for LogFormat {
    const ALL: &'static [LogFormat] = &[LogFormat::Json, LogFormat::Pretty];

    fn as_str(self) -> &'static str {
        match self {
            LogFormat::Json => "json",
            LogFormat::Pretty => "pretty",
        }
    }
}

impl TryFrom<String> for LogFormat {
    type Error = UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
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
#[error("invalid configuration: {}", describe(.0))]
pub struct ConfigError(config::ConfigError);

// Not `#[from]`: that would also make the inner error the `source`, and `{:#}` (how `main` prints errors)
// would print its message a second time after ours.
impl From<config::ConfigError> for ConfigError {
    fn from(error: config::ConfigError) -> Self {
        ConfigError(error)
    }
}

/// The `config` crate's message, key first: it reports a failure of one of our own deserializers as
/// ``MESSAGE for key `KEY` ``, which reads badly after a message that ends in a list of allowed values, so
/// `log.format: unknown value "jsno", expected one of "json", "pretty"` is written instead.
fn describe(error: &config::ConfigError) -> String {
    match error {
        config::ConfigError::At { error, origin, key: Some(key) } => match origin {
            Some(origin) => format!("{key}: {error} (in {origin})"),
            None => format!("{key}: {error}"),
        },
        other => other.to_string(),
    }
}

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

    /// Writes `toml` to `NAME.toml` in a fresh temporary directory and loads it as `--config`.
    fn load_toml(name: &str, toml: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, toml).unwrap();
        Config::load_from(None, Some(&path), env(&[]))
    }

    #[test]
    fn closed_sets_load_from_their_names() {
        let cfg = load_toml(
            "closed-sets-valid",
            "[input]\nqueue_type = \"classic\"\n[pipeline]\nner = \"rules\"\n[log]\nformat = \"pretty\"\n",
        )
        .unwrap();
        assert_eq!(cfg.input.queue_type, QueueType::Classic);
        assert_eq!(cfg.pipeline.ner, crate::pipeline::NerMode::Rules);
        assert_eq!(cfg.log.format, LogFormat::Pretty);
        let cfg = Config::load_from(None, None, env(&[("WIREFEED__PIPELINE__NER", "rules")])).unwrap();
        assert_eq!(cfg.pipeline.ner, crate::pipeline::NerMode::Rules);
    }

    #[test]
    fn a_typo_in_a_closed_set_from_the_environment_names_the_key_and_the_values() {
        let cases = [
            (
                "WIREFEED__LOG__FORMAT",
                "jsno",
                r#"log.format: unknown value "jsno", expected one of "json", "pretty""#,
            ),
            (
                "WIREFEED__PIPELINE__NER",
                "model ",
                r#"pipeline.ner: unknown value "model ", expected one of "model", "rules""#,
            ),
            (
                "WIREFEED__INPUT__QUEUE_TYPE",
                "stream",
                r#"input.queue_type: unknown value "stream", expected one of "quorum", "classic""#,
            ),
        ];
        for (key, value, message) in cases {
            let err = Config::load_from(None, None, env(&[(key, value)])).unwrap_err().to_string();
            assert_eq!(err, format!("invalid configuration: {message}"), "{key}={value}");
        }
    }

    #[test]
    fn a_typo_in_a_closed_set_in_a_file_names_the_key_and_the_values() {
        let cases = [
            (
                "[log]\nformat = \"Pretty\"\n",
                r#"log.format: unknown value "Pretty", expected one of "json", "pretty""#,
            ),
            (
                "[pipeline]\nner = \"rule\"\n",
                r#"pipeline.ner: unknown value "rule", expected one of "model", "rules""#,
            ),
            (
                "[input]\nqueue_type = \"\"\n",
                r#"input.queue_type: unknown value "", expected one of "quorum", "classic""#,
            ),
        ];
        for (toml, message) in cases {
            let err = load_toml("typo", toml).unwrap_err().to_string();
            assert_eq!(err, format!("invalid configuration: {message}"), "{toml}");
        }
    }

    #[test]
    fn closed_set_names_are_their_serde_names() {
        for &t in QueueType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for &f in LogFormat::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }

    #[test]
    fn redaction_hides_password_only() {
        assert_eq!(redact_url("amqp://guest:secret@host:5672/%2f"), "amqp://guest:***@host:5672/%2f");
        assert_eq!(redact_url("amqps://u:p@ss@h/v"), "amqps://u:***@h/v");
        assert_eq!(redact_url("amqp://host/"), "amqp://host/");
    }
}
