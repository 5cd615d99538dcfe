//! The real `wirefeed` binary as a child process: one-shot commands ([`run_cli`]) and long-running workers
//! ([`Worker`]) whose JSON log is captured line by line, configured only through `WIREFEED__…` variables.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What a finished `wirefeed` command printed.
#[derive(Debug)]
pub struct CliOutput {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `wirefeed <args>` with `env` (and nothing of the caller's `WIREFEED__*`/`RUST_LOG`), killing it after
/// `timeout`.
pub fn run_cli(args: &[&str], env: &[(String, String)], timeout: Duration) -> CliOutput {
    let mut child = wirefeed_command(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wirefeed");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for wirefeed") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`wirefeed {}` did not finish within {timeout:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    CliOutput { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

/// The `wirefeed` binary with a clean environment of our choosing, run outside the repository so no
/// `config/default.toml` other than the built-in defaults applies.
fn wirefeed_command(args: &[&str], env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirefeed"));
    cmd.args(args).current_dir(std::env::temp_dir()).env_remove("RUST_LOG").stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("WIREFEED__") || k == "WIREFEED_FAULT_INJECTION" {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    cmd
}

/// A running `wirefeed run` process whose stderr (the JSON log) is captured line by line.
pub struct Worker {
    /// A name for messages.
    pub label: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    exited: Option<ExitStatus>,
}

impl Worker {
    /// Starts `wirefeed run` with `env`.
    pub fn spawn(label: &str, env: &[(String, String)]) -> Self {
        let mut child = wirefeed_command(&["run"], env)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn `wirefeed run`");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        Worker { label: label.into(), child, log, exited: None }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (a graceful stop).
    pub fn sigterm(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().expect("run kill");
        assert!(ok.success(), "kill -TERM {} failed", self.pid());
    }

    /// Sends SIGKILL and reaps the process.
    pub fn sigkill(&mut self) {
        let _ = self.child.kill();
        self.exited = self.child.wait().ok();
    }

    /// The exit status if the process has exited.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none() {
            self.exited = self.child.try_wait().ok().flatten();
        }
        self.exited
    }

    /// Sends SIGTERM and asserts a clean exit (status 0) within 25 s, with the log tail on failure.
    pub async fn sigterm_and_expect_exit_0(&mut self) {
        self.sigterm();
        let status = self.wait_exit(Duration::from_secs(25)).await;
        assert!(
            status.is_some_and(|s| s.success()),
            "no clean exit after SIGTERM: {status:?}\n{}",
            self.log_tail(40)
        );
    }
    /// Waits up to `timeout` for the process to exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(s) = self.try_exit() {
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every line the worker wrote to stderr so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The whole log as one string.
    pub fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    /// The last `n` lines, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let lines = self.log_lines();
        let start = lines.len().saturating_sub(n);
        format!(
            "[{} log, last {} of {} lines]\n{}",
            self.label,
            lines.len() - start,
            lines.len(),
            lines[start..].join("\n")
        )
    }

    /// The log lines that are JSON objects.
    pub fn json_lines(&self) -> Vec<Value> {
        self.log_lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(Value::is_object)
            .collect()
    }

    /// JSON log lines at `level` (case-insensitive, e.g. "WARN").
    pub fn lines_at(&self, level: &str) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .filter(|v| v.get("level").and_then(Value::as_str).is_some_and(|l| l.eq_ignore_ascii_case(level)))
            .collect()
    }

    /// The latest value of stats counter `name` (from the periodic `stats` lines), if any was logged.
    pub fn last_stat(&self, name: &str) -> Option<u64> {
        self.json_lines().iter().rev().find_map(|v| stat_field(v, name))
    }

    /// Waits until a log line satisfies `pred`.
    pub async fn wait_log(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.log.lock().unwrap().iter().any(|l| pred(l)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A counter of a `stats` line: the field may be at the top level or under `fields`.
fn stat_field(v: &Value, name: &str) -> Option<u64> {
    let is_stats = v.get("message").and_then(Value::as_str).is_some_and(|m| m.contains("stats"))
        || v.get("fields")
            .and_then(|f| f.get("message"))
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("stats"));
    if !is_stats {
        return None;
    }
    v.get(name).or_else(|| v.get("fields").and_then(|f| f.get(name))).and_then(Value::as_u64)
}

impl Drop for Worker {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
