//! Counters and latency histograms shared by the worker, the periodic `stats` log line and `/metrics`.
//!
//! Everything is lock-free atomics so the hot path only does relaxed increments. Latencies go into a small
//! log-linear histogram (16 sub-buckets per power of two, about 6 % resolution) instead of a heavy crate.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SUB_BITS: u32 = 4;
const SUB: usize = 1 << SUB_BITS;
const BUCKETS: usize = SUB + (64 - SUB_BITS as usize) * SUB;

/// A histogram of `u64` values (microseconds here) with about 6 % relative resolution.
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(), sum: AtomicU64::new(0) }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram").field("count", &self.snapshot().count()).finish()
    }
}

fn bucket_of(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros();
    let shift = msb - SUB_BITS;
    let sub = ((v >> shift) as usize) - SUB;
    SUB + shift as usize * SUB + sub
}

/// The largest value that falls into bucket `i` (what percentiles report: never an underestimate).
fn bucket_upper(i: usize) -> u64 {
    if i < SUB {
        return i as u64;
    }
    let shift = ((i - SUB) / SUB) as u32;
    let sub = ((i - SUB) % SUB) as u64;
    (((SUB as u64 + sub + 1) as u128) << shift).saturating_sub(1).min(u64::MAX as u128) as u64
}

impl Histogram {
    /// Records one value.
    pub fn record(&self, v: u64) {
        self.buckets[bucket_of(v)].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(v, Ordering::Relaxed);
    }

    /// Records a duration in microseconds.
    pub fn record_duration(&self, d: Duration) {
        self.record(d.as_micros().min(u64::MAX as u128) as u64);
    }

    /// The counts as they are now.
    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            counts: self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
            sum: self.sum.load(Ordering::Relaxed),
        }
    }
}

/// A copy of a histogram's counts, for percentiles over all time or (by [`HistogramSnapshot::since`]) over
/// an interval.
#[derive(Debug, Clone, Default)]
pub struct HistogramSnapshot {
    counts: Vec<u64>,
    sum: u64,
}

impl HistogramSnapshot {
    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Sum of the values recorded.
    pub fn sum(&self) -> u64 {
        self.sum
    }

    /// What was recorded after `earlier`.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let counts = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| c.saturating_sub(earlier.counts.get(i).copied().unwrap_or(0)))
            .collect();
        HistogramSnapshot { counts, sum: self.sum.saturating_sub(earlier.sum) }
    }

    /// The `q` quantile (0–1), 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        let total = self.count();
        if total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return bucket_upper(i);
            }
        }
        bucket_upper(self.counts.len() - 1)
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
    /// Time spent in the pipeline per release, µs.
    pub pipeline_us: Histogram,
    /// From delivery to the worker until the broker confirmed its output, µs.
    pub e2e_us: Histogram,
    /// Whether the worker has stopped taking deliveries (outputs refused, or a resource alarm), and for how
    /// long in all; [`Stats::pause_reason`] says why.
    pub paused: StateClock,
    /// Whether the broker has blocked a connection of the worker (a resource alarm), and for how long in all.
    pub blocked: StateClock,
    /// Publisher nacks and unroutable rejections: outputs the broker did not store (each is retried).
    pub downstream_refusals: AtomicU64,
    /// Why the worker is paused (empty when it is not); the body of `/readyz` while paused.
    pub pause_reason: Mutex<String>,
    started: Instant,
}

