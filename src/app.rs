//! Wiring: turns `Settings` into ports and engines, and runs the platform adapters (the Discord
//! bot, the alert intake) until told to stop. `main` and the tests start Firebreak the same way:
//! `App::build(settings)` then `run_until_stopped(shutdown)` (or `run_intake(shutdown)`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::Utc;
use futures_util::FutureExt as _;
use tokio::net::TcpListener;
use tracing::debug;

use crate::adapters::console::InPlace;
use crate::adapters::console::render::Format;
use crate::adapters::discord;
use crate::adapters::intake::{self, Deliver, Intake, NamedChannels, Printed, Readiness};
use crate::advisor::OfflineAdvisor;
use crate::advisor::fallback::WithFallback;
use crate::advisor::llm::LlmAdvisor;
use crate::advisor::llm::embeddings::Embedder;
use crate::config::{Retrieval, Settings};
use crate::core::engine::Engine;
use crate::core::outbound::Outbound;
use crate::core::ports::{Advisor, Ports, Store, Workspace};
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
        let store: Arc<dyn Store> = match settings.redis.store_options() {
            Some(options) => Arc::new(RedisStore::connect_with(&options).await.context("starting the state store")?),
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
        let diagnostics = Arc::new(
            Catalog::with_change_history(&settings.diagnostics, store.clone()).context("checking [diagnostics]")?,
        );
        let offline = OfflineAdvisor::new(settings.knowledge.min_similarity);
        let advisor: Arc<dyn Advisor> = if settings.llm.enabled() {
            Arc::new(WithFallback::new(LlmAdvisor::from_settings(&settings.llm)?, offline))
        } else {
            Arc::new(offline)
        };
        let workspace = Arc::new(InPlace);
        let observer = Arc::new(telemetry::Metrics);
        let ports = Ports { store, knowledge: knowledge.clone(), diagnostics, advisor, workspace, observer };
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

    /// `firebreak run`: serves the metrics when `[metrics] listen` is set, the alert intake when
    /// `[intake] listen` is, and runs the Discord bot when a token is set, all on one engine,
    /// until `shutdown` completes, firing due timers (update reminders, deferred channel edits)
    /// every `[engine] timer_poll_ms` meanwhile. Alert incidents open in Discord when the bot runs, in channels
    /// known by name only (their messages printed) when it does not.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        if let Some(address) = self.settings.metrics.listen {
            telemetry::serve_metrics(address).with_context(|| format!("serving metrics on {address}"))?;
        }
        let discord = if self.discord_configured() {
            Some(discord::Connection::new(&self.settings.discord)?)
        } else if self.settings.intake.listen.is_some() {
            None
        } else {
            anyhow::bail!(
                "nothing to run: set DISCORD_TOKEN for the Discord bot, or [intake] listen for the alert intake"
            )
        };
        let workspace: Arc<dyn Workspace> = match &discord {
            Some(connection) => connection.workspace(),
            None => Arc::new(NamedChannels),
        };
        let engine = Arc::new(Engine::new(Ports { workspace, ..self.ports.clone() }, self.settings.engine_settings()));
        let shutdown = shutdown.shared();
        // Update reminders and deferred channel edits go out where the bot posts.
        let timers = discord.as_ref().map(|connection| {
            let delivery: Arc<dyn Deliver> = Arc::new(connection.poster());
            tokio::spawn(fire_timers(engine.clone(), delivery))
        });
        let intake = match self.settings.intake.listen {
            Some(address) => {
                let (delivery, readiness): (Arc<dyn Deliver>, Vec<Arc<dyn Readiness>>) = match &discord {
                    Some(connection) => {
                        self.require_guild()?;
                        (Arc::new(connection.poster()), vec![Arc::new(connection.gateway())])
                    }
                    None => (self.printed(), Vec::new()),
                };
                let listener = bind(address).await?;
                let intake = Intake::new(engine.clone(), self.settings.intake.clone(), delivery, readiness);
                Some(tokio::spawn(intake::serve(listener, intake, shutdown.clone())))
            }
            None => None,
        };
        let ran = match discord {
            Some(connection) => connection.run(engine, shutdown).await,
            None => {
                shutdown.await;
                Ok(())
            }
        };
        if let Some(timers) = timers {
            timers.abort();
        }
        ran?;
        if let Some(served) = intake {
            served.await.context("the alert intake")?.context("serving the alert intake")?;
        }
        Ok(())
    }

    /// `firebreak intake`: the alert intake alone, until `shutdown` completes, for deployments
    /// that keep the Discord gateway in another process. With a Discord token it opens channels
    /// and posts through Discord's HTTP API; without one, channels are names and messages are
    /// printed.
    pub async fn run_intake(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let address = self.settings.intake.listen.context("firebreak intake needs [intake] listen")?;
        if let Some(metrics) = self.settings.metrics.listen {
            telemetry::serve_metrics(metrics).with_context(|| format!("serving metrics on {metrics}"))?;
        }
        let (delivery, workspace): (Arc<dyn Deliver>, Arc<dyn Workspace>) = if self.discord_configured() {
            self.require_guild()?;
            let (poster, workspace) = discord::without_gateway(&self.settings.discord)?;
            (Arc::new(poster), workspace)
        } else {
            (self.printed(), Arc::new(NamedChannels))
        };
        let engine = Arc::new(Engine::new(Ports { workspace, ..self.ports.clone() }, self.settings.engine_settings()));
        let listener = bind(address).await?;
        let intake = Intake::new(engine, self.settings.intake.clone(), delivery, Vec::new());
        intake::serve(listener, intake, shutdown).await.context("serving the alert intake")
    }

    /// Whether a Discord bot token is set (an empty one, as an unset variable in a container
    /// often is, is not).
    fn discord_configured(&self) -> bool {
        self.settings.discord.token.as_deref().is_some_and(|token| !token.is_empty())
    }

    /// Alert incidents open their Discord channels in `[intake] guild_id`.
    fn require_guild(&self) -> anyhow::Result<()> {
        match self.settings.intake.guild_id {
            Some(_) => Ok(()),
            None => anyhow::bail!(
                "[intake] guild_id is needed with Discord: alert incidents open their channels in that server"
            ),
        }
    }

    /// Prints the intake's messages on stdout, as the console shows them.
    fn printed(&self) -> Arc<dyn Deliver> {
        Arc::new(Printed::new(std::io::stdout(), Format::Text, self.settings.engine.bot_name.clone()))
    }
}

/// Listens on `address` ([intake] listen); a port in use stops start-up.
async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address).await.with_context(|| format!("listening on {address} ([intake] listen)"))
}

#[async_trait]
impl Deliver for discord::Poster {
    fn ready(&self) -> bool {
        self.connected()
    }

    async fn deliver(&self, engine: &Engine, outbound: &[Outbound]) {
        self.post_all(engine, outbound).await;
    }
}

#[async_trait]
impl Readiness for discord::Gateway {
    fn name(&self) -> &'static str {
        "discord"
    }

    async fn ready(&self) -> bool {
        self.connected().await
    }
}

/// Fires the timers that fall due, every `timer_poll`, once the bot is connected (a reminder
/// fired before could not be posted), delivering what they post and reporting back what it
/// keeps in place.
async fn fire_timers(engine: Arc<Engine>, delivery: Arc<dyn Deliver>) {
    let mut poll = tokio::time::interval(engine.settings().timer_poll);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        poll.tick().await;
        if !delivery.ready() {
            debug!("not connected to Discord yet; timers wait");
            continue;
        }
        let replies = engine.fire_due(Utc::now()).await;
        delivery.deliver(&engine, &replies).await;
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
