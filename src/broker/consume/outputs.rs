//! Publishing a session's outputs: what an input becomes (its event or its rejection), the mandatory publish
//! with a pipelined confirm, and what each confirm means (stored: ack the input; returned unroutable: reject
//! it; nacked: hold it, see [`super::refused`]). Kept apart from the session loop so that the loop reads as
//! "which future is ready" and this file as "what the broker said about one output".

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use anyhow::Context as _;
use lapin::options::BasicPublishOptions;
use lapin::types::ShortString;
use lapin::{BasicProperties, Confirmation};

use super::Loop;
use crate::broker::backpressure::{Class, Refusal};
use crate::broker::message::{rejection_properties_within, EventMessage};
use crate::broker::pool::{Done, Outcome};
use crate::broker::stats::Stats;
use crate::pipeline::{RejectKind, Rejection};

/// What is published for an input.
pub(super) enum Published {
    /// The input's event.
    Event { event_id: String, routing_key: ShortString, body: Vec<u8>, properties: Box<BasicProperties> },
    /// The input's rejection.
    Rejection { kind: RejectKind, message_id: Option<String> },
}

impl Published {
    pub(super) fn class(&self) -> Class {
        match self {
            Published::Event { .. } => Class::Event,
            Published::Rejection { .. } => Class::Rejection,
        }
    }
}

/// One output (event or rejection) on its way to the broker, with everything it takes to publish it again
/// after a refusal.
pub(super) struct Output {
    pub(super) tag: u64,
    pub(super) received: Instant,
    pub(super) what: Published,
    pub(super) exchange: ShortString,
    pub(super) routing_key: ShortString,
    pub(super) payload: Vec<u8>,
    pub(super) properties: BasicProperties,
    /// How many times the broker refused it so far.
    pub(super) refusals: u32,
}

pub(super) type PendingConfirm = Pin<Box<dyn Future<Output = (Output, lapin::Result<Confirmation>)> + Send>>;

impl Loop<'_> {
    pub(super) fn on_done(&mut self, done: Done) {
        let Done { tag, outcome, body, properties, received } = done;
        match outcome {
            Outcome::Event(msg) => {
                let EventMessage { event_id, routing_key, payload, properties: event_properties } = *msg;
                let what = Published::Event {
                    event_id,
                    routing_key: routing_key.clone(),
                    body,
                    properties: Box::new(properties),
                };
                self.publish(Output {
                    tag,
                    received,
                    what,
                    exchange: self.output_exchange.clone(),
                    routing_key,
                    payload,
                    properties: event_properties,
                    refusals: 0,
                });
            }
            Outcome::Rejected(rejection) => self.reject(tag, received, body, properties, rejection),
        }
    }

    pub(super) fn reject(
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
        self.publish(Output {
            tag,
            received,
            what: Published::Rejection { kind: rejection.kind, message_id },
            exchange: self.rejected_exchange.clone(),
            routing_key: self.rejected_key.clone(),
            payload: body,
            properties: rejection_properties_within(&properties, &rejection, frame_max),
            refusals: 0,
        });
    }

    /// Publishes one message (mandatory) and waits for its confirm, both inside a future of `confirms`:
    /// many publishes are in flight at once instead of one round trip to lapin's I/O loop each. No timeout
    /// here: a blocked connection legitimately holds publishes back ([`Loop::check_confirms_alive`] tells
    /// that from a dead broker).
    pub(super) fn publish(&mut self, output: Output) {
        if self.confirms.is_empty() {
            self.confirm_clock = Instant::now();
        }
        let channel = match output.what.class() {
            Class::Event => self.session.publish_ch.clone(),
            Class::Rejection => self.session.reject_ch.clone(),
        };
        self.confirms.push(Box::pin(async move {
            let options = BasicPublishOptions { mandatory: true, ..Default::default() };
            let publish = channel.basic_publish(
                output.exchange.clone(),
                output.routing_key.clone(),
                options,
                &output.payload,
                // Kept for a re-publish after a refusal.
                output.properties.clone(),
            );
            let result = match publish.await {
                Ok(confirm) => confirm.await,
                Err(e) => Err(e),
            };
            (output, result)
        }));
    }

    pub(super) fn on_confirm(
        &mut self,
        (output, result): (Output, lapin::Result<Confirmation>),
    ) -> anyhow::Result<()> {
        self.confirm_clock = Instant::now();
        let returned = match result.context("publishing an output failed")? {
            Confirmation::Ack(returned) => returned,
            Confirmation::NotRequested => None,
            Confirmation::Nack(_) => {
                self.refused(output, Refusal::Nacked);
                return Ok(());
            }
        };
        match (&output.what, returned) {
            (Published::Event { event_id, routing_key, .. }, None) => {
                tracing::debug!(event_id = %event_id, routing_key = %routing_key, "event published");
                Stats::incr(&self.stats.published);
                self.stored(output);
            }
            (Published::Event { .. }, Some(_)) => {
                self.settle_refused(&output);
                let Output { tag, received, what, .. } = output;
                let Published::Event { event_id, routing_key, body, properties } = what else {
                    return Ok(());
                };
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
                self.stored(output);
            }
            (Published::Rejection { .. }, Some(_)) => self.refused(output, Refusal::Unroutable),
        }
        Ok(())
    }

    /// The broker confirmed `output`: its input may be acked.
    fn stored(&mut self, output: Output) {
        self.settle_refused(&output);
        self.stats.e2e_us.record_duration(output.received.elapsed());
        self.tracker.finish(output.tag);
    }
}
