//! Discord without the gateway: posting the engine's messages through serenity's HTTP client
//! alone, for turns that no gateway event started (alerts reaching the intake), and telling
//! whether the gateway is connected, for readiness. `firebreak run` shares the client its
//! gateway connection builds; `firebreak intake` builds one of its own from the settings.

use std::sync::{Arc, OnceLock};

use serenity::all::{ChannelId, ConnectionStage, Http, ShardManager};
use tracing::warn;

use super::post::Outlet;
use super::workspace::DiscordWorkspace;
use super::{Connection, DiscordError};
use crate::config::DiscordSettings;
use crate::core::engine::Engine;
use crate::core::outbound::Outbound;
use crate::core::ports::Workspace;

/// Posts messages through the bot's HTTP client, once there is one.
#[derive(Clone)]
pub struct Poster {
    http: Arc<OnceLock<Arc<Http>>>,
    archive_category: Option<ChannelId>,
}

impl Poster {
    /// Whether the HTTP client is up.
    pub fn connected(&self) -> bool {
        self.http.get().is_some()
    }

    /// Posts each message in its channel, keeping cards and announcements in place and
    /// reporting to `engine` the ones it posts; a failure is logged and the rest still posted.
    pub async fn post_all(&self, engine: &Engine, replies: &[Outbound]) {
        match self.http.get() {
            Some(http) => {
                let outlet = Outlet { http: http.clone(), archive_category: self.archive_category };
                outlet.deliver(engine, replies).await;
            }
            None if replies.is_empty() => {}
            None => warn!(messages = replies.len(), "not connected to Discord yet; messages not posted"),
        }
    }
}

/// Whether the bot's gateway connection is up.
#[derive(Clone)]
pub struct Gateway {
    shards: Arc<OnceLock<Arc<ShardManager>>>,
}

impl Gateway {
    /// True once every shard is connected (and not while one is resuming or reconnecting).
    pub async fn connected(&self) -> bool {
        let Some(shards) = self.shards.get() else { return false };
        let runners = shards.runners.lock().await;
        !runners.is_empty() && runners.values().all(|runner| runner.stage == ConnectionStage::Connected)
    }
}

impl Connection {
    /// Posts through the client this connection builds when it runs.
    pub fn poster(&self) -> Poster {
        Poster { http: self.opened.clone(), archive_category: self.archive_category }
    }

    /// Whether this connection's gateway is up.
    pub fn gateway(&self) -> Gateway {
        Gateway { shards: self.shards.clone() }
    }
}

/// A poster and a workspace with an HTTP client of their own and no gateway, for a process that
/// leaves the gateway to another (`firebreak intake`).
pub fn without_gateway(settings: &DiscordSettings) -> Result<(Poster, Arc<dyn Workspace>), DiscordError> {
    let Connection { http, opened, category, threads_in, archive_category, .. } = Connection::new(settings)?;
    // Just made, so nothing has filled it.
    let _ = opened.set(Arc::new(http));
    let workspace = DiscordWorkspace { http: opened.clone(), category, threads_in };
    Ok((Poster { http: opened, archive_category }, Arc::new(workspace)))
}
