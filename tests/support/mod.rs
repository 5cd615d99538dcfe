//! Test support for every broker test, in one tree: where the broker is (and the loud failure when it is not
//! there), names unique to each test, what the tests send, an in-process worker ([`TestBroker`],
//! [`RunningWorker`]), the real binary as a child process ([`Worker`], [`run_cli`]) with the black-box fault
//! harness around it ([`Harness`]), an independent client that collects and counts what came out
//! ([`Collector`], [`Tally`]), and `rabbitmqctl` for the faults a client cannot cause.
//!
//! Every test gets its own queues, exchanges and connection names (a random suffix), deleted when the test
//! ends. A missing broker fails the test loudly: these tests never skip.
//!
//! Each test binary (`mod support;`) compiles the whole tree but uses only part of it. What one binary leaves
//! unused would warn there (dead code, unused re-exports) although another binary uses it: the usual state of
//! shared test support, not a defect, so those two lints are off for this tree only.
#![allow(dead_code, unused_imports)]

mod backpressure;
mod broker;
mod collect;
mod harness;
mod in_process;
mod inputs;
mod names;
mod rabbitmqctl;
mod worker;

pub use backpressure::{
    declare_bound_queue, free_local_addr, http_get, log_lines_saying, process_cpu_seconds, unacked_in,
};
pub use broker::{amqp_url, connect, random_suffix};
pub use collect::{Collected, Collector, Output, Tally};
pub use harness::{serial, with, Harness};
pub use in_process::{header, RunningWorker, TestBroker, WAIT};
pub use inputs::{release_body, releases, sample, Input};
pub use names::{unique, Names};
pub use rabbitmqctl::{close_connections, connections_named, rabbitmqctl, BrokerConnection};
pub use worker::{run_cli, CliOutput, Worker};
