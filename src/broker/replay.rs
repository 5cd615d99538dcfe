//! `wirefeed replay`: after a fix, move rejected messages back to the input queue, so the worker tries them
//! again. Filters by error kind and age; `--dry-run` lists what would move and moves nothing.
//!
//! Nothing is lost and order is kept:
//! - each message is taken from the rejected queue with `basic.get` and left unacked; a match is published
//!   to the input queue (default exchange, mandatory, with publisher confirms) and its rejected copy is acked
//!   only once that publish is confirmed. A crash half-way loses nothing: the broker hands every unacked
//!   rejected copy back, and a copy whose replay was confirmed but not yet acked is replayed twice (the
//!   worker gives both the same event id; consumers dedupe on `message_id`).
//! - messages that do not match (and, in a dry run, all of them) stay unacked until the end, then go back
//!   with one `basic.nack(multiple, requeue)`: RabbitMQ returns requeued messages to their original
//!   positions, so the rejected queue keeps its order. Requeueing each one at once instead would put it back
//!   at the head, where the next `basic.get` would take it again.
//! - at most the number of messages ready at the start is examined, so rejections that arrive meanwhile
//!   (a replayed message a running worker rejects again) are not walked in a loop.
//!
//! The replayed copy keeps the body and every property and header except [`DROPPED_HEADERS`] (the error
//! that no longer applies, and the broker's delivery count of the old life), and carries
//! [`REPLAY_COUNT_HEADER`], one more than the rejected copy had.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt as _;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection};

use super::connection::{self, short, timed};
use super::message::header_text;
use super::publish::progress_bar;
use crate::config::Config;

/// The header counting how many times a message was replayed.
pub const REPLAY_COUNT_HEADER: &str = "x-wirefeed-replay-count";

/// Headers the replayed copy does not carry: the worker's error headers (the error is what was fixed; the
/// worker sets them anew if it rejects the message again) and the quorum queue's count of the old
/// deliveries (the replayed copy starts a fresh delivery limit).
pub const DROPPED_HEADERS: [&str; 4] =
    ["x-wirefeed-error", "x-wirefeed-error-kind", "x-wirefeed-stage", "x-delivery-count"];

/// Confirms awaited at most at once: enough to keep the broker busy, bounded so memory is too.
const WINDOW: usize = 256;

/// Which rejected messages to replay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Error kinds to replay (`x-wirefeed-error-kind`, else the broker's `x-death` reason such as
    /// `delivery_limit`); empty = every kind.
    pub kinds: Vec<String>,
    /// Only messages rejected at least this long ago.
    pub older_than: Option<Duration>,
    /// Only messages rejected less than this long ago.
    pub newer_than: Option<Duration>,
}

/// What to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayOptions {
    /// Which messages.
    pub filter: Filter,
    /// Stop after this many matches.
    pub limit: Option<u64>,
    /// List the matches, move nothing.
    pub dry_run: bool,
}

/// What a replay run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Messages taken from the rejected queue and looked at.
    pub examined: u64,
    /// Of those, the ones the filter selected.
    pub matched: u64,
    /// Matches published to the input queue, confirmed, and acked away from the rejected queue.
    pub replayed: u64,
    /// Matches whose publish the broker refused or returned (they stay in the rejected queue).
    pub failed: u64,
}

/// The kind a rejected message was rejected for: the worker's `x-wirefeed-error-kind`, else the reason of
/// the broker's latest `x-death` entry (`delivery_limit`, `expired`, `maxlen`, `rejected`).
pub fn error_kind(props: &BasicProperties) -> Option<String> {
    header_text(props, "x-wirefeed-error-kind").or_else(|| {
        let death = latest_death(props)?;
        header_in(death, "reason")
    })
}

/// The newest entry of `x-death` (the broker puts it first).
fn latest_death(props: &BasicProperties) -> Option<&FieldTable> {
    let deaths = props.headers().as_ref()?.inner().get("x-death")?.as_array()?;
    deaths.as_slice().first()?.as_field_table()
}

