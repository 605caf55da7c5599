//! Messages: storing what the test posts and the bot sends, with mentions, replies, attachments
//! and edits, and dispatching MESSAGE_CREATE and MESSAGE_UPDATE.

use serde_json::{Value, json};

use super::super::mentions;
use super::super::payloads::{self, MessageSpec};
use super::super::records::RecordedFile;
use super::State;

/// Message flags a sender may set: SUPPRESS_EMBEDS, EPHEMERAL and SUPPRESS_NOTIFICATIONS.
pub(crate) const SENDABLE_FLAGS: u64 = 4 | EPHEMERAL | 4096;
/// The EPHEMERAL message flag: only the user of the interaction sees the message.
pub(crate) const EPHEMERAL: u64 = 64;
/// The LOADING message flag of a deferred interaction response ("is thinking…").
pub(crate) const LOADING: u64 = 128;

/// A message about to be stored and dispatched.
pub(crate) struct NewMessage<'a> {
    pub(crate) channel_id: u64,
    pub(crate) author_id: u64,
    /// `content`, `embeds`, `components`, `tts`, `nonce` and `attachments` as sent.
    pub(crate) body: &'a Value,
    pub(crate) files: &'a [RecordedFile],
    /// Message type: 0 default, 19 reply, 20 chat-input command response.
    pub(crate) kind: u8,
    pub(crate) flags: u64,
    pub(crate) reply_to: Option<u64>,
    /// `interaction_metadata` for a response to an interaction, sent through its webhook.
    pub(crate) interaction: Option<Value>,
}

impl State {
    /// Stores a message, dispatches MESSAGE_CREATE unless it is ephemeral, and returns it.
    ///
    /// # Panics
    /// If the author is not a user of this server.
    pub(crate) fn create_message(&mut self, new: NewMessage<'_>) -> Value {
        let id = self.next_id();
        let content = new.body.get("content").and_then(Value::as_str).unwrap_or("");
        let found = mentions::parse(content);
        let mentioned: Vec<Value> = found.users.iter().filter_map(|user_id| self.mention_json(*user_id)).collect();
        let mention_roles: Vec<u64> = found.roles.into_iter().filter(|role| self.roles.contains_key(role)).collect();
        let attachments = self.attachments(new.channel_id, &[], new.body, new.files);
        let author = payloads::user(
            self.users.get(&new.author_id).unwrap_or_else(|| panic!("user {} does not exist", new.author_id)),
        );
        let spec = MessageSpec {
            id,
            channel_id: new.channel_id,
            guild_id: self.config.guild_id,
            author,
            body: new.body,
            kind: new.kind,
            flags: new.flags,
            attachments,
            mentions: mentioned,
            mention_roles: &mention_roles,
            mention_everyone: found.everyone,
        };
        let mut message = payloads::message(spec);
        if let Some(referenced) = new.reply_to.and_then(|reply_to| self.messages.get(&reply_to)) {
            let mut referenced = referenced.clone();
            if let Some(fields) = referenced.as_object_mut() {
                fields.remove("referenced_message");
            }
            message["message_reference"] = json!({
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                "guild_id": payloads::id(self.config.guild_id),
            });
            message["referenced_message"] = referenced;
        }
        if let Some(metadata) = new.interaction {
            message["webhook_id"] = payloads::id(self.config.application_id);
            message["application_id"] = payloads::id(self.config.application_id);
            message["interaction_metadata"] = metadata;
        }
        self.messages.insert(id, message.clone());
        if new.flags & EPHEMERAL == 0 {
            if let Some(channel) = self.channels.get_mut(&new.channel_id) {
                channel["last_message_id"] = payloads::id(id);
                if let Some(count) = channel.get("message_count").and_then(Value::as_u64) {
                    channel["message_count"] = json!(count + 1);
                    channel["total_message_sent"] = json!(count + 1);
                }
            }
            let event = self.with_member(&message, new.author_id);
            self.sessions.dispatch("MESSAGE_CREATE", &event);
        }
        message
    }

