//! The gateway websocket at `/gateway`: HELLO on connect, op 11 for every heartbeat, IDENTIFY
//! (token checked, else close 4004; then READY and GUILD_CREATE), RESUME (the dispatches the
//! session missed, then RESUMED; an unknown session gets op 9 `false` so the client identifies
//! anew). Frames are plain-text JSON; every dispatch carries the session's next sequence number.
//! With a traffic record, every frame sent or received is appended to it.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc::{self, UnboundedSender};

use super::sessions::Outgoing;
use super::state::Shared;

/// Close code for an opcode the gateway does not take from clients.
const UNKNOWN_OPCODE: u16 = 4001;
/// Close code for a frame that is not JSON text.
const DECODE_ERROR: u16 = 4002;
/// Close code for a wrong token in IDENTIFY or RESUME; serenity gives up on it.
const AUTHENTICATION_FAILED: u16 = 4004;
/// Close code for a second IDENTIFY on one connection.
const ALREADY_AUTHENTICATED: u16 = 4005;
/// Close code for an IDENTIFY without intents.
const INVALID_INTENTS: u16 = 4013;

/// Accepts the websocket upgrade of a gateway connection.
pub(crate) async fn upgrade(State(shared): State<Arc<Shared>>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |socket| serve(shared, socket))
}

/// Runs one connection: a writer task drains the connection's queue into the socket while this
/// task reads the client's frames, until either side closes.
async fn serve(shared: Arc<Shared>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (sender, mut queue) = mpsc::unbounded_channel::<Outgoing>();
    let (connection, interval, traffic) = shared.update(|state| {
        let interval = state.config.options.heartbeat_interval.as_millis();
        (state.sessions.new_connection(), interval, state.traffic.clone())
    });
    let sent_traffic = traffic.clone();
    let writer = tokio::spawn(async move {
        while let Some(outgoing) = queue.recv().await {
            let (message, last) = match outgoing {
                Outgoing::Text(text) => {
                    if let Some(traffic) = &sent_traffic {
                        traffic.gateway("sent", connection, &text);
                    }
                    (Message::Text(text.into()), false)
                }
                Outgoing::Close(code, reason) => {
                    (Message::Close(Some(CloseFrame { code, reason: reason.into() })), true)
                }
            };
            if sink.send(message).await.is_err() || last {
                break;
            }
        }
    });
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": interval } });
    let _ = sender.send(Outgoing::Text(hello.to_string()));
    let mut connection = Connection { shared: &shared, id: connection, sender, identified: false };
    while let Some(Ok(message)) = stream.next().await {
        let open = match message {
            Message::Text(text) => {
                if let Some(traffic) = &traffic {
                    traffic.gateway("received", connection.id, text.as_str());
                }
                connection.receive(text.as_str())
            }
            Message::Binary(_) => connection.close(DECODE_ERROR, "Error while decoding payload."),
            Message::Close(_) => false,
            Message::Ping(_) | Message::Pong(_) => true,
        };
        if !open {
            break;
        }
    }
    shared.update(|state| state.sessions.detach(connection.id));
    drop(connection);
    let _ = writer.await;
}

/// The reading side of one connection.
struct Connection<'a> {
    shared: &'a Shared,
    id: u64,
    sender: UnboundedSender<Outgoing>,
    identified: bool,
}

impl Connection<'_> {
    /// Handles one client frame; false once the connection is to close.
    fn receive(&mut self, text: &str) -> bool {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            return self.close(DECODE_ERROR, "Error while decoding payload.");
        };
        let data = &frame["d"];
        match frame["op"].as_u64() {
            Some(1) => {
                let _ = self.sender.send(Outgoing::Text(json!({ "op": 11 }).to_string()));
                true
            }
            Some(2) => self.identify(data),
            Some(6) => self.resume(data),
            // Presence update, voice state update, request guild members: accepted, unanswered.
            Some(3 | 4 | 8) => true,
            _ => self.close(UNKNOWN_OPCODE, "Unknown opcode."),
        }
    }

    /// IDENTIFY: a valid token and intents open a session and get READY, then GUILD_CREATE for
    /// each guild.
    fn identify(&mut self, data: &Value) -> bool {
        if self.identified {
            return self.close(ALREADY_AUTHENTICATED, "Already authenticated.");
        }
        if !self.token_accepted(data) {
            return self.close(AUTHENTICATION_FAILED, "Authentication failed.");
        }
        let Some(intents) = data["intents"].as_u64() else {
            return self.close(INVALID_INTENTS, "Invalid intent(s).");
        };
        let shard = if data["shard"].is_array() { data["shard"].clone() } else { json!([0, 1]) };
        let sender = self.sender.clone();
        let connection = self.id;
        self.shared.update(|state| {
            let session_id = format!("{:016x}{:016x}", state.next_id(), state.config.application_id.rotate_left(17));
            state.sessions.open(&session_id, intents, connection, sender);
            let ready = state.ready(&session_id, &shard);
            state.sessions.dispatch_to(&session_id, "READY", &ready);
            for guild_id in state.guild_ids() {
                let guild = state.guild_create(guild_id);
                state.sessions.dispatch_to(&session_id, "GUILD_CREATE", &guild);
            }
        });
        self.identified = true;
        true
    }

    /// RESUME: a known session with a valid token continues on this connection.
    fn resume(&mut self, data: &Value) -> bool {
        if !self.token_accepted(data) {
            return self.close(AUTHENTICATION_FAILED, "Authentication failed.");
        }
        let session_id = data["session_id"].as_str().unwrap_or("");
        let after = data["seq"].as_u64().unwrap_or(0);
        let sender = self.sender.clone();
        let connection = self.id;
        let resumed = self.shared.update(|state| state.sessions.resume(session_id, after, connection, sender));
        if resumed {
            self.identified = true;
        } else {
            let _ = self.sender.send(Outgoing::Text(json!({ "op": 9, "d": false }).to_string()));
        }
        true
    }

    /// Whether the frame's token is the bot's, with or without the `Bot ` prefix.
    fn token_accepted(&self, data: &Value) -> bool {
        let token = data["token"].as_str().unwrap_or("");
        let token = token.strip_prefix("Bot ").unwrap_or(token);
        self.shared.read(|state| state.config.token == token)
    }

    /// Queues a close frame; always false, so callers can return it.
    fn close(&self, code: u16, reason: &'static str) -> bool {
        let _ = self.sender.send(Outgoing::Close(code, reason));
        false
    }
}