/// A text value of `table`.
fn header_in(table: &FieldTable, key: &str) -> Option<String> {
    match table.inner().get(key)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// When the message was rejected, in Unix seconds: the `time` of the latest `x-death` entry when the broker
/// dead-lettered it, else its `timestamp` property (the worker keeps the producer's, so that is when it was
/// sent). `None` when it carries neither; age filters never select such a message.
pub fn rejected_at(props: &BasicProperties) -> Option<u64> {
    let death_time =
        latest_death(props).and_then(|d| d.inner().get("time")).and_then(AMQPValue::as_timestamp);
    death_time.or(*props.timestamp())
}

impl Filter {
    /// Whether the message with `props` is selected, `now` being Unix seconds.
    pub fn matches(&self, props: &BasicProperties, now: u64) -> bool {
        if !self.kinds.is_empty() {
            let Some(kind) = error_kind(props) else { return false };
            if !self.kinds.contains(&kind) {
                return false;
            }
        }
        if self.older_than.is_none() && self.newer_than.is_none() {
            return true;
        }
        let Some(at) = rejected_at(props) else { return false };
        let age = now.saturating_sub(at);
        self.older_than.is_none_or(|d| age >= d.as_secs())
            && self.newer_than.is_none_or(|d| age < d.as_secs())
    }
}

/// The replay count a message carries (0 when none), whatever integer type (or text) the header has.
pub fn replay_count(props: &BasicProperties) -> u64 {
    let Some(value) = props.headers().as_ref().and_then(|h| h.inner().get(REPLAY_COUNT_HEADER)) else {
        return 0;
    };
    let n = match value {
        AMQPValue::ShortShortInt(n) => i64::from(*n),
        AMQPValue::ShortShortUInt(n) => i64::from(*n),
        AMQPValue::ShortInt(n) => i64::from(*n),
        AMQPValue::ShortUInt(n) => i64::from(*n),
        AMQPValue::LongInt(n) => i64::from(*n),
        AMQPValue::LongUInt(n) => i64::from(*n),
        AMQPValue::LongLongInt(n) => *n,
        AMQPValue::Timestamp(n) => i64::try_from(*n).unwrap_or(i64::MAX),
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).trim().parse().unwrap_or(0),
        AMQPValue::ShortString(s) => s.as_str().trim().parse().unwrap_or(0),
        _ => 0,
    };
    n.max(0) as u64
}

/// The properties of the replayed copy: the rejected copy's, minus [`DROPPED_HEADERS`], with
/// [`REPLAY_COUNT_HEADER`] one higher.
pub fn replay_properties(rejected: &BasicProperties) -> BasicProperties {
    let count = replay_count(rejected).saturating_add(1);
    let mut headers = FieldTable::default();
    if let Some(original) = rejected.headers() {
        for (key, value) in original.inner() {
            if !DROPPED_HEADERS.contains(&key.as_str()) {
                headers.insert(key.clone(), value.clone());
            }
        }
    }
    headers.insert(REPLAY_COUNT_HEADER.into(), AMQPValue::LongLongInt(count.min(i64::MAX as u64) as i64));
    rejected.clone().with_headers(headers)
}

/// Replays what `options` selects from `rejected.queue` to `input.queue`.
pub async fn replay(cfg: &Config, options: &ReplayOptions) -> anyhow::Result<ReplaySummary> {
    anyhow::ensure!(
        !cfg.rejected.queue.is_empty(),
        "rejected.queue is empty: there is no queue to replay from"
    );
    let limit = Duration::from_secs(cfg.amqp.timeout_secs.max(1));
    let conn = connection::connect(&cfg.amqp, "replay").await?;
    let result = replay_on(cfg, &conn, options, limit).await;
    connection::close(&conn, limit).await;
    result
}

/// One confirm being awaited: the rejected copy's delivery tag and the publish's outcome.
type Pending =
    std::pin::Pin<Box<dyn std::future::Future<Output = (u64, anyhow::Result<Confirmation>)> + Send>>;

