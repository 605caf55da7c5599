//! State a stand-in server shares between its handlers and the test: behind one lock, with a
//! counter that moves on every change so a test can wait for the server's next change instead
//! of sleeping.

use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

/// `S` and a counter that moves on every change, for waiting tests.
pub(crate) struct Shared<S> {
    state: Mutex<S>,
    version: watch::Sender<u64>,
}

impl<S> Shared<S> {
    /// Wraps the initial state.
    pub(crate) fn new(state: S) -> Self {
        Self { state: Mutex::new(state), version: watch::Sender::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, S> {
        // A panic while the lock was held (say, in a test's callback) leaves the state as it was
        // changed so far, which is still what the test wants to inspect.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the state.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&S) -> T) -> T {
        read(&self.lock())
    }

    /// Changes the state and wakes everyone waiting for a change.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut S) -> T) -> T {
        let outcome = change(&mut self.lock());
        self.version.send_modify(|version| *version = version.wrapping_add(1));
        outcome
    }

    /// A receiver that sees every later change.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }
}
