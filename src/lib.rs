//! wirefeed: turns raw news-wire releases into structured, enriched IPTC ninjs events.
//!
//! The crate has two halves that know nothing of each other:
//! - [`pipeline`]: pure text processing, bytes in, a [`event::Envelope`] (or a [`pipeline::Rejection`]) out;
//! - [`broker`]: RabbitMQ plumbing that feeds the pipeline and publishes its results with confirms.
//!
//! [`evaluate`] scores the pipeline on a directory of real releases against a gold file (issue #13).
//! `ids` makes the hex digests and slugs both write, [`config`] holds the layered configuration both
//! read, [`event`] the output types, and [`telemetry`] the logging set-up.
//!
//! The public API is deliberately small: what the binary (`src/main.rs`), the tests, benches and examples
//! use; everything else is private to its module.

pub mod broker;
pub mod config;
pub mod evaluate;
pub mod event;
mod ids;
pub mod pipeline;
pub mod telemetry;
