//! Opening named connections, bounding every broker await with a timeout, and the reconnect backoff.

use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use lapin::types::ShortString;
use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};

use crate::config::{redact_url, AmqpConfig};

/// Awaits a broker operation for at most `limit`: lapin can wait forever on a server that is dying, and a
/// worker that hangs is worse than one that reconnects.
pub async fn timed<T, E>(
    what: &str,
    limit: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.with_context(|| format!("{what} failed")),
        Err(_) => anyhow::bail!("{what} timed out after {limit:?}"),
    }
}

/// Opens a connection named `{amqp.connection_name}.{role}` (the `connection_name` client property), so that
/// operators can find it in `rabbitmqctl list_connections name client_properties` and close it.
pub async fn connect(cfg: &AmqpConfig, role: &str) -> anyhow::Result<Connection> {
    let limit = Duration::from_secs(cfg.timeout_secs.max(1));
    let redacted = redact_url(&cfg.url);
    // The parse error may quote the URL, password included: never pass it on.
    let mut uri: AMQPUri =
        cfg.url.parse().map_err(|_| anyhow::anyhow!("amqp.url is not a valid AMQP URL: {redacted}"))?;
    if cfg.heartbeat > 0 {
        uri.query.heartbeat = Some(cfg.heartbeat);
    }
    if cfg.frame_max > 0 && uri.query.frame_max.is_none() {
        uri.query.frame_max = Some(cfg.frame_max);
    }
    uri.query.connection_timeout = Some(limit.as_millis() as u64);
    let name = connection_name(cfg, role);
    let props = ConnectionProperties::default()
        .with_connection_name(name.clone().into())
        .with_client_property("product".into(), "wirefeed".into())
        .with_client_property("version".into(), env!("CARGO_PKG_VERSION").into());
    let conn =
        timed(&format!("connecting to {redacted}"), limit, Connection::connect_uri(uri, props)).await?;
    tracing::info!(connection = %name, url = %redacted, "connected");
    Ok(conn)
}

/// RabbitMQ's own `frame_max` (128 KiB), what a connection gets when the worker proposes none.
pub const BROKER_DEFAULT_FRAME_MAX: u32 = 128 * 1024;

/// The `frame_max` the worker's connections propose: the URL's `frame_max=`, else `amqp.frame_max`, else
/// the broker's default. The negotiated value is at most this.
pub fn proposed_frame_max(cfg: &AmqpConfig) -> u32 {
    let from_url = cfg.url.parse::<AMQPUri>().ok().and_then(|uri| uri.query.frame_max);
    from_url.or((cfg.frame_max > 0).then_some(cfg.frame_max)).unwrap_or(BROKER_DEFAULT_FRAME_MAX)
}

/// The name a connection of `role` carries.
pub fn connection_name(cfg: &AmqpConfig, role: &str) -> String {
    format!("{}.{role}", cfg.connection_name)
}

/// Closes a connection politely, without waiting long on a dead one.
pub async fn close(conn: &Connection, limit: Duration) {
    if conn.status().connected() {
        let _ = tokio::time::timeout(limit, conn.close(200, "wirefeed shutting down".into())).await;
    }
}

/// Closes a channel politely (before its connection, which keeps lapin from logging a spurious error).
pub async fn close_channel(channel: &lapin::Channel, limit: Duration) {
    if channel.status().connected() {
        let _ = tokio::time::timeout(limit, channel.close(200, "done".into())).await;
    }
}

/// An AMQP short string (at most 255 bytes), cut on a char boundary when longer: `ShortString::from`
/// panics on longer input, and routing keys and ids come from message content.
pub fn short(s: &str) -> ShortString {
    let mut end = s.len().min(255);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    ShortString::from(&s[..end])
}

/// Exponential backoff between reconnect attempts: `first`, doubling, capped at `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `first` and doubles up to `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff { first, max, next: first }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Back to the first delay, after a session that worked.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// The delay before re-publishing an output the broker refused for the `refusals`-th time: `first`
/// doubling per refusal up to `max`, times a random 50-100 %, so that the outputs refused together (a whole
/// prefetch window when a queue is full) do not all come back in the same instant.
pub fn retry_delay(refusals: u32, first: Duration, max: Duration) -> Duration {
    let doubled = first.saturating_mul(1u32 << refusals.saturating_sub(1).min(20));
    doubled.min(max).mul_f64(0.5 + 0.5 * fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_to_the_cap_with_jitter() {
        let (first, max) = (Duration::from_millis(100), Duration::from_secs(5));
        for (refusals, full) in [(1, 100), (2, 200), (3, 400), (7, 5000), (40, 5000)] {
            for _ in 0..50 {
                let d = retry_delay(refusals, first, max).as_millis();
                assert!(
                    (full / 2..=full).contains(&d),
                    "refusal {refusals}: {d} ms not in {}..={full}",
                    full / 2
                );
            }
        }
        let spread: std::collections::HashSet<u128> =
            (0..20).map(|_| retry_delay(7, first, max).as_micros()).collect();
        assert!(spread.len() > 1, "no jitter");
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        let delays: Vec<u128> = (0..10).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(250));
    }

    #[test]
    fn short_strings_are_cut_on_char_boundaries() {
        let long = "ж".repeat(200); // 400 bytes
        let s = short(&long);
        assert!(s.as_str().len() <= 255);
        assert!(s.as_str().chars().all(|c| c == 'ж'));
        assert_eq!(short("ru.other").as_str(), "ru.other");
    }

    #[test]
    fn connection_names_carry_the_role() {
        let cfg = AmqpConfig::default();
        assert_eq!(connection_name(&cfg, "consume"), "wirefeed.consume");
    }
}