async fn replay_on(
    cfg: &Config,
    conn: &Connection,
    options: &ReplayOptions,
    limit: Duration,
) -> anyhow::Result<ReplaySummary> {
    let channel = timed("opening a channel", limit, conn.create_channel()).await?;
    let source = short(&cfg.rejected.queue);
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    let ready = timed(
        &format!("looking up queue {}", cfg.rejected.queue),
        limit,
        channel.queue_declare(source.clone(), passive, FieldTable::default()),
    )
    .await?
    .message_count();
    timed("enabling publisher confirms", limit, channel.confirm_select(ConfirmSelectOptions::default()))
        .await?;
    let bar = progress_bar(u64::from(ready));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut summary = ReplaySummary::default();
    let mut last_held: Option<u64> = None;
    let mut pending: FuturesUnordered<Pending> = FuturesUnordered::new();
    while summary.examined < u64::from(ready) && options.limit.is_none_or(|n| summary.matched < n) {
        let get = channel.basic_get(source.clone(), BasicGetOptions { no_ack: false });
        let Some(message) = timed("basic.get from the rejected queue", limit, get).await? else { break };
        let delivery = message.delivery;
        let tag = delivery.delivery_tag;
        summary.examined += 1;
        bar.inc(1);
        if !options.filter.matches(&delivery.properties, now) {
            last_held = Some(tag);
            continue;
        }
        summary.matched += 1;
        if options.dry_run {
            bar.suspend(|| println!("{}", describe(&delivery.properties, now)));
            last_held = Some(tag);
            continue;
        }
        pending.push(publish(
            &channel,
            cfg,
            tag,
            &delivery.data,
            replay_properties(&delivery.properties),
            limit,
        ));
        while pending.len() >= WINDOW {
            if let Some(done) = pending.next().await {
                settle(&channel, &mut summary, &mut last_held, done, cfg, limit).await?;
            }
        }
    }
    while let Some(done) = pending.next().await {
        settle(&channel, &mut summary, &mut last_held, done, cfg, limit).await?;
    }
    bar.finish_and_clear();
    if let Some(tag) = last_held {
        // Every replayed copy is acked by now: what is still unacked is exactly what stays.
        let nack = channel.basic_nack(tag, BasicNackOptions { multiple: true, requeue: true });
        timed("returning the messages left in place", limit, nack).await?;
    }
    connection::close_channel(&channel, limit).await;
    Ok(summary)
}

/// Publishes one replayed copy to the input queue; the future resolves with its confirm.
fn publish(
    channel: &Channel,
    cfg: &Config,
    tag: u64,
    body: &[u8],
    properties: BasicProperties,
    limit: Duration,
) -> Pending {
    let channel = channel.clone();
    let queue = short(&cfg.input.queue);
    let body = body.to_vec();
    Box::pin(async move {
        let result = async {
            let options = BasicPublishOptions { mandatory: true, ..Default::default() };
            let publish = channel.basic_publish("".into(), queue, options, &body, properties);
            let confirm = timed("publishing to the input queue", limit, publish).await?;
            timed("waiting for a publisher confirm", limit, confirm).await
        }
        .await;
        (tag, result)
    })
}

/// Acks the rejected copy of a confirmed replay; keeps (for the final nack) one the broker refused.
async fn settle(
    channel: &Channel,
    summary: &mut ReplaySummary,
    last_held: &mut Option<u64>,
    (tag, result): (u64, anyhow::Result<Confirmation>),
    cfg: &Config,
    limit: Duration,
) -> anyhow::Result<()> {
    let refused = match result? {
        Confirmation::Ack(None) | Confirmation::NotRequested => None,
        Confirmation::Ack(Some(_)) => {
            Some(format!("no queue {}: run `wirefeed topology` (or a worker) first", cfg.input.queue))
        }
        Confirmation::Nack(_) => Some("the broker refused the publish (publisher nack)".to_string()),
    };
    if let Some(why) = refused {
        if summary.failed == 0 {
            tracing::error!(queue = %cfg.input.queue, "replay not accepted: {why}; the message stays rejected");
        }
        summary.failed += 1;
        *last_held = (*last_held).max(Some(tag));
        return Ok(());
    }
    let ack = channel.basic_ack(tag, BasicAckOptions { multiple: false });
    timed("acking the rejected copy", limit, ack).await?;
    summary.replayed += 1;
    Ok(())
}

