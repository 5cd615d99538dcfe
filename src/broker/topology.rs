//! The broker topology of SPEC §4, derived from the configuration, declared idempotently, and printed.
//!
//! The description ([`Topology`]) is plain data built by a pure function, so what gets declared can be unit
//! tested and printed without a broker; [`declare`] then sends it.

use std::fmt;
use std::time::Duration;

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

use super::connection::{short, timed};
use crate::config::{ClosedSet, Config, QueueType};

/// An exchange to declare (always durable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeDecl {
    /// Its name.
    pub name: String,
    /// `topic` or `fanout`.
    pub kind: &'static str,
}

/// A queue argument value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgValue {
    /// A string argument.
    Str(String),
    /// An integer argument.
    Int(i64),
}

/// A queue to declare (always durable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDecl {
    /// Its name.
    pub name: String,
    /// `x-…` arguments.
    pub args: Vec<(&'static str, ArgValue)>,
}

/// A binding of a queue to an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingDecl {
    /// The queue.
    pub queue: String,
    /// The exchange.
    pub exchange: String,
    /// The pattern (ignored by fanout exchanges).
    pub routing_key: String,
}

/// Everything the worker declares at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// Exchanges, declared first.
    pub exchanges: Vec<ExchangeDecl>,
    /// Queues.
    pub queues: Vec<QueueDecl>,
    /// Bindings, declared last.
    pub bindings: Vec<BindingDecl>,
}

impl Topology {
    /// The topology the configuration asks for.
    pub fn from_config(cfg: &Config) -> Topology {
        let rejected_exchange = cfg.rejected.exchange.clone();
        let mut exchanges = vec![ExchangeDecl { name: cfg.output.exchange.clone(), kind: "topic" }];
        if !rejected_exchange.is_empty() {
            exchanges.push(ExchangeDecl { name: rejected_exchange.clone(), kind: "fanout" });
        }
        let mut queues = vec![QueueDecl { name: cfg.input.queue.clone(), args: input_queue_args(cfg) }];
        let mut bindings = Vec::new();
        let mut bind = |queues: &mut Vec<QueueDecl>, queue: &str, exchange: &str, key: &str| {
            if !queues.iter().any(|q| q.name == queue) {
                queues.push(QueueDecl { name: queue.to_string(), args: Vec::new() });
            }
            bindings.push(BindingDecl {
                queue: queue.to_string(),
                exchange: exchange.to_string(),
                routing_key: key.to_string(),
            });
        };
        if !cfg.output.queue.is_empty() {
            bind(&mut queues, &cfg.output.queue, &cfg.output.exchange, "#");
        }
        for b in &cfg.output.bindings {
            bind(&mut queues, &b.queue, &cfg.output.exchange, &b.routing_key);
        }
        if !cfg.rejected.queue.is_empty() && !rejected_exchange.is_empty() {
            bind(&mut queues, &cfg.rejected.queue, &rejected_exchange, "");
        }
        Topology { exchanges, queues, bindings }
    }
}

/// The input queue's arguments: its type, the delivery limit (quorum queues only: the poison backstop),
/// and the dead-letter exchange where the broker sends what hits the limit.
fn input_queue_args(cfg: &Config) -> Vec<(&'static str, ArgValue)> {
    let mut args = vec![("x-queue-type", ArgValue::Str(cfg.input.queue_type.as_str().into()))];
    if cfg.input.queue_type == QueueType::Quorum {
        args.push(("x-delivery-limit", ArgValue::Int(i64::from(cfg.input.delivery_limit))));
    }
    if !cfg.rejected.exchange.is_empty() {
        args.push(("x-dead-letter-exchange", ArgValue::Str(cfg.rejected.exchange.clone())));
    }
    args
}

