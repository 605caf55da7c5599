//! The gateway sessions of the bot: each one's sequence numbers, the intents it asked for, the
//! dispatches sent to it (kept so a RESUME can replay what a dropped connection missed) and the
//! connection it is on now, if any. A dispatch goes to every session that wants it, connected or
//! not, so a resumed session misses nothing.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

/// The GUILDS intent: guild, channel, thread, pin and role events.
const GUILDS: u64 = 1 << 0;
/// The GUILD_MEMBERS intent: members joining.
const GUILD_MEMBERS: u64 = 1 << 1;
/// The GUILD_MESSAGES intent: messages in guild channels.
const GUILD_MESSAGES: u64 = 1 << 9;
/// The MESSAGE_CONTENT intent: the content of messages that neither come from nor mention the bot.
const MESSAGE_CONTENT: u64 = 1 << 15;

/// A frame for a connection's writer.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// A text frame of JSON.
    Text(String),
    /// A close frame with this code and reason; the writer stops after it.
    Close(u16, &'static str),
}

/// Every session the bot opened, by session id.
pub(crate) struct Sessions {
    bot_user_id: u64,
    sessions: BTreeMap<String, Session>,
    last_connection: u64,
}

struct Session {
    intents: u64,
    seq: u64,
    sent: Vec<(u64, String)>,
    link: Option<Link>,
}

/// The connection a session is on.
struct Link {
    connection: u64,
    sender: UnboundedSender<Outgoing>,
}

impl Sessions {
    /// No sessions yet; `bot_user_id` is whose messages keep their content without the
    /// MESSAGE_CONTENT intent.
    pub(crate) fn new(bot_user_id: u64) -> Self {
        Self { bot_user_id, sessions: BTreeMap::new(), last_connection: 0 }
    }

    /// A number for a new websocket connection.
    pub(crate) fn new_connection(&mut self) -> u64 {
        self.last_connection += 1;
        self.last_connection
    }

    /// Starts a session after a valid IDENTIFY on `connection`.
    pub(crate) fn open(&mut self, session_id: &str, intents: u64, connection: u64, sender: UnboundedSender<Outgoing>) {
        let session = Session { intents, seq: 0, sent: Vec::new(), link: Some(Link { connection, sender }) };
        self.sessions.insert(session_id.to_owned(), session);
    }

    /// Moves a known session onto `connection` after a RESUME: sends every dispatch after
    /// `after_seq` again, then RESUMED. False if the session is unknown.
    pub(crate) fn resume(
        &mut self,
        session_id: &str,
        after_seq: u64,
        connection: u64,
        sender: UnboundedSender<Outgoing>,
    ) -> bool {
        let Some(session) = self.sessions.get_mut(session_id) else { return false };
        for (_, frame) in session.sent.iter().filter(|(seq, _)| *seq > after_seq) {
            let _ = sender.send(Outgoing::Text(frame.clone()));
        }
        session.link = Some(Link { connection, sender });
        session.send("RESUMED", &json!({}));
        true
    }

    /// Sends `event` to one session, whatever its intents.
    pub(crate) fn dispatch_to(&mut self, session_id: &str, event: &str, payload: &Value) {
        if let Some(session) = self.sessions.get_mut(session_id) {
            session.send(event, payload);
        }
    }

    /// Sends `event` to every session whose intents cover it, without message content for
    /// sessions lacking MESSAGE_CONTENT (unless the bot wrote or is mentioned in the message).
    pub(crate) fn dispatch(&mut self, event: &str, payload: &Value) {
        let needed = match event {
            "GUILD_CREATE"
            | "GUILD_ROLE_CREATE"
            | "CHANNEL_CREATE"
            | "CHANNEL_UPDATE"
            | "CHANNEL_PINS_UPDATE"
            | "THREAD_CREATE"
            | "THREAD_UPDATE" => GUILDS,
            "GUILD_MEMBER_ADD" => GUILD_MEMBERS,
            "MESSAGE_CREATE" | "MESSAGE_UPDATE" => GUILD_MESSAGES,
            _ => 0,
        };
        let bot_user_id = self.bot_user_id;
        for session in self.sessions.values_mut().filter(|session| session.intents & needed == needed) {
            if needed == GUILD_MESSAGES && session.intents & MESSAGE_CONTENT == 0 {
                session.send(event, &without_content(payload, bot_user_id));
            } else {
                session.send(event, payload);
            }
        }
    }

    /// Forgets `connection` when it ends; its session stays resumable.
    pub(crate) fn detach(&mut self, connection: u64) {
        for session in self.sessions.values_mut() {
            if session.link.as_ref().is_some_and(|link| link.connection == connection) {
                session.link = None;
            }
        }
    }

