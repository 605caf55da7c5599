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
//! - [`advisor`] — the advisor port, with [`advisor::OfflineAdvisor`] (retrieval, no model).
//! - [`diagnostics`] — read-only tools gathering live evidence (HTTP, Prometheus, allow-listed
//!   commands, DNS, recent changes), the handlers that trigger them, and [`diagnostics::Evidence`].
//! - [`prompts`] — prompt templates (`prompts/*.md`, minijinja), checked at start-up.
//! - [`redact`] — secrets masked before text is stored, shown, logged or sent to a model.
//! - [`adapters`] — platforms — [`adapters::console`] (chat, demo replay, JSON lines, `kb`
//!   commands).
//! - [`eval`] — offline evaluation on an incident history ([`eval::retrieval`]).
//! - [`config`] — settings from `firebreak.toml` and the environment.
//! - [`telemetry`] — logging (stderr).
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
pub mod store;
pub mod telemetry;
