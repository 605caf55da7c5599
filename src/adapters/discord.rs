//! The Discord adapter on serenity: joins incident channels (creates them on `/incident
//! declare`, follows channels whose names match a pattern, or is attached to one), registers
//! the slash commands in every guild, records every message in incident channels, answers
//! messages that mention it or reply to it, and renders answers within Discord's limits.

mod channels;
mod commands;
mod handler;
pub mod render;

use std::future::Future;
use std::sync::Arc;

use regex::Regex;
use serenity::all::{ChannelId, ClientBuilder, GatewayIntents, HttpBuilder};
use thiserror::Error;

use self::handler::Handler;
use crate::config::DiscordSettings;
use crate::core::engine::Engine;

/// Why the bot could not run.
#[derive(Debug, Error)]
pub enum DiscordError {
    /// No bot token in the settings or `DISCORD_TOKEN`.
    #[error("no Discord bot token: set DISCORD_TOKEN (or [discord] token)")]
    NoToken,
    /// The follow pattern is not a valid regex.
    #[error("invalid [discord] follow_pattern: {0}")]
    Pattern(#[from] regex::Error),
    /// The client failed to start or lost its connection for good.
    #[error("Discord client failed: {0}")]
    Client(#[from] serenity::Error),
}

/// What the handler needs from the settings, checked once.
#[derive(Debug, Clone)]
struct DiscordOptions {
    category: Option<ChannelId>,
    threads_in: Option<ChannelId>,
    follow: Option<Regex>,
}

/// Text the adapter itself writes (the rest comes from the engine).
mod wording {
    use serenity::all::ChannelId;

    use crate::core::incident::IncidentId;

    pub const GUILD_ONLY: &str = "Incidents can only be declared inside a server.";
    pub const STORE_DOWN: &str = "I can't reach the incident store right now; please try again in a moment.";
    pub const DONE: &str = "Done.";

    pub fn opened(id: IncidentId, channel: ChannelId) -> String {
        format!("Opened <#{channel}> for {id}.")
    }

    pub fn channel_failed(reason: &str) -> String {
        format!(
            "I couldn't create the incident channel ({reason}). Check that I may manage channels, or use /incident attach in an existing channel."
        )
    }
}

/// Runs the bot until `shutdown` completes or the connection fails for good.
pub async fn run(
    engine: Arc<Engine>,
    settings: &DiscordSettings,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DiscordError> {
    let token = settings.token.as_deref().filter(|token| !token.is_empty()).ok_or(DiscordError::NoToken)?;
    let options = DiscordOptions {
        category: settings.category_id.map(ChannelId::new),
        threads_in: settings.threads_in.map(ChannelId::new),
        follow: settings.follow_pattern.as_deref().map(Regex::new).transpose()?,
    };
    let mut http = HttpBuilder::new(token);
    if let Some(base) = &settings.api_base {
        // serenity only sends through a proxy with its rate limiter off (it would build its
        // own requests to discord.com otherwise); a local API base is for test servers.
        http = http.proxy(base.clone()).ratelimiter_disabled(true);
    }
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT;
    let mut client =
        ClientBuilder::new_with_http(http.build(), intents).event_handler(Handler::new(engine, options)).await?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => result.map_err(DiscordError::from),
        () = shutdown => {
            shards.shutdown_all().await;
            Ok(())
        }
    }
}