/// A state that comes and goes (paused, blocked): whether it holds now, and the seconds it has held in all,
/// the current stretch included.
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
            pipeline_us: Histogram::default(),
            e2e_us: Histogram::default(),
            paused: StateClock::default(),
            blocked: StateClock::default(),
            downstream_refusals: AtomicU64::new(0),
            pause_reason: Mutex::new(String::new()),
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
            pipeline_us: self.pipeline_us.snapshot(),
            e2e_us: self.e2e_us.snapshot(),
            at: Some(Instant::now()),
        }
    }

    /// Whether `/readyz` should say yes.
    pub fn is_ready(&self) -> bool {
        self.readiness().is_ok()
    }

    /// `/readyz`: `Ok` while connected and consuming, otherwise why not (the response body).
    pub fn readiness(&self) -> Result<(), String> {
        if !self.consuming.load(Ordering::Relaxed) {
            return Err("not connected or not consuming".into());
        }
        if self.paused.is_on() {
            let reason = self.pause_reason.lock().map(|r| r.clone()).unwrap_or_default();
            return Err(format!("paused: {reason}"));
        }
        Ok(())
    }

    /// Marks the worker paused for `reason`, or (`None`) taking deliveries again.
    pub fn set_paused(&self, reason: Option<&str>) {
        if let Ok(mut r) = self.pause_reason.lock() {
            r.clear();
            r.push_str(reason.unwrap_or(""));
        }
        self.paused.set(reason.is_some());
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
            paused = self.paused.is_on(),
            blocked = self.blocked.is_on(),
            paused_seconds_total = (self.paused.seconds_total() * 10.0).round() / 10.0,
            blocked_seconds_total = (self.blocked.seconds_total() * 10.0).round() / 10.0,
            downstream_refusals = load(&self.downstream_refusals),
            rate_per_sec = (rate * 10.0).round() / 10.0,
            pipeline_p50_us = pipeline.quantile(0.5),
            pipeline_p99_us = pipeline.quantile(0.99),
            e2e_p50_ms = e2e.quantile(0.5) as f64 / 1000.0,
            e2e_p99_ms = e2e.quantile(0.99) as f64 / 1000.0,
            "stats"
        );
        now
    }

    /// The counters in the Prometheus text exposition format.
    pub fn prometheus(&self) -> String {
        let s = self.snapshot();
        let mut out = String::new();
        let counters: [(&str, &str, u64); 8] = [
            ("wirefeed_received_total", "Deliveries taken from the input queue.", s.received),
            ("wirefeed_published_total", "Events confirmed by the broker.", s.published),
            ("wirefeed_rejected_total", "Rejections confirmed by the broker.", s.rejected),
            ("wirefeed_acked_total", "Inputs acknowledged.", s.acked),
            ("wirefeed_redelivered_total", "Deliveries flagged as redelivered.", s.redelivered),
            ("wirefeed_requeued_total", "Inputs handed back to the queue (held too long).", s.requeued),
            ("wirefeed_reconnects_total", "Sessions re-opened after a connection loss.", s.reconnects),
            (
                "wirefeed_downstream_refusals_total",
                "Outputs the broker did not store (publisher nack, unroutable rejection); each is retried.",
                load(&self.downstream_refusals),
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP wirefeed_in_flight Deliveries taken and not yet acked.\n# TYPE wirefeed_in_flight gauge\n\
             wirefeed_in_flight {}",
            s.in_flight
        );
        let _ = writeln!(
            out,
            "# HELP wirefeed_up Whether the worker is connected and consuming.\n# TYPE wirefeed_up gauge\n\
             wirefeed_up {}",
            u8::from(self.is_ready())
        );
        for (name, help, clock) in [
            (
                "paused",
                "Whether the worker has stopped taking deliveries (backpressure or an alarm).",
                &self.paused,
            ),
            (
                "blocked",
                "Whether the broker blocks a connection of the worker (resource alarm).",
                &self.blocked,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP wirefeed_{name} {help}\n# TYPE wirefeed_{name} gauge\nwirefeed_{name} {}\n\
                 # HELP wirefeed_{name}_seconds_total Seconds spent {name}.\n\
                 # TYPE wirefeed_{name}_seconds_total counter\nwirefeed_{name}_seconds_total {}",
                u8::from(clock.is_on()),
                clock.seconds_total()
            );
        }
        summary(&mut out, "wirefeed_pipeline_seconds", "Time in the pipeline per release.", &s.pipeline_us);
        summary(&mut out, "wirefeed_e2e_seconds", "From delivery to confirmed output.", &s.e2e_us);
        out
    }
}

