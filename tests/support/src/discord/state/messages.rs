//! Messages: storing what the test posts and the bot sends, with who they ping, replies,
//! attachments (whose bytes stay readable) and edits; keeping every revision; dispatching
//! MESSAGE_CREATE and MESSAGE_UPDATE.

use serde_json::{Value, json};

use super::super::mentions;
use super::super::payloads::{self, MessageSpec, parse_id};
use super::super::records::{MessageRevision, Pings, RecordedFile};
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
    /// `content`, `embeds`, `components`, `tts`, `nonce`, `attachments` and `allowed_mentions`
    /// as sent.
    pub(crate) body: &'a Value,
    pub(crate) files: &'a [RecordedFile],
    /// Message type: 0 default, 19 reply, 20 chat-input command response, …
    pub(crate) kind: u8,
    pub(crate) flags: u64,
    pub(crate) reply_to: Option<u64>,
    /// `interaction_metadata` for a response to an interaction, sent through its webhook.
    pub(crate) interaction: Option<Value>,
}

impl State {
    /// Stores a message, dispatches MESSAGE_CREATE unless it is ephemeral, and returns it. A
    /// message in an archived thread that is not locked unarchives it, as on Discord.
    ///
    /// # Panics
    /// If the author is not a user of this server.
    pub(crate) fn create_message(&mut self, new: NewMessage<'_>) -> Value {
        let id = self.next_id();
        self.create_message_with_id(id, new)
    }

    /// As [`create_message`](Self::create_message), with an id chosen by the caller: a forum
    /// post's starter message has its thread's id.
    pub(super) fn create_message_with_id(&mut self, id: u64, new: NewMessage<'_>) -> Value {
        let guild_id = self.guild_of(new.channel_id).unwrap_or(self.config.guild_id);
        let content = new.body.get("content").and_then(Value::as_str).unwrap_or("");
        let referenced = new.reply_to.and_then(|reply_to| self.messages.get(&reply_to)).cloned();
        let replied_author = referenced.as_ref().and_then(|message| parse_id(&message["author"]["id"]));
        let pings = self.pings(guild_id, content, new.body.get("allowed_mentions"), replied_author);
        let attachments = self.attachments(new.channel_id, &[], new.body, new.files);
        let author = payloads::user(
            self.users.get(&new.author_id).unwrap_or_else(|| panic!("user {} does not exist", new.author_id)),
        );
        let spec = MessageSpec {
            id,
            channel_id: new.channel_id,
            guild_id,
            author,
            body: new.body,
            kind: new.kind,
            flags: new.flags,
            attachments,
            mentions: self.mentions_json(guild_id, &pings.users),
            mention_roles: &pings.roles,
            mention_everyone: pings.everyone,
        };
        let mut message = payloads::message(spec);
        if let Some(mut referenced) = referenced {
            if let Some(fields) = referenced.as_object_mut() {
                fields.remove("referenced_message");
            }
            message["message_reference"] = json!({
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                "guild_id": payloads::id(guild_id),
            });
            message["referenced_message"] = referenced;
        }
        if let Some(metadata) = new.interaction {
            message["webhook_id"] = payloads::id(self.config.application_id);
            message["application_id"] = payloads::id(self.config.application_id);
            message["interaction_metadata"] = metadata;
        }
        self.messages.insert(id, message.clone());
        self.revisions.insert(id, vec![revision(new.body, pings)]);
        if new.flags & EPHEMERAL == 0 {
            self.unarchive(new.channel_id);
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

    /// Applies an edit (`content`, `embeds`, `components`, `attachments` and `flags` where
    /// present, plus new files) in place: the message keeps its id, its pings follow the new
    /// content under the edit's `allowed_mentions`, LOADING is cleared and the revision kept.
    /// Dispatches MESSAGE_UPDATE unless the message is ephemeral and returns the edited message.
    /// None if the message does not exist.
    pub(crate) fn edit_message(&mut self, message_id: u64, body: &Value, files: &[RecordedFile]) -> Option<Value> {
        let mut message = self.messages.get(&message_id)?.clone();
        let channel_id = parse_id(&message["channel_id"]).unwrap_or(0);
        let guild_id = self.guild_of(channel_id).unwrap_or(self.config.guild_id);
        let kept = message["attachments"].as_array().cloned().unwrap_or_default();
        message["attachments"] = Value::Array(self.attachments(channel_id, &kept, body, files));
        let mut pings =
            self.revisions.get(&message_id).and_then(|revisions| revisions.last()).map(|last| last.pings.clone());
        if body.get("content").is_some() || body.get("allowed_mentions").is_some() {
            if let Some(content) = body.get("content") {
                message["content"] = json!(content.as_str().unwrap_or(""));
            }
            let content = message["content"].as_str().unwrap_or("").to_owned();
            let replied_author = parse_id(&message["referenced_message"]["author"]["id"]);
            let fresh = self.pings(guild_id, &content, body.get("allowed_mentions"), replied_author);
            message["mentions"] = Value::Array(self.mentions_json(guild_id, &fresh.users));
            message["mention_roles"] = payloads::ids(&fresh.roles);
            message["mention_everyone"] = json!(fresh.everyone);
            pings = Some(fresh);
        }
        if body.get("embeds").is_some() {
            message["embeds"] = payloads::embeds(body.get("embeds"));
        }
        if let Some(components) = body.get("components") {
            message["components"] = if components.is_array() { components.clone() } else { json!([]) };
        }
        let kept_flags = message["flags"].as_u64().unwrap_or(0) & EPHEMERAL;
        let sent_flags = body.get("flags").and_then(Value::as_u64).unwrap_or(message["flags"].as_u64().unwrap_or(0));
        let flags = (sent_flags & (SENDABLE_FLAGS & !EPHEMERAL)) | kept_flags;
        message["flags"] = json!(flags);
        message["edited_timestamp"] = json!(payloads::now());
        self.messages.insert(message_id, message.clone());
        self.revisions.entry(message_id).or_default().push(revision(body, pings.unwrap_or_default()));
        if flags & EPHEMERAL == 0 {
            let author_id = parse_id(&message["author"]["id"]).unwrap_or(0);
            let event = self.with_member(&message, author_id);
            self.sessions.dispatch("MESSAGE_UPDATE", &event);
        }
        Some(message)
    }

    /// Deletes a message and dispatches MESSAGE_DELETE unless it was ephemeral; its revisions
    /// stay for tests to read. The deleted message, if it existed.
    pub(crate) fn delete_message(&mut self, message_id: u64) -> Option<Value> {
        let message = self.messages.remove(&message_id)?;
        if !is_ephemeral(&message) {
            let event = json!({
                "id": message["id"],
                "channel_id": message["channel_id"],
                "guild_id": message["guild_id"],
            });
            self.sessions.dispatch("MESSAGE_DELETE", &event);
        }
        Some(message)
    }

    /// Who `content` pings in `guild_id` under `allowed_mentions`.
    fn pings(&self, guild_id: u64, content: &str, allowed: Option<&Value>, replied_author: Option<u64>) -> Pings {
        mentions::pings(
            content,
            allowed,
            replied_author,
            |user| self.users.contains_key(&user),
            |role| self.has_role(guild_id, role),
        )
    }

    /// The `mentions` of a message: each pinged user with its partial `member`.
    fn mentions_json(&self, guild_id: u64, users: &[u64]) -> Vec<Value> {
        users
            .iter()
            .filter_map(|user_id| {
                let mut user = payloads::user(self.users.get(user_id)?);
                if let Some(member) = self.member_json(guild_id, *user_id, false) {
                    user["member"] = member;
                }
                Some(user)
            })
            .collect()
    }

    /// The attachments a message ends up with: of `kept`, those the body's `attachments` list
    /// names (all of them if it has none), then one per uploaded file, described by the body
    /// entry whose id is the file's `files[N]` index. The files are kept by attachment id.
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
            self.files.insert(attachment_id, file.clone());
        }
        attachments
    }

