//! The Discord adapter on serenity: registers the slash commands in every guild, turns each
//! gateway event into one `Inbound` for the engine and renders what comes back as messages,
//! embeds and interaction responses within Discord's limits. Its workspace opens the channels
//! declared incidents live in. Which channels hold incidents, who may do what and what to
//! answer is the engine's business.

mod commands;
mod handler;
mod poster;
pub mod render;
mod workspace;

use std::future::Future;
use std::sync::{Arc, OnceLock};

use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, Http, HttpBuilder, ShardManager};
use thiserror::Error;

use self::handler::Handler;
pub use self::poster::{Gateway, Poster, without_gateway};
use self::workspace::DiscordWorkspace;
use crate::config::DiscordSettings;
use crate::core::engine::Engine;
use crate::core::ports::Workspace;

/// Why the bot could not run.
#[derive(Debug, Error)]
pub enum DiscordError {
    /// No bot token in the settings or `DISCORD_TOKEN`.
    #[error("no Discord bot token: set DISCORD_TOKEN (or [discord] token)")]
    NoToken,
    /// The client failed to start or lost its connection for good.
    #[error("Discord client failed: {0}")]
    Client(Box<serenity::Error>),
}

impl From<serenity::Error> for DiscordError {
    fn from(error: serenity::Error) -> Self {
        // Boxed: serenity's error is large, and most results here carry none.
        DiscordError::Client(Box::new(error))
    }
}

/// The bot's connection to Discord, before it starts: its HTTP client and the workspace that
/// opens incident channels through it.
pub struct Connection {
    http: Http,
    opened: Arc<OnceLock<Arc<Http>>>,
    shards: Arc<OnceLock<Arc<ShardManager>>>,
    category: Option<ChannelId>,
    threads_in: Option<ChannelId>,
}

impl Connection {
    /// Checks the settings and prepares the HTTP client; nothing is sent yet.
    pub fn new(settings: &DiscordSettings) -> Result<Self, DiscordError> {
        let token = settings.token.as_deref().filter(|token| !token.is_empty()).ok_or(DiscordError::NoToken)?;
        let mut http = HttpBuilder::new(token);
        if let Some(base) = &settings.api_base {
            // serenity only sends through a proxy with its rate limiter off (it would build its
            // own requests to discord.com otherwise); a local API base is for test servers.
            http = http.proxy(base.clone()).ratelimiter_disabled(true);
        }
        Ok(Self {
            http: http.build(),
            opened: Arc::new(OnceLock::new()),
            shards: Arc::new(OnceLock::new()),
            category: settings.category_id.map(ChannelId::new),
            threads_in: settings.threads_in.map(ChannelId::new),
        })
    }

    /// Where the engine opens incident channels: in the guild a command came from.
    pub fn workspace(&self) -> Arc<dyn Workspace> {
        Arc::new(DiscordWorkspace { http: self.opened.clone(), category: self.category, threads_in: self.threads_in })
    }

    /// Runs the bot with `engine` until `shutdown` completes or the connection fails for good.
    pub async fn run(self, engine: Arc<Engine>, shutdown: impl Future<Output = ()>) -> Result<(), DiscordError> {
        let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
        let mut client = ClientBuilder::new_with_http(self.http, intents).event_handler(Handler::new(engine)).await?;
        // The first client built fills it; a connection runs once.
        let _ = self.opened.set(client.http.clone());
        let shards = client.shard_manager.clone();
        let _ = self.shards.set(shards.clone());
        tokio::select! {
            result = client.start() => result.map_err(DiscordError::from),
            () = shutdown => {
                shards.shutdown_all().await;
                Ok(())
            }
        }
    }
}
