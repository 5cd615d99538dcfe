//! One session of the worker: a consuming and a publishing connection, and the loop that takes deliveries,
//! hands them to the pipeline pool, publishes what comes back with pipelined confirms, and acks each input
//! once its output is confirmed.
//!
//! Any broker failure ends the session with an error; the caller reconnects. Nothing is acked on a dead
//! channel: the acks belong to this session's channel, and what it leaves unacked the broker redelivers.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt as _, StreamExt as _};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions,
    BasicQosOptions, ConfirmSelectOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Confirmation, Connection, Consumer, Event};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use super::acks::AckTracker;
use super::connection::{self, short, timed};
use super::message::{rejection_properties_within, EventMessage};
use super::pool::{Done, Job, Outcome, Pool};
use super::shutdown::Shutdown;
use super::stats::Stats;
use super::topology::{self, Topology};
use crate::config::Config;
use crate::pipeline::{RejectKind, Rejection};

/// An open session, ready to consume.
pub struct Session {
    consume_conn: Connection,
    publish_conn: Connection,
    consume_ch: Channel,
    publish_ch: Channel,
    consumer: Consumer,
    consumer_tag: ShortString,
    limit: Duration,
}

/// What was published for an input, waiting for its confirm.
enum Published {
    /// The input's event.
    Event { event_id: String, routing_key: ShortString, body: Vec<u8>, properties: Box<BasicProperties> },
    /// The input's rejection.
    Rejection { kind: RejectKind, message_id: Option<String> },
}

/// A settled publisher confirm.
struct Confirmed {
    tag: u64,
    received: Instant,
    what: Published,
    result: anyhow::Result<Confirmation>,
}

