//! The pipeline's one text toolkit: character classes, case folding, word spans, UTF-8 and byte helpers and
//! the fast hasher, each written once and tested against the standard library's answer.
//!
//! It sits below every stage (and below `kb` and `morph`), so no stage keeps a private copy of a text rule
//! and no two stages disagree about what a letter, a word or a folded word is. The byte-level fast paths
//! (reading Russian letters as byte pairs, counting in 64-byte blocks the compiler vectorises, SWAR) live
//! here too, each beside the plain rule it must agree with and each kept because its commit measured a gain
//! on the stage that needs it (named in its doc comment).
//!
//! - [`chars`]: what a character is (letter or digit, upper case, Cyrillic, dash…);
//! - [`fold`]: lower case and the `ё → е` fold the lexicons are matched in;
//! - [`words`]: word spans, word counts, trimming and validity of spans;
//! - [`utf8`]: decoding one char at a byte offset, sequence lengths, counting bytes in blocks;
//! - [`hash`]: the multiply-rotate hasher of the knowledge base's and the morphology's maps.

pub mod chars;
pub mod fold;
pub mod hash;
pub mod utf8;
pub mod words;
