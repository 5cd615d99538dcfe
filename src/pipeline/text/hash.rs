//! The fast hasher of the pipeline's read-mostly maps, below both the knowledge base and the morphology
//! (which share it, and so neither imports the other for it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (Firefox, rustc): a multiply-rotate hash, several times cheaper than SipHash on short keys. The
/// maps it serves are built from the data files at load and only read per release, so flooding them is not a
/// concern (nor for the morphology's caches of dictionary answers, bounded in size).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` hashed with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn equal_keys_hash_equal_and_the_map_finds_them() {
        let build = BuildHasherDefault::<FastHasher>::default();
        assert_eq!(build.hash_one("Бишкек"), build.hash_one(String::from("Бишкек")));
        assert_ne!(build.hash_one("Бишкек"), build.hash_one("Бишкеке"));
        let mut map: FastMap<String, usize> = FastMap::default();
        for (i, w) in ["a", "ab", "abcdefgh", "abcdefghi", "область"].iter().enumerate() {
            map.insert(w.to_string(), i);
        }
        assert_eq!(map.get("abcdefghi"), Some(&3));
        assert_eq!(map.get("abcdefgh"), Some(&2));
        assert_eq!(map.get("abcdefg"), None);
    }
}
