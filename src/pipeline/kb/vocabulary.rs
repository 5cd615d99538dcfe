//! The vocabulary of the knowledge base: every word of a name key and every cue word, each with what the
//! knowledge base knows of it, in one open-addressing table that a release's every token is looked up in.

use super::WordEntry;

/// Words and what the vocabulary knows of them: open addressing (linear probing) over one buffer holding all
/// the words, hashed on their length and first and last eight bytes. Every word of a release is looked up:
/// the look-up hashes at most two machine words, follows no pointer and compares bytes kept side by side.
#[derive(Debug, Default)]
pub(super) struct WordTable {
    /// A power of two of slots, at most half of them used.
    slots: Vec<Slot>,
    /// Sixteen bits of the hash of the word in each slot, never 0 ([`WordTable::FREE`] for a free slot): a
    /// probe reads this small array and looks at a slot only when its tag matches (most words are unknown).
    tags: Vec<u16>,
    /// The words, one after another.
    text: String,
    len: usize,
}

/// One slot of a [`WordTable`].
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Where the word is in [`WordTable::text`].
    start: u32,
    /// Its length in bytes.
    len: u32,
    entry: WordEntry,
}

impl WordTable {
    const FREE: u16 = 0;
    const MIN_SLOTS: usize = 16;

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// A hash of a word from its length and its first and last eight bytes (all of a shorter word).
    fn hash(word: &[u8]) -> u64 {
        let n = word.len();
        // Shorter words are read in overlapping pieces, which cover every byte: no copy into a padded buffer
        // (whose read back would wait on the copy).
        let (head, tail) = match (word.first_chunk::<8>(), word.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            _ => match (word.first_chunk::<4>(), word.last_chunk::<4>()) {
                (Some(head), Some(tail)) => {
                    (u64::from(u32::from_le_bytes(*head)), u64::from(u32::from_le_bytes(*tail)))
                }
                _ => match word {
                    [] => (0, 0),
                    [first, ..] => {
                        (u64::from(*first) | u64::from(word[n / 2]) << 8 | u64::from(word[n - 1]) << 16, 0)
                    }
                },
            },
        };
        // Two independent multiplications: their high bits, which pick the slot, depend on every input bit.
        (head ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tail.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
    }

    /// The slot of a hash (its high bits) and its tag (other bits, never [`WordTable::FREE`]).
    fn slot_and_tag(&self, hash: u64) -> (usize, u16) {
        let bits = self.slots.len().trailing_zeros();
        ((hash >> (64 - bits)) as usize, (hash >> 16) as u16 | 1)
    }

    /// The slot holding `word` (`Ok`), or the free slot where it would go (`Err`). The table must have slots.
    fn position(&self, word: &str) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let (mut i, tag) = self.slot_and_tag(Self::hash(word.as_bytes()));
        loop {
            match self.tags[i] {
                Self::FREE => return Err(i),
                t if t == tag => {
                    let slot = &self.slots[i];
                    if slot.len as usize == word.len() && self.word_at(slot) == word {
                        return Ok(i);
                    }
                }
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    fn word_at(&self, slot: &Slot) -> &str {
        let start = slot.start as usize;
        &self.text[start..start + slot.len as usize]
    }

    pub(super) fn get(&self, word: &str) -> Option<WordEntry> {
        if self.slots.is_empty() {
            return None;
        }
        self.position(word).ok().map(|i| self.slots[i].entry)
    }

    /// The entry of `word`, added (with the default entry) if missing.
    pub(super) fn entry(&mut self, word: &str) -> &mut WordEntry {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let i = match self.position(word) {
            Ok(i) => i,
            Err(i) => {
                let start = self.text.len() as u32;
                self.text.push_str(word);
                self.slots[i] = Slot { start, len: word.len() as u32, entry: WordEntry::default() };
                self.tags[i] = self.slot_and_tag(Self::hash(word.as_bytes())).1;
                self.len += 1;
                i
            }
        };
        &mut self.slots[i].entry
    }

    /// Doubles the slots and puts every word back.
    fn grow(&mut self) {
        let empty = Slot { start: 0, len: 0, entry: WordEntry::default() };
        let size = (self.slots.len() * 2).max(Self::MIN_SLOTS);
        let old_tags = std::mem::replace(&mut self.tags, vec![Self::FREE; size]);
        let old = std::mem::replace(&mut self.slots, vec![empty; size]);
        for (slot, _) in old.into_iter().zip(old_tags).filter(|&(_, tag)| tag != Self::FREE) {
            let word = self.word_at(&slot).to_string();
            if let Err(i) = self.position(&word) {
                self.slots[i] = slot;
                self.tags[i] = self.slot_and_tag(Self::hash(word.as_bytes())).1;
            }
        }
    }
}
