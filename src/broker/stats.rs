//! Counters, pause state and latency histograms shared by the worker, the periodic `stats` log line and
//! `/metrics`.
//!
//! The hot path only does relaxed atomic increments: counters are `AtomicU64`s and latencies go into a
//! [`LatencyHistogram`] of fixed Prometheus buckets (one atomic add for the bucket, one for the sum). The
//! exposition is `prometheus-client`'s, built from a snapshot at each scrape. The histogram itself is written
//! here because the crate's takes a mutex on every observation and does not let its bucket counts be read,
//! which the `stats` line needs for the quantiles of the last interval.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// Upper bounds of the latency buckets, in microseconds: 100 µs to 10 s in 1–2.5–5 steps, so a fleet's p99
/// can be computed with `histogram_quantile` over the summed buckets of every worker. Rules-mode pipeline
/// times sit in the first buckets, model mode's and the end-to-end times in the millisecond ones, a
/// backlog's end-to-end times in the seconds.
pub const LATENCY_BOUNDS_US: [u64; 16] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// The buckets: one per bound, and the `+Inf` one.
const BUCKETS: usize = LATENCY_BOUNDS_US.len() + 1;

/// A histogram of durations over [`LATENCY_BOUNDS_US`], exposed as a Prometheus histogram in seconds.
#[derive(Debug, Default)]
pub struct LatencyHistogram {
    /// Values per bucket (not cumulative; the exposition accumulates).
    counts: [AtomicU64; BUCKETS],
    /// Sum of the values, µs.
    sum_us: AtomicU64,
}

impl LatencyHistogram {
    /// Records one duration.
    pub fn record_duration(&self, d: Duration) {
        self.record_us(d.as_micros().min(u128::from(u64::MAX)) as u64);
    }

    /// Records one value in microseconds.
    pub fn record_us(&self, us: u64) {
        let bucket = LATENCY_BOUNDS_US.partition_point(|&bound| bound < us);
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// The counts as they are now.
    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            counts: self.counts.each_ref().map(load),
            sum_us: self.sum_us.load(Ordering::Relaxed),
        }
    }
}

/// A copy of a histogram's counts, for quantiles over all time or (by [`HistogramSnapshot::since`]) over
/// an interval, and for the exposition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistogramSnapshot {
    counts: [u64; BUCKETS],
    sum_us: u64,
}

impl HistogramSnapshot {
    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Sum of the values recorded, µs.
    pub fn sum_us(&self) -> u64 {
        self.sum_us
    }

    /// What was recorded after `earlier`.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let mut counts = self.counts;
        for (count, before) in counts.iter_mut().zip(earlier.counts) {
            *count = count.saturating_sub(before);
        }
        HistogramSnapshot { counts, sum_us: self.sum_us.saturating_sub(earlier.sum_us) }
    }

    /// The `q` quantile (0–1) in µs, 0 when empty: linear inside the bucket that holds it, as Prometheus'
    /// `histogram_quantile` computes it, so the `stats` line and a dashboard agree. Values in the `+Inf`
    /// bucket report the highest bound.
    pub fn quantile_us(&self, q: f64) -> u64 {
        let total = self.count();
        if total == 0 {
            return 0;
        }
        let rank = q.clamp(0.0, 1.0) * total as f64;
        let mut below = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            if count > 0 && (below + count) as f64 >= rank {
                let Some(&upper) = LATENCY_BOUNDS_US.get(i) else { break };
                let lower = if i == 0 { 0 } else { LATENCY_BOUNDS_US[i - 1] };
                let within = ((rank - below as f64) / count as f64).clamp(0.0, 1.0);
                return lower + ((upper - lower) as f64 * within).round() as u64;
            }
            below += count;
        }
        LATENCY_BOUNDS_US[LATENCY_BOUNDS_US.len() - 1]
    }

    /// `(upper bound in seconds, count)` per bucket, the `+Inf` one last, as the exposition wants them.
    fn buckets_seconds(&self) -> Vec<(f64, u64)> {
        let bounds = LATENCY_BOUNDS_US.iter().map(|&us| us as f64 / 1e6).chain([f64::INFINITY]);
        bounds.zip(self.counts).collect()
    }
}

