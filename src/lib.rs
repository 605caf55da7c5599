//! Firebreak: an incident-response copilot for chat. It joins incident channels, keeps each
//! incident's conversation state, posts first-response suggestions and answers engineers'
//! follow-up questions.
//!
//! # Layout
//! Dependencies point one way: adapters and implementations depend on the core, the core on
//! nothing else in the crate (a test checks it, and that no two modules depend on each other).
//! - [`core`] — the platform-free domain: [`core::incident`], [`core::timeline`],
//!   [`core::record`] (what the knowledge base knows of a resolved incident),
//!   [`core::command`] (every command's spec, parser and handler, one file each),
//!   [`core::inbound`] / [`core::outbound`] (what a turn takes and gives: commands, controls and
//!   forms, alerts, timers; messages, status cards, announcements, channel changes, files,
//!   forms), [`core::alert`] (alert groups and changes, and what a notification changes),
//!   [`core::action`] (the ids controls and forms carry), [`core::card`] (the status card,
//!   announcement and channel topic drawn from an incident), [`core::ratings`] (which ratings
//!   count), [`core::postmortem`] (the Markdown draft), [`core::engine`] (one turn per event,
//!   with a store-free [`core::engine::Plan`] for adapters that must acknowledge first, and
//!   [`core::engine::Engine::fire_due`] for timers), [`core::ports`] (the traits below, the
//!   observer the engine reports its own work to, and [`core::ports::Ports`]),
//!   [`core::settings`], [`core::error`], [`core::replies`] (fixed wording),
//!   [`core::redact`] (secrets masked at every boundary), [`core::channel_names`],
//!   [`core::intent`], [`core::overlap`] (how alike two texts read, word for word: ROUGE-L's
//!   measure, shared by the evaluation and the offline advisor).
//! - [`store`] — the store port's implementations: [`store::RedisStore`] (one server, a Redis
//!   Cluster or a Sentinel-managed primary, TLS optional) and [`store::MemoryStore`].
//! - [`knowledge`] — the knowledge port's implementation: the JSONL corpus and similar-incident
//!   retrieval (BM25 in memory, optionally fused with [`knowledge::dense`] embeddings), learning
//!   from every resolution.
//! - [`advisor`] — the advisor port's implementations: [`advisor::OfflineAdvisor`] (retrieval,
//!   no model) and [`advisor::llm::LlmAdvisor`] (a model through async-openai; its prompts in
//!   [`advisor::llm::prompts`], conversation budget and running summary in
//!   [`advisor::llm::history`], embeddings in [`advisor::llm::embeddings`]).
//! - [`diagnostics`] — the diagnostics port's implementation: read-only tools gathering live
//!   evidence (HTTP, Prometheus, allow-listed commands, DNS, recent changes) and the handlers
//!   that trigger them, in one [`diagnostics::Catalog`].
//! - [`adapters`] — platforms: [`adapters::console`] (the terminal as a channel, buttons as the
//!   commands they stand for), [`adapters::discord`] (serenity; embeds, components, modals,
//!   autocomplete; its workspace opens incident channels, its poster posts without the gateway)
//!   and [`adapters::intake`] (axum: alert and change webhooks, `/healthz`, `/readyz`,
//!   `/metrics`).
//! - [`cli`] — subcommands that are not chat: [`cli::demo`] (with [`cli::scenario`]),
//!   [`cli::kb`], [`cli::eval`], [`cli::stats`], and [`cli::load`], the load-and-fault harness
//!   with its replica processes; `firebreak postmortem` drafts through the engine.
//! - [`eval`] — offline evaluation on an incident history: [`eval::protocol`] (no leakage),
//!   [`eval::harness`] (advisor, [`eval::baselines`] and [`eval::oracle`] side by side),
//!   [`eval::metrics`] (BLEU-4, ROUGE-L, METEOR), [`eval::report`] (JSON, with
//!   [`eval::calibration`]) rendered by [`eval::markdown`] and [`eval::html`] (with
//!   [`eval::charts`]).
//! - [`config`] — settings from `firebreak.toml` and the environment.
//! - [`telemetry`] — logging (stderr), the metrics recorded (turns, tools, webhooks,
//!   incidents, ratings, lock waits, duplicates, model tokens and latency, fallbacks), the
//!   engine's observer that records them, and their Prometheus rendering.
//! - [`app`] — wiring settings into ports and engines, and running the adapters (and the timer
//!   poller) until stopped.

pub mod adapters;
pub mod advisor;
pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod diagnostics;
pub mod eval;
pub mod knowledge;
pub mod store;
pub mod telemetry;