    /// A message as the gateway carries it: with the author's partial `member`.
    pub(super) fn with_member(&self, message: &Value, author_id: u64) -> Value {
        let mut event = message.clone();
        let guild_id = parse_id(&message["guild_id"]).unwrap_or(self.config.guild_id);
        if message.get("webhook_id").is_none()
            && let Some(member) = self.member_json(guild_id, author_id, false)
        {
            event["member"] = member;
        }
        event
    }

    /// A stored message (ephemeral ones included).
    pub(crate) fn message(&self, message_id: u64) -> Option<&Value> {
        self.messages.get(&message_id)
    }

    /// Every version of a message, oldest first; empty for an unknown id.
    pub(crate) fn revisions(&self, message_id: u64) -> Vec<MessageRevision> {
        self.revisions.get(&message_id).cloned().unwrap_or_default()
    }

    /// The uploaded file behind an attachment.
    pub(crate) fn attachment_file(&self, attachment_id: u64) -> Option<&RecordedFile> {
        self.files.get(&attachment_id)
    }

    /// The messages of a channel everyone can see, oldest first.
    pub(crate) fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.messages
            .values()
            .filter(|message| parse_id(&message["channel_id"]) == Some(channel_id))
            .filter(|message| !is_ephemeral(message))
            .cloned()
            .collect()
    }

    /// The ephemeral messages only `user_id` sees (answers to its interactions), oldest first.
    pub(crate) fn ephemeral_messages(&self, user_id: u64) -> Vec<Value> {
        self.messages
            .values()
            .filter(|message| is_ephemeral(message))
            .filter(|message| parse_id(&message["interaction_metadata"]["user"]["id"]) == Some(user_id))
            .cloned()
            .collect()
    }
}

/// Whether a stored message is ephemeral.
pub(crate) fn is_ephemeral(message: &Value) -> bool {
    message["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0
}

/// A revision made by `body`.
fn revision(body: &Value, pings: Pings) -> MessageRevision {
    let allowed_mentions = body.get("allowed_mentions").filter(|allowed| !allowed.is_null()).cloned();
    MessageRevision { body: body.clone(), allowed_mentions, pings }
}
