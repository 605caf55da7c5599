//! Integration tests: one binary, a module per area. Servers (Redis) are started per test on
//! free loopback ports by `firebreak_testkit`.

// Test helpers outside `#[test]` functions panic on failure too: that is the test failing.
#![allow(clippy::unwrap_used)]

mod architecture;
mod cli;
mod cluster;
mod conversation;
mod diagnostics;
mod discord;
mod embeddings;
mod engine;
mod evaluation;
mod hygiene;
mod injection;
mod intake;
mod intake_alerting;
mod intake_replicas;
mod intents;
mod investigation;
mod knowledge;
mod knowledge_conformance;
mod llm;
mod load;
mod local_llm;
mod metrics;
mod properties;
mod recurrence;
mod redaction;
mod redis_behaviour;
mod report_rendering;
mod responder;
mod store_conformance;
mod support;
mod telemetry;
