//! The guild's channels and threads: adding them (with CHANNEL_CREATE or THREAD_CREATE) and
//! looking them up.

use serde_json::{Value, json};

use super::super::payloads::{self, ChannelSpec, ThreadSpec};
use super::State;

/// Channel types that hold messages: text, voice, announcement, the three thread kinds, stage.
const MESSAGE_CHANNELS: [u8; 7] = [0, 2, 5, 10, 11, 12, 13];
/// Thread channel types: announcement thread, public thread, private thread.
const THREADS: [u8; 3] = [10, 11, 12];

impl State {
    /// Adds a guild channel and dispatches CHANNEL_CREATE. Text and announcement channel names
    /// are lowercased with spaces turned into dashes, as Discord does.
    pub(crate) fn add_channel(&mut self, kind: u8, name: &str, parent_id: Option<u64>, topic: Option<&str>) -> Value {
        let name = if matches!(kind, 0 | 5) {
            name.trim().to_lowercase().replace(char::is_whitespace, "-")
        } else {
            name.to_owned()
        };
        let id = self.next_id();
        let position = self.channels.values().filter(|channel| !is_thread(channel)).count();
        let spec = ChannelSpec { id, guild_id: self.config.guild_id, kind, name: &name, position, parent_id, topic };
        let channel = payloads::channel(&spec);
        self.channels.insert(id, channel.clone());
        self.sessions.dispatch("CHANNEL_CREATE", &channel);
        channel
    }

    /// Adds a thread under `parent_id` (with the id of its starter message, if any, as Discord
    /// does) and dispatches THREAD_CREATE.
    pub(crate) fn add_thread(
        &mut self,
        parent_id: u64,
        starter: Option<u64>,
        name: &str,
        kind: u8,
        auto_archive_duration: u64,
    ) -> Value {
        let id = starter.unwrap_or_else(|| self.next_id());
        let spec = ThreadSpec {
            id,
            guild_id: self.config.guild_id,
            parent_id,
            owner_id: self.config.bot_user_id,
            kind,
            name,
            auto_archive_duration,
        };
        let thread = payloads::thread(&spec);
        self.channels.insert(id, thread.clone());
        if let Some(message) = starter.and_then(|message_id| self.messages.get_mut(&message_id)) {
            message["thread"] = thread.clone();
        }
        let mut event = thread.clone();
        event["newly_created"] = json!(true);
        self.sessions.dispatch("THREAD_CREATE", &event);
        thread
    }

    /// A channel or thread.
    pub(crate) fn channel(&self, channel_id: u64) -> Option<&Value> {
        self.channels.get(&channel_id)
    }

    /// The type of a channel or thread.
    pub(crate) fn channel_kind(&self, channel_id: u64) -> Option<u8> {
        self.channels
            .get(&channel_id)
            .and_then(|channel| channel["type"].as_u64())
            .and_then(|kind| u8::try_from(kind).ok())
    }

    /// Whether a channel can hold messages.
    pub(crate) fn holds_messages(&self, channel_id: u64) -> bool {
        self.channel_kind(channel_id).is_some_and(|kind| MESSAGE_CHANNELS.contains(&kind))
    }

    /// Every channel and thread, in creation order.
    pub(crate) fn channels(&self) -> Vec<Value> {
        self.channels.values().cloned().collect()
    }

    /// The guild's channels without threads, as `GET /guilds/{g}/channels` lists them.
    pub(crate) fn guild_channels(&self) -> Vec<Value> {
        self.channels.values().filter(|channel| !is_thread(channel)).cloned().collect()
    }
}

/// A channel as interactions carry it: id, name, type, parent, thread metadata, and the
/// permissions the user has in it.
pub(super) fn partial_channel(channel: &Value, permissions: u64) -> Value {
    let mut partial = json!({
        "id": channel["id"],
        "name": channel["name"],
        "type": channel["type"],
        "parent_id": channel.get("parent_id").cloned().unwrap_or(Value::Null),
        "permissions": permissions.to_string(),
    });
    if let Some(metadata) = channel.get("thread_metadata") {
        partial["thread_metadata"] = metadata.clone();
    }
    partial
}

/// Whether a channel object is a thread.
pub(super) fn is_thread(channel: &Value) -> bool {
    channel["type"].as_u64().is_some_and(|kind| THREADS.iter().any(|thread| u64::from(*thread) == kind))
}
