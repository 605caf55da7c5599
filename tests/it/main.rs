//! Integration tests: one binary, a module per area. Servers (Redis) are started per test on
//! free loopback ports by `firebreak_testkit`.

mod cli;
mod diagnostics;
mod discord;
mod engine;
mod investigation;
mod knowledge;
mod llm;
mod local_llm;
mod redis_behaviour;
mod store_conformance;
mod support;