impl EncodeMetric for HistogramSnapshot {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let sum = self.sum_us as f64 / 1e6;
        encoder.encode_histogram::<NoLabelSet>(sum, self.count(), &self.buckets_seconds(), None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// A state that comes and goes (paused, blocked): whether it holds now, and the seconds it has held in all,
/// the current stretch included. Atomics only: the consume loop sets it, scrapes read it.
#[derive(Debug, Default)]
pub struct StateClock {
    on: AtomicBool,
    /// When the current stretch began, µs since the clock's origin (valid while `on`).
    since_us: AtomicU64,
    /// Finished stretches, µs.
    total_us: AtomicU64,
    origin: std::sync::OnceLock<Instant>,
}

impl StateClock {
    fn now_us(&self) -> u64 {
        self.origin.get_or_init(Instant::now).elapsed().as_micros().min(u128::from(u64::MAX)) as u64
    }

    /// Enters (`true`) or leaves (`false`) the state; setting it to what it already is changes nothing.
    pub fn set(&self, on: bool) {
        let now = self.now_us();
        if on {
            if !self.on.swap(true, Ordering::Relaxed) {
                self.since_us.store(now, Ordering::Relaxed);
            }
        } else if self.on.swap(false, Ordering::Relaxed) {
            let since = self.since_us.load(Ordering::Relaxed);
            self.total_us.fetch_add(now.saturating_sub(since), Ordering::Relaxed);
        }
    }

    /// Whether the state holds now.
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// Seconds spent in the state since start, the current stretch included.
    pub fn seconds_total(&self) -> f64 {
        let mut us = self.total_us.load(Ordering::Relaxed);
        if self.is_on() {
            us += self.now_us().saturating_sub(self.since_us.load(Ordering::Relaxed));
        }
        us as f64 / 1e6
    }
}

/// The worker's counters. `published` and `rejected` count outputs the broker confirmed; `acked` counts
/// inputs acknowledged.
#[derive(Debug)]
pub struct Stats {
    /// Deliveries taken from the input queue.
    pub received: AtomicU64,
    /// Events confirmed on the output exchange.
    pub published: AtomicU64,
    /// Rejections confirmed on the rejected exchange.
    pub rejected: AtomicU64,
    /// Inputs acknowledged.
    pub acked: AtomicU64,
    /// Deliveries the broker flagged as redelivered.
    pub redelivered: AtomicU64,
    /// Inputs handed back to the queue (nack with requeue): held past `input.max_hold_secs`, or delivered
    /// after their consumer was cancelled. A refused output is retried instead, never requeued.
    pub requeued: AtomicU64,
    /// Deliveries taken and not yet acked.
    pub in_flight: AtomicU64,
    /// Sessions re-opened after a connection loss.
    pub reconnects: AtomicU64,
    /// Whether both connections are open and the consumer is registered (`/readyz`).
    pub consuming: AtomicBool,
    /// Whether a stop was asked for (the worker finishes its in-flight work and exits; `/readyz` says 503).
    pub stopping: AtomicBool,
    /// Whether the worker has stopped taking deliveries (outputs refused, or a resource alarm), and for how
    /// long in all; [`Stats::pause_reason`] says why.
    pub paused: StateClock,
    /// Why the worker is paused (empty when it is not); the body of `/readyz` while paused.
    pub pause_reason: Mutex<String>,
    /// Whether the broker has blocked a connection of the worker (a resource alarm), and for how long in all.
    pub blocked: StateClock,
    /// Publisher nacks and unroutable rejections: outputs the broker did not store (each is retried).
    pub downstream_refusals: AtomicU64,
    /// Time spent in the pipeline per release.
    pub pipeline_us: LatencyHistogram,
    /// From delivery to the worker until the broker confirmed its output.
    pub e2e_us: LatencyHistogram,
    started: Instant,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            received: AtomicU64::new(0),
            published: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            redelivered: AtomicU64::new(0),
            requeued: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            consuming: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
            paused: StateClock::default(),
            pause_reason: Mutex::new(String::new()),
            blocked: StateClock::default(),
            downstream_refusals: AtomicU64::new(0),
            pipeline_us: LatencyHistogram::default(),
            e2e_us: LatencyHistogram::default(),
            started: Instant::now(),
        }
    }
}

