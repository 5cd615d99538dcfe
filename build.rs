//! Tells cargo to rebuild the crate when the data files change. `include_dir!` (src/pipeline/data.rs) builds
//! `data/` into the binary but does not tell cargo it read those files, so without this an edited gazetteer or
//! lexicon would leave a stale binary until some Rust source changed.
//! `models/` is watched too: the default NER model path points into it, and a changed model should give a
//! fresh build whose tests run against it.

fn main() {
    println!("cargo:rerun-if-changed=data");
    println!("cargo:rerun-if-changed=models");
    println!("cargo:rerun-if-changed=build.rs");
}