    /// Closes every session's connection with `code`; the sessions stay resumable.
    pub(crate) fn disconnect_all(&mut self, code: u16, reason: &'static str) {
        for session in self.sessions.values_mut() {
            if let Some(link) = session.link.take() {
                let _ = link.sender.send(Outgoing::Close(code, reason));
            }
        }
    }

    /// How many sessions are on a live connection (identified or resumed).
    pub(crate) fn connected(&self) -> usize {
        self.sessions.values().filter(|session| session.link.is_some()).count()
    }
}

impl Session {
    fn send(&mut self, event: &str, payload: &Value) {
        self.seq += 1;
        let frame = json!({ "op": 0, "s": self.seq, "t": event, "d": payload }).to_string();
        if let Some(link) = &self.link {
            let _ = link.sender.send(Outgoing::Text(frame.clone()));
        }
        self.sent.push((self.seq, frame));
    }
}

/// A message as a session without MESSAGE_CONTENT sees it: no content, embeds, attachments,
/// components or poll, unless the bot wrote it or is mentioned in it.
fn without_content(message: &Value, bot_user_id: u64) -> Value {
    let bot = bot_user_id.to_string();
    let by_bot = message.pointer("/author/id").and_then(Value::as_str) == Some(bot.as_str());
    let mentions_bot = message
        .get("mentions")
        .and_then(Value::as_array)
        .is_some_and(|users| users.iter().any(|user| user["id"].as_str() == Some(bot.as_str())));
    let mut message = message.clone();
    if !by_bot && !mentions_bot {
        message["content"] = json!("");
        for key in ["embeds", "attachments", "components"] {
            message[key] = json!([]);
        }
        if let Some(fields) = message.as_object_mut() {
            fields.remove("poll");
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc;

    use super::*;

    fn frames(receiver: &mut mpsc::UnboundedReceiver<Outgoing>) -> Vec<Value> {
        let mut frames = Vec::new();
        while let Ok(Outgoing::Text(text)) = receiver.try_recv() {
            frames.push(serde_json::from_str(&text).unwrap());
        }
        frames
    }

    #[test]
    fn a_resumed_session_gets_what_it_missed_then_resumed() {
        let mut sessions = Sessions::new(1);
        let (sender, mut receiver) = mpsc::unbounded_channel();
        sessions.open("s", GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT, 1, sender);
        sessions.dispatch("CHANNEL_CREATE", &json!({ "id": "5" }));
        assert_eq!(frames(&mut receiver).len(), 1);
        sessions.disconnect_all(4000, "bye");
        assert!(matches!(receiver.try_recv(), Ok(Outgoing::Close(4000, _))));
        assert_eq!(sessions.connected(), 0);
        sessions.dispatch("MESSAGE_CREATE", &json!({ "id": "6", "content": "hi" }));
        let (sender, mut receiver) = mpsc::unbounded_channel();
        assert!(sessions.resume("s", 1, 2, sender));
        let replayed = frames(&mut receiver);
        let seen: Vec<(u64, &str)> =
            replayed.iter().map(|frame| (frame["s"].as_u64().unwrap(), frame["t"].as_str().unwrap())).collect();
        assert_eq!(seen, [(2, "MESSAGE_CREATE"), (3, "RESUMED")]);
        assert!(!sessions.resume("unknown", 0, 3, mpsc::unbounded_channel().0));
    }

    #[test]
    fn intents_decide_who_gets_what() {
        let mut sessions = Sessions::new(1);
        let (sender, mut receiver) = mpsc::unbounded_channel();
        sessions.open("s", GUILD_MESSAGES, 1, sender);
        sessions.dispatch("CHANNEL_CREATE", &json!({}));
        sessions.dispatch("INTERACTION_CREATE", &json!({}));
        let by_someone = json!({ "author": { "id": "2" }, "content": "secret", "embeds": [{}], "mentions": [] });
        sessions.dispatch("MESSAGE_CREATE", &by_someone);
        let to_bot = json!({ "author": { "id": "2" }, "content": "<@1> hi", "mentions": [{ "id": "1" }] });
        sessions.dispatch("MESSAGE_CREATE", &to_bot);
        let got = frames(&mut receiver);
        let kinds: Vec<&str> = got.iter().map(|frame| frame["t"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["INTERACTION_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE"]);
        assert_eq!(got[1]["d"]["content"], "");
        assert_eq!(got[1]["d"]["embeds"], json!([]));
        assert_eq!(got[2]["d"]["content"], "<@1> hi");
    }
}
