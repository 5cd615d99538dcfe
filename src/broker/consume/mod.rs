//! One session of the worker: a consuming and a publishing connection, and the loop that takes deliveries,
//! hands them to the pipeline pool, publishes what comes back with pipelined confirms, and acks each input
//! once its output is confirmed.
//!
//! A broker failure ends the session with an error and the caller reconnects; nothing is acked on a dead
//! channel: the acks belong to this session's channel, and what it leaves unacked the broker redelivers.
//! The broker saying "slow down" is not a failure (see [`super::backpressure`]): a refused output is kept
//! with its input and published again after a backoff, a blocked connection is waited out with no timeout,
//! and meanwhile the consumer is cancelled so that the prefetch window does not fill with doomed work; it is
//! started again by itself once outputs are accepted and the connection is unblocked.
//!
//! This file is the session and its loop (consumer, events, acks); [`outputs`] publishes and reads confirms,
//! [`refused`] holds and retries what the broker refused.

mod outputs;
mod refused;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    ConfirmSelectOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, Consumer, Event};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::acks::AckTracker;
use super::backpressure::{self, Refused};
use super::connection::{self, short, timed};
use super::pool::{Done, Job, Pool};
use super::shutdown::Shutdown;
use super::stats::Stats;
use super::topology::{self, Topology};
use crate::config::Config;
use outputs::PendingConfirm;
use refused::PendingRetry;

/// How long closing a connection the broker blocks may take: it cannot send anything, close frames included.
const BLOCKED_CLOSE: Duration = Duration::from_secs(1);

/// An open session, ready to consume.
pub struct Session {
    consume_conn: Connection,
    publish_conn: Connection,
    consume_ch: Channel,
    publish_ch: Channel,
    /// Rejections go on a channel of their own: lapin pairs a returned (unroutable) message with a confirm by
    /// order on its channel, and with events and rejections pipelined on one channel a rejection's return was
    /// seen paired with an event's confirm (a rejection nobody stored then counted as stored).
    reject_ch: Channel,
    consumer: Consumer,
    consumer_tag: ShortString,
    limit: Duration,
}

/// A connection the broker has blocked: since when, and why.
#[derive(Debug, Clone)]
struct Blocked {
    since: Instant,
    reason: String,
}

impl Session {
    /// Connects both connections, declares the topology (when `input.declare`), enables confirms, applies the
    /// prefetch and starts consuming.
    pub async fn open(cfg: &Config) -> anyhow::Result<Session> {
        let limit = Duration::from_secs(cfg.amqp.timeout_secs.max(1));
        let consume_conn = connection::connect(&cfg.amqp, "consume").await?;
        let publish_conn = match connection::connect(&cfg.amqp, "publish").await {
            Ok(conn) => conn,
            Err(e) => {
                connection::close(&consume_conn, limit).await;
                return Err(e);
            }
        };
        match Self::set_up(cfg, &consume_conn, &publish_conn, limit).await {
            Ok((consume_ch, (publish_ch, reject_ch), consumer, consumer_tag)) => Ok(Session {
                consume_conn,
                publish_conn,
                consume_ch,
                publish_ch,
                reject_ch,
                consumer,
                consumer_tag,
                limit,
            }),
            Err(e) => {
                connection::close(&consume_conn, limit).await;
                connection::close(&publish_conn, limit).await;
                Err(e)
            }
        }
    }