/// One line about a matching message, for `--dry-run`.
fn describe(props: &BasicProperties, now: u64) -> String {
    let id = props.message_id().as_ref().map_or("-", |s| s.as_str());
    let kind = error_kind(props).unwrap_or_else(|| "-".into());
    let age = rejected_at(props).map_or("unknown".to_string(), |at| {
        humantime::format_duration(Duration::from_secs(now.saturating_sub(at))).to_string()
    });
    let reason = header_text(props, "x-wirefeed-error").unwrap_or_default();
    format!("would replay {id} kind={kind} age={age} replays={} {reason}", replay_count(props))
}

/// The CLI entry: replay, print the summary line; fails if any matching message could not be replayed.
pub async fn run_cli(cfg: &Config, options: &ReplayOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let s = replay(cfg, options).await.with_context(|| format!("replaying from {}", cfg.rejected.queue))?;
    let secs = started.elapsed().as_secs_f64();
    let left = s.examined - s.replayed;
    if options.dry_run {
        println!(
            "dry run: would replay {} of {} examined messages from queue {} to queue {}; nothing moved",
            s.matched, s.examined, cfg.rejected.queue, cfg.input.queue
        );
    } else {
        println!(
            "replayed {} of {} matching ({} examined, {left} left in place) from queue {} to queue {} in \
             {secs:.2} s; {} failed",
            s.replayed, s.matched, s.examined, cfg.rejected.queue, cfg.input.queue, s.failed
        );
    }
    anyhow::ensure!(
        s.failed == 0,
        "{} messages could not be replayed and stay in {}",
        s.failed,
        cfg.rejected.queue
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::{FieldArray, LongString};

    fn text(v: &str) -> AMQPValue {
        AMQPValue::LongString(LongString::from(v))
    }

    fn rejected(kind: Option<&str>, timestamp: Option<u64>) -> BasicProperties {
        let mut headers = FieldTable::default();
        if let Some(kind) = kind {
            headers.insert("x-wirefeed-error-kind".into(), text(kind));
            headers.insert("x-wirefeed-error".into(), text("empty release"));
            headers.insert("x-wirefeed-stage".into(), text("parse"));
        }
        headers.insert("x-custom".into(), AMQPValue::LongLongInt(7));
        let mut props = BasicProperties::default().with_message_id("m-1".into()).with_headers(headers);
        if let Some(at) = timestamp {
            props = props.with_timestamp(at);
        }
        props
    }

    fn dead_lettered(reason: &str, time: u64) -> BasicProperties {
        let mut death = FieldTable::default();
        death.insert("reason".into(), text(reason));
        death.insert("queue".into(), text("wirefeed.raw"));
        death.insert("time".into(), AMQPValue::Timestamp(time));
        let mut headers = FieldTable::default();
        headers.insert(
            "x-death".into(),
            AMQPValue::FieldArray(FieldArray::from(vec![AMQPValue::FieldTable(death)])),
        );
        headers.insert("x-delivery-count".into(), AMQPValue::LongLongInt(5));
        // The producer's timestamp is older: the death time is what counts.
        BasicProperties::default().with_headers(headers).with_timestamp(10)
    }

    #[test]
    fn kind_comes_from_the_worker_header_else_the_brokers_death_reason() {
        assert_eq!(error_kind(&rejected(Some("parse"), None)).as_deref(), Some("parse"));
        assert_eq!(error_kind(&dead_lettered("delivery_limit", 100)).as_deref(), Some("delivery_limit"));
        assert_eq!(error_kind(&BasicProperties::default()), None);
    }

    #[test]
    fn kinds_select_and_an_empty_list_takes_all() {
        let parse = rejected(Some("parse"), Some(1_000));
        let decode = rejected(Some("decode"), Some(1_000));
        let kinds =
            |k: &[&str]| Filter { kinds: k.iter().map(|s| s.to_string()).collect(), ..Default::default() };
        assert!(kinds(&["parse"]).matches(&parse, 2_000));
        assert!(!kinds(&["parse"]).matches(&decode, 2_000));
        assert!(kinds(&["decode", "parse"]).matches(&decode, 2_000));
        assert!(kinds(&[]).matches(&decode, 2_000));
        assert!(!kinds(&["parse"]).matches(&BasicProperties::default(), 2_000), "no kind, no match");
        assert!(kinds(&["delivery_limit"]).matches(&dead_lettered("delivery_limit", 100), 2_000));
    }

    #[test]
    fn age_is_from_the_death_time_else_the_timestamp() {
        assert_eq!(rejected_at(&rejected(None, Some(1_000))), Some(1_000));
        assert_eq!(rejected_at(&dead_lettered("delivery_limit", 1_500)), Some(1_500));
        assert_eq!(rejected_at(&BasicProperties::default()), None);
        let older = Filter { older_than: Some(Duration::from_secs(3_600)), ..Default::default() };
        let newer = Filter { newer_than: Some(Duration::from_secs(3_600)), ..Default::default() };
        let an_hour_old = rejected(None, Some(10_000));
        assert!(older.matches(&an_hour_old, 13_600));
        assert!(!older.matches(&an_hour_old, 13_599));
        assert!(newer.matches(&an_hour_old, 13_599));
        assert!(!newer.matches(&an_hour_old, 13_600));
        assert!(!older.matches(&BasicProperties::default(), 13_600), "no age, no match");
        assert!(!newer.matches(&BasicProperties::default(), 13_600), "no age, no match");
        let window = Filter { older_than: Some(Duration::from_secs(60)), ..newer };
        assert!(window.matches(&an_hour_old, 10_100));
        assert!(!window.matches(&an_hour_old, 10_030));
    }

    #[test]
    fn replayed_copy_drops_the_error_headers_keeps_the_rest_and_counts() {
        let original = rejected(Some("parse"), Some(1_000));
        let once = replay_properties(&original);
        for dropped in DROPPED_HEADERS {
            assert_eq!(header_text(&once, dropped), None, "{dropped}");
        }
        assert_eq!(header_text(&once, "x-custom").as_deref(), Some("LongLongInt(7)"));
        assert_eq!(once.message_id().as_ref().map(|s| s.as_str()), Some("m-1"));
        assert_eq!(*once.timestamp(), Some(1_000));
        assert_eq!(replay_count(&original), 0);
        assert_eq!(replay_count(&once), 1);
        assert_eq!(replay_count(&replay_properties(&once)), 2);
        let dead = replay_properties(&dead_lettered("delivery_limit", 1_500));
        assert_eq!(header_text(&dead, "x-delivery-count"), None);
        assert_eq!(rejected_at(&dead), Some(1_500), "x-death is history and stays");
    }

    #[test]
    fn replay_count_reads_any_integer_type_or_text() {
        let with = |v: AMQPValue| {
            let mut h = FieldTable::default();
            h.insert(REPLAY_COUNT_HEADER.into(), v);
            BasicProperties::default().with_headers(h)
        };
        assert_eq!(replay_count(&with(AMQPValue::LongInt(3))), 3);
        assert_eq!(replay_count(&with(AMQPValue::ShortShortUInt(2))), 2);
        assert_eq!(replay_count(&with(text("4"))), 4);
        assert_eq!(replay_count(&with(AMQPValue::LongLongInt(-1))), 0);
        assert_eq!(replay_count(&with(AMQPValue::Boolean(true))), 0);
    }
}
