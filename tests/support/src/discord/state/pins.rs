//! Pinned messages per channel. Pinning marks the message `pinned`, dispatches MESSAGE_UPDATE and
//! CHANNEL_PINS_UPDATE, and adds the "pinned a message" system message (type 6) Discord posts
//! in the channel; unpinning undoes the mark and dispatches the same two events.

use serde_json::{Value, json};

use super::super::payloads::{self, parse_id};
use super::{NewMessage, State};

/// Message type of the notice Discord posts when a message is pinned.
const PINNED_NOTICE: u8 = 6;

impl State {
    /// Pins a message of `channel_id` on behalf of `user_id`; nothing happens if it is pinned
    /// already.
    pub(crate) fn pin(&mut self, channel_id: u64, message_id: u64, user_id: u64) {
        let pins = self.pins.entry(channel_id).or_default();
        if pins.contains(&message_id) {
            return;
        }
        pins.push(message_id);
        self.set_pinned(channel_id, message_id, true);
        // The notice replies to the pinned message without pinging its author, as Discord's does.
        let body = json!({ "content": "", "allowed_mentions": { "parse": [] } });
        self.create_message(NewMessage {
            channel_id,
            author_id: user_id,
            body: &body,
            files: &[],
            kind: PINNED_NOTICE,
            flags: 0,
            reply_to: Some(message_id),
            interaction: None,
        });
    }

    /// Unpins a message of `channel_id`; nothing happens if it is not pinned.
    pub(crate) fn unpin(&mut self, channel_id: u64, message_id: u64) {
        let Some(pins) = self.pins.get_mut(&channel_id) else { return };
        let before = pins.len();
        pins.retain(|pinned| *pinned != message_id);
        if pins.len() != before {
            self.set_pinned(channel_id, message_id, false);
        }
    }

    /// The pinned messages of a channel, most recently pinned first.
    pub(crate) fn pinned(&self, channel_id: u64) -> Vec<Value> {
        let pins = self.pins.get(&channel_id).map_or(&[][..], Vec::as_slice);
        pins.iter().rev().filter_map(|message_id| self.messages.get(message_id)).cloned().collect()
    }

    /// How many messages of a channel are pinned.
    pub(crate) fn pin_count(&self, channel_id: u64) -> usize {
        self.pins.get(&channel_id).map_or(0, Vec::len)
    }

    /// Marks a message pinned or not and tells the sessions.
    fn set_pinned(&mut self, channel_id: u64, message_id: u64, pinned: bool) {
        let Some(message) = self.messages.get_mut(&message_id) else { return };
        message["pinned"] = json!(pinned);
        let message = message.clone();
        let author_id = parse_id(&message["author"]["id"]).unwrap_or_default();
        let event = self.with_member(&message, author_id);
        self.sessions.dispatch("MESSAGE_UPDATE", &event);
        let last_pin = self.pins.get(&channel_id).filter(|pins| !pins.is_empty()).map(|_| payloads::now());
        let event = json!({
            "guild_id": message["guild_id"],
            "channel_id": payloads::id(channel_id),
            "last_pin_timestamp": last_pin,
        });
        self.sessions.dispatch("CHANNEL_PINS_UPDATE", &event);
    }
}
