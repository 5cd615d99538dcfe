//! Holding and retrying refused outputs. When the broker does not store an output (a publisher nack, or a
//! rejection returned unroutable) its input is kept unacked, not requeued (which would spend one of its
//! delivery attempts on a downstream problem), and the output is published again after a backoff. This file
//! keeps that bookkeeping and logs the start and the end of each stretch of refusals once, not per message.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::outputs::{Output, Published};
use super::{secs, Loop};
use crate::broker::backpressure::{self, Change, Class, Refusal, Refused};
use crate::broker::connection::retry_delay;
use crate::broker::stats::Stats;

pub(super) type PendingRetry = Pin<Box<dyn Future<Output = Output> + Send>>;

impl Loop<'_> {
    fn refused_of(&mut self, class: Class) -> &mut Refused {
        match class {
            Class::Event => &mut self.events_refused,
            Class::Rejection => &mut self.rejections_refused,
        }
    }

    /// The broker did not store `output`: keep its input (no requeue, which would spend one of its delivery
    /// attempts on a downstream problem) and publish it again after a backoff.
    pub(super) fn refused(&mut self, mut output: Output, refusal: Refusal) {
        Stats::incr(&self.stats.downstream_refusals);
        let class = output.what.class();
        let first = output.refusals == 0;
        output.refusals += 1;
        if let Some(Change::Started) = self.refused_of(class).refused(first) {
            self.log_refusals_started(class, refusal, &output);
        }
        let delay = retry_delay(
            output.refusals,
            Duration::from_millis(self.cfg.output.retry_first_ms.max(1)),
            Duration::from_millis(self.cfg.output.retry_max_ms.max(1)),
        );
        tracing::debug!(delivery_tag = output.tag, retry_in_ms = delay.as_millis() as u64, "output refused");
        self.retries.push(Box::pin(async move {
            tokio::time::sleep(delay).await;
            output
        }));
    }

    fn log_refusals_started(&self, class: Class, refusal: Refusal, output: &Output) {
        match class {
            Class::Event => tracing::warn!(
                exchange = %self.cfg.output.exchange,
                routing_key = %output.routing_key,
                in_flight = self.tracker.len(),
                "the broker refuses events (publisher nack: a queue bound to the output exchange is full?); \
                 holding the inputs, retrying with backoff, consumer paused until outputs are accepted"
            ),
            Class::Rejection => {
                let (kind, message_id) = match &output.what {
                    Published::Rejection { kind, message_id } => {
                        (kind.as_str(), message_id.as_deref().unwrap_or(""))
                    }
                    Published::Event { .. } => ("", ""),
                };
                tracing::error!(
                    exchange = %self.cfg.rejected.exchange,
                    message_id,
                    kind,
                    "{}",
                    backpressure::rejection_fix(refusal, &self.cfg.rejected.exchange)
                );
            }
        }
    }

    /// `output`, refused before, is stored now or goes another way: one fewer held; log the end of the
    /// stretch when it was the last.
    pub(super) fn settle_refused(&mut self, output: &Output) {
        if output.refusals == 0 {
            return;
        }
        let class = output.what.class();
        if let Some(Change::Ended { took, refusals }) = self.refused_of(class).settled() {
            let what = match class {
                Class::Event => "the broker accepts events again; consumer resumes",
                Class::Rejection => "the broker stores rejections again; held inputs released",
            };
            tracing::warn!(refused_secs = secs(took), refusals, "{what}");
        }
    }

    /// A refused output's backoff is over: publish it again, unless its input was handed back meanwhile.
    pub(super) fn on_retry_due(&mut self, output: Output) {
        if self.tracker.contains(output.tag) {
            self.publish(output);
        } else {
            self.settle_refused(&output);
        }
    }
}
