//! Wiring: turns `Settings` into ports and an `Engine`. Tests build an `App` from their own
//! ports (a Redis on a free port, a scripted advisor) through `App::from_ports`.

use std::sync::Arc;

use anyhow::Context as _;

use crate::advisor::{Advisor, OfflineAdvisor};
use crate::config::Settings;
use crate::core::engine::{Engine, EngineSettings};
use crate::store::{MemoryStore, RedisStore, Store};

/// A wired Firebreak: the engine and the ports behind it.
pub struct App {
    /// The engine every adapter feeds.
    pub engine: Arc<Engine>,
}

impl App {
    /// Builds the ports `settings` asks for: Redis when a URL is set, memory otherwise; the
    /// offline advisor.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store: Arc<dyn Store> = match &settings.redis.url {
            Some(url) => Arc::new(RedisStore::connect(url).await.context("starting the state store")?),
            None => Arc::new(MemoryStore::new()),
        };
        Ok(Self::from_ports(store, Arc::new(OfflineAdvisor::new()), settings.engine_settings()))
    }

    /// Wires given ports.
    pub fn from_ports(store: Arc<dyn Store>, advisor: Arc<dyn Advisor>, settings: EngineSettings) -> Self {
        Self { engine: Arc::new(Engine::new(store, advisor, settings)) }
    }
}
