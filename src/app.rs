//! Wiring: turns `Settings` into ports and engines, and runs the platform adapters until told
//! to stop. `main` and the tests start Firebreak the same way: `App::build(settings)` then
//! `run_until_stopped(shutdown)`.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use tracing::debug;

use crate::adapters::console::InPlace;
use crate::adapters::discord;
use crate::advisor::OfflineAdvisor;
use crate::advisor::fallback::WithFallback;
use crate::advisor::llm::LlmAdvisor;
use crate::config::{KnowledgeSettings, Settings};
use crate::core::engine::Engine;
use crate::core::ports::{Advisor, Ports, Store};
use crate::diagnostics::Catalog;
use crate::knowledge::{KnowledgeBase, read_jsonl};
use crate::store::{MemoryStore, RedisStore};
use crate::telemetry;

/// A wired Firebreak: its settings and the ports behind every engine it runs.
pub struct App {
    settings: Settings,
    ports: Ports,
    knowledge: Arc<KnowledgeBase>,
}

impl App {
    /// Builds the ports `settings` ask for: Redis when a URL is set, memory otherwise; the
    /// knowledge base from the sample and configured files, plus what the store has learned;
    /// the diagnostics catalog; the LLM advisor (falling back to the offline one on failure)
    /// when a model is configured, the offline advisor otherwise. Incidents are declared in
    /// place until an adapter brings a workspace that opens channels.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store: Arc<dyn Store> = match &settings.redis.url {
            Some(url) => Arc::new(RedisStore::connect(url).await.context("starting the state store")?),
            None => Arc::new(MemoryStore::new()),
        };
        let knowledge = Arc::new(load_knowledge(&settings.knowledge)?);
        let diagnostics = Arc::new(Catalog::from_settings(&settings.diagnostics).context("checking [diagnostics]")?);
        let offline = OfflineAdvisor::new(settings.knowledge.min_similarity);
        let advisor: Arc<dyn Advisor> = if settings.llm.enabled() {
            Arc::new(WithFallback::new(LlmAdvisor::from_settings(&settings.llm)?, offline))
        } else {
            Arc::new(offline)
        };
        let ports = Ports { store, knowledge: knowledge.clone(), diagnostics, advisor, workspace: Arc::new(InPlace) };
        ports.catch_up().await.context("loading what the store has learned")?;
        Ok(Self { settings, ports, knowledge })
    }

    /// The settings the app was built from.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The ports every engine of this app uses.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// The knowledge base behind the knowledge port, for the `kb` subcommands.
    pub fn knowledge(&self) -> &KnowledgeBase {
        &self.knowledge
    }

    /// An engine over the app's ports that declares incidents where they are typed (the
    /// console).
    pub fn engine(&self) -> Engine {
        Engine::new(self.ports.clone(), self.settings.engine_settings())
    }

    /// Serves the metrics when `[metrics] listen` is set, then runs the chat platform adapters
    /// the settings enable (the Discord bot) until `shutdown` completes, firing due timers
    /// (update reminders, deferred channel edits) every `[engine] timer_poll_ms` meanwhile.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        if let Some(address) = self.settings.metrics.listen {
            telemetry::serve_metrics(address).with_context(|| format!("serving metrics on {address}"))?;
        }
        let connection = discord::Connection::new(&self.settings.discord)?;
        let ports = Ports { workspace: connection.workspace(), ..self.ports };
        let engine = Arc::new(Engine::new(ports, self.settings.engine_settings()));
        let timers = tokio::spawn(fire_timers(engine.clone(), connection.outlet()));
        let result = connection.run(engine, shutdown).await;
        timers.abort();
        result?;
        Ok(())
    }
}

/// Fires the timers that fall due, every `timer_poll`, once the bot is connected (a reminder
/// fired before could not be posted), delivering what they post and reporting back what it
/// keeps in place.
async fn fire_timers(engine: Arc<Engine>, outlet: impl Fn() -> Option<discord::Outlet>) {
    let mut poll = tokio::time::interval(engine.settings().timer_poll);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        poll.tick().await;
        let Some(outlet) = outlet() else {
            debug!("not connected to Discord yet; timers wait");
            continue;
        };
        let replies = engine.fire_due(Utc::now()).await;
        outlet.deliver(&engine, &replies).await;
    }
}

/// The knowledge base the settings describe: the sample history and every configured file,
/// each validated whole.
pub fn load_knowledge(settings: &KnowledgeSettings) -> anyhow::Result<KnowledgeBase> {
    let knowledge = KnowledgeBase::new()?;
    if settings.sample {
        knowledge.add(KnowledgeBase::sample_records())?;
    }
    for path in &settings.files {
        knowledge.add(read_jsonl(path)?)?;
    }
    Ok(knowledge)
}
