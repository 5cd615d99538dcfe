//! A panic inside the pipeline (injected with the test-only `fault-injection` feature) is rejected as
//! `internal` and the worker carries on. Run with `cargo test --features fault-injection --test broker_faults`.
#![cfg(feature = "fault-injection")]

mod common;

use common::{header, sample, TestBroker};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_stage_is_rejected_as_internal_and_the_worker_goes_on() {
    let broker = TestBroker::new("panic", &[]).await;
    let worker = broker.start_worker();
    let mut poison = sample("sayasat-2025-08-22.txt");
    poison.extend_from_slice(b"\n\nWIREFEED_TEST_PANIC");
    broker.send_with_id(&poison, "poison-1", "text/plain").await;
    broker.send_with_id(&sample("sayasat-2025-08-22.txt"), "after-1", "text/plain").await;

    let rejected = broker.take(&broker.cfg.rejected.queue, 1).await;
    assert_eq!(rejected.len(), 1);
    let p = &rejected[0].delivery.properties;
    assert_eq!(header(p, "x-wirefeed-error-kind").as_deref(), Some("internal"));
    assert!(header(p, "x-wirefeed-error").is_some_and(|r| r.contains("panicked")));
    assert_eq!(rejected[0].delivery.data, poison);
    let out = broker.take(&broker.cfg.output.queue, 1).await;
    assert_eq!(out.len(), 1, "the next release is processed");
    assert_eq!(out[0].delivery.properties.correlation_id().as_ref().map(|s| s.as_str()), Some("after-1"));
    worker.wait_acked(2).await;
    worker.stop().await;
    assert_eq!(broker.count(&broker.cfg.input.queue).await, 0);
}
