//! Wiring: turns `Settings` into ports and engines, and runs the platform adapters until told
//! to stop. `main` and the tests start Firebreak the same way: `App::build(settings)` then
//! `run_until_stopped(shutdown)`.

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;

use crate::adapters::console::InPlace;
use crate::adapters::discord;
use crate::advisor::OfflineAdvisor;
use crate::advisor::fallback::WithFallback;
use crate::advisor::llm::LlmAdvisor;
use crate::advisor::llm::embeddings::Embedder;
use crate::config::{Retrieval, Settings};
use crate::core::engine::Engine;
use crate::core::ports::{Advisor, Ports, Store};
use crate::diagnostics::Catalog;
use crate::knowledge::dense::{DenseIndex, EmbeddingCache};
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
        let knowledge = Arc::new(load_knowledge(&settings)?);
        match knowledge.embed_pending().await {
            Ok(embedded) if embedded > 0 => tracing::info!(embedded, "embedded the knowledge base"),
            Ok(_) => {}
            Err(failure) => {
                tracing::warn!(%failure, "embedding the knowledge base failed; retried at the first search")
            }
        }
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
    /// the settings enable (the Discord bot) until `shutdown` completes.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        if let Some(address) = self.settings.metrics.listen {
            telemetry::serve_metrics(address).with_context(|| format!("serving metrics on {address}"))?;
        }
        let connection = discord::Connection::new(&self.settings.discord)?;
        let ports = Ports { workspace: connection.workspace(), ..self.ports };
        let engine = Arc::new(Engine::new(ports, self.settings.engine_settings()));
        connection.run(engine, shutdown).await?;
        Ok(())
    }
}

/// An empty knowledge base searching the way `[knowledge] retrieval` says: BM25, or BM25
/// fused with the embeddings of `[llm] embedding_model` (kept in `embedding_cache` when set).
pub fn empty_knowledge(settings: &Settings) -> anyhow::Result<KnowledgeBase> {
    match settings.knowledge.retrieval {
        Retrieval::Bm25 => Ok(KnowledgeBase::new()?),
        Retrieval::Hybrid => {
            let embedder = Embedder::from_settings(&settings.llm)?
                .context("[knowledge] retrieval = \"hybrid\" needs [llm] embedding_model")?;
            let cache = match &settings.knowledge.embedding_cache {
                Some(path) => EmbeddingCache::in_file(path)?,
                None => EmbeddingCache::in_memory(),
            };
            Ok(KnowledgeBase::with_dense(DenseIndex::new(Arc::new(embedder), cache)))
        }
    }
}

/// The knowledge base the settings describe: the sample history and every configured file,
/// each validated whole.
pub fn load_knowledge(all: &Settings) -> anyhow::Result<KnowledgeBase> {
    let (knowledge, settings) = (empty_knowledge(all)?, &all.knowledge);
    if settings.sample {
        knowledge.add(KnowledgeBase::sample_records())?;
    }
    for path in &settings.files {
        knowledge.add(read_jsonl(path)?)?;
    }
    Ok(knowledge)
}
