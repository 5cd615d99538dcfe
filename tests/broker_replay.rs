//! `wirefeed replay` against a real RabbitMQ (issue 15): a release the worker rejected goes back to the input
//! queue with its headers and a replay count; a dry run moves nothing; what the filter does not select stays
//! in the rejected queue, untouched. The worker and the replay are the real binary, configured by
//! `WIREFEED__…` variables; the test reads the queues with an AMQP client of its own.

mod support;

use std::time::{Duration, Instant};

use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::BasicProperties;
use support::{connect, run_cli, Harness, Input, Worker};

const WAIT: Duration = Duration::from_secs(60);

/// `(ready messages in the input queue, ready messages in the rejected queue)`.
async fn counts(h: &Harness) -> (u32, u32) {
    let input = h.queue_state(&h.names.input_queue).await.expect("the input queue exists").0;
    let rejected = h.queue_state(&h.names.rejected_queue).await.expect("the rejected queue exists").0;
    (input, rejected)
}

/// Runs `wirefeed replay <args>` on this test's topology and returns its stdout; fails the test if it fails.
fn replay(h: &Harness, args: &[&str]) -> String {
    let mut all = vec!["replay"];
    all.extend_from_slice(args);
    let out = run_cli(&all, &h.env(), WAIT);
    assert!(out.status.success(), "`wirefeed {}` failed:\n{}\n{}", all.join(" "), out.stdout, out.stderr);
    out.stdout
}

/// Takes (and acks) the one message at the head of `queue`.
async fn take_one(queue: &str) -> (BasicProperties, Vec<u8>) {
    let conn = connect("wf-test.replay.reader").await;
    let ch = conn.create_channel().await.expect("a channel");
    let msg = ch
        .basic_get(queue.into(), BasicGetOptions { no_ack: false })
        .await
        .expect("basic.get")
        .unwrap_or_else(|| panic!("{queue} is empty"));
    let delivery = msg.delivery;
    ch.basic_ack(delivery.delivery_tag, BasicAckOptions::default()).await.expect("ack");
    let _ = conn.close(200, "read".into()).await;
    (delivery.properties, delivery.data)
}

fn header(props: &BasicProperties, key: &str) -> Option<AMQPValue> {
    props.headers().as_ref()?.inner().get(key).cloned()
}

