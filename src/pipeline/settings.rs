//! The pipeline's own settings (the `[pipeline]` section of the configuration), kept beside the pipeline so
//! that the stages depend on nothing above them: `config.rs` embeds this type, the pipeline never reads the
//! rest of the configuration.
//!
//! Closed sets are enums, so a typo is refused when the configuration loads instead of when (or whether) the
//! pipeline first looks at the value.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// `[pipeline]`: what [`super::Pipeline::load`] needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
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
    /// Entity recognition: the statistical model or the rules alone.
    pub ner: NerMode,
    /// The converted slovnet model (`models/slovnet_ner_news_v1`); a relative path is looked up in the
    /// working directory, then in the source tree the binary was built from.
    pub model_dir: PathBuf,
    /// Per-release work budget and output caps (`[pipeline.limits]`).
    pub limits: super::limits::Limits,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 1024 * 1024,
            default_language: "ru".into(),
            timezone: "+00:00".into(),
            data_dir: None,
            workers: 0,
            ner: NerMode::Model,
            model_dir: PathBuf::from(super::ner::DEFAULT_MODEL_DIR),
            limits: super::limits::Limits::default(),
        }
    }
}

impl Settings {
    /// The defaults with entity recognition in `ner` mode: what tests, benches and examples load.
    pub fn with_ner(ner: NerMode) -> Self {
        Settings { ner, ..Settings::default() }
    }

    /// `model_dir` as the pipeline opens it: a relative path is looked up in the working directory, then in
    /// the source tree the binary was built from (so `cargo run`, the tests and the examples find the
    /// committed model from any directory).
    pub fn model_path(&self) -> PathBuf {
        let dir = &self.model_dir;
        if dir.is_absolute() || dir.exists() {
            return dir.clone();
        }
        let in_source = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        if in_source.exists() {
            in_source
        } else {
            dir.clone()
        }
    }

    /// The number of pipeline threads to run.
    pub fn worker_threads(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}

/// `pipeline.ner`: how entities are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum NerMode {
    /// The slovnet NER model proposes spans; the knowledge base and morphology normalise and link them.
    Model,
    /// The knowledge base and patterns only: faster, lower recall on names no list knows.
    Rules,
}

impl ClosedSet for NerMode {
    const ALL: &'static [NerMode] = &[NerMode::Model, NerMode::Rules];

    fn as_str(self) -> &'static str {
        match self {
            NerMode::Model => "model",
            NerMode::Rules => "rules",
        }
    }
}

impl TryFrom<String> for NerMode {
    type Error = UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl FromStr for NerMode {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for NerMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configuration value with a fixed set of names (`pipeline.ner`, `log.format`, …). Deriving serde's
/// `Deserialize` alone would do, but its error names the Rust type and not the values an operator may write;
/// a type implementing this trait deserializes through `try_from = "String"` and [`ClosedSet::parse`], whose
/// error lists them.
pub trait ClosedSet: Copy + Sized + 'static {
    /// Every value, in the order the error message lists them.
    const ALL: &'static [Self];

    /// The name written in the configuration (the serde name).
    fn as_str(self) -> &'static str;

    /// The value named `name`, exactly (names are case-sensitive, as serde's are).
    fn parse(name: &str) -> Result<Self, UnknownValue> {
        Self::ALL.iter().copied().find(|v| v.as_str() == name).ok_or_else(|| UnknownValue {
            value: name.to_owned(),
            allowed: Self::ALL.iter().map(|v| v.as_str()).collect(),
        })
    }
}

/// A name that is not one of a closed set's values, e.g. `log.format = "jsno"` or an unknown `--ner`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {value:?}, expected one of {}", quoted(allowed))]
pub struct UnknownValue {
    /// What was given.
    pub value: String,
    /// What is allowed.
    pub allowed: Vec<&'static str>,
}

/// `"a", "b"`: the allowed values the way the error lists them.
fn quoted(allowed: &[&str]) -> String {
    allowed.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ner_modes_parse_from_their_serde_names_only() {
        for &mode in NerMode::ALL {
            assert_eq!(mode.as_str().parse::<NerMode>(), Ok(mode));
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
        let err = "Rules".parse::<NerMode>().unwrap_err();
        assert_eq!(err.to_string(), r#"unknown value "Rules", expected one of "model", "rules""#);
    }
}
