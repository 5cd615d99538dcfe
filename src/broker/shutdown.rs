//! How the worker stops, in the shape of tokio's mini-redis `server::run(listener, shutdown)`: the caller
//! hands [`super::Worker::run`] any future that resolves when the process should stop (`main.rs`: SIGTERM or
//! SIGINT; tests: a [`Shutdown`] handle). Inside, one [`Shutdown`] carries the stop to every task, and each
//! task holds a [`Running`] guard for as long as it runs: when the last guard is dropped, [`Drained::wait`]
//! resolves. Completion is the drop of a sender, never a polled flag.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::watch;

/// A clonable stop signal: any clone can trigger it, every clone sees it.
///
/// A `watch` rather than mini-redis' `broadcast`: it is level-triggered, so a task that starts waiting after
/// the trigger (a session opened during the stop) still sees it, without a flag of its own.
#[derive(Debug, Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
    receiver: watch::Receiver<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A handle not yet triggered.
    pub fn new() -> Self {
        let (sender, receiver) = watch::channel(false);
        Shutdown { sender: Arc::new(sender), receiver }
    }

    /// Asks everything to stop.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Whether a stop was asked for.
    pub fn is_triggered(&self) -> bool {
        *self.receiver.borrow()
    }

    /// Resolves once a stop is asked for.
    pub async fn wait(&self) {
        let mut receiver = self.receiver.clone();
        // An error means every sender is gone, which cannot happen while `self` holds one.
        let _ = receiver.wait_for(|stop| *stop).await;
    }
}

/// A handle is itself a shutdown future: `worker.run(handle.clone())` stops when `handle` is triggered.
impl IntoFuture for Shutdown {
    type Output = ();
    type IntoFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.wait().await })
    }
}

/// Held by a task while it runs (mini-redis' `shutdown_complete_tx`); clone it for every task.
#[derive(Debug, Clone)]
pub struct Running {
    /// Never sent on: only its drop (the last clone's) matters.
    _sender: Arc<watch::Sender<()>>,
}

/// Resolves once every [`Running`] of its pair has been dropped; clonable, so several tasks can wait.
#[derive(Debug, Clone)]
pub struct Drained(watch::Receiver<()>);

/// A fresh pair: tasks take clones of the [`Running`], whoever waits takes the [`Drained`].
pub fn running() -> (Running, Drained) {
    let (sender, receiver) = watch::channel(());
    (Running { _sender: Arc::new(sender) }, Drained(receiver))
}

impl Drained {
    /// Waits until the last [`Running`] is dropped (at once if it already is).
    pub async fn wait(mut self) {
        // Nothing is ever sent: `changed` only returns, with an error, once the sender is gone.
        while self.0.changed().await.is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SOON: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn every_clone_sees_the_trigger() {
        let a = Shutdown::new();
        let b = a.clone();
        assert!(!b.is_triggered());
        let waiter = tokio::spawn(b.into_future());
        a.trigger();
        tokio::time::timeout(SOON, waiter).await.unwrap().unwrap();
        assert!(a.is_triggered());
        // Level-triggered: waiting after the trigger returns at once.
        tokio::time::timeout(SOON, a.wait()).await.unwrap();
    }

    #[tokio::test]
    async fn drained_resolves_when_the_last_guard_is_dropped() {
        let (running, drained) = running();
        let second = running.clone();
        let waiter = tokio::spawn(drained.clone().wait());
        drop(running);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "one guard is still held");
        drop(second);
        tokio::time::timeout(SOON, waiter).await.unwrap().unwrap();
        // A waiter that comes late is not left hanging.
        tokio::time::timeout(SOON, drained.wait()).await.unwrap();
    }
}
