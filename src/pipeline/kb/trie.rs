//! The names of the knowledge base as a trie of word ids, so that every known name (any case form) is found
//! in one pass over a release's tokens.

use super::vocabulary::WordTable;
use super::{WordEntry, NO_NAME_WORD};
use crate::pipeline::text::hash::FastMap;

/// The names of the knowledge base as a trie of words: node 0 is the root, a word id leads from a node to the
/// next, and a node that ends a key points into `KnowledgeBase::keys`.
#[derive(Debug, Default)]
pub(super) struct NameTrie {
    vocabulary: WordTable,
    next: FastMap<u64, u32>,
    /// The node each word leads to from the root, by word id (`NO_NODE` for none): every token starts a
    /// look-up there, so it is an index, not a hash look-up.
    from_root: Vec<u32>,
    key_at: Vec<u32>,
}

impl NameTrie {
    const NO_KEY: u32 = u32::MAX;
    const NO_NODE: u32 = u32::MAX;

    fn entry(&mut self, word: &str) -> &mut WordEntry {
        self.vocabulary.entry(word)
    }

    fn word_id(&mut self, word: &str) -> u32 {
        let next_id = self.vocabulary.len() as u32;
        let entry = self.entry(word);
        if entry.name_word == NO_NAME_WORD {
            // Ids only need to be distinct; the vocabulary's size is a fresh one.
            entry.name_word = next_id;
        }
        entry.name_word
    }

    fn edge(node: u32, word: u32) -> u64 {
        u64::from(node) << 32 | u64::from(word)
    }

    /// Adds a key (stems joined by spaces) that leads to `keys[index]`.
    pub(super) fn insert(&mut self, key: &str, index: usize) {
        if self.key_at.is_empty() {
            self.key_at.push(Self::NO_KEY);
        }
        let mut node = 0;
        for word in key.split(' ') {
            let id = self.word_id(word);
            let fresh = self.key_at.len() as u32;
            let from = node;
            node = *self.next.entry(Self::edge(node, id)).or_insert(fresh);
            if node == fresh {
                self.key_at.push(Self::NO_KEY);
            }
            if from == 0 {
                if self.from_root.len() <= id as usize {
                    self.from_root.resize(id as usize + 1, Self::NO_NODE);
                }
                self.from_root[id as usize] = node;
            }
        }
        self.key_at[node as usize] = index as u32;
    }

    pub(super) fn mark_cues<'w>(&mut self, words: impl IntoIterator<Item = &'w String>, bit: u16) {
        for word in words {
            self.entry(word).cues |= bit;
        }
    }

    pub(super) fn lookup(&self, word: &str) -> WordEntry {
        self.vocabulary.get(word).unwrap_or_default()
    }

    /// The keys that start at `words[start]`, shortest first: (end, index into `keys`).
    pub(super) fn keys_from(&self, words: &[u32], start: usize, mut found: impl FnMut(usize, usize)) {
        let mut node = 0;
        for (end, &word) in words.iter().enumerate().skip(start) {
            if word == NO_NAME_WORD {
                return;
            }
            let next = if node == 0 {
                self.from_root.get(word as usize).copied().filter(|&n| n != Self::NO_NODE)
            } else {
                self.next.get(&Self::edge(node, word)).copied()
            };
            let Some(next) = next else { return };
            node = next;
            if let Some(&key) = self.key_at.get(node as usize).filter(|&&k| k != Self::NO_KEY) {
                found(end + 1, key as usize);
            }
        }
    }
}