    async fn set_up(
        cfg: &Config,
        consume_conn: &Connection,
        publish_conn: &Connection,
        limit: Duration,
    ) -> anyhow::Result<(Channel, (Channel, Channel), Consumer, ShortString)> {
        let publish_ch = timed("opening the publish channel", limit, publish_conn.create_channel()).await?;
        if cfg.input.declare {
            topology::declare(&publish_ch, &Topology::from_config(cfg), limit).await?;
        }
        timed(
            "enabling publisher confirms",
            limit,
            publish_ch.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        let reject_ch = timed("opening the rejection channel", limit, publish_conn.create_channel()).await?;
        timed(
            "enabling publisher confirms for rejections",
            limit,
            reject_ch.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        let consume_ch = timed("opening the consume channel", limit, consume_conn.create_channel()).await?;
        // Re-applied on every session: lapin's own recovery would not restore it.
        timed(
            "setting the prefetch",
            limit,
            consume_ch.basic_qos(cfg.input.prefetch, BasicQosOptions::default()),
        )
        .await?;
        let (consumer, consumer_tag) = start_consumer(cfg, &consume_ch, limit).await?;
        tracing::info!(queue = %cfg.input.queue, prefetch = cfg.input.prefetch, "consuming");
        Ok((consume_ch, (publish_ch, reject_ch), consumer, consumer_tag))
    }

    /// Runs until shutdown (`Ok`, after finishing in-flight work within the grace period) or until the broker
    /// fails (`Err`). Both connections are closed either way.
    pub async fn run(
        self,
        cfg: &Config,
        pool: &Pool,
        stats: &Stats,
        shutdown: &Shutdown,
    ) -> anyhow::Result<()> {
        let (reply, results) = unbounded_channel();
        let mut lp = Loop {
            cfg,
            session: &self,
            pool,
            stats,
            reply,
            tracker: AckTracker::new(),
            confirms: FuturesUnordered::new(),
            retries: FuturesUnordered::new(),
            output_exchange: short(&cfg.output.exchange),
            rejected_exchange: short(&cfg.rejected.exchange),
            rejected_key: short(if cfg.rejected.exchange.is_empty() {
                &cfg.rejected.queue
            } else {
                &cfg.input.queue
            }),
            stuck_limit: (usize::from(cfg.input.prefetch) / 4).max(1),
            consumer: Some(self.consumer.clone()),
            consumer_tag: self.consumer_tag.clone(),
            cancelled: false,
            paused_since: None,
            events_refused: Refused::new(),
            rejections_refused: Refused::new(),
            publish_blocked: None,
            consume_blocked: None,
            confirm_clock: Instant::now(),
        };
        stats.consuming.store(true, Ordering::Relaxed);
        let result = lp.run(results, shutdown).await;
        stats.consuming.store(false, Ordering::Relaxed);
        stats.in_flight.store(0, Ordering::Relaxed);
        stats.set_paused(None);
        stats.blocked.set(false);
        // A blocked connection cannot send its close frames either: do not wait long on it.
        let publish_close_limit = if lp.publish_blocked.is_some() { BLOCKED_CLOSE } else { self.limit };
        drop(lp);
        // Closing the consuming connection hands every unacked delivery back to the broker.
        connection::close_channel(&self.consume_ch, self.limit).await;
        connection::close_channel(&self.publish_ch, publish_close_limit).await;
        connection::close_channel(&self.reject_ch, publish_close_limit).await;
        connection::close(&self.consume_conn, self.limit).await;
        connection::close(&self.publish_conn, publish_close_limit).await;
        result
    }
}

/// Registers a consumer on the input queue under a fresh tag (at start, and when resuming after a pause).
async fn start_consumer(
    cfg: &Config,
    channel: &Channel,
    limit: Duration,
) -> anyhow::Result<(Consumer, ShortString)> {
    let tag = short(&format!(
        "{}.{}.{}",
        cfg.amqp.connection_name,
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let consumer = timed(
        &format!("consuming from {}", cfg.input.queue),
        limit,
        channel.basic_consume(
            short(&cfg.input.queue),
            tag.clone(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        ),
    )
    .await?;
    Ok((consumer, tag))
}

/// The state of one session's loop.
struct Loop<'a> {
    cfg: &'a Config,
    session: &'a Session,
    pool: &'a Pool,
    stats: &'a Stats,
    reply: UnboundedSender<Done>,
    tracker: AckTracker,
    confirms: FuturesUnordered<PendingConfirm>,
    /// Refused outputs waiting for their next attempt.
    retries: FuturesUnordered<PendingRetry>,
    output_exchange: ShortString,
    rejected_exchange: ShortString,
    rejected_key: ShortString,
    stuck_limit: usize,
    /// The consumer whose deliveries are read; `None` once a cancelled one has handed over its last.
    consumer: Option<Consumer>,
    consumer_tag: ShortString,
    /// Whether `consumer` was cancelled by the worker (a pause or the shutdown).
    cancelled: bool,
    /// When the current pause began.
    paused_since: Option<Instant>,
    events_refused: Refused,
    rejections_refused: Refused,
    publish_blocked: Option<Blocked>,
    consume_blocked: Option<Blocked>,
    /// The last sign of life of the publish channel: a confirm, an unblock, or a publish when none was
    /// outstanding. Outstanding confirms with no sign of life for `amqp.timeout_secs`, while no connection is
    /// blocked, end the session.
    confirm_clock: Instant,
}

impl Loop<'_> {
    async fn run(&mut self, mut results: UnboundedReceiver<Done>, shutdown: &Shutdown) -> anyhow::Result<()> {
        let mut consume_events = self.session.consume_conn.events_listener();
        let mut publish_events = self.session.publish_conn.events_listener();
        let grace = Duration::from_secs(self.cfg.shutdown_grace_secs);
        let mut deadline: Option<tokio::time::Instant> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if deadline.is_some() && self.tracker.is_empty() {
                tracing::info!("in-flight work finished");
                return Ok(());
            }
            tokio::select! {
                _ = shutdown.wait(), if deadline.is_none() => {
                    deadline = Some(tokio::time::Instant::now() + grace);
                    self.stop_consuming().await?;
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    tracing::warn!(
                        in_flight = self.tracker.len(),
                        "shutdown_grace_secs expired; the broker will redeliver what is still in flight"
                    );
                    return Ok(());
                }
                event = consume_events.next() => self.on_event(event, "consume")?,
                event = publish_events.next() => self.on_event(event, "publish")?,
                delivery = next_delivery(&mut self.consumer), if deadline.is_none() => match delivery {
                    Some(Ok(delivery)) => self.dispatch(delivery)?,
                    Some(Err(e)) => return Err(e).context("the consumer failed"),
                    None if self.cancelled => self.consumer = None,
                    None => anyhow::bail!("the broker cancelled the consumer (was the input queue deleted?)"),
                },
                Some(done) = results.recv() => self.on_done(done),
                Some(confirmed) = self.confirms.next(), if !self.confirms.is_empty() => {
                    self.on_confirm(confirmed)?;
                }
                Some(output) = self.retries.next(), if !self.retries.is_empty() => self.on_retry_due(output),
                _ = tick.tick() => {
                    self.check_confirms_alive()?;
                    self.hand_back_overdue().await?;
                }
            }
            // Take whatever else is ready without waiting, so that one ack covers many inputs under load.
            while let Ok(done) = results.try_recv() {
                self.on_done(done);
            }
            while let Some(Some(confirmed)) = self.confirms.next().now_or_never() {
                self.on_confirm(confirmed)?;
            }
            self.flush_acks().await?;
            if deadline.is_none() {
                self.steer_consumer().await?;
            }
        }
    }

    async fn stop_consuming(&mut self) -> anyhow::Result<()> {
        if !self.cancelled {
            self.cancel_consumer().await?;
        }
        tracing::info!(in_flight = self.tracker.len(), "consumer cancelled; finishing in-flight work");
        Ok(())
    }

    async fn cancel_consumer(&mut self) -> anyhow::Result<()> {
        let cancel =
            self.session.consume_ch.basic_cancel(self.consumer_tag.clone(), BasicCancelOptions::default());
        timed("cancelling the consumer", self.session.limit, cancel).await?;
        self.cancelled = true;
        Ok(())
    }

    /// Why the consumer should not take new deliveries now, if it should not.
    fn pause_reason(&self) -> Option<String> {
        if let Some(b) = &self.publish_blocked {
            return Some(backpressure::blocked_reason("publish", &b.reason));
        }
        if let Some(b) = &self.consume_blocked {
            return Some(backpressure::blocked_reason("consume", &b.reason));
        }
        (self.events_refused.held() > 0).then(|| backpressure::refused_reason(&self.cfg.output.exchange))
    }

    /// Cancels the consumer while outputs are refused or a connection is blocked (what is already delivered
    /// is still processed), and consumes again once neither holds.
    async fn steer_consumer(&mut self) -> anyhow::Result<()> {
        let reason = self.pause_reason();
        match (&reason, self.paused_since) {
            (Some(why), None) => {
                self.cancel_consumer().await?;
                self.paused_since = Some(Instant::now());
                self.stats.set_paused(Some(why));
                tracing::info!(in_flight = self.tracker.len(), reason = %why, "consumer paused");
            }
            (Some(why), Some(_)) if self.stats.pause_reason.lock().is_ok_and(|r| r.as_str() != why) => {
                self.stats.set_paused(Some(why));
            }
            (None, Some(since)) if self.consumer.is_none() => {
                let (consumer, tag) =
                    start_consumer(self.cfg, &self.session.consume_ch, self.session.limit).await?;
                self.consumer = Some(consumer);
                self.consumer_tag = tag;
                self.cancelled = false;
                self.paused_since = None;
                self.stats.set_paused(None);
                tracing::info!(paused_secs = secs(since.elapsed()), "consuming again");
            }
            _ => {}
        }
        Ok(())
    }

    fn on_event(&mut self, event: Option<Event>, role: &'static str) -> anyhow::Result<()> {
        let slot = if role == "publish" { &mut self.publish_blocked } else { &mut self.consume_blocked };
        match event {
            Some(Event::Error(e)) => {
                return Err(anyhow::Error::new(e).context(format!("the {role} connection failed")));
            }
            Some(Event::ConnectionBlocked(reason)) => {
                tracing::warn!(
                    connection = role,
                    %reason,
                    in_flight = self.tracker.len(),
                    "the broker blocked the connection (resource alarm): pausing the consumer and waiting; \
                     outputs stay queued until it unblocks"
                );
                slot.get_or_insert(Blocked { since: Instant::now(), reason });
            }
            Some(Event::ConnectionUnblocked) => {
                if let Some(blocked) = slot.take() {
                    tracing::warn!(
                        connection = role,
                        blocked_secs = secs(blocked.since.elapsed()),
                        in_flight = self.tracker.len(),
                        "the broker unblocked the connection"
                    );
                }
                self.confirm_clock = Instant::now();
            }
            Some(_) => {}
            None => anyhow::bail!("the {role} connection's event stream ended"),
        }
        self.stats.blocked.set(self.publish_blocked.is_some() || self.consume_blocked.is_some());
        Ok(())
    }

    /// Fails the session when confirms are outstanding and nothing came back for `amqp.timeout_secs` while
    /// no connection was blocked: that is a broker that stopped answering, not backpressure.
    fn check_confirms_alive(&self) -> anyhow::Result<()> {
        let blocked = self.publish_blocked.is_some() || self.consume_blocked.is_some();
        if !blocked && !self.confirms.is_empty() && self.confirm_clock.elapsed() > self.session.limit {
            anyhow::bail!(
                "no publisher confirm for {:?} with {} outstanding and the connection not blocked",
                self.session.limit,
                self.confirms.len()
            );
        }
        Ok(())
    }

    /// Hands back to the queue the deliveries held longer than `input.max_hold_secs`, before the broker's
    /// `consumer_timeout` closes the channel over them (which would hand back every delivery at once).
    async fn hand_back_overdue(&mut self) -> anyhow::Result<()> {
        let bound = Duration::from_secs(self.cfg.input.max_hold_secs.max(1));
        let Some(cutoff) = Instant::now().checked_sub(bound) else { return Ok(()) };
        for tag in self.tracker.unfinished_before(cutoff) {
            tracing::warn!(
                delivery_tag = tag,
                max_hold_secs = bound.as_secs(),
                "a delivery was held longer than input.max_hold_secs; handing it back to the queue (this \
                 spends one of its delivery attempts)"
            );
            self.requeue(tag).await?;
        }
        Ok(())
    }

    fn dispatch(&mut self, delivery: Delivery) -> anyhow::Result<()> {
        let Delivery { delivery_tag, redelivered, properties, data, .. } = delivery;
        Stats::incr(&self.stats.received);
        if redelivered {
            Stats::incr(&self.stats.redelivered);
        }
        self.warn_if_last_attempt(&properties);
        let received = Instant::now();
        anyhow::ensure!(
            self.tracker.track(delivery_tag, received),
            "delivery tag {delivery_tag} skipped too many tags to account for; reconnecting hands them back"
        );
        self.pool.submit(Job {
            tag: delivery_tag,
            body: data,
            properties,
            redelivered,
            received_at: chrono::Utc::now(),
            received,
            reply: self.reply.clone(),
        });
        Ok(())
    }

    /// A quorum queue dead-letters a delivery returned more than `x-delivery-limit` times, with
    /// `x-first-death-reason: delivery_limit` but none of the worker's `x-wirefeed-error` headers. Saying so
    /// when its last allowed delivery arrives puts its message id in the log next to whatever ends this
    /// attempt too (a crash, a kill, a hand-back), which is what an operator needs to act on it.
    fn warn_if_last_attempt(&self, properties: &BasicProperties) {
        let input = &self.cfg.input;
        let Some(count) = delivery_count(properties) else { return };
        if input.queue_type == crate::config::QueueType::Quorum && count >= u64::from(input.delivery_limit) {
            tracing::warn!(
                message_id = properties.message_id().as_ref().map(|s| s.as_str()).unwrap_or(""),
                delivery_count = count,
                delivery_limit = input.delivery_limit,
                "last delivery the input queue allows: if it is not acked either, the broker dead-letters it to \
                 the rejected exchange with x-first-death-reason delivery_limit"
            );
        }
    }

    /// Hands a delivery back to the queue (nack with requeue): the broker redelivers it later.
    async fn requeue(&mut self, tag: u64) -> anyhow::Result<()> {
        let nack =
            self.session.consume_ch.basic_nack(tag, BasicNackOptions { multiple: false, requeue: true });
        timed("requeueing an input", self.session.limit, nack).await?;
        self.tracker.forget(tag);
        Stats::incr(&self.stats.requeued);
        Ok(())
    }

    async fn flush_acks(&mut self) -> anyhow::Result<()> {
        // Before any `multiple` ack that would cover them and ack them away unprocessed.
        for tag in self.tracker.take_skipped() {
            tracing::warn!(
                delivery_tag = tag,
                "a delivery arrived after its consumer was cancelled and never reached the worker; handing it \
                 back to the queue"
            );
            let nack =
                self.session.consume_ch.basic_nack(tag, BasicNackOptions { multiple: false, requeue: true });
            timed("handing back a skipped delivery", self.session.limit, nack).await?;
            Stats::incr(&self.stats.requeued);
        }
        let before = self.tracker.len();
        for ack in self.tracker.take_acks(self.stuck_limit) {
            let options = BasicAckOptions { multiple: ack.multiple };
            timed("acking", self.session.limit, self.session.consume_ch.basic_ack(ack.tag, options)).await?;
        }
        let acked = before - self.tracker.len();
        if acked > 0 {
            self.stats.acked.fetch_add(acked as u64, Ordering::Relaxed);
        }
        self.stats.in_flight.store(self.tracker.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// The `x-delivery-count` header a quorum queue puts on a redelivery: how many times it was returned.
fn delivery_count(properties: &BasicProperties) -> Option<u64> {
    use lapin::types::AMQPValue as V;
    match properties.headers().as_ref()?.inner().get("x-delivery-count")? {
        V::LongLongInt(n) => u64::try_from(*n).ok(),
        V::LongInt(n) => u64::try_from(*n).ok(),
        V::LongUInt(n) => Some(u64::from(*n)),
        V::ShortInt(n) => u64::try_from(*n).ok(),
        V::ShortUInt(n) => Some(u64::from(*n)),
        V::ShortShortInt(n) => u64::try_from(*n).ok(),
        V::ShortShortUInt(n) => Some(u64::from(*n)),
        _ => None,
    }
}

/// The next delivery of `consumer`; never resolves when there is none (paused).
async fn next_delivery(consumer: &mut Option<Consumer>) -> Option<lapin::Result<Delivery>> {
    match consumer {
        Some(c) => c.next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A duration in seconds, to one decimal, for log fields.
fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::AMQPValue;

    #[test]
    fn the_delivery_count_is_read_whatever_its_integer_type() {
        let with = |v: AMQPValue| {
            let mut headers = FieldTable::default();
            headers.insert("x-delivery-count".into(), v);
            BasicProperties::default().with_headers(headers)
        };
        assert_eq!(delivery_count(&with(AMQPValue::LongLongInt(3))), Some(3));
        assert_eq!(delivery_count(&with(AMQPValue::LongInt(5))), Some(5));
        assert_eq!(delivery_count(&with(AMQPValue::ShortShortUInt(1))), Some(1));
        assert_eq!(delivery_count(&with(AMQPValue::LongLongInt(-1))), None);
        assert_eq!(delivery_count(&with(AMQPValue::Boolean(true))), None);
        assert_eq!(delivery_count(&BasicProperties::default()), None);
    }
}
