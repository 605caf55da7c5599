//! What the server holds between requests: the key it accepts, the script of chat replies, the
//! embedder, the counters behind response ids and the record of every request. It all sits
//! behind one lock, so a scripted reply is taken and its request recorded in one step; every
//! change also wakes the tests waiting on the server.

use std::collections::VecDeque;
use std::sync::Arc;

use super::embedder::{Embedder, bag_of_words_embedding};
use super::records::RecordedRequest;
use super::reply::Reply;

/// The state behind one lock, with change notifications for waiting tests.
pub(crate) type Shared = crate::shared::Shared<State>;

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
