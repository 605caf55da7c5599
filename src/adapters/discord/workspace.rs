//! The Discord workspace: opens the channel (or thread) a declared incident lives in, in the
//! guild the command came from, under the configured category.

use std::sync::{Arc, OnceLock};

use serenity::all::{ChannelId, ChannelType, CreateChannel, CreateThread, GuildId, Http};
use tracing::warn;

use crate::core::ports::{ChannelRequest, OpenedChannel, Workspace, WorkspaceError};
use crate::core::text::shortened;

/// Characters of a channel topic.
const TOPIC_LIMIT: usize = 1_024;

/// Opens incident channels through the bot's HTTP client once it is connected.
pub(super) struct DiscordWorkspace {
    /// Filled when the client is built; serenity builds its HTTP client inside the client.
    pub(super) http: Arc<OnceLock<Arc<Http>>>,
    /// Category new channels go under.
    pub(super) category: Option<ChannelId>,
    /// A channel whose threads stand for incidents, instead of new channels.
    pub(super) threads_in: Option<ChannelId>,
}

#[async_trait::async_trait]
impl Workspace for DiscordWorkspace {
    fn opens_channels(&self) -> bool {
        true
    }

    async fn open_channel(&self, request: ChannelRequest<'_>) -> Result<OpenedChannel, WorkspaceError> {
        let guild = request.server.and_then(|id| id.parse::<u64>().ok()).filter(|id| *id != 0).map(GuildId::new);
        let Some(guild) = guild else { return Err(WorkspaceError::NotInServer) };
        let Some(http) = self.http.get() else {
            return Err(WorkspaceError::Failed("not connected to Discord yet".to_owned()));
        };
        let name = request.name.to_owned();
        let created = match self.threads_in {
            Some(parent) => parent.create_thread(http, CreateThread::new(name).kind(ChannelType::PublicThread)).await,
            None => {
                let topic = shortened(request.topic, TOPIC_LIMIT);
                let mut builder = CreateChannel::new(name).kind(ChannelType::Text).topic(topic);
                if let Some(category) = self.category {
                    builder = builder.category(category);
                }
                guild.create_channel(http, builder).await
            }
        };
        match created {
            Ok(channel) => Ok(OpenedChannel { id: channel.id.to_string(), mention: format!("<#{}>", channel.id) }),
            Err(error) => {
                warn!(%error, "could not create the incident channel");
                Err(WorkspaceError::Failed(error.to_string()))
            }
        }
    }
}
