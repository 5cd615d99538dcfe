//! Which deliveries to acknowledge, and how: a delivery is acked only once its event (or rejection) is
//! confirmed, and contiguous runs of finished delivery tags are acked with one `multiple` ack.
//!
//! Delivery tags on a channel grow by one per delivery, so the finished prefix of the outstanding tags can
//! be acked as `basic.ack(last, multiple = true)`. A slow message at the front would hold back everything
//! behind it (and with it the prefetch window), so once enough finished tags wait behind an unfinished one
//! they are acked one by one.
//!
//! A `multiple` ack covers every unacked tag up to it on the channel, also tags the worker never saw: a
//! delivery that reaches lapin after its consumer was cancelled (the broker may still send a few, a known
//! race) is dropped by lapin but stays unacked on the channel. So the tracker notes the gaps in the tag
//! sequence ([`AckTracker::take_skipped`]); the session hands those deliveries back before it acks past them.

use std::collections::BTreeMap;
use std::time::Instant;

/// One `basic.ack` to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The delivery tag.
    pub tag: u64,
    /// Whether it acks every outstanding tag up to `tag`.
    pub multiple: bool,
}

/// One outstanding delivery.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Its output is confirmed: it may be acked.
    done: bool,
    /// When it was taken from the broker.
    since: Instant,
}

/// The outstanding deliveries of one channel and which of them are finished.
#[derive(Debug, Default)]
pub struct AckTracker {
    /// Outstanding delivery tag → its state.
    outstanding: BTreeMap<u64, Entry>,
    /// How many entries of `outstanding` are finished.
    finished: usize,
    /// The tag the next delivery should carry (tags on a channel count up from 1).
    next_tag: u64,
    /// Tags skipped in the sequence: delivered on the channel but never handed to the worker.
    skipped: Vec<u64>,
}

/// Gaps larger than this are not listed tag by tag (they cannot come from the cancel race, whose size is
/// bounded by the prefetch); the session then fails and reconnects, which hands everything back.
pub const MAX_SKIPPED: u64 = 1 << 16;

