//! What the backpressure and alarm tests need besides the harness: the worker's CPU time, its HTTP endpoint,
//! queues shaped by the test (full, bound late), and what the broker says about unacked messages and about
//! the worker's log.

use std::process::Command;
use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use serde_json::Value;

use super::broker::connect;
use super::rabbitmqctl::rabbitmqctl;
use super::worker::Worker;

/// CPU seconds (user + system) the process `pid` has used so far, from `/proc/<pid>/stat` (Linux).
pub fn process_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/<pid>/stat");
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis):
    // state is field 3, utime 14 and stime 15.
    let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_sec = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    ticks as f64 / per_sec
}

/// A `127.0.0.1:<port>` nobody listens on right now (for a worker's `http.addr`).
pub fn free_local_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().to_string()
}

/// `GET path` on `addr` over plain HTTP/1.0: the status code and the body (0 and the error when the request
/// fails).
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let run = || -> std::io::Result<(u16, String)> {
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Ok((status, body))
    };
    run().unwrap_or_else(|e| (0, e.to_string()))
}

/// Declares the durable queue `queue` with `args` and binds it to `exchange` with `routing_key` (for tests
/// that shape the downstream themselves: a full queue, a late binding).
pub async fn declare_bound_queue(queue: &str, args: FieldTable, exchange: &str, routing_key: &str) {
    let conn = connect("wf-test.declare").await;
    let ch = conn.create_channel().await.expect("create channel");
    ch.queue_declare(
        queue.into(),
        QueueDeclareOptions { durable: true, ..QueueDeclareOptions::default() },
        args,
    )
    .await
    .expect("declare the queue");
    ch.queue_bind(
        queue.into(),
        exchange.into(),
        routing_key.into(),
        lapin::options::QueueBindOptions::default(),
        FieldTable::default(),
    )
    .await
    .expect("bind the queue");
    let _ = conn.close(200, "declared".into()).await;
}

/// `messages_unacknowledged` of `queue` as `rabbitmqctl list_queues` shows it (0 when it is not listed).
pub fn unacked_in(queue: &str) -> u64 {
    let out = rabbitmqctl(&["list_queues", "name", "messages_unacknowledged", "-q", "--no-table-headers"]);
    out.lines()
        .filter_map(|l| l.split_once('\t'))
        .find(|(name, _)| name.trim() == queue)
        .and_then(|(_, n)| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The JSON log lines of `w` whose message contains `text`.
pub fn log_lines_saying(w: &Worker, text: &str) -> Vec<Value> {
    w.json_lines()
        .into_iter()
        .filter(|v| {
            let msg = v.get("message").or_else(|| v.get("fields").and_then(|f| f.get("message")));
            msg.and_then(Value::as_str).is_some_and(|m| m.contains(text))
        })
        .collect()
}
