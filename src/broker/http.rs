//! The optional HTTP endpoint (`http.addr`): `/healthz` (the process is alive), `/readyz` (connected,
//! consuming, not paused, not stopping; a 503 says why not) and `/metrics` (Prometheus text format).

use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use super::shutdown::{Drained, Running};
use super::stats::Stats;

/// Binds `addr` now, so a taken port fails the start instead of a background task.
pub async fn bind(addr: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| format!("cannot listen on http.addr {addr}"))
}

/// The routes.
pub fn router(stats: Arc<Stats>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(stats)
}

/// Serves until the worker's work is `done` (so `/metrics` shows the drain after a stop), holding `_running`
/// for as long.
pub async fn serve(listener: TcpListener, stats: Arc<Stats>, done: Drained, _running: Running) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "http: /healthz /readyz /metrics");
    }
    let result = axum::serve(listener, router(stats)).with_graceful_shutdown(done.wait()).await;
    if let Err(e) = result {
        tracing::error!(error = %e, "http server stopped");
    }
}

async fn readyz(State(stats): State<Arc<Stats>>) -> impl IntoResponse {
    match stats.readiness() {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
    }
}

async fn metrics(State(stats): State<Arc<Stats>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, prometheus_client::encoding::prometheus_text::CONTENT_TYPE)], stats.prometheus())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;
    use crate::broker::shutdown;

    /// `GET path` over a plain TCP connection: `(status code, Content-Type, body)`.
    async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let content_type = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type: ").map(str::to_string))
            .unwrap_or_default();
        (status, content_type, body.to_string())
    }

    #[tokio::test]
    async fn readyz_says_why_not_and_metrics_are_prometheus_histograms() {
        let stats = Arc::new(Stats::default());
        let listener = bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (running, done) = shutdown::running();
        let (server_running, server_done) = shutdown::running();
        let server = tokio::spawn(serve(listener, Arc::clone(&stats), done, server_running));

        assert_eq!(get(addr, "/healthz").await.0, 200);
        assert_eq!(
            get(addr, "/readyz").await,
            (503, "text/plain; charset=utf-8".into(), "not connected or not consuming\n".into())
        );
        stats.consuming.store(true, Ordering::Relaxed);
        assert_eq!(get(addr, "/readyz").await.2, "ready\n");
        stats.set_paused(Some("downstream refuses outputs (publisher nacks)"));
        let (status, _, body) = get(addr, "/readyz").await;
        assert_eq!((status, body.as_str()), (503, "paused: downstream refuses outputs (publisher nacks)\n"));
        stats.set_paused(None);
        assert_eq!(get(addr, "/readyz").await.0, 200);

        stats.pipeline_us.record_duration(Duration::from_micros(120));
        let (status, content_type, body) = get(addr, "/metrics").await;
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
        assert!(body.contains("# TYPE wirefeed_pipeline_seconds histogram\n"), "{body}");
        assert!(body.contains("wirefeed_pipeline_seconds_bucket{le=\"0.0001\"} 0\n"), "{body}");
        assert!(body.contains("wirefeed_pipeline_seconds_bucket{le=\"0.00025\"} 1\n"), "{body}");
        assert!(body.contains("wirefeed_paused 0\n") && body.contains("wirefeed_up 1\n"), "{body}");

        // The server ends when the work it reports on is done, and then drops its own guard.
        drop(running);
        tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap();
        tokio::time::timeout(Duration::from_secs(1), server_done.wait()).await.unwrap();
    }
}
