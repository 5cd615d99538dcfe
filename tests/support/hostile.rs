//! Hostile release shapes (issue 14), generated rather than committed: the texts that once made a stage
//! quadratic or the output explode, and ordinary copy of the same size to measure them against.
//!
//! Included with `#[path]` by `tests/hostile.rs`, `benches/hostile.rs` and `examples/hostile.rs`, so the
//! test, the bench and the README table measure the same bytes.
#![allow(dead_code)]

/// The wire header every generated release starts with.
const HEADER: &str = " date 2025-08-22 Заголовок пресс-релиза\n\n";

/// Every shape, by name: `ordinary` first (the yardstick), then the hostile ones.
pub const SHAPES: &[&str] = &[
    "ordinary",
    "dash_pairs",
    "em_dash_pairs",
    "distinct_capitals",
    "random_cyrillic",
    "open_quotes",
    "dates",
];

/// A release of shape `name`, `bytes` long or a few bytes less (cut on a char boundary).
pub fn release(name: &str, bytes: usize) -> Vec<u8> {
    let mut out = String::with_capacity(bytes + 256);
    out.push_str(HEADER);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut counter = 0usize;
    while out.len() < bytes {
        match name {
            "ordinary" => {
                out.push_str(&ordinary_copy());
                out.push_str("\n\n");
            }
            "dash_pairs" => out.push_str("- "),
            "em_dash_pairs" => out.push_str("— "),
            "distinct_capitals" => {
                out.push_str(&distinct_word(counter));
                out.push(' ');
                counter += 1;
            }
            "random_cyrillic" => {
                for _ in 0..rng.below(12) + 1 {
                    let letter = char::from_u32(0x410 + rng.below(64) as u32).unwrap_or('а');
                    out.push(letter);
                }
                out.push(' ');
            }
            "open_quotes" => out.push_str("«Слово \"и "),
            "dates" => {
                out.push_str(&format!("{} августа 2025 года, ", 1 + counter % 28));
                counter += 1;
            }
            other => panic!("no shape {other:?}"),
        }
    }
    let mut end = bytes.min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out.into_bytes()
}

/// Ordinary copy: the repository's 123 news texts of the FactRuEval development set
/// (`tests/fixtures/factrueval-dev-txt`, 345 KB), one after another. Their vocabulary is that of real
/// copy, so the yardstick pays for morphology of words it has not seen, as a hostile release does.
fn ordinary_copy() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/factrueval-dev-txt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the FactRuEval fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let texts: Vec<String> = files.iter().map(|p| std::fs::read_to_string(p).expect("a fixture")).collect();
    texts.join("\n\n")
}

/// The `n`-th of a sequence of distinct capitalised pseudo-words (a base-20 number in syllables).
fn distinct_word(mut n: usize) -> String {
    const SYLLABLES: [&str; 20] = [
        "ба", "ке", "ми", "до", "ру", "са", "ле", "ти", "но", "ва", "жу", "ка", "пе", "зо", "ры", "ма", "ту",
        "ли", "ко", "ну",
    ];
    let mut word = String::from("Б");
    loop {
        word.push_str(SYLLABLES[n % 20]);
        n /= 20;
        if n == 0 {
            break word;
        }
    }
}

/// A small deterministic generator (xorshift64*): the same bytes on every run, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
