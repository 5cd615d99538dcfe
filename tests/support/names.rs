//! Names no other test (or test run) uses, so tests run in parallel on one broker without seeing each other's
//! messages: [`unique`] for the in-process tests, [`Names`] for the fault harness's whole topology.

use super::random_suffix;

/// A name no other test (or test run) uses.
pub fn unique(label: &str) -> String {
    format!("wftest.{label}.{}", random_suffix())
}

/// The names one test uses: all unique to it.
#[derive(Debug, Clone)]
pub struct Names {
    /// The random part.
    pub suffix: String,
    /// `input.queue`.
    pub input_queue: String,
    /// `output.exchange`.
    pub output_exchange: String,
    /// `output.queue` (the all-events queue).
    pub output_queue: String,
    /// `rejected.exchange`.
    pub rejected_exchange: String,
    /// `rejected.queue`.
    pub rejected_queue: String,
    /// `amqp.connection_name` (workers get `-w<n>` appended).
    pub connection_name: String,
}

impl Names {
    /// Fresh names for the test `test`.
    pub fn new(test: &str) -> Self {
        let suffix = format!("{test}-{}", random_suffix());
        Names {
            input_queue: format!("wf-test.raw.{suffix}"),
            output_exchange: format!("wf-test.events.{suffix}"),
            output_queue: format!("wf-test.events.all.{suffix}"),
            rejected_exchange: format!("wf-test.rejected.{suffix}"),
            rejected_queue: format!("wf-test.rejected.{suffix}"),
            connection_name: format!("wf-test.{suffix}"),
            suffix,
        }
    }
}