/// A consistent-enough copy of the counters at one moment.
#[derive(Debug, Clone, Default)]
pub struct StatsSnapshot {
    /// See [`Stats::received`].
    pub received: u64,
    /// See [`Stats::published`].
    pub published: u64,
    /// See [`Stats::rejected`].
    pub rejected: u64,
    /// See [`Stats::acked`].
    pub acked: u64,
    /// See [`Stats::redelivered`].
    pub redelivered: u64,
    /// See [`Stats::requeued`].
    pub requeued: u64,
    /// See [`Stats::in_flight`].
    pub in_flight: u64,
    /// See [`Stats::reconnects`].
    pub reconnects: u64,
    /// [`Stats::is_ready`].
    pub up: bool,
    /// See [`Stats::paused`].
    pub paused: bool,
    /// Time paused since start, the current pause included, seconds.
    pub paused_seconds_total: f64,
    /// See [`Stats::blocked`].
    pub blocked: bool,
    /// Time blocked since start, the current block included, seconds.
    pub blocked_seconds_total: f64,
    /// See [`Stats::downstream_refusals`].
    pub downstream_refusals: u64,
    /// See [`Stats::pipeline_us`].
    pub pipeline_us: HistogramSnapshot,
    /// See [`Stats::e2e_us`].
    pub e2e_us: HistogramSnapshot,
    /// When it was taken.
    pub at: Option<Instant>,
}

fn load(a: &AtomicU64) -> u64 {
    a.load(Ordering::Relaxed)
}

impl Stats {
    /// Adds one to a counter.
    pub fn incr(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Pauses consuming for `reason` (e.g. "downstream refuses outputs"), or resumes with `None`.
    pub fn set_paused(&self, reason: Option<&str>) {
        let mut current = self.pause_reason.lock().unwrap_or_else(|e| e.into_inner());
        current.clear();
        current.push_str(reason.unwrap_or(""));
        self.paused.set(reason.is_some());
    }

    /// Records that the broker blocked (`true`) or unblocked the publishing connection.
    pub fn set_blocked(&self, blocked: bool) {
        self.blocked.set(blocked);
    }

    /// Time paused since start, seconds.
    pub fn paused_seconds_total(&self) -> f64 {
        self.paused.seconds_total()
    }

    /// Time blocked since start, seconds.
    pub fn blocked_seconds_total(&self) -> f64 {
        self.blocked.seconds_total()
    }

    /// Copies the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            received: load(&self.received),
            published: load(&self.published),
            rejected: load(&self.rejected),
            acked: load(&self.acked),
            redelivered: load(&self.redelivered),
            requeued: load(&self.requeued),
            in_flight: load(&self.in_flight),
            reconnects: load(&self.reconnects),
            up: self.is_ready(),
            paused: self.paused.is_on(),
            paused_seconds_total: self.paused_seconds_total(),
            blocked: self.blocked.is_on(),
            blocked_seconds_total: self.blocked_seconds_total(),
            downstream_refusals: load(&self.downstream_refusals),
            pipeline_us: self.pipeline_us.snapshot(),
            e2e_us: self.e2e_us.snapshot(),
            at: Some(Instant::now()),
        }
    }

    /// Whether `/readyz` should say yes: see [`Stats::readiness`].
    pub fn is_ready(&self) -> bool {
        self.readiness().is_ok()
    }

    /// `Ok` while the worker takes work; otherwise why not, for the body of `/readyz`'s 503.
    pub fn readiness(&self) -> Result<(), String> {
        if self.stopping.load(Ordering::Relaxed) {
            return Err("stopping: finishing in-flight work".into());
        }
        if self.blocked.is_on() {
            return Err("paused: the broker blocked the connection (resource alarm)".into());
        }
        if self.paused.is_on() {
            let reason = self.pause_reason.lock().map(|r| r.clone()).unwrap_or_default();
            return Err(format!("paused: {reason}"));
        }
        if !self.consuming.load(Ordering::Relaxed) {
            return Err("not connected or not consuming".into());
        }
        Ok(())
    }

    /// Logs one `stats` line for the interval since `previous` (rates and latencies over the interval,
    /// counters since start) and returns the new snapshot.
    pub fn log_interval(&self, previous: &StatsSnapshot) -> StatsSnapshot {
        let now = self.snapshot();
        let secs = match (now.at, previous.at) {
            (Some(a), Some(b)) => a.duration_since(b).as_secs_f64(),
            _ => self.started.elapsed().as_secs_f64(),
        }
        .max(1e-3);
        let rate = (now.acked.saturating_sub(previous.acked)) as f64 / secs;
        let pipeline = now.pipeline_us.since(&previous.pipeline_us);
        let e2e = now.e2e_us.since(&previous.e2e_us);
        tracing::info!(
            received = now.received,
            published = now.published,
            rejected = now.rejected,
            acked = now.acked,
            redelivered = now.redelivered,
            requeued = now.requeued,
            in_flight = now.in_flight,
            reconnects = now.reconnects,
            paused = now.paused,
            blocked = now.blocked,
            paused_seconds_total = round_tenth(now.paused_seconds_total),
            blocked_seconds_total = round_tenth(now.blocked_seconds_total),
            downstream_refusals = now.downstream_refusals,
            rate_per_sec = round_tenth(rate),
            pipeline_p50_us = pipeline.quantile_us(0.5),
            pipeline_p99_us = pipeline.quantile_us(0.99),
            e2e_p50_ms = e2e.quantile_us(0.5) as f64 / 1000.0,
            e2e_p99_ms = e2e.quantile_us(0.99) as f64 / 1000.0,
            "stats"
        );
        now
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    pub fn prometheus(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry(&self.snapshot()));
        out
    }
}

