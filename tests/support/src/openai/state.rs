//! What the server holds between requests: the key it accepts, the script of chat replies, the
//! embedder, the counters behind response ids and the record of every request. It all sits
//! behind one lock, so a scripted reply is taken and its request recorded in one step; every
//! change also wakes the tests waiting on the server.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use super::embedder::{Embedder, bag_of_words_embedding};
use super::records::RecordedRequest;
use super::reply::Reply;

/// The state and a counter that moves on every change, for waiting tests.
pub(crate) struct Shared {
    state: Mutex<State>,
    version: watch::Sender<u64>,
}

impl Shared {
    /// Wraps the initial state.
    pub(crate) fn new(state: State) -> Self {
        Self { state: Mutex::new(state), version: watch::Sender::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held (say, in a test's embedder) leaves the state as it was
        // changed so far, which is still what the test wants to inspect.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads the state.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&State) -> T) -> T {
        read(&self.lock())
    }

    /// Changes the state and wakes everyone waiting for a change.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        let outcome = change(&mut self.lock());
        self.version.send_modify(|version| *version = version.wrapping_add(1));
        outcome
    }

    /// A receiver that sees every later change.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }
}

/// Everything behind the lock.
pub(crate) struct State {
    /// The key wanted as `Authorization: Bearer <key>`.
    pub(crate) api_key: String,
    /// The model `GET /v1/models` lists.
    pub(crate) model: String,
    /// Chat replies not yet taken, next first.
    pub(crate) script: VecDeque<Reply>,
    /// What answers `POST /v1/embeddings`.
    pub(crate) embedder: Embedder,
    /// Every request, oldest first.
    pub(crate) requests: Vec<RecordedRequest>,
    /// Where response and tool call ids come from.
    pub(crate) ids: Ids,
}

impl State {
    /// A server with an empty script and the bag-of-words embedder.
    pub(crate) fn new(api_key: &str, model: &str) -> Self {
        Self {
            api_key: api_key.to_owned(),
            model: model.to_owned(),
            script: VecDeque::new(),
            embedder: Arc::new(bag_of_words_embedding),
            requests: Vec::new(),
            ids: Ids::default(),
        }
    }
}

/// Counters for ids that are unique for the server's life, as OpenAI's are: a tool call id the
/// client sends back always names one call.
#[derive(Default)]
pub(crate) struct Ids {
    completions: u64,
    tool_calls: u64,
}

impl Ids {
    /// `chatcmpl-1`, `chatcmpl-2`, …
    pub(crate) fn next_completion(&mut self) -> String {
        self.completions += 1;
        format!("chatcmpl-{}", self.completions)
    }

    /// `call_1`, `call_2`, …
    pub(crate) fn next_tool_call(&mut self) -> String {
        self.tool_calls += 1;
        format!("call_{}", self.tool_calls)
    }
}