fn field_table(args: &[(&'static str, ArgValue)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in args {
        let value = match value {
            ArgValue::Str(s) => AMQPValue::LongString(LongString::from(s.as_str())),
            ArgValue::Int(i) => AMQPValue::LongLongInt(*i),
        };
        table.insert((*key).into(), value);
    }
    table
}

/// Declares the topology on `channel`. Idempotent; fails (e.g. `PRECONDITION_FAILED`) when a queue exists
/// with other arguments, which an operator must resolve.
pub async fn declare(channel: &Channel, topology: &Topology, limit: Duration) -> anyhow::Result<()> {
    let durable = || ExchangeDeclareOptions { durable: true, ..Default::default() };
    for ex in &topology.exchanges {
        let kind = if ex.kind == "fanout" { ExchangeKind::Fanout } else { ExchangeKind::Topic };
        let what = format!("declaring exchange {}", ex.name);
        timed(
            &what,
            limit,
            channel.exchange_declare(short(&ex.name), kind, durable(), FieldTable::default()),
        )
        .await?;
    }
    for q in &topology.queues {
        let options = QueueDeclareOptions { durable: true, ..Default::default() };
        let what = format!("declaring queue {}", q.name);
        timed(&what, limit, channel.queue_declare(short(&q.name), options, field_table(&q.args))).await?;
    }
    for b in &topology.bindings {
        let what = format!("binding {} to {}", b.queue, b.exchange);
        let fut = channel.queue_bind(
            short(&b.queue),
            short(&b.exchange),
            short(&b.routing_key),
            QueueBindOptions::default(),
            FieldTable::default(),
        );
        timed(&what, limit, fut).await?;
    }
    Ok(())
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exchanges:")?;
        for ex in &self.exchanges {
            writeln!(f, "  {:<32} {} durable", ex.name, ex.kind)?;
        }
        writeln!(f, "queues:")?;
        for q in &self.queues {
            let args: Vec<String> = q
                .args
                .iter()
                .map(|(k, v)| match v {
                    ArgValue::Str(s) => format!("{k}={s}"),
                    ArgValue::Int(i) => format!("{k}={i}"),
                })
                .collect();
            if args.is_empty() {
                writeln!(f, "  {:<32} durable", q.name)?;
            } else {
                writeln!(f, "  {:<32} durable {}", q.name, args.join(" "))?;
            }
        }
        writeln!(f, "bindings:")?;
        for b in &self.bindings {
            let key = if b.routing_key.is_empty() { "(fanout)" } else { b.routing_key.as_str() };
            writeln!(f, "  {:<24} -> {:<24} {}", b.exchange, b.queue, key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Binding;

    #[test]
    fn default_topology_matches_spec_section_4() {
        let t = Topology::from_config(&Config::default());
        assert_eq!(
            t.exchanges,
            vec![
                ExchangeDecl { name: "wirefeed.events".into(), kind: "topic" },
                ExchangeDecl { name: "wirefeed.rejected".into(), kind: "fanout" },
            ]
        );
        let input = &t.queues[0];
        assert_eq!(input.name, "wirefeed.raw");
        assert!(input.args.contains(&("x-queue-type", ArgValue::Str("quorum".into()))));
        assert!(input.args.contains(&("x-delivery-limit", ArgValue::Int(5))));
        assert!(input.args.contains(&("x-dead-letter-exchange", ArgValue::Str("wirefeed.rejected".into()))));
        let names: Vec<&str> = t.bindings.iter().map(|b| b.queue.as_str()).collect();
        assert_eq!(names, ["wirefeed.events.all", "wirefeed.rejected"]);
        assert_eq!(t.bindings[0].routing_key, "#");
    }

    #[test]
    fn empty_output_queue_means_no_all_events_queue_and_bindings_are_added() {
        let mut cfg = Config::default();
        cfg.output.queue.clear();
        cfg.output.bindings =
            vec![Binding { queue: "desk.ru.diplomacy".into(), routing_key: "ru.diplomacy.#".into() }];
        let t = Topology::from_config(&cfg);
        assert!(!t.queues.iter().any(|q| q.name == "wirefeed.events.all"));
        assert!(t.bindings.contains(&BindingDecl {
            queue: "desk.ru.diplomacy".into(),
            exchange: "wirefeed.events".into(),
            routing_key: "ru.diplomacy.#".into(),
        }));
        let printed = t.to_string();
        assert!(printed.contains("ru.diplomacy.#"), "{printed}");
    }

    #[test]
    fn classic_input_queue_has_no_delivery_limit() {
        let mut cfg = Config::default();
        cfg.input.queue_type = QueueType::Classic;
        let t = Topology::from_config(&cfg);
        assert!(!t.queues[0].args.iter().any(|(k, _)| *k == "x-delivery-limit"));
    }
}
