//! The Discord adapter on serenity: registers the slash commands in every guild, turns each
//! gateway event into one `Inbound` for the engine and renders what comes back as messages,
//! embeds, components, modals, pins, channel edits and interaction responses within Discord's
//! limits. Its workspace opens the channels declared incidents live in; its [`Outlet`] delivers
//! what timers fire. Which channels hold incidents, who may do what and what to answer is the
//! engine's business.

mod commands;
mod controls;
mod handler;
mod interaction;
mod post;
mod poster;
pub mod render;
mod workspace;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, Http, HttpBuilder, ShardManager};
use thiserror::Error;

pub use self::post::Outlet;

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
    /// `[discord] ca_file` could not be read or holds no certificate.
    #[error("cannot use [discord] ca_file {path}: {reason}")]
    CaFile {
        /// The file.
        path: std::path::PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The HTTP client for `api_address` could not be built.
    #[error("cannot build the HTTP client for [discord] api_address: {0}")]
    HttpClient(reqwest::Error),
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
    archive_category: Option<ChannelId>,
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
        } else if let Some(address) = settings.api_address {
            // The rate limiter stays on: requests still name discord.com, the client sends them
            // to `address` and trusts its certificate.
            http = http.client(redirected_client(address, settings.ca_file.as_deref())?);
        }
        Ok(Self {
            http: http.build(),
            opened: Arc::new(OnceLock::new()),
            shards: Arc::new(OnceLock::new()),
            category: settings.category_id.map(ChannelId::new),
            threads_in: settings.threads_in.map(ChannelId::new),
            archive_category: settings.archive_category_id.map(ChannelId::new),
        })
    }

    /// Where the engine opens incident channels: in the guild a command came from.
    pub fn workspace(&self) -> Arc<dyn Workspace> {
        Arc::new(DiscordWorkspace { http: self.opened.clone(), category: self.category, threads_in: self.threads_in })
    }

    /// Runs the bot with `engine` until `shutdown` completes or the connection fails for good.
    pub async fn run(self, engine: Arc<Engine>, shutdown: impl Future<Output = ()>) -> Result<(), DiscordError> {
        let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
        let handler = Handler::new(engine, self.archive_category);
        let mut client = ClientBuilder::new_with_http(self.http, intents).event_handler(handler).await?;
        // The first client built fills it; a connection runs once.
        let _ = self.opened.set(client.http.clone());
        let shards = client.shard_manager.clone();
        let _ = self.shards.set(shards.clone());
        tokio::select! {
            // Discord says how many shards the bot needs (`GET /gateway/bot`): one per 2,500
            // guilds, each with its own connection.
            result = client.start_autosharded() => result.map_err(DiscordError::from),
            () = shutdown => {
                shards.shutdown_all().await;
                Ok(())
            }
        }
    }
}

/// A client whose requests for discord.com go to `address`, trusting the certificate in
/// `ca_file` besides the usual ones.
fn redirected_client(address: SocketAddr, ca_file: Option<&Path>) -> Result<reqwest::Client, DiscordError> {
    let mut builder = reqwest::Client::builder().use_rustls_tls().resolve("discord.com", address);
    if let Some(path) = ca_file {
        let failed = |reason: String| DiscordError::CaFile { path: path.to_owned(), reason };
        let pem = std::fs::read(path).map_err(|error| failed(error.to_string()))?;
        let certificate = reqwest::Certificate::from_pem(&pem).map_err(|error| failed(error.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(DiscordError::HttpClient)
}