    /// Applies an edit (`content`, `embeds`, `components`, `attachments` where present, plus
    /// new files), clears the LOADING flag, dispatches MESSAGE_UPDATE unless the message is
    /// ephemeral and returns the edited message. None if the message does not exist.
    pub(crate) fn edit_message(&mut self, message_id: u64, body: &Value, files: &[RecordedFile]) -> Option<Value> {
        let existing = self.messages.get(&message_id)?.clone();
        let channel_id = payloads::parse_id(&existing["channel_id"]).unwrap_or(0);
        let kept = existing["attachments"].as_array().cloned().unwrap_or_default();
        let attachments = self.attachments(channel_id, &kept, body, files);
        let mut message = existing;
        if let Some(content) = body.get("content") {
            let content = content.as_str().unwrap_or("");
            let found = mentions::parse(content);
            message["content"] = json!(content);
            message["mentions"] =
                Value::Array(found.users.iter().filter_map(|user_id| self.mention_json(*user_id)).collect());
            let roles: Vec<u64> = found.roles.into_iter().filter(|role| self.roles.contains_key(role)).collect();
            message["mention_roles"] = payloads::ids(&roles);
            message["mention_everyone"] = json!(found.everyone);
        }
        if body.get("embeds").is_some() {
            message["embeds"] = payloads::embeds(body.get("embeds"));
        }
        if let Some(components) = body.get("components") {
            message["components"] = if components.is_array() { components.clone() } else { json!([]) };
        }
        message["attachments"] = Value::Array(attachments);
        let flags = message["flags"].as_u64().unwrap_or(0) & !LOADING;
        message["flags"] = json!(flags);
        message["edited_timestamp"] = json!(payloads::now());
        self.messages.insert(message_id, message.clone());
        if flags & EPHEMERAL == 0 {
            let author_id = payloads::parse_id(&message["author"]["id"]).unwrap_or(0);
            let event = self.with_member(&message, author_id);
            self.sessions.dispatch("MESSAGE_UPDATE", &event);
        }
        Some(message)
    }

    /// The attachments a message ends up with: of `kept`, those the body's `attachments` list
    /// names (all of them if it has none), then one per uploaded file, described by the body
    /// entry whose id is the file's `files[N]` index.
    fn attachments(&mut self, channel_id: u64, kept: &[Value], body: &Value, files: &[RecordedFile]) -> Vec<Value> {
        let listed = body.get("attachments").and_then(Value::as_array);
        let id_text = |value: &Value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let mut attachments: Vec<Value> = match listed {
            Some(listed) => {
                let names: Vec<String> = listed.iter().map(|entry| id_text(&entry["id"])).collect();
                kept.iter().filter(|attachment| names.contains(&id_text(&attachment["id"]))).cloned().collect()
            }
            None => kept.to_vec(),
        };
        for file in files {
            let index = file.field.trim_start_matches("files[").trim_end_matches(']');
            let description = listed
                .and_then(|listed| listed.iter().find(|entry| id_text(&entry["id"]) == index))
                .and_then(|entry| entry.get("description"));
            let attachment_id = self.next_id();
            attachments.push(payloads::attachment(&self.config, channel_id, attachment_id, file, description));
        }
        attachments
    }

    /// A mentioned user with its partial `member`, if the user exists.
    fn mention_json(&self, user_id: u64) -> Option<Value> {
        let mut user = payloads::user(self.users.get(&user_id)?);
        if let Some(member) = self.member_json(user_id, false) {
            user["member"] = member;
        }
        Some(user)
    }

    /// A message as the gateway carries it: with the author's partial `member`.
    fn with_member(&self, message: &Value, author_id: u64) -> Value {
        let mut event = message.clone();
        if message.get("webhook_id").is_none()
            && let Some(member) = self.member_json(author_id, false)
        {
            event["member"] = member;
        }
        event
    }

    /// A stored message (ephemeral ones included).
    pub(crate) fn message(&self, message_id: u64) -> Option<&Value> {
        self.messages.get(&message_id)
    }

    /// The messages of a channel everyone can see, oldest first.
    pub(crate) fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        let channel = channel_id.to_string();
        self.messages
            .values()
            .filter(|message| message["channel_id"].as_str() == Some(channel.as_str()))
            .filter(|message| message["flags"].as_u64().unwrap_or(0) & EPHEMERAL == 0)
            .cloned()
            .collect()
    }
}
