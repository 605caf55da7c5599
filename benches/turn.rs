//! One engine turn — record a message and load the incident's state — on `MemoryStore` and on
//! `RedisStore` (a private `redis-server` on a free loopback port, twice: keeping nothing on disk,
//! and with every write fsynced to its append-only file). Criterion measures the mean;
//! a second pass of timed turns reports p50/p99 and turns per second for BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use firebreak::core::command::Command;
use firebreak::core::engine::Engine;
use firebreak::core::inbound::{Inbound, Input};
use firebreak::core::ports::Store;
use firebreak::core::settings::EngineSettings;
use firebreak::knowledge::KnowledgeBase;
use firebreak::store::{MemoryStore, RedisStore};
use firebreak_testkit::RedisServer;
use tokio::runtime::Runtime;

#[path = "support/ports.rs"]
mod support;

const CHANNEL: &str = "inc-bench";
/// Turns timed one by one for the percentile report.
const TIMED_TURNS: usize = 5_000;

fn inbound(input: Input) -> Inbound {
    support::inbound(CHANNEL, input)
}

fn message_turn() -> Inbound {
    inbound(Input::Message("p99 on checkout-api is 2.4s, pods restarting".into()))
}

/// An engine over `store` with one declared incident.
fn prepared_engine(runtime: &Runtime, store: Arc<dyn Store>) -> Engine {
    let knowledge = KnowledgeBase::new().expect("empty knowledge base");
    let engine = Engine::new(support::ports(store, knowledge), EngineSettings::default());
    let declare = Command::parse("/incident declare Checkout 502s service: checkout").expect("valid command");
    runtime.block_on(engine.handle(inbound(Input::Command(declare))));
    engine
}

fn percentiles(runtime: &Runtime, engine: &Engine, label: &str) {
    let mut samples: Vec<Duration> = Vec::with_capacity(TIMED_TURNS);
    let started = Instant::now();
    for _ in 0..TIMED_TURNS {
        let turn = Instant::now();
        runtime.block_on(engine.handle(message_turn()));
        samples.push(turn.elapsed());
    }
    let total = started.elapsed();
    samples.sort_unstable();
    let at = |quantile: f64| samples[((samples.len() as f64 * quantile) as usize).min(samples.len() - 1)];
    println!(
        "{label}: p50 {:?}  p99 {:?}  {:.0} turns/s ({TIMED_TURNS} sequential turns)",
        at(0.50),
        at(0.99),
        TIMED_TURNS as f64 / total.as_secs_f64()
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let runtime = Runtime::new().expect("tokio runtime");
    let in_memory = RedisServer::start_in_memory();
    let durable = RedisServer::start();
    let connect = |server: &RedisServer| -> Arc<dyn Store> {
        Arc::new(runtime.block_on(RedisStore::connect(&server.url())).expect("connect to the bench redis-server"))
    };
    let engines = [
        ("memory", prepared_engine(&runtime, Arc::new(MemoryStore::new()))),
        ("redis", prepared_engine(&runtime, connect(&in_memory))),
        ("redis-fsync-always", prepared_engine(&runtime, connect(&durable))),
    ];

    let mut group = criterion.benchmark_group("engine_turn_record_message");
    for (label, engine) in &engines {
        group.bench_function(*label, |bench| bench.to_async(&runtime).iter(|| engine.handle(message_turn())));
    }
    group.finish();
    criterion.final_summary();

    // `cargo test --benches` runs this binary once as a smoke test; the timed pass is for
    // `cargo bench` only.
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    for (label, engine) in &engines {
        percentiles(&runtime, engine, label);
    }
}
