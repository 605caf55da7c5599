//! The guilds' channels and threads: adding them (with CHANNEL_CREATE or THREAD_CREATE), forum
//! posts (a thread whose starter message has the thread's id), edits (CHANNEL_UPDATE or
//! THREAD_UPDATE), unarchiving a thread when someone posts in it, and looking them up.

use serde_json::{Value, json};

use super::super::payloads::{self, ChannelSpec, ThreadSpec, parse_id};
use super::{NewMessage, State};

/// Channel types that hold messages: text, voice, announcement, the three thread kinds, stage.
const MESSAGE_CHANNELS: [u8; 7] = [0, 2, 5, 10, 11, 12, 13];
/// Thread channel types: announcement thread, public thread, private thread.
const THREADS: [u8; 3] = [10, 11, 12];
/// The channel type of a category.
pub(crate) const CATEGORY: u8 = 4;
/// The channel type of a forum, whose posts are threads.
pub(crate) const FORUM: u8 = 15;
/// The channel type of a public thread.
const PUBLIC_THREAD: u8 = 11;
/// The channel type of an announcement channel, whose threads are announcement threads.
const ANNOUNCEMENT: u8 = 5;
/// The channel type of a thread under an announcement channel.
const ANNOUNCEMENT_THREAD: u8 = 10;
/// Minutes of inactivity before a thread is archived, unless it is made with another duration.
pub(crate) const DEFAULT_ARCHIVE_DURATION: u64 = 1440;

/// A thread about to be made.
pub(crate) struct NewThread<'a> {
    pub(crate) parent_id: u64,
    /// The message of the parent channel it starts from; the thread takes its id.
    pub(crate) from_message: Option<u64>,
    pub(crate) name: &'a str,
    pub(crate) kind: u8,
    pub(crate) auto_archive_duration: u64,
    pub(crate) owner_id: u64,
}

/// The changes of one channel edit, already checked.
#[derive(Default)]
pub(crate) struct ChannelEdit<'a> {
    pub(crate) name: Option<&'a str>,
    /// `Some(None)` clears the topic.
    pub(crate) topic: Option<Option<&'a str>>,
    /// `Some(None)` moves the channel out of its category.
    pub(crate) parent_id: Option<Option<u64>>,
    pub(crate) archived: Option<bool>,
    pub(crate) locked: Option<bool>,
    pub(crate) auto_archive_duration: Option<u64>,
}

impl State {
    /// Adds a guild channel and dispatches CHANNEL_CREATE.
    pub(crate) fn add_channel(
        &mut self,
        guild_id: u64,
        kind: u8,
        name: &str,
        parent_id: Option<u64>,
        topic: Option<&str>,
    ) -> Value {
        let name = channel_name(kind, name);
        let id = self.next_id();
        let position = self
            .channels
            .values()
            .filter(|channel| parse_id(&channel["guild_id"]) == Some(guild_id) && !is_thread(channel))
            .count();
        let spec = ChannelSpec { id, guild_id, kind, name: &name, position, parent_id, topic };
        let channel = payloads::channel(&spec);
        self.channels.insert(id, channel.clone());
        self.sessions.dispatch("CHANNEL_CREATE", &channel);
        channel
    }

    /// Adds a thread under its parent (with the id of its starter message, if any, as Discord
    /// does) and dispatches THREAD_CREATE.
    pub(crate) fn add_thread(&mut self, new: NewThread<'_>) -> Value {
        let id = new.from_message.unwrap_or_else(|| self.next_id());
        let spec = ThreadSpec {
            id,
            guild_id: self.guild_of(new.parent_id).unwrap_or(self.config.guild_id),
            parent_id: new.parent_id,
            owner_id: new.owner_id,
            kind: new.kind,
            name: new.name,
            auto_archive_duration: new.auto_archive_duration,
        };
        let thread = payloads::thread(&spec);
        self.channels.insert(id, thread.clone());
        if let Some(message) = new.from_message.and_then(|message_id| self.messages.get_mut(&message_id)) {
            message["thread"] = thread.clone();
        }
        let mut event = thread.clone();
        event["newly_created"] = json!(true);
        self.sessions.dispatch("THREAD_CREATE", &event);
        thread
    }

    /// Posts in a forum: a public thread, then its starter message (by `author_id`, made of
    /// `body`) with the thread's id. Returns the thread with the message under `message`, as
    /// Discord answers.
    pub(crate) fn add_forum_post(
        &mut self,
        forum_id: u64,
        author_id: u64,
        name: &str,
        body: &Value,
        auto_archive_duration: u64,
    ) -> Value {
        let mut thread = self.add_thread(NewThread {
            parent_id: forum_id,
            from_message: None,
            name,
            kind: PUBLIC_THREAD,
            auto_archive_duration,
            owner_id: author_id,
        });
        let thread_id = parse_id(&thread["id"]).unwrap_or_default();
        let message = self.create_message_with_id(
            thread_id,
            NewMessage {
                channel_id: thread_id,
                author_id,
                body,
                files: &[],
                kind: 0,
                flags: 0,
                reply_to: None,
                interaction: None,
            },
        );
        thread = self.channels.get(&thread_id).cloned().unwrap_or(thread);
        thread["message"] = message;
        thread
    }