/// Rounded to one decimal, for the log line.
fn round_tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A registry holding `s`'s values (built per scrape: the values are copies, the live state stays atomics).
/// Counter names get their `_total` from the encoder.
fn registry(s: &StatsSnapshot) -> Registry {
    let mut r = Registry::default();
    let counters = [
        ("wirefeed_received", "Deliveries taken from the input queue.", s.received),
        ("wirefeed_published", "Events confirmed by the broker.", s.published),
        ("wirefeed_rejected", "Rejections confirmed by the broker.", s.rejected),
        ("wirefeed_acked", "Inputs acknowledged.", s.acked),
        ("wirefeed_redelivered", "Deliveries flagged as redelivered.", s.redelivered),
        ("wirefeed_requeued", "Inputs handed back to the queue (held too long).", s.requeued),
        ("wirefeed_reconnects", "Sessions re-opened after a connection loss.", s.reconnects),
        (
            "wirefeed_downstream_refusals",
            "Outputs the broker did not store (publisher nack, unroutable rejection); each is retried.",
            s.downstream_refusals,
        ),
    ];
    for (name, help, value) in counters {
        r.register(name, help, ConstCounter::new(value));
    }
    let seconds = [
        (
            "wirefeed_paused_seconds",
            "Time consuming was paused (backpressure or alarm).",
            s.paused_seconds_total,
        ),
        ("wirefeed_blocked_seconds", "Time the broker blocked the connection.", s.blocked_seconds_total),
    ];
    for (name, help, value) in seconds {
        r.register(name, help, ConstCounter::new(value));
    }
    let gauges = [
        ("wirefeed_in_flight", "Deliveries taken and not yet acked.", s.in_flight as i64),
        ("wirefeed_up", "Whether the worker is connected and consuming (ready).", i64::from(s.up)),
        ("wirefeed_paused", "Whether consuming is paused (backpressure or alarm).", i64::from(s.paused)),
        ("wirefeed_blocked", "Whether the broker blocks the connection.", i64::from(s.blocked)),
    ];
    for (name, help, value) in gauges {
        r.register(name, help, ConstGauge::new(value));
    }
    r.register("wirefeed_pipeline_seconds", "Time in the pipeline per release.", s.pipeline_us);
    r.register("wirefeed_e2e_seconds", "From delivery to confirmed output.", s.e2e_us);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_first_bucket_whose_bound_holds_them() {
        let h = LatencyHistogram::default();
        for us in [0, 100, 101, 250, 10_000_000, 10_000_001, u64::MAX / 2] {
            h.record_us(us);
        }
        let s = h.snapshot();
        assert_eq!(s.counts[0], 2, "0 and 100 µs (le=0.0001)");
        assert_eq!(s.counts[1], 2, "101 and 250 µs (le=0.00025)");
        assert_eq!(s.counts[BUCKETS - 2], 1, "10 s (le=10)");
        assert_eq!(s.counts[BUCKETS - 1], 2, "above 10 s (+Inf)");
        assert_eq!(s.count(), 7);
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket_like_histogram_quantile() {
        let h = LatencyHistogram::default();
        // 100 values evenly in (1 ms, 2.5 ms]: the quantiles fall linearly across that bucket.
        for i in 1..=100u64 {
            h.record_us(1_000 + 15 * i);
        }
        let s = h.snapshot();
        assert_eq!(s.quantile_us(0.5), 1_750);
        assert_eq!(s.quantile_us(0.99), 2_485);
        assert_eq!(s.quantile_us(1.0), 2_500);
        assert_eq!(HistogramSnapshot::default().quantile_us(0.5), 0);
        h.record_us(60_000_000);
        assert_eq!(h.snapshot().quantile_us(1.0), 10_000_000, "+Inf reports the highest bound");
    }

    #[test]
    fn interval_snapshots_only_see_new_values() {
        let h = LatencyHistogram::default();
        h.record_us(400_000);
        let before = h.snapshot();
        h.record_us(50);
        let interval = h.snapshot().since(&before);
        assert_eq!(interval.count(), 1);
        assert_eq!(interval.sum_us(), 50);
        assert!(interval.quantile_us(0.99) <= 100);
    }

    #[test]
    fn state_clock_adds_up_its_stretches_and_ignores_repeats() {
        let flag = StateClock::default();
        assert_eq!(flag.seconds_total(), 0.0);
        flag.set(true);
        flag.set(true);
        std::thread::sleep(Duration::from_millis(20));
        assert!(flag.is_on());
        flag.set(false);
        let first = flag.seconds_total();
        assert!(first >= 0.02, "{first}");
        flag.set(false);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(flag.seconds_total(), first, "no time counts while off");
    }

    #[test]
    fn readiness_names_why_not() {
        let stats = Stats::default();
        assert_eq!(stats.readiness(), Err("not connected or not consuming".into()));
        stats.consuming.store(true, Ordering::Relaxed);
        assert_eq!(stats.readiness(), Ok(()));
        stats.set_paused(Some("downstream refuses outputs"));
        assert_eq!(stats.readiness(), Err("paused: downstream refuses outputs".into()));
        stats.set_blocked(true);
        assert!(stats.readiness().unwrap_err().contains("resource alarm"));
        stats.set_blocked(false);
        stats.set_paused(None);
        assert_eq!(*stats.pause_reason.lock().unwrap(), "");
        assert!(stats.is_ready());
        stats.stopping.store(true, Ordering::Relaxed);
        assert!(stats.readiness().unwrap_err().starts_with("stopping"));
    }

    /// The value of the exposition line `name` (exactly that series).
    fn sample(text: &str, series: &str) -> f64 {
        let prefix = format!("{series} ");
        let line = text.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no {series}"));
        line[prefix.len()..].parse().unwrap()
    }

    #[test]
    fn prometheus_text_has_every_counter_gauge_and_the_histograms() {
        let stats = Stats::default();
        Stats::incr(&stats.received);
        Stats::incr(&stats.received);
        stats.downstream_refusals.fetch_add(3, Ordering::Relaxed);
        stats.set_paused(Some("downstream refuses outputs"));
        let text = stats.prometheus();
        assert_eq!(sample(&text, "wirefeed_received_total"), 2.0);
        for name in ["published", "rejected", "acked", "redelivered", "requeued", "reconnects"] {
            assert!(text.contains(&format!("# TYPE wirefeed_{name}_total counter\n")), "{name}\n{text}");
            assert_eq!(sample(&text, &format!("wirefeed_{name}_total")), 0.0);
        }
        assert_eq!(sample(&text, "wirefeed_downstream_refusals_total"), 3.0);
        assert_eq!(sample(&text, "wirefeed_up"), 0.0);
        assert_eq!(sample(&text, "wirefeed_paused"), 1.0);
        assert_eq!(sample(&text, "wirefeed_blocked"), 0.0);
        assert!(sample(&text, "wirefeed_paused_seconds_total") >= 0.0);
        assert_eq!(sample(&text, "wirefeed_blocked_seconds_total"), 0.0);
        assert!(text.contains("# TYPE wirefeed_in_flight gauge\n"));
        assert!(text.contains("# TYPE wirefeed_pipeline_seconds histogram\n"), "{text}");
        assert!(text.contains("# TYPE wirefeed_e2e_seconds histogram\n"));
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_count"), 0.0);
    }

    #[test]
    fn histogram_buckets_are_cumulative_in_seconds_with_inf() {
        let stats = Stats::default();
        stats.e2e_us.record_duration(Duration::from_micros(800));
        stats.e2e_us.record_duration(Duration::from_millis(3));
        stats.e2e_us.record_duration(Duration::from_secs(20));
        let text = stats.prometheus();
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_bucket{le=\"0.0005\"}"), 0.0);
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_bucket{le=\"0.001\"}"), 1.0);
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_bucket{le=\"0.005\"}"), 2.0);
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_bucket{le=\"10\"}"), 2.0);
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_bucket{le=\"+Inf\"}"), 3.0);
        assert_eq!(sample(&text, "wirefeed_e2e_seconds_count"), 3.0);
        assert!((sample(&text, "wirefeed_e2e_seconds_sum") - 20.0038).abs() < 1e-9);
        assert_eq!(sample(&text, "wirefeed_pipeline_seconds_bucket{le=\"+Inf\"}"), 0.0);
    }
}
