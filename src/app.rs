//! Wiring: turns `Settings` into ports and an `Engine`. Tests build an `App` from their own
//! ports (a Redis on a free port, a scripted advisor) through `App::from_ports`.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use crate::advisor::fallback::WithFallback;
use crate::advisor::llm::LlmAdvisor;
use crate::advisor::{Advisor, OfflineAdvisor};
use crate::config::{KnowledgeSettings, Settings};
use crate::core::engine::{Engine, EngineSettings, Ports};
use crate::diagnostics::Catalog;
use crate::knowledge::{KnowledgeBase, read_jsonl};
use crate::prompts::Prompts;
use crate::store::{MemoryStore, RedisStore, Store};
use crate::telemetry;

/// Where prompt templates are looked for when `[llm] prompts_dir` is unset.
const DEFAULT_PROMPTS_DIR: &str = "prompts";

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
    /// the diagnostics catalog; the LLM advisor (falling back to the offline one on failure)
    /// when a model is configured, the offline advisor otherwise.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store: Arc<dyn Store> = match &settings.redis.url {
            Some(url) => Arc::new(RedisStore::connect(url).await.context("starting the state store")?),
            None => Arc::new(MemoryStore::new()),
        };
        let knowledge = Arc::new(load_knowledge(&settings.knowledge)?);
        knowledge.catch_up(store.as_ref()).await.context("loading what the store has learned")?;
        let diagnostics = Arc::new(Catalog::from_settings(&settings.diagnostics).context("checking [diagnostics]")?);
        let offline = OfflineAdvisor::new(settings.knowledge.min_similarity);
        let advisor: Arc<dyn Advisor> = if settings.llm.enabled() {
            Arc::new(WithFallback::new(llm_advisor(settings)?, offline))
        } else {
            Arc::new(offline)
        };
        Ok(Self::from_ports(Ports { store, knowledge, diagnostics, advisor }, settings.engine_settings()))
    }

    /// Wires given ports.
    pub fn from_ports(ports: Ports, settings: EngineSettings) -> Self {
        Self { engine: Arc::new(Engine::new(ports.clone(), settings)), ports }
    }
}

/// The LLM advisor `[llm]` describes, its prompts loaded and checked.
pub fn llm_advisor(settings: &Settings) -> anyhow::Result<LlmAdvisor> {
    let prompts = match &settings.llm.prompts_dir {
        Some(dir) => Prompts::load(dir)?,
        None => Prompts::load_or_builtin(Path::new(DEFAULT_PROMPTS_DIR))?,
    };
    LlmAdvisor::new(settings.llm.clone(), prompts).context("setting up the LLM client")
}

impl App {
    /// Serves the metrics when `[metrics] listen` is set, then runs the chat platform adapters
    /// the settings enable (the Discord bot) until `shutdown` completes.
    pub async fn run_until_stopped(
        &self,
        settings: &Settings,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        if let Some(address) = settings.metrics.listen {
            telemetry::serve_metrics(address).with_context(|| format!("serving metrics on {address}"))?;
        }
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
