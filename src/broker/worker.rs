//! The worker: the pipeline pool, the HTTP endpoint, the periodic `stats` line, and the reconnect loop
//! around [`Session`]s.

use std::future::IntoFuture;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::connection::{proposed_frame_max, Backoff};
use super::consume::Session;
use super::http;
use super::pool::{Pool, Rendering};
use super::shutdown::{self, Drained, Running, Shutdown};
use super::stats::{Stats, StatsSnapshot};
use crate::config::{redact_url, Config};
use crate::pipeline::Pipeline;

/// A session that lasted this long was healthy: the next reconnect starts again from the shortest delay.
const HEALTHY_SESSION: Duration = Duration::from_secs(30);

/// The RabbitMQ worker of SPEC §4.
#[derive(Debug)]
pub struct Worker {
    cfg: Config,
    pipeline: Arc<Pipeline>,
    stats: Arc<Stats>,
}

impl Worker {
    /// A worker for `cfg` running `pipeline`.
    pub fn new(cfg: Config, pipeline: Arc<Pipeline>) -> Worker {
        Worker { cfg, pipeline, stats: Arc::new(Stats::default()) }
    }

    /// Its counters (live).
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.stats)
    }

    /// Runs until `shutdown` resolves (a signal in `main.rs`, a [`Shutdown`] handle in tests), reconnecting
    /// with exponential backoff (to 30 s) whenever the broker goes away. Returns after in-flight work is
    /// finished (or the grace period is over), the connections are closed and every task it started has ended.
    /// Fails only when it cannot start (e.g. `http.addr` is taken).
    pub async fn run(self, shutdown: impl IntoFuture<Output = ()>) -> anyhow::Result<()> {
        let cfg = &self.cfg;
        tracing::info!(
            url = %redact_url(&cfg.amqp.url),
            queue = %cfg.input.queue,
            exchange = %cfg.output.exchange,
            prefetch = cfg.input.prefetch,
            pipeline_workers = cfg.pipeline.worker_threads(),
            "wirefeed worker starting"
        );
        let stop = Shutdown::new();
        // `work`: the sessions; its end lets the stats task write its last line and the HTTP server close.
        // `tasks`: those two; their end lets `run` return.
        let (work_running, work_done) = shutdown::running();
        let (tasks_running, tasks_done) = shutdown::running();
        if !cfg.http.addr.is_empty() {
            let listener = http::bind(&cfg.http.addr).await?;
            tokio::spawn(http::serve(listener, self.stats(), work_done.clone(), tasks_running.clone()));
        }
        if cfg.log.stats_interval_secs > 0 {
            let every = Duration::from_secs(cfg.log.stats_interval_secs);
            tokio::spawn(log_stats(self.stats(), every, work_done, tasks_running.clone()));
        }
        let rendering = Rendering {
            routing_template: cfg.output.routing_key.clone(),
            frame_max: proposed_frame_max(&cfg.amqp),
        };
        let pool =
            Pool::start(Arc::clone(&self.pipeline), cfg.pipeline.worker_threads(), rendering, self.stats());
        {
            let work = self.reconnect_loop(&pool, &stop, work_running);
            tokio::pin!(work);
            tokio::select! {
                () = &mut work => {}
                () = shutdown.into_future() => {
                    tracing::info!("stopping: no new deliveries, finishing those in flight");
                    self.stats.stopping.store(true, Ordering::Relaxed);
                    stop.trigger();
                    work.await;
                }
            }
        }
        drop(pool);
        drop(tasks_running);
        tasks_done.wait().await;
        tracing::info!("wirefeed worker stopped");
        Ok(())
    }

    /// Sessions one after the other until `shutdown`; `_work` is dropped when the last one has ended.
    async fn reconnect_loop(&self, pool: &Pool, shutdown: &Shutdown, _work: Running) {
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
        let mut lost_once = false;
        while !shutdown.is_triggered() {
            let opened = tokio::select! {
                opened = Session::open(&self.cfg) => opened,
                _ = shutdown.wait() => break,
            };
            match opened {
                Ok(session) => {
                    if lost_once {
                        Stats::incr(&self.stats.reconnects);
                        tracing::warn!(
                            reconnects = self.stats.reconnects.load(Ordering::Relaxed),
                            "reconnected; prefetch re-applied, consuming again"
                        );
                    }
                    let started = Instant::now();
                    match session.run(&self.cfg, pool, &self.stats, shutdown).await {
                        Ok(()) => break,
                        Err(e) => {
                            lost_once = true;
                            let error = format!("{e:#}");
                            tracing::warn!(
                                hint = session_lost_hint(&error),
                                %error,
                                "connection to the broker lost; unacked deliveries will be redelivered"
                            );
                            if started.elapsed() >= HEALTHY_SESSION {
                                backoff.reset();
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot open a session with the broker");
                }
            }
            let delay = backoff.next_delay();
            tracing::warn!(retry_in_ms = delay.as_millis() as u64, "reconnecting");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.wait() => break,
            }
        }
    }
}

/// What an operator can do about a lost session, when the error says more than "the network failed". A
/// channel the broker closed for an overdue ack (its `consumer_timeout`) is recovered like a lost
/// connection, but the bound that prevents it is the worker's.
fn session_lost_hint(error: &str) -> &'static str {
    if error.contains("PRECONDITION_FAILED") && error.contains("acknowledgement") {
        "the broker's consumer_timeout closed the channel over an unacked delivery: keep input.max_hold_secs \
         below it"
    } else {
        ""
    }
}

/// Logs a `stats` line every `every`, and a last one once the work is `done` (in-flight work finished).
async fn log_stats(stats: Arc<Stats>, every: Duration, done: Drained, _running: Running) {
    let mut previous = StatsSnapshot { at: Some(Instant::now()), ..Default::default() };
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let done = done.wait();
    tokio::pin!(done);
    loop {
        tokio::select! {
            _ = ticker.tick() => previous = stats.log_interval(&previous),
            () = &mut done => break,
        }
    }
    stats.log_interval(&previous);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overdue_ack_close_gets_the_consumer_timeout_hint() {
        let closed = "the consumer failed: protocol error: AMQP soft error: PRECONDITION_FAILED - delivery \
                      acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms";
        assert!(session_lost_hint(closed).contains("input.max_hold_secs"));
        assert_eq!(session_lost_hint("the consume connection failed: IO error: connection reset"), "");
    }
}
