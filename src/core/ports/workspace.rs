//! The workspace port: the one thing the engine asks of the chat platform during a turn,
//! opening the channel a newly declared incident lives in. Everything else the platform does
//! (posting, editing, acknowledging) is the adapter rendering the turn's outbound messages.

use thiserror::Error;

/// What a new incident channel should look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelRequest<'a> {
    /// The chat server (Discord guild) to open it in, as the inbound event named it.
    pub server: Option<&'a str>,
    /// The channel's name, already in the bot's naming rule (`inc-<n>-<slug>`).
    pub name: &'a str,
    /// Its topic: the incident's title.
    pub topic: &'a str,
}

/// A channel the workspace opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedChannel {
    /// The platform's id for it, where the incident's messages go.
    pub id: String,
    /// How a message refers to it (a Discord `<#id>` link).
    pub mention: String,
}

/// Why no channel could be opened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WorkspaceError {
    /// The command came from outside a server (a direct message).
    #[error("not in a server")]
    NotInServer,
    /// The platform refused or failed.
    #[error("{0}")]
    Failed(String),
}

/// Where declared incidents get their own channel.
#[async_trait::async_trait]
pub trait Workspace: Send + Sync {
    /// Whether declared incidents get a channel of their own; when not (the console), they live
    /// in the channel where they were declared and `open_channel` is never asked.
    fn opens_channels(&self) -> bool;

    /// Opens a channel as `request` describes.
    async fn open_channel(&self, request: ChannelRequest<'_>) -> Result<OpenedChannel, WorkspaceError>;
}
