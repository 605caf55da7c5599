//! A local stand-in for the OpenAI API that the real `async-openai` client can run against
//! without network: `POST /v1/chat/completions` answers with replies the test scripted, in order;
//! `POST /v1/embeddings` answers with a deterministic embedding of each input; `GET /v1/models`
//! lists one model. Azure OpenAI's paths for the same two calls are served too (see
//! [`OpenAiServer::azure_endpoint`]). Every request is recorded, so a test asserts on what the client really sent
//! (messages, tools, `tool_choice`, `temperature`, `max_completion_tokens`, …), and every answer
//! has OpenAI's JSON shape, its error bodies included.
//!
//! Point async-openai at it with
//! `Client::with_config(OpenAIConfig::new().with_api_base(server.base_url()).with_api_key(server.api_key()))`.
//!
//! Like OpenAI, the server refuses with 400 a chat request without a model or messages, a
//! `tool_choice` without `tools`, and a `role: "tool"` message that answers no `tool_calls` id
//! of the assistant message before it (or calls left unanswered); refused requests use up no
//! scripted reply. Unlike OpenAI it does not stream: `stream: true` gets a 400 saying so, and so
//! do `encoding_format: "base64"` and token-array inputs for embeddings. When the script has run
//! dry a chat request gets a 500 whose message says so, so a test that forgot a reply notices.
//!
//! Know the client: an async-openai 0.43 client made with `Client::with_config` (or given a
//! reqwest client with `with_http_client`) retries 429 (unless the error type is
//! `insufficient_quota`), every 5xx and connect errors three times, waiting `Retry-After` seconds
//! when the answer has that header (uncapped) and 100, 200, 400 ms otherwise. A scripted error
//! therefore reaches such a client up to four times, and each attempt takes a reply from the
//! script. A client given its own transport with `with_http_service` (feature `middleware`)
//! retries only as that transport says, e.g. `OpenAIRetryLayer::new(n)` around `ReqwestService`.

mod answer;
mod chat;
mod embedder;
mod embeddings;
mod error;
mod records;
mod reply;
mod routes;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use serde_json::Value;
use tokio::time::{Instant, timeout_at};

pub use embedder::{EMBEDDING_DIMENSIONS, bag_of_words_embedding};
pub use records::RecordedRequest;
pub use reply::Reply;

use crate::serve::Served;
use state::{Shared, State};

/// The path of chat completions, as recorded.
pub const CHAT_COMPLETIONS_PATH: &str = "/v1/chat/completions";
/// The path of embeddings, as recorded.
pub const EMBEDDINGS_PATH: &str = "/v1/embeddings";

/// How an [`OpenAiServer`] is set up; `Options::default()` serves `gpt-4o-mini` with a key
/// unique to the server.
#[derive(Clone, Debug)]
pub struct Options {
    /// The one model `GET /v1/models` lists. Requests may name any model: answers echo the
    /// model the request named, as OpenAI does.
    pub model: String,
    /// The API key the server accepts; `None` makes one unique to the server, so a client left
    /// over from another test cannot talk to it.
    pub api_key: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self { model: "gpt-4o-mini".to_owned(), api_key: None }
    }
}

/// A running OpenAI stand-in on a free loopback port; it stops when dropped.
pub struct OpenAiServer {
    shared: Arc<Shared>,
    base_url: String,
    api_key: String,
    model: String,
    _served: Served,
}

impl OpenAiServer {
    /// Starts a server with [`Options::default`].
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts a server with the given options.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start_with(options: Options) -> Self {
        // Clients the test builds next need a TLS provider even for plain http.
        crate::ensure_crypto_provider();
        // The state holds the key before the port is bound, so a unique key comes from the
        // process, the clock and a counter rather than the port.
        let api_key = options.api_key.unwrap_or_else(unique_key);
        let shared = Arc::new(Shared::new(State::new(&api_key, &options.model)));
        let router = Router::new().fallback(routes::handle).with_state(Arc::clone(&shared));
        let served = Served::start(router).await;
        let base_url = format!("http://{}/v1", served.address);
        Self { shared, base_url, api_key, model: options.model, _served: served }
    }

    /// `http://127.0.0.1:PORT/v1`: what `OpenAIConfig::with_api_base` takes.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `http://127.0.0.1:PORT`: the resource endpoint `AzureConfig::with_api_base` takes. The
    /// server answers Azure's `/openai/deployments/<deployment>/chat/completions` and
    /// `.../embeddings` when the request has an `api-version` query and an `api-key` header with
    /// [`api_key`](Self::api_key) (401 otherwise, and 404 without a version), whatever the
    /// deployment is called; tests read the deployment from the recorded path.
    pub fn azure_endpoint(&self) -> String {
        self.base_url.trim_end_matches("/v1").to_owned()
    }

    /// The key the server wants as `Authorization: Bearer <key>`; anything else gets 401 with
    /// code `invalid_api_key`.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The model `GET /v1/models` lists.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Queues `reply` as the answer to the next chat completions request that is not refused,
    /// after those already queued.
    pub fn script(&self, reply: Reply) {
        self.shared.update(|state| state.script.push_back(reply));
    }

    /// How many scripted replies no request has taken yet.
    pub fn remaining_script(&self) -> usize {
        self.shared.read(|state| state.script.len())
    }

    /// Makes `POST /v1/embeddings` answer with `embed(text)` for each input, instead of
    /// [`bag_of_words_embedding`]. It runs while the server holds its lock, so it must not call
    /// the server.
    pub fn embed_with(&self, embed: impl Fn(&str) -> Vec<f32> + Send + Sync + 'static) {
        self.shared.update(|state| state.embedder = Arc::new(embed));
    }

    /// Every request so far, oldest first, refused ones included.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.read(|state| state.requests.clone())
    }

    /// The JSON bodies of every chat completions `POST` so far (OpenAI's or Azure's path), oldest
    /// first, retries and refused requests included.
    pub fn chat_requests(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|request| request.method == "POST" && request.is_chat())
            .map(|request| request.body)
            .collect()
    }

    /// The JSON bodies of every embeddings `POST` so far (OpenAI's or Azure's path), oldest first.
    pub fn embedding_requests(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|request| {
                request.method == "POST" && routes::Endpoint::of(&request.path).0 == routes::Endpoint::Embeddings
            })
            .map(|request| request.body)
            .collect()
    }

    /// Waits until at least `count` requests have arrived and returns them all. A request is
    /// recorded as it arrives, before a delayed reply is sent.
    ///
    /// # Panics
    /// If fewer than `count` arrived within `timeout`.
    pub async fn wait_for_requests(&self, count: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let deadline = Instant::now() + timeout;
        let mut changes = self.shared.changes();
        loop {
            changes.borrow_and_update();
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            if !matches!(timeout_at(deadline, changes.changed()).await, Ok(Ok(()))) {
                let requests = self.requests();
                assert!(
                    requests.len() >= count,
                    "{} of {count} OpenAI requests after {timeout:?}: {:?}",
                    requests.len(),
                    requests.iter().map(RecordedRequest::summary).collect::<Vec<_>>()
                );
                return requests;
            }
        }
    }
}

/// An API key no other server in this or another test process uses.
fn unique_key() -> String {
    static SERVERS: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_nanos());
    let server = SERVERS.fetch_add(1, Ordering::Relaxed);
    format!("sk-testkit-{:x}-{nanos:x}-{server}", std::process::id())
}
