//! The optional HTTP endpoint (`http.addr`): `/healthz` (the process is alive), `/readyz` (connected and
//! consuming) and `/metrics` (Prometheus text format).

use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use super::shutdown::Shutdown;
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

/// Serves until `shutdown`.
pub async fn serve(listener: TcpListener, stats: Arc<Stats>, shutdown: Shutdown) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "http: /healthz /readyz /metrics");
    }
    let result = axum::serve(listener, router(stats))
        .with_graceful_shutdown(async move { shutdown.wait().await })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "http server stopped");
    }
}

async fn readyz(State(stats): State<Arc<Stats>>) -> impl IntoResponse {
    if stats.is_ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not connected or not consuming\n")
    }
}

async fn metrics(State(stats): State<Arc<Stats>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], stats.prometheus())
}
