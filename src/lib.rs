//! Firebreak: an incident-response copilot for chat. It joins incident channels, keeps each
//! incident's conversation state, posts first-response suggestions and answers engineers'
//! follow-up questions.
//!
//! # Layout
//! - [`core`] — the platform-free domain — [`core::incident`], [`core::timeline`],
//!   [`core::command`] (one parser for every adapter), [`core::turn`] (`Inbound`/`Outbound`),
//!   [`core::engine`] (one turn per event, one file per command), [`core::error`],
//!   [`core::replies`] (fixed wording).
//! - [`store`] — the state port, with [`store::RedisStore`] and [`store::MemoryStore`].
//! - [`knowledge`] — the knowledge base of resolved incidents: record schema, JSONL corpus,
//!   similar-incident retrieval (tantivy inside), learning from every resolution.
//! - [`advisor`] — the advisor port, with [`advisor::OfflineAdvisor`] (retrieval, no model) and
//!   [`advisor::llm::LlmAdvisor`] (a model through async-openai; its conversation budget and
//!   running summary in [`advisor::llm::history`], embeddings in [`advisor::llm::embeddings`]).
//! - [`diagnostics`] — read-only tools gathering live evidence (HTTP, Prometheus, allow-listed
//!   commands, DNS, recent changes), the handlers that trigger them, and [`diagnostics::Evidence`].
//! - [`prompts`] — prompt templates (`prompts/*.md`, minijinja), checked at start-up.
//! - [`redact`] — secrets masked before text is stored, shown, logged or sent to a model.
//! - [`adapters`] — platforms — [`adapters::console`] (chat, demo replay, JSON lines, `kb`,
//!   `eval` and `stats` commands) and [`adapters::discord`].
//! - [`eval`] — offline evaluation on an incident history: [`eval::protocol`] (no leakage),
//!   [`eval::harness`] (advisor and [`eval::baselines`] side by side), [`eval::metrics`]
//!   (BLEU-4, ROUGE-L, METEOR), [`eval::report`] (JSON) rendered by [`eval::markdown`] and
//!   [`eval::html`] (with [`eval::charts`]).
//! - [`stats`] — production `/feedback` ratings read from the store.
//! - [`config`] — settings from `firebreak.toml` and the environment.
//! - [`telemetry`] — logging (stderr), the metrics recorded (model tokens and latency,
//!   fallbacks) and their Prometheus endpoint.
//! - [`app`] — wiring settings into ports and the engine.

pub mod adapters;
pub mod advisor;
pub mod app;
pub mod config;
pub mod core;
pub mod diagnostics;
pub mod eval;
pub mod knowledge;
pub mod prompts;
pub mod redact;
pub mod stats;
pub mod store;
pub mod telemetry;
