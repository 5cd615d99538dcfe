//! The one place the broker tests learn where RabbitMQ is and how to fail when it is not there: the in-process
//! worker tests and the black-box fault harness both connect through it.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lapin::{Connection, ConnectionProperties};

/// The broker the tests use: `AMQP_URL`, else the local default.
pub fn amqp_url() -> String {
    std::env::var("AMQP_URL").unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// A random suffix for names, unique across processes and calls.
pub fn random_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Connects to the test broker under the connection name `name`, failing loudly (with what to do) when it is
/// not there: under `CI=true` because CI must have started it, elsewhere because a silently skipped test
/// proves nothing.
pub async fn connect(name: &str) -> Connection {
    let url = amqp_url();
    let props = ConnectionProperties::default().with_connection_name(name.into());
    match tokio::time::timeout(Duration::from_secs(10), Connection::connect(&url, props)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => unreachable_broker(&url, &e.to_string()),
        Err(_) => unreachable_broker(&url, "timed out after 10 s"),
    }
}

fn unreachable_broker(url: &str, why: &str) -> ! {
    let url = wirefeed::config::redact_url(url);
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!("CI=true but RabbitMQ is not reachable at {url} ({why}); .ci/run should have started it");
    }
    panic!(
        "RabbitMQ is not reachable at {url} ({why}). These tests need a real broker and never skip: start one \
         (`rabbitmq-server -detached`, or run .ci/run, which does) or point AMQP_URL at one."
    );
}
