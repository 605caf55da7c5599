//! Wiring: turns `Settings` into ports and an `Engine`. Tests build an `App` from their own
//! ports (a Redis on a free port, a scripted advisor) through `App::from_ports`.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;

use crate::advisor::OfflineAdvisor;
use crate::config::{KnowledgeSettings, Settings};
use crate::core::engine::{Engine, EngineSettings, Ports};
use crate::diagnostics::Catalog;
use crate::knowledge::{KnowledgeBase, read_jsonl};
use crate::store::{MemoryStore, RedisStore, Store};

/// A wired Firebreak: the engine and the ports behind it.
pub struct App {
    /// The engine every adapter feeds.
    pub engine: Arc<Engine>,
    /// The ports the engine uses.
    pub ports: Ports,
}

impl App {
    /// Builds the ports `settings` asks for: Redis when a URL is set, memory otherwise; the
    /// knowledge base from the sample and configured files, plus what the store has learned;
    /// the offline advisor.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store: Arc<dyn Store> = match &settings.redis.url {
            Some(url) => Arc::new(RedisStore::connect(url).await.context("starting the state store")?),
            None => Arc::new(MemoryStore::new()),
        };
        let knowledge = Arc::new(load_knowledge(&settings.knowledge)?);
        knowledge.catch_up(store.as_ref()).await.context("loading what the store has learned")?;
        let diagnostics = Arc::new(Catalog::from_settings(&settings.diagnostics).context("checking [diagnostics]")?);
        let advisor = Arc::new(OfflineAdvisor::new(settings.knowledge.min_similarity));
        Ok(Self::from_ports(Ports { store, knowledge, diagnostics, advisor }, settings.engine_settings()))
    }

    /// Wires given ports.
    pub fn from_ports(ports: Ports, settings: EngineSettings) -> Self {
        Self { engine: Arc::new(Engine::new(ports.clone(), settings)), ports }
    }
}

impl App {
    /// Runs the chat platform adapters the settings enable (the Discord bot) until `shutdown`
    /// completes.
    pub async fn run_until_stopped(
        &self,
        settings: &Settings,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        crate::adapters::discord::run(self.engine.clone(), &settings.discord, shutdown).await?;
        Ok(())
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