fn summary(out: &mut String, name: &str, help: &str, h: &HistogramSnapshot) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} summary");
    for q in [0.5, 0.9, 0.99] {
        let _ = writeln!(out, "{name}{{quantile=\"{q}\"}} {}", h.quantile(q) as f64 / 1e6);
    }
    let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", h.sum() as f64 / 1e6, h.count());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_cover_their_values() {
        let mut last = 0;
        for v in [0u64, 1, 15, 16, 17, 31, 32, 100, 1_000, 65_535, 1 << 40, u64::MAX] {
            let b = bucket_of(v);
            assert!(b >= last, "bucket of {v} went backwards");
            assert!(bucket_upper(b) >= v, "bucket {b} upper bound below {v}");
            if b > 0 {
                assert!(bucket_upper(b - 1) < v, "value {v} belongs in an earlier bucket");
            }
            last = b;
        }
    }

    #[test]
    fn quantiles_are_within_resolution() {
        let h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v);
        }
        let s = h.snapshot();
        let p50 = s.quantile(0.5) as f64;
        let p99 = s.quantile(0.99) as f64;
        assert!((p50 - 500.0).abs() / 500.0 < 0.07, "p50 {p50}");
        assert!((p99 - 990.0).abs() / 990.0 < 0.07, "p99 {p99}");
        assert_eq!(s.count(), 1000);
        assert_eq!(HistogramSnapshot::default().quantile(0.5), 0);
    }

    #[test]
    fn interval_snapshots_only_see_new_values() {
        let h = Histogram::default();
        h.record(10_000);
        let before = h.snapshot();
        h.record(5);
        let interval = h.snapshot().since(&before);
        assert_eq!(interval.count(), 1);
        assert_eq!(interval.quantile(0.99), 5);
    }

    #[test]
    fn prometheus_text_has_every_counter() {
        let stats = Stats::default();
        Stats::incr(&stats.received);
        Stats::incr(&stats.received);
        let text = stats.prometheus();
        assert!(text.contains("wirefeed_received_total 2\n"));
        for name in ["published", "rejected", "acked", "redelivered", "reconnects"] {
            assert!(text.contains(&format!("# TYPE wirefeed_{name}_total counter")), "{name}");
        }
        assert!(text.contains("wirefeed_up 0"));
        assert!(text.contains("wirefeed_e2e_seconds_count 0"));
        assert!(text.contains("wirefeed_paused 0\n"));
        assert!(text.contains("wirefeed_blocked_seconds_total 0\n"));
        assert!(text.contains("# TYPE wirefeed_downstream_refusals_total counter"));
    }

    #[test]
    fn readiness_says_why_while_paused() {
        let stats = Stats::default();
        assert_eq!(stats.readiness(), Err("not connected or not consuming".into()));
        stats.consuming.store(true, Ordering::Relaxed);
        assert_eq!(stats.readiness(), Ok(()));
        stats.set_paused(Some("the broker blocked the publishing connection"));
        assert_eq!(stats.readiness(), Err("paused: the broker blocked the publishing connection".into()));
        assert!(!stats.is_ready());
        assert!(stats.prometheus().contains("wirefeed_paused 1\n"));
        stats.set_paused(None);
        assert_eq!(stats.readiness(), Ok(()));
    }

    #[test]
    fn state_clocks_add_up_stretches() {
        let clock = StateClock::default();
        assert_eq!(clock.seconds_total(), 0.0);
        clock.set(true);
        clock.set(true);
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.is_on());
        let during = clock.seconds_total();
        assert!(during >= 0.02, "{during}");
        clock.set(false);
        clock.set(false);
        let after = clock.seconds_total();
        assert!(after >= during && !clock.is_on());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.seconds_total(), after, "no time is counted while off");
    }
}