impl AckTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a delivery taken from the broker at `since`. Returns `false` when it skipped more than
    /// [`MAX_SKIPPED`] tags, which the tracker cannot account for.
    pub fn track(&mut self, tag: u64, since: Instant) -> bool {
        let next = self.next_tag.max(1);
        let mut accounted = true;
        if tag > next {
            if tag - next > MAX_SKIPPED {
                accounted = false;
            } else {
                self.skipped.extend(next..tag);
            }
        }
        self.next_tag = next.max(tag + 1);
        self.outstanding.insert(tag, Entry { done: false, since });
        accounted
    }

    /// The tags skipped since the last call: deliveries unacked on the channel that the worker never got.
    pub fn take_skipped(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.skipped)
    }

    /// Marks a delivery as finished: it may be acked.
    pub fn finish(&mut self, tag: u64) {
        if let Some(entry) = self.outstanding.get_mut(&tag) {
            if !entry.done {
                entry.done = true;
                self.finished += 1;
            }
        }
    }

    /// Forgets a delivery that was settled otherwise (nacked).
    pub fn forget(&mut self, tag: u64) {
        if let Some(entry) = self.outstanding.remove(&tag) {
            if entry.done {
                self.finished -= 1;
            }
        }
    }

    /// Whether `tag` is outstanding (taken, not yet acked or forgotten).
    pub fn contains(&self, tag: u64) -> bool {
        self.outstanding.contains_key(&tag)
    }

    /// The unfinished deliveries taken before `cutoff`, oldest first. Tags grow with time, so the walk stops
    /// at the first one taken later.
    pub fn unfinished_before(&self, cutoff: Instant) -> Vec<u64> {
        self.outstanding
            .iter()
            .take_while(|(_, e)| e.since < cutoff)
            .filter(|(_, e)| !e.done)
            .map(|(tag, _)| *tag)
            .collect()
    }

    /// Deliveries taken and not yet acked.
    pub fn len(&self) -> usize {
        self.outstanding.len()
    }

    /// Whether nothing is outstanding.
    pub fn is_empty(&self) -> bool {
        self.outstanding.is_empty()
    }

    /// The acks to send now, removed from the tracker: one (`multiple` when it covers more than one tag)
    /// for the finished prefix, plus single acks for finished tags stuck behind an unfinished one once there
    /// are at least `stuck_limit` of them.
    pub fn take_acks(&mut self, stuck_limit: usize) -> Vec<Ack> {
        let mut acks = Vec::new();
        let mut prefix = 0usize;
        let mut last = None;
        while let Some((&tag, entry)) = self.outstanding.first_key_value() {
            if !entry.done {
                break;
            }
            self.outstanding.pop_first();
            self.finished -= 1;
            prefix += 1;
            last = Some(tag);
        }
        if let Some(tag) = last {
            acks.push(Ack { tag, multiple: prefix > 1 });
        }
        if self.finished > 0 && self.finished >= stuck_limit.max(1) {
            let stuck: Vec<u64> = self.outstanding.iter().filter(|(_, e)| e.done).map(|(t, _)| *t).collect();
            for tag in stuck {
                self.outstanding.remove(&tag);
                acks.push(Ack { tag, multiple: false });
            }
            self.finished = 0;
        }
        acks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(tags: std::ops::RangeInclusive<u64>) -> AckTracker {
        let mut t = AckTracker::new();
        for tag in tags {
            t.track(tag, Instant::now());
        }
        t.take_skipped();
        t
    }

    #[test]
    fn skipped_tags_are_reported_once() {
        let mut t = AckTracker::new();
        assert!(t.track(1, Instant::now()));
        assert!(t.track(2, Instant::now()));
        assert!(t.take_skipped().is_empty());
        assert!(t.track(5, Instant::now()));
        assert_eq!(t.take_skipped(), vec![3, 4]);
        assert!(t.take_skipped().is_empty());
        assert!(t.track(6, Instant::now()));
        assert!(t.take_skipped().is_empty());
        assert!(!t.track(7 + MAX_SKIPPED + 1, Instant::now()), "too large a gap to list");
        let mut late = AckTracker::new();
        assert!(late.track(3, Instant::now()));
        assert_eq!(late.take_skipped(), vec![1, 2], "tags count from 1");
    }

    #[test]
    fn unfinished_deliveries_older_than_a_cutoff_are_found_oldest_first() {
        let mut t = tracker(1..=3);
        let cutoff = Instant::now() + std::time::Duration::from_millis(1);
        std::thread::sleep(std::time::Duration::from_millis(2));
        t.track(4, Instant::now());
        t.finish(2);
        assert_eq!(t.unfinished_before(cutoff), vec![1, 3]);
        assert!(t.contains(4) && !t.contains(9));
        t.forget(1);
        assert_eq!(t.unfinished_before(cutoff), vec![3]);
    }

    #[test]
    fn contiguous_finished_prefix_is_one_multiple_ack() {
        let mut t = tracker(1..=5);
        for tag in [3, 1, 2] {
            t.finish(tag);
        }
        assert_eq!(t.take_acks(100), vec![Ack { tag: 3, multiple: true }]);
        assert_eq!(t.len(), 2);
        assert!(t.take_acks(100).is_empty());
    }

    #[test]
    fn single_finished_front_is_a_plain_ack() {
        let mut t = tracker(7..=8);
        t.finish(7);
        assert_eq!(t.take_acks(100), vec![Ack { tag: 7, multiple: false }]);
    }

    #[test]
    fn nothing_is_acked_behind_an_unfinished_front_until_the_stuck_limit() {
        let mut t = tracker(1..=4);
        t.finish(2);
        t.finish(4);
        assert!(t.take_acks(3).is_empty());
        t.finish(3);
        assert_eq!(
            t.take_acks(3),
            vec![
                Ack { tag: 2, multiple: false },
                Ack { tag: 3, multiple: false },
                Ack { tag: 4, multiple: false }
            ]
        );
        assert_eq!(t.len(), 1);
        t.finish(1);
        assert_eq!(t.take_acks(3), vec![Ack { tag: 1, multiple: false }]);
        assert!(t.is_empty());
    }

    #[test]
    fn forgotten_tags_are_not_acked_and_do_not_block() {
        let mut t = tracker(1..=3);
        t.forget(1);
        t.finish(2);
        t.finish(3);
        assert_eq!(t.take_acks(10), vec![Ack { tag: 3, multiple: true }]);
        assert!(t.is_empty());
    }

    #[test]
    fn finishing_twice_or_unknown_tags_is_harmless() {
        let mut t = tracker(1..=2);
        t.finish(1);
        t.finish(1);
        t.finish(99);
        assert_eq!(t.take_acks(10), vec![Ack { tag: 1, multiple: false }]);
        assert_eq!(t.len(), 1);
    }
}
