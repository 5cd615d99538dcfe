//! Riding out the broker's "slow down": outputs it refuses (publisher nacks, rejections no queue takes) and
//! connections it blocks (resource alarms). Neither is a failure of the message or of the connection
//! (RabbitMQ's own guidance: a nack means "not stored, try again later", a blocked connection is
//! backpressure), so the session keeps the inputs, retries, pauses its consumer and logs each stretch once
//! when it starts and once when it ends, never once per message. This file holds that bookkeeping; the
//! session loop ([`super::consume`]) does the I/O.

use std::time::{Duration, Instant};

/// The two kinds of output, which are refused for different reasons and handled differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Events on the output exchange: refused when a queue bound to it is full. The consumer pauses.
    Event,
    /// Rejections on the rejected exchange: refused when no queue is bound or the queue is full. Only the
    /// rejected inputs are held; good releases keep flowing.
    Rejection,
}

/// How the broker refused an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `basic.nack` on the publish: the broker did not store it (e.g. `x-overflow: reject-publish`).
    Nacked,
    /// Returned as unroutable (rejections only: an unroutable event becomes an `unroutable` rejection).
    Unroutable,
}

/// One stretch of refusals of a class, from the first refusal until no refused output is left.
#[derive(Debug, Clone, Copy)]
struct Episode {
    since: Instant,
    refusals: u64,
}

/// Refused outputs of one class: how many are held for a retry, and the current stretch.
#[derive(Debug, Default)]
pub struct Refused {
    /// Outputs refused at least once and neither stored nor given up yet.
    held: usize,
    episode: Option<Episode>,
}

/// What [`Refused::refused`] and [`Refused::settled`] tell the caller to log.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A stretch of refusals began.
    Started,
    /// The last held output was stored: the stretch is over.
    Ended {
        /// How long it lasted.
        took: Duration,
        /// Refusals during it (one output refused three times counts three).
        refusals: u64,
    },
}

impl Refused {
    /// Nothing refused yet.
    pub fn new() -> Self {
        Refused { held: 0, episode: None }
    }

    /// Outputs waiting for a retry or for the confirm of one.
    pub fn held(&self) -> usize {
        self.held
    }

    /// An output was refused; `first` when it had not been refused before.
    pub fn refused(&mut self, first: bool) -> Option<Change> {
        if first {
            self.held += 1;
        }
        let started = self.episode.is_none();
        let episode = self.episode.get_or_insert(Episode { since: Instant::now(), refusals: 0 });
        episode.refusals += 1;
        started.then_some(Change::Started)
    }

    /// An output refused before was stored (or its input handed back): one fewer held.
    pub fn settled(&mut self) -> Option<Change> {
        self.held = self.held.saturating_sub(1);
        if self.held > 0 {
            return None;
        }
        let episode = self.episode.take()?;
        Some(Change::Ended { took: episode.since.elapsed(), refusals: episode.refusals })
    }
}

/// The reason `/readyz` gives while events are refused.
pub fn refused_reason(exchange: &str) -> String {
    format!(
        "the broker refuses events on exchange {exchange} (publisher nacks: a queue bound to it is full); \
         holding the inputs and retrying"
    )
}

/// The reason `/readyz` gives while a connection is blocked.
pub fn blocked_reason(role: &str, why: &str) -> String {
    format!("the broker blocked the {role} connection (resource alarm: {why}); waiting for it to clear")
}

/// What to do about a rejection the broker would not store: the `ERROR` line's advice.
pub fn rejection_fix(refusal: Refusal, exchange: &str) -> String {
    match refusal {
        Refusal::Unroutable => format!(
            "no queue is bound to the rejected exchange {exchange}: rejections cannot be stored; bind a queue \
             to {exchange} or set rejected.queue (the inputs are held, not acked, and retried)"
        ),
        Refusal::Nacked => format!(
            "the broker refuses rejections on exchange {exchange} (publisher nack: the rejected queue is full); \
             make room in it or raise its limit (the inputs are held, not acked, and retried)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_episode_starts_once_and_ends_when_nothing_is_held() {
        let mut r = Refused::new();
        assert_eq!(r.refused(true), Some(Change::Started));
        assert_eq!(r.refused(true), None);
        assert_eq!(r.refused(false), None, "the same output refused again");
        assert_eq!(r.held(), 2);
        assert_eq!(r.settled(), None);
        match r.settled() {
            Some(Change::Ended { refusals, .. }) => assert_eq!(refusals, 3),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.held(), 0);
        assert_eq!(r.settled(), None, "nothing to end twice");
        assert_eq!(r.refused(true), Some(Change::Started), "a new stretch");
    }

    #[test]
    fn advice_names_the_exchange_and_the_fix() {
        let fix = rejection_fix(Refusal::Unroutable, "wirefeed.rejected");
        assert!(fix.contains("bind a queue to wirefeed.rejected or set rejected.queue"), "{fix}");
        assert!(rejection_fix(Refusal::Nacked, "x").contains("make room"));
        assert!(blocked_reason("publish", "memory").contains("resource alarm: memory"));
        assert!(refused_reason("wirefeed.events").contains("wirefeed.events"));
    }
}