fn text_header(props: &BasicProperties, key: &str) -> Option<String> {
    wirefeed::broker::header_text(props, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_round_trips_a_rejected_release_and_leaves_the_rest() {
    let h = Harness::new("replay").await;
    h.declare_topology(&[]);
    let mut producer_headers = FieldTable::default();
    producer_headers.insert("x-desk".into(), AMQPValue::LongString(LongString::from("bishkek")));
    let empty = Input {
        id: Some("replay-empty".into()),
        body: Vec::new(),
        content_type: Some("text/plain".into()),
        headers: Some(producer_headers),
    };
    let not_text =
        Input::text("replay-not-text", b"\x00\x01\x02\x03\xff\xfe\x00\x00garbage\x00\x00".to_vec());
    h.publish(&[empty, not_text]).await;

    // A worker rejects both (parse, decode) and is stopped: from here on nothing consumes the input queue.
    reject_through_a_worker(&h, 2).await;

    let dry = replay(&h, &["--kind", "parse", "--dry-run"]);
    assert!(dry.contains("would replay replay-empty kind=parse"), "{dry}");
    assert!(!dry.contains("replay-not-text"), "{dry}");
    assert!(dry.contains("would replay 1 of 2 examined"), "{dry}");
    assert_eq!(counts(&h).await, (0, 2), "a dry run moves nothing");

    let moved = replay(&h, &["--kind", "parse"]);
    assert!(moved.contains("replayed 1 of 1 matching (2 examined, 1 left in place)"), "{moved}");
    assert_eq!(counts(&h).await, (1, 1), "the parse rejection moved, the decode one stayed");

    let (props, body) = take_one(&h.names.input_queue).await;
    assert!(body.is_empty(), "the body is the original one");
    assert_eq!(props.message_id().as_ref().map(|s| s.as_str()), Some("replay-empty"));
    assert_eq!(header(&props, "x-wirefeed-replay-count"), Some(AMQPValue::LongLongInt(1)));
    assert_eq!(text_header(&props, "x-desk").as_deref(), Some("bishkek"), "producer headers are kept");
    for dropped in ["x-wirefeed-error", "x-wirefeed-error-kind", "x-wirefeed-stage"] {
        assert_eq!(header(&props, dropped), None, "{dropped} is dropped");
    }
    assert_eq!(*props.delivery_mode(), Some(2), "persistent");

    let (left, _) = take_one(&h.names.rejected_queue).await;
    assert_eq!(left.message_id().as_ref().map(|s| s.as_str()), Some("replay-not-text"));
    assert_eq!(text_header(&left, "x-wirefeed-error-kind").as_deref(), Some("decode"), "left untouched");
    assert_eq!(header(&left, "x-wirefeed-replay-count"), None);
}

/// Starts a worker, waits until the rejected queue holds `n` and the input queue is empty, stops it.
async fn reject_through_a_worker(h: &Harness, n: u32) {
    let mut worker = Worker::spawn("replay-worker", &h.env());
    let deadline = Instant::now() + WAIT;
    while counts(h).await != (0, n) {
        assert!(Instant::now() < deadline, "the worker did not reject {n}:\n{}", worker.log_tail(30));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    worker.sigterm();
    let exit = worker.wait_exit(WAIT).await.expect("the worker exits after SIGTERM");
    assert!(exit.success(), "worker exit {exit}:\n{}", worker.log_tail(30));
}

/// The message ids a dry run lists, in queue order.
fn listed(dry_run: &str) -> Vec<String> {
    let ids = dry_run.lines().filter_map(|l| l.strip_prefix("would replay ")?.split(' ').next());
    ids.filter(|id| id.starts_with("again-")).map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_count_up_across_rejections_and_what_stays_keeps_its_order() {
    let h = Harness::new("replay-again").await;
    h.declare_topology(&[]);
    let garbage = |n: u8| vec![0, 1, 2, 3, 0xff, 0xfe, 0, 0, n, 0, 0];
    h.publish(&[
        Input::text("again-p0", ""),
        Input::text("again-d1", garbage(1)),
        Input::text("again-p2", " \n\t "),
        Input::text("again-d3", garbage(3)),
    ])
    .await;
    reject_through_a_worker(&h, 4).await;
    let order = listed(&replay(&h, &["--dry-run"]));
    assert_eq!(order.len(), 4, "{order:?}");

    // The parse rejections go back; the decode ones stay, in the order they had.
    let moved = replay(&h, &["--kind", "parse"]);
    assert!(moved.contains("replayed 2 of 2 matching (4 examined, 2 left in place)"), "{moved}");
    let stayed = listed(&replay(&h, &["--dry-run"]));
    let expected: Vec<String> = order.iter().filter(|id| id.contains("-d")).cloned().collect();
    assert_eq!(stayed, expected, "the rejected queue kept its order");

    // The worker rejects the replayed ones again; replaying them once more counts two.
    reject_through_a_worker(&h, 4).await;
    let again = replay(&h, &["--kind", "parse", "--dry-run"]);
    assert_eq!(again.matches("kind=parse age=").count(), 2, "{again}");
    assert_eq!(again.matches("replays=1").count(), 2, "the rejected copies carry the count: {again}");
    replay(&h, &["--kind", "parse"]);
    assert_eq!(counts(&h).await, (2, 2));
    for _ in 0..2 {
        let (props, _) = take_one(&h.names.input_queue).await;
        assert_eq!(header(&props, "x-wirefeed-replay-count"), Some(AMQPValue::LongLongInt(2)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_the_broker_cannot_route_leaves_the_message_rejected_and_fails() {
    let h = Harness::new("replay-noqueue").await;
    h.declare_topology(&[]);
    let conn = connect("wf-test.replay.noqueue").await;
    let ch = conn.create_channel().await.expect("a channel");
    ch.confirm_select(Default::default()).await.expect("confirms");
    let mut headers = FieldTable::default();
    headers.insert("x-wirefeed-error-kind".into(), AMQPValue::LongString(LongString::from("unroutable")));
    let props = BasicProperties::default().with_message_id("noqueue-1".into()).with_headers(headers);
    let queue = h.names.rejected_queue.as_str();
    let confirm = ch.basic_publish("".into(), queue.into(), Default::default(), b"body", props).await;
    assert!(confirm.expect("publish").await.expect("confirm").is_ack());
    // The input queue is gone: the replay's mandatory publish comes back unroutable.
    ch.queue_delete(h.names.input_queue.as_str().into(), Default::default()).await.expect("delete");
    let _ = conn.close(200, "set up".into()).await;

    let out = run_cli(&["replay"], &h.env(), WAIT);
    assert!(!out.status.success(), "a replay nothing accepted must fail:\n{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("replayed 0 of 1 matching (1 examined, 1 left in place)"), "{}", out.stdout);
    assert!(out.stderr.contains("could not be replayed"), "{}", out.stderr);
    assert_eq!(h.queue_state(queue).await.map(|s| s.0), Some(1), "the message is still rejected");
    let (left, body) = take_one(queue).await;
    assert_eq!(
        (left.message_id().as_ref().map(|s| s.as_str()), body.as_slice()),
        (Some("noqueue-1"), &b"body"[..])
    );
    assert_eq!(header(&left, "x-wirefeed-replay-count"), None, "the rejected copy is the original");
}
