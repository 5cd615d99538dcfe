//! Issue 14, broker poison: hostile releases between good ones in a running worker against the real
//! RabbitMQ. Every good release is published, the hostile ones are published or rejected with a bounded
//! reason, nothing is dead-lettered, and the worker never reconnects (before the fix, one release whose
//! rejection reason repeated a 40,000-digit header line made the broker close the publishing connection
//! with `FRAME_ERROR`, 18 times in 25 s, until the delivery limit dead-lettered it and its neighbours).

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::BasicProperties;
use support::{header, sample, TestBroker};
use wirefeed::broker::MAX_REASON_BYTES;
use wirefeed::event::Envelope;

fn props(id: &str, content_type: &str) -> BasicProperties {
    BasicProperties::default()
        .with_message_id(id.into())
        .with_content_type(content_type.into())
        .with_delivery_mode(2)
}

/// The hostile releases of the issue, generated: (message id, content type, body, extra headers).
fn hostile() -> Vec<(&'static str, &'static str, Vec<u8>, Option<FieldTable>)> {
    let digits = "7".repeat(40_000);
    let long_language = "ru.diplomacy.talks".repeat(2_300);
    let long_source = "Агентство ".repeat(4_000);
    // Just under the worker's 32 KiB frame_max as delivered; over it once the error headers are added.
    let mut big_headers = FieldTable::default();
    big_headers.insert("x-big".into(), AMQPValue::LongString(LongString::from("b".repeat(32_600).as_str())));
    vec![
        ("poison-header-line", "text/plain", format!(" date 2025-08-22T{digits}\n").into_bytes(), None),
        (
            "poison-language",
            "application/json",
            serde_json::json!({"headline": "Заголовок", "body": "Бишкек. Текст релиза.", "language": long_language})
                .to_string()
                .into_bytes(),
            None,
        ),
        (
            "poison-source",
            "application/json",
            serde_json::json!({"headline": "Заголовок", "body": "Бишкек. Текст релиза.", "source": long_source})
                .to_string()
                .into_bytes(),
            None,
        ),
        ("poison-big-headers", "text/plain", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), Some(big_headers)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_releases_between_good_ones_stall_poison_and_fool_nothing() {
    let broker = TestBroker::new("poison", &[]).await;
    let worker = broker.start_worker();
    worker.ready().await;
    let seed = sample("sayasat-2025-08-22.txt");
    let hostile = hostile();
    let mut good = 0;
    for (id, content_type, body, headers) in &hostile {
        for _ in 0..5 {
            broker.send(&seed, props(&format!("good-{good}"), "text/plain")).await;
            good += 1;
        }
        let mut p = props(id, content_type);
        if let Some(h) = headers {
            p = p.with_headers(h.clone());
        }
        broker.send(body, p).await;
    }
    for _ in 0..5 {
        broker.send(&seed, props(&format!("good-{good}"), "text/plain")).await;
        good += 1;
    }
    let total = good + hostile.len();
    worker.wait_acked(total as u64).await;

    let events = broker.take(&broker.cfg.output.queue, good + 2).await;
    let rejected = broker.take(&broker.cfg.rejected.queue, 2).await;
    // Anything the delivery limit dead-lettered would land on the rejected queue too, later: give it time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let late = broker.take(&broker.cfg.rejected.queue, 1).await;
    let stats = &worker.stats;
    assert_eq!(stats.reconnects.load(Ordering::Relaxed), 0, "the worker reconnected");
    assert_eq!(stats.redelivered.load(Ordering::Relaxed), 0, "a release came back");
    assert_eq!(stats.requeued.load(Ordering::Relaxed), 0, "an output was refused");
    assert!(late.is_empty(), "a release was dead-lettered");

    let input_id = |props: &BasicProperties| {
        props.correlation_id().as_ref().or(props.message_id().as_ref()).map(|s| s.to_string())
    };
    let event_ids: Vec<String> = events.iter().filter_map(|m| input_id(&m.delivery.properties)).collect();
    for n in 0..good {
        assert!(event_ids.contains(&format!("good-{n}")), "good-{n} not published: {event_ids:?}");
    }
    for id in ["poison-language", "poison-source"] {
        let msg = events
            .iter()
            .find(|m| input_id(&m.delivery.properties).as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} not published"));
        let envelope: Envelope = serde_json::from_slice(&msg.delivery.data).expect("an envelope");
        let p = &msg.delivery.properties;
        for key in ["x-wirefeed-language", "x-wirefeed-source"] {
            let value = header(p, key).expect("the header");
            assert!(value.len() <= 256, "{id}: {key} is {} bytes", value.len());
        }
        assert!(envelope.item.language.len() <= 8, "{id}: language {:?}", &envelope.item.language);
        let key = msg.delivery.routing_key.as_str();
        assert!(key.split('.').count() <= 3, "{id}: routing key {key}");
    }

    assert_eq!(rejected.len(), 2, "the header line and the PDF are rejected");
    for msg in &rejected {
        let p = &msg.delivery.properties;
        let id = p.message_id().as_ref().map(|s| s.to_string()).unwrap_or_default();
        let reason = header(p, "x-wirefeed-error").expect("a reason");
        assert!(reason.len() <= MAX_REASON_BYTES, "{id}: a {}-byte reason", reason.len());
        assert!(!reason.chars().any(char::is_control), "{id}: {reason}");
        let kind = header(p, "x-wirefeed-error-kind").expect("a kind");
        match id.as_str() {
            "poison-header-line" => assert_eq!(kind, "parse", "{reason}"),
            "poison-big-headers" => {
                assert_eq!(kind, "decode", "{reason}");
                assert!(reason.contains("PDF"), "{reason}");
                assert_eq!(header(p, "x-wirefeed-dropped-headers").as_deref(), Some("LongLongInt(1)"));
            }
            other => panic!("unexpected rejection {other}: {reason}"),
        }
        assert!(header(p, "x-death").is_none(), "{id} was dead-lettered");
    }
    worker.stop().await;
}
