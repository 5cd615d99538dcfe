//! `rabbitmqctl`, for the faults a client cannot cause itself (closing another client's connection, alarms).

use std::process::Command;

/// Runs `rabbitmqctl` and returns its stdout, failing the test on an error.
pub fn rabbitmqctl(args: &[&str]) -> String {
    let out = Command::new("rabbitmqctl").args(args).output().expect("run rabbitmqctl (is it on PATH?)");
    assert!(
        out.status.success(),
        "rabbitmqctl {} failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One client connection as the broker lists it.
#[derive(Debug, Clone)]
pub struct BrokerConnection {
    /// The Erlang pid, for `close_connection`.
    pub pid: String,
    /// The `connection_name` client property.
    pub name: String,
}

/// The client connections whose `connection_name` starts with `prefix`.
///
/// Uses rabbitmqctl's default (tab-separated) output: its `pid` column is the form `close_connection` takes
/// (`<rabbit@host.1.2.0>`), unlike the JSON formatter's `#PID<…>`.
pub fn connections_named(prefix: &str) -> Vec<BrokerConnection> {
    let out = rabbitmqctl(&["list_connections", "pid", "client_properties", "-q", "--no-table-headers"]);
    out.lines().filter_map(|line| parse_connection_line(line, prefix)).collect()
}

/// One line of `list_connections pid client_properties`, if its connection name starts with `prefix`.
fn parse_connection_line(line: &str, prefix: &str) -> Option<BrokerConnection> {
    let (pid, props) = line.split_once('\t')?;
    let name = connection_name_in(props)?;
    name.starts_with(prefix).then(|| BrokerConnection { pid: pid.trim().to_string(), name })
}

/// The `connection_name` value in rabbitmqctl's rendering of client properties, e.g.
/// `[{"connection_name","x"}, …]` or `[{"connection_name",longstr,"x"}, …]`.
fn connection_name_in(props: &str) -> Option<String> {
    let at = props.find("\"connection_name\"")? + "\"connection_name\"".len();
    let rest = &props[at..];
    let end = rest.find('}')?;
    let value = rest[..end].rsplit(',').next()?.trim();
    Some(value.trim_matches('"').to_string())
}

/// Closes every connection whose name starts with `prefix` (as an operator or a load balancer would).
pub fn close_connections(prefix: &str, reason: &str) -> usize {
    let conns = connections_named(prefix);
    for c in &conns {
        rabbitmqctl(&["close_connection", &c.pid, reason]);
    }
    conns.len()
}