    /// A member starts a thread without a starter message under a text channel (a public
    /// thread) or an announcement channel (an announcement thread) and posts `body` in it first.
    /// Returns the thread.
    pub(crate) fn add_member_thread(&mut self, parent_id: u64, author_id: u64, name: &str, body: &Value) -> Value {
        let kind = if self.channel_kind(parent_id) == Some(ANNOUNCEMENT) { ANNOUNCEMENT_THREAD } else { PUBLIC_THREAD };
        let thread = self.add_thread(NewThread {
            parent_id,
            from_message: None,
            name,
            kind,
            auto_archive_duration: DEFAULT_ARCHIVE_DURATION,
            owner_id: author_id,
        });
        let thread_id = parse_id(&thread["id"]).unwrap_or_default();
        self.create_message(NewMessage {
            channel_id: thread_id,
            author_id,
            body,
            files: &[],
            kind: 0,
            flags: 0,
            reply_to: None,
            interaction: None,
        });
        self.channels.get(&thread_id).cloned().unwrap_or(thread)
    }

    /// Applies a checked edit to a channel or thread, dispatches CHANNEL_UPDATE or THREAD_UPDATE
    /// and returns the channel as it stands. None for an unknown channel.
    pub(crate) fn edit_channel(&mut self, channel_id: u64, edit: &ChannelEdit<'_>) -> Option<Value> {
        let channel = self.channels.get_mut(&channel_id)?;
        let kind = channel["type"].as_u64().and_then(|kind| u8::try_from(kind).ok()).unwrap_or_default();
        let thread = is_thread(channel);
        if let Some(name) = edit.name {
            channel["name"] = json!(channel_name(kind, name));
        }
        if !thread {
            if let Some(topic) = edit.topic {
                channel["topic"] = json!(topic);
            }
            if let Some(parent_id) = edit.parent_id {
                channel["parent_id"] = json!(parent_id.map(payloads::id));
            }
        }
        if thread {
            let metadata = &mut channel["thread_metadata"];
            if let Some(archived) = edit.archived.filter(|archived| metadata["archived"] != *archived) {
                metadata["archived"] = json!(archived);
                metadata["archive_timestamp"] = json!(payloads::now());
            }
            if let Some(locked) = edit.locked {
                metadata["locked"] = json!(locked);
            }
            if let Some(duration) = edit.auto_archive_duration {
                metadata["auto_archive_duration"] = json!(duration);
            }
        }
        let channel = channel.clone();
        self.sessions.dispatch(if thread { "THREAD_UPDATE" } else { "CHANNEL_UPDATE" }, &channel);
        Some(channel)
    }

    /// Unarchives an archived thread that is not locked, as a new message in it does.
    pub(super) fn unarchive(&mut self, channel_id: u64) {
        let archived = self.channels.get(&channel_id).is_some_and(|channel| {
            channel["thread_metadata"]["archived"] == true && channel["thread_metadata"]["locked"] != true
        });
        if archived {
            self.edit_channel(channel_id, &ChannelEdit { archived: Some(false), ..ChannelEdit::default() });
        }
    }

    /// A channel or thread.
    pub(crate) fn channel(&self, channel_id: u64) -> Option<&Value> {
        self.channels.get(&channel_id)
    }

    /// The guild a channel or thread belongs to.
    pub(crate) fn guild_of(&self, channel_id: u64) -> Option<u64> {
        self.channels.get(&channel_id).and_then(|channel| parse_id(&channel["guild_id"]))
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

    /// Whether a thread is archived and locked: only moderators may post or unarchive.
    pub(crate) fn is_locked_thread(&self, channel_id: u64) -> bool {
        self.channels.get(&channel_id).is_some_and(|channel| {
            channel["thread_metadata"]["archived"] == true && channel["thread_metadata"]["locked"] == true
        })
    }

    /// Every channel and thread, in creation order.
    pub(crate) fn channels(&self) -> Vec<Value> {
        self.channels.values().cloned().collect()
    }

    /// A guild's channels without threads, as `GET /guilds/{g}/channels` lists them.
    pub(crate) fn guild_channels(&self, guild_id: u64) -> Vec<Value> {
        self.channels
            .values()
            .filter(|channel| parse_id(&channel["guild_id"]) == Some(guild_id) && !is_thread(channel))
            .cloned()
            .collect()
    }
}

/// A channel name as Discord stores it: text and announcement channel names lowercased with
/// whitespace made dashes.
fn channel_name(kind: u8, name: &str) -> String {
    if matches!(kind, 0 | 5) { name.trim().to_lowercase().replace(char::is_whitespace, "-") } else { name.to_owned() }
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
pub(crate) fn is_thread(channel: &Value) -> bool {
    channel["type"].as_u64().is_some_and(|kind| THREADS.iter().any(|thread| u64::from(*thread) == kind))
}
