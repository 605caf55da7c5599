//! The engine's own overhead per LLM turn — prompt assembly, retrieval, parsing, Redis-free
//! state, the async-openai client and one loopback HTTP exchange, plus now and then a second one
//! folding older turns into the running summary — against the scripted OpenAI-compatible test
//! server, which answers at once: the model's own time is excluded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use firebreak::advisor::OfflineAdvisor;
use firebreak::advisor::fallback::WithFallback;
use firebreak::advisor::llm::LlmAdvisor;
use firebreak::advisor::llm::client::LlmSettings;
use firebreak::advisor::llm::prompts::Prompts;
use firebreak::core::command::Command;
use firebreak::core::engine::Engine;
use firebreak::core::inbound::{Inbound, Input};
use firebreak::core::ports::Ports;
use firebreak::core::settings::EngineSettings;
use firebreak::knowledge::KnowledgeBase;
use firebreak::store::MemoryStore;
use firebreak_testkit::openai::{OpenAiServer, Reply};
use tokio::runtime::Runtime;

#[path = "support/ports.rs"]
mod support;

const TURNS: usize = 2_000;
const STRUCTURED: &str =
    r#"{"hypotheses":[{"cause":"bad release","confidence":0.7,"incidents":["INC-1001"]}],"mitigations":["roll back"]}"#;

fn inbound(input: Input) -> Inbound {
    support::inbound("inc-bench", input)
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    sorted[((sorted.len() as f64 * quantile) as usize).min(sorted.len() - 1)]
}

fn main() {
    // `cargo test --benches` runs this once as a smoke test; the timed pass is for `cargo bench`.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    let runtime = Runtime::new().expect("tokio runtime");
    let server = runtime.block_on(OpenAiServer::start());
    let settings = LlmSettings {
        base_url: Some(server.base_url()),
        api_key: Some(server.api_key().to_owned()),
        retries: 0,
        ..LlmSettings::default()
    };
    let llm = LlmAdvisor::new(settings, Prompts::builtin().expect("built-in prompts")).expect("client");
    let knowledge = KnowledgeBase::new().expect("empty knowledge base");
    knowledge.add(KnowledgeBase::sample_records()).expect("sample history");
    let advisor = Arc::new(WithFallback::new(llm, OfflineAdvisor::default()));
    let ports = Ports { advisor, ..support::ports(Arc::new(MemoryStore::new()), knowledge) };
    let engine = Engine::new(ports, EngineSettings::default());
    server.script(Reply::text(STRUCTURED));
    let declare = Command::parse("/incident declare Checkout 502s after deploy service: checkout").expect("command");
    runtime.block_on(engine.handle(inbound(Input::Command(declare))));
    // One reply per answer, and more for the running summary the growing conversation is folded
    // into every few dozen turns (`[llm] history_tokens`); replies left over are never sent.
    for _ in 0..2 * TURNS {
        server.script(Reply::text("Roll back checkout-api and watch the 5xx ratio."));
    }

    let mut samples = Vec::with_capacity(TURNS);
    let started = Instant::now();
    for _ in 0..TURNS {
        let turn = Instant::now();
        runtime.block_on(engine.handle(inbound(Input::Question("what should we do next?".into()))));
        samples.push(turn.elapsed());
    }
    let total = started.elapsed();
    let folds = server.chat_requests().len() - 1 - TURNS;
    samples.sort_unstable();
    println!(
        "LLM question turn, model time excluded: p50 {:?}  p99 {:?}  {:.0} turns/s ({TURNS} sequential turns, {folds} folds)",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        TURNS as f64 / total.as_secs_f64()
    );
}
