//! Where the pipeline's data files come from: a directory a user can extend (`pipeline.data_dir`), else the
//! copies of `data/` built into the binary, so that a bare binary works anywhere.
//!
//! Files are small line-oriented text (TSV, one record a line, `#` comments); [`DataFiles::records`] does the
//! common part of reading them.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};

use super::types::LoadError;

/// The `data/` directory of the source tree, embedded at build time.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/data");

/// A source of data files: a directory first, then the built-in copies.
#[derive(Debug, Clone)]
pub struct DataFiles {
    dir: Option<PathBuf>,
}

impl DataFiles {
    /// Files from `dir` when given (falling back to the built-in copy of any file it lacks), else built in.
    pub fn new(dir: Option<&Path>) -> Self {
        DataFiles { dir: dir.map(Path::to_path_buf) }
    }

    /// The whole text of `name` (a path relative to the data directory, e.g. `kb/countries.tsv`).
    pub fn read(&self, name: &str) -> Result<String, LoadError> {
        if let Some(dir) = &self.dir {
            let path = dir.join(name);
            if path.exists() {
                return std::fs::read_to_string(&path)
                    .map_err(|source| LoadError::Io { path: path.display().to_string(), source });
            }
        }
        BUILTIN
            .get_file(name)
            .and_then(|f| f.contents_utf8())
            .map(str::to_string)
            .ok_or_else(|| LoadError::Missing(name.to_string()))
    }

    /// The records of a line-oriented file: `(line number, fields split on tabs)`, skipping blank lines and
    /// lines starting with `#`. Fields are trimmed.
    pub fn records(&self, name: &str) -> Result<Vec<(usize, Vec<String>)>, LoadError> {
        let text = self.read(name)?;
        Ok(text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
            .map(|(i, line)| (i + 1, line.split('\t').map(|f| f.trim().to_string()).collect()))
            .collect())
    }

    /// Names of the files in a directory of the data (e.g. all `kb/*.tsv`), sorted, from the user's
    /// directory and the built-in copy together.
    pub fn list(&self, subdir: &str) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN
            .get_dir(subdir)
            .map(|d| d.files().map(|f| f.path().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        if let Some(dir) = &self.dir {
            if let Ok(entries) = std::fs::read_dir(dir.join(subdir)) {
                for entry in entries.flatten() {
                    if entry.path().is_file() {
                        names.push(format!("{}/{}", subdir, entry.file_name().to_string_lossy()));
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// A syntax error at `line` of `name`.
    pub fn syntax(name: &str, line: usize, message: impl Into<String>) -> LoadError {
        LoadError::Syntax { path: name.to_string(), line, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_files_are_readable() {
        let files = DataFiles::new(None);
        assert!(files.read("timezones.tsv").unwrap().contains("Бишкек"));
        assert!(matches!(files.read("no/such.tsv"), Err(LoadError::Missing(_))));
    }

    #[test]
    fn a_user_directory_overrides_a_builtin_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("timezones.tsv"), "# mine\nX\t+01:00\n").unwrap();
        let files = DataFiles::new(Some(dir.path()));
        let records = files.records("timezones.tsv").unwrap();
        assert_eq!(records, vec![(2, vec!["X".to_string(), "+01:00".to_string()])]);
    }
}