type PendingConfirm = Pin<Box<dyn Future<Output = Confirmed> + Send>>;

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
            Ok((consume_ch, publish_ch, consumer, consumer_tag)) => Ok(Session {
                consume_conn,
                publish_conn,
                consume_ch,
                publish_ch,
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
    ) -> anyhow::Result<(Channel, Channel, Consumer, ShortString)> {
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
        let consume_ch = timed("opening the consume channel", limit, consume_conn.create_channel()).await?;
        // Re-applied on every session: lapin's own recovery would not restore it.
        timed(
            "setting the prefetch",
            limit,
            consume_ch.basic_qos(cfg.input.prefetch, BasicQosOptions::default()),
        )
        .await?;
        let consumer_tag = short(&format!(
            "{}.{}.{}",
            cfg.amqp.connection_name,
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let consumer = timed(
            &format!("consuming from {}", cfg.input.queue),
            limit,
            consume_ch.basic_consume(
                short(&cfg.input.queue),
                consumer_tag.clone(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            ),
        )
        .await?;
        tracing::info!(queue = %cfg.input.queue, prefetch = cfg.input.prefetch, "consuming");
        Ok((consume_ch, publish_ch, consumer, consumer_tag))
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
            output_exchange: short(&cfg.output.exchange),
            rejected_exchange: short(&cfg.rejected.exchange),
            rejected_key: short(if cfg.rejected.exchange.is_empty() {
                &cfg.rejected.queue
            } else {
                &cfg.input.queue
            }),
            stuck_limit: (usize::from(cfg.input.prefetch) / 4).max(1),
        };
        stats.consuming.store(true, Ordering::Relaxed);
        let result = lp.run(results, shutdown).await;
        stats.consuming.store(false, Ordering::Relaxed);
        stats.in_flight.store(0, Ordering::Relaxed);
        drop(lp);
        // Closing the consuming connection hands every unacked delivery back to the broker.
        connection::close_channel(&self.consume_ch, self.limit).await;
        connection::close_channel(&self.publish_ch, self.limit).await;
        connection::close(&self.consume_conn, self.limit).await;
        connection::close(&self.publish_conn, self.limit).await;
        result
    }
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
    output_exchange: ShortString,
    rejected_exchange: ShortString,
    rejected_key: ShortString,
    stuck_limit: usize,
}

impl Loop<'_> {
    async fn run(&mut self, mut results: UnboundedReceiver<Done>, shutdown: &Shutdown) -> anyhow::Result<()> {
        let mut consume_events = self.session.consume_conn.events_listener();
        let mut publish_events = self.session.publish_conn.events_listener();
        let mut consumer = self.session.consumer.clone();
        let grace = Duration::from_secs(self.cfg.shutdown_grace_secs);
        let mut deadline: Option<tokio::time::Instant> = None;
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
                event = consume_events.next() => check_event(event, "consume")?,
                event = publish_events.next() => check_event(event, "publish")?,
                delivery = consumer.next(), if deadline.is_none() => match delivery {
                    Some(Ok(delivery)) => self.dispatch(delivery),
                    Some(Err(e)) => return Err(e).context("the consumer failed"),
                    None => anyhow::bail!("the broker cancelled the consumer (was the input queue deleted?)"),
                },
                Some(done) = results.recv() => self.on_done(done),
                Some(confirmed) = self.confirms.next(), if !self.confirms.is_empty() => {
                    self.on_confirm(confirmed).await?;
                }
            }
            // Take whatever else is ready without waiting, so that one ack covers many inputs under load.
            while let Ok(done) = results.try_recv() {
                self.on_done(done);
            }
            while let Some(Some(confirmed)) = self.confirms.next().now_or_never() {
                self.on_confirm(confirmed).await?;
            }
            self.flush_acks().await?;
        }
    }

    async fn stop_consuming(&mut self) -> anyhow::Result<()> {
        let cancel = self
            .session
            .consume_ch
            .basic_cancel(self.session.consumer_tag.clone(), BasicCancelOptions::default());
        timed("cancelling the consumer", self.session.limit, cancel).await?;
        tracing::info!(in_flight = self.tracker.len(), "consumer cancelled; finishing in-flight work");
        Ok(())
    }

    fn dispatch(&mut self, delivery: Delivery) {
        let Delivery { delivery_tag, redelivered, properties, data, .. } = delivery;
        Stats::incr(&self.stats.received);
        if redelivered {
            Stats::incr(&self.stats.redelivered);
        }
        self.tracker.track(delivery_tag);
        self.pool.submit(Job {
            tag: delivery_tag,
            body: data,
            properties,
            redelivered,
            received_at: chrono::Utc::now(),
            received: Instant::now(),
            reply: self.reply.clone(),
        });
    }

    fn on_done(&mut self, done: Done) {
        let Done { tag, outcome, body, properties, received } = done;
        match outcome {
            Outcome::Event(msg) => {
                let EventMessage { event_id, routing_key, payload, properties: event_properties } = *msg;
                let exchange = self.output_exchange.clone();
                let what = Published::Event {
                    event_id,
                    routing_key: routing_key.clone(),
                    body,
                    properties: Box::new(properties),
                };
                self.publish(tag, received, what, exchange, routing_key, payload, event_properties);
            }
            Outcome::Rejected(rejection) => self.reject(tag, received, body, properties, rejection),
        }
    }

    fn reject(
        &mut self,
        tag: u64,
        received: Instant,
        body: Vec<u8>,
        properties: BasicProperties,
        rejection: Rejection,
    ) {
        let message_id = properties.message_id().as_ref().map(|s| s.to_string());
        tracing::warn!(
            message_id = message_id.as_deref().unwrap_or(""),
            kind = rejection.kind.as_str(),
            stage = rejection.stage,
            reason = %rejection.reason,
            "release rejected"
        );
        let frame_max = self.session.publish_conn.configuration().frame_max();
        let props = rejection_properties_within(&properties, &rejection, frame_max);
        let (exchange, key) = (self.rejected_exchange.clone(), self.rejected_key.clone());
        let what = Published::Rejection { kind: rejection.kind, message_id };
        self.publish(tag, received, what, exchange, key, body, props);
    }

    /// Publishes one message (mandatory) and waits for its confirm, both inside a future of `confirms`:
    /// many publishes are in flight at once instead of one round trip to lapin's I/O loop each.
    #[allow(clippy::too_many_arguments)]
    fn publish(
        &mut self,
        tag: u64,
        received: Instant,
        what: Published,
        exchange: ShortString,
        routing_key: ShortString,
        payload: Vec<u8>,
        properties: BasicProperties,
    ) {
        let channel = self.session.publish_ch.clone();
        let limit = self.session.limit;
        self.confirms.push(Box::pin(async move {
            let options = BasicPublishOptions { mandatory: true, ..Default::default() };
            let result = async {
                let publish = channel.basic_publish(exchange, routing_key, options, &payload, properties);
                let confirm = timed("publishing", limit, publish).await?;
                timed("waiting for a publisher confirm", limit, confirm).await
            }
            .await;
            Confirmed { tag, received, what, result }
        }));
    }

    async fn on_confirm(&mut self, confirmed: Confirmed) -> anyhow::Result<()> {
        let Confirmed { tag, received, what, result } = confirmed;
        let returned = match result? {
            Confirmation::Ack(returned) => returned,
            Confirmation::NotRequested => None,
            Confirmation::Nack(_) => return self.requeue(tag).await,
        };
        match (what, returned) {
            (Published::Event { event_id, routing_key, .. }, None) => {
                tracing::debug!(event_id = %event_id, routing_key = %routing_key, "event published");
                Stats::incr(&self.stats.published);
                self.finish(tag, received);
            }
            (Published::Event { event_id, routing_key, body, properties }, Some(_)) => {
                let reason = format!(
                    "no queue is bound to exchange {} for routing key {routing_key}; bind one (output.queue or \
                     output.bindings) or change output.routing_key",
                    self.cfg.output.exchange
                );
                tracing::debug!(event_id = %event_id, "event returned unroutable");
                let rejection = Rejection::new(RejectKind::Unroutable, "publish", reason);
                self.reject(tag, received, body, *properties, rejection);
            }
            (Published::Rejection { .. }, None) => {
                Stats::incr(&self.stats.rejected);
                self.finish(tag, received);
            }
            (Published::Rejection { kind, message_id }, Some(_)) => {
                tracing::error!(
                    message_id = message_id.as_deref().unwrap_or(""),
                    kind = kind.as_str(),
                    exchange = %self.cfg.rejected.exchange,
                    "the rejected exchange routes to no queue: this rejection is dropped; set rejected.queue"
                );
                Stats::incr(&self.stats.rejected);
                self.finish(tag, received);
            }
        }
        Ok(())
    }

    fn finish(&mut self, tag: u64, received: Instant) {
        self.stats.e2e_us.record_duration(received.elapsed());
        self.tracker.finish(tag);
    }

    /// The broker refused the output (a publisher nack): hand the input back, so it is redelivered later and,
    /// if that keeps happening, dead-lettered by the delivery limit.
    async fn requeue(&mut self, tag: u64) -> anyhow::Result<()> {
        tracing::warn!(delivery_tag = tag, "the broker nacked an output; requeueing its input");
        let nack =
            self.session.consume_ch.basic_nack(tag, BasicNackOptions { multiple: false, requeue: true });
        timed("requeueing an input", self.session.limit, nack).await?;
        self.tracker.forget(tag);
        Stats::incr(&self.stats.requeued);
        Ok(())
    }

    async fn flush_acks(&mut self) -> anyhow::Result<()> {
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

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Turns a connection error event into the session's end.
fn check_event(event: Option<Event>, role: &str) -> anyhow::Result<()> {
    match event {
        Some(Event::Error(e)) => Err(anyhow::Error::new(e).context(format!("the {role} connection failed"))),
        Some(Event::ConnectionBlocked(reason)) => {
            tracing::warn!(connection = role, %reason, "the broker blocked the connection (resource alarm)");
            Ok(())
        }
        Some(Event::ConnectionUnblocked) => {
            tracing::info!(connection = role, "the broker unblocked the connection");
            Ok(())
        }
        Some(_) => Ok(()),
        None => anyhow::bail!("the {role} connection's event stream ended"),
    }
}
