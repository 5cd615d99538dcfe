//! Logging set-up: `tracing` with JSON lines by default (one object per line, for log shippers) or a
//! human-readable format for a terminal.

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// The `tracing` target under which lapin logs every message the broker returns as unroutable, at WARN and
/// with the whole message, body included. Logs never carry bodies, and the worker logs its own line (without
/// the body) for an unroutable event, so this target is off unless the filter names it.
pub const LAPIN_RETURNED_TARGET: &str = "lapin::returned_messages";

/// Installs the global subscriber. `RUST_LOG`, when set, overrides `log.level`. Logs go to stderr so that
/// `normalize` can keep stdout for its NDJSON.
pub fn init(cfg: &LogConfig) {
    let parse = |requested: &str| EnvFilter::try_new(filter_directives(requested)).ok();
    let filter = std::env::var(EnvFilter::DEFAULT_ENV)
        .ok()
        .and_then(|env| parse(&env))
        .or_else(|| parse(&cfg.level))
        .unwrap_or_else(|| EnvFilter::new(filter_directives("info")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests, repeated calls) is harmless: the first subscriber stays.
    let _ = match cfg.format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
}

/// The user's filter plus the default directives: [`LAPIN_RETURNED_TARGET`] off unless the user names it.
fn filter_directives(requested: &str) -> String {
    if requested.contains(LAPIN_RETURNED_TARGET) {
        requested.to_owned()
    } else {
        format!("{requested},{LAPIN_RETURNED_TARGET}=off")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lapin_returned_messages_are_off_by_default() {
        let directives = filter_directives("info");
        assert_eq!(directives, "info,lapin::returned_messages=off");
        // The directive parses, and the filter built from it keeps it.
        let filter = EnvFilter::try_new(&directives).unwrap();
        assert!(filter.to_string().contains("lapin::returned_messages=off"), "{filter}");
    }

    #[test]
    fn a_filter_naming_the_target_is_kept_as_given() {
        assert_eq!(
            filter_directives("warn,lapin::returned_messages=warn"),
            "warn,lapin::returned_messages=warn"
        );
    }

    #[test]
    fn other_lapin_targets_do_not_turn_it_back_on() {
        let filter = EnvFilter::try_new(filter_directives("info,lapin=debug")).unwrap();
        assert!(filter.to_string().contains("lapin::returned_messages=off"), "{filter}");
    }
}
