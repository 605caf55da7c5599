//! A local stand-in for Discord that the real serenity 0.12.5 client can run against without
//! network: REST API v10 under `/api/v10` and the gateway websocket at `/gateway`, both on one
//! loopback port. It holds one guild; a test adds roles, members and channels, posts messages and
//! uses slash commands as people would, then inspects what the bot did: every REST request,
//! channel contents, interaction callbacks. The server enforces Discord's message, embed,
//! command and interaction-timing limits, so a bot that passes here does not trip them live.
//!
//! Point serenity at it with
//! `HttpBuilder::new(discord.token()).proxy(discord.base_url()).ratelimiter_disabled(true).build()`
//! and `ClientBuilder::new_with_http(http, intents)`.

#[cfg(test)]
mod conformance;
mod error;
mod gateway;
mod limits;
mod mentions;
mod payloads;
mod records;
mod rest;
mod sessions;
mod snowflake;
mod state;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};

pub use records::{DispatchedInteraction, InteractionCallback, InteractionRecord, RecordedFile, RecordedRequest};

use state::{NewMessage, Shared, State};

/// Permissions `@everyone` gets unless a test says otherwise: view channels, send messages and
/// messages in threads, embed links, attach files, add reactions, read history, use external
/// emojis, change nickname, use application commands, create public threads, connect and speak.
pub const DEFAULT_EVERYONE_PERMISSIONS: u64 = (1 << 6)
    | (1 << 10)
    | (1 << 11)
    | (1 << 14)
    | (1 << 15)
    | (1 << 16)
    | (1 << 18)
    | (1 << 20)
    | (1 << 21)
    | (1 << 26)
    | (1 << 31)
    | (1 << 35)
    | (1 << 38);

/// How a [`DiscordServer`] behaves; `Options::default()` is what Discord does.
#[derive(Clone, Debug)]
pub struct Options {
    /// How long after INTERACTION_CREATE the first callback may come (Discord: 3 s); later
    /// ones get 404 code 10062.
    pub ack_deadline: Duration,
    /// The heartbeat interval sent in HELLO (default 1 s, so tests exercise heartbeats).
    pub heartbeat_interval: Duration,
    /// The permissions of `@everyone` (default [`DEFAULT_EVERYONE_PERMISSIONS`]). The bot
    /// itself is an administrator through its managed role either way.
    pub everyone_permissions: u64,
    /// The bot token the server accepts; `None` (the default) makes one unique to the server,
    /// so a client left over from another test cannot talk to it.
    pub token: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ack_deadline: Duration::from_secs(3),
            heartbeat_interval: Duration::from_millis(1000),
            everyone_permissions: DEFAULT_EVERYONE_PERMISSIONS,
            token: None,
        }
    }
}

/// A running Discord stand-in on a free loopback port; it stops when dropped.
///
/// It holds one guild ("Firebreak Test Guild") with `@everyone` (role id = guild id), and the
/// bot user as a member holding its managed administrator role. Everything a test adds is
/// dispatched to the gateway sessions connected at the time, as Discord would.
pub struct DiscordServer {
    shared: Arc<Shared>,
    base_url: String,
    token: String,
    server: JoinHandle<()>,
}

impl DiscordServer {
    /// Starts a server with Discord's behaviour ([`Options::default`]).
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts a server with the given options.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start_with(options: Options) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port for the Discord server");
        let address = listener.local_addr().expect("a bound listener has an address");
        let base_url = format!("http://{address}");
        let token = options.token.clone().unwrap_or_else(|| unique_token(address.port()));
        let shared = Arc::new(Shared::new(State::new(options, &token, &base_url)));
        let router = Router::new()
            .route("/gateway", get(gateway::upgrade))
            .fallback(rest::handle)
            .layer(DefaultBodyLimit::max(rest::MAX_BODY_BYTES))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { shared, base_url, token, server }
    }

    /// `http://127.0.0.1:PORT`: what the bot passes to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `ws://127.0.0.1:PORT/gateway`: what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.read(|state| state.config.gateway_url.clone())
    }

    /// The bot token the server accepts: REST wants `Authorization: Bot <token>` (else 401), the
    /// gateway IDENTIFY wants it with or without `Bot ` (else close code 4004).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The bot's application id (READY's `application.id`); not the bot's user id.
    pub fn application_id(&self) -> u64 {
        self.shared.read(|state| state.config.application_id)
    }

    /// The bot's user id.
    pub fn bot_user_id(&self) -> u64 {
        self.shared.read(|state| state.config.bot_user_id)
    }

    /// The guild's id, also the id of its `@everyone` role.
    pub fn guild_id(&self) -> u64 {
        self.shared.read(|state| state.config.guild_id)
    }

    /// Adds a role with no permissions of its own and returns its id; dispatches
    /// GUILD_ROLE_CREATE. Later connections see it in GUILD_CREATE.
    pub fn add_role(&self, name: &str) -> u64 {
        self.add_role_with_permissions(name, 0)
    }

    /// Adds a role granting `permissions` (Discord's permission bits) and returns its id;
    /// dispatches GUILD_ROLE_CREATE.
    pub fn add_role_with_permissions(&self, name: &str, permissions: u64) -> u64 {
        self.shared.update(|state| state.add_role(name, permissions))
    }

    /// Adds a human member with `roles` and returns the user id; dispatches GUILD_MEMBER_ADD to
    /// sessions with the GUILD_MEMBERS intent.
    ///
    /// # Panics
    /// If a role does not exist.
    pub fn add_member(&self, name: &str, roles: &[u64]) -> u64 {
        self.shared.update(|state| state.add_member(name, roles))
    }

    /// Adds a category (channel type 4) and returns its id; dispatches CHANNEL_CREATE.
    pub fn add_category(&self, name: &str) -> u64 {
        self.add_channel(4, name, None)
    }

    /// Adds a text channel (type 0), under a category if given, and returns its id; dispatches
    /// CHANNEL_CREATE. The name is lowercased with spaces made dashes, as Discord does.
    ///
    /// # Panics
    /// If `parent` is not a category.
    pub fn add_text_channel(&self, name: &str, parent: Option<u64>) -> u64 {
        if let Some(parent) = parent {
            let kind = self.shared.read(|state| state.channel_kind(parent));
            assert_eq!(kind, Some(4), "channel {parent} is not a category");
        }
        self.add_channel(0, name, parent)
    }

    fn add_channel(&self, kind: u8, name: &str, parent: Option<u64>) -> u64 {
        let channel = self.shared.update(|state| state.add_channel(kind, name, parent, None));
        id_of(&channel)
    }

    /// Posts a message as `author` (a member) and returns its id; dispatches MESSAGE_CREATE with
    /// `guild_id`, the author's `member` and the users and roles mentioned as `<@id>`, `<@!id>`
    /// or `<@&id>` in `content`.
    ///
    /// # Panics
    /// If the channel cannot hold messages or the author is not a user of the server.
    pub fn post_message(&self, channel_id: u64, author: u64, content: &str) -> u64 {
        self.post(channel_id, author, content, None)
    }

    /// Posts a reply to `replying_to` (message type 19, with `message_reference` and
    /// `referenced_message`) and returns its id.
    ///
    /// # Panics
    /// As [`post_message`](Self::post_message), or if `replying_to` does not exist.
    pub fn post_reply(&self, channel_id: u64, author: u64, content: &str, replying_to: u64) -> u64 {
        self.post(channel_id, author, content, Some(replying_to))
    }

    fn post(&self, channel_id: u64, author: u64, content: &str, reply_to: Option<u64>) -> u64 {
        let message = self.shared.update(|state| {
            assert!(state.holds_messages(channel_id), "channel {channel_id} does not exist or holds no messages");
            assert!(state.has_user(author), "user {author} does not exist");
            if let Some(reply_to) = reply_to {
                assert!(state.message(reply_to).is_some(), "message {reply_to} does not exist");
            }
            let body = json!({ "content": content });
            state.create_message(NewMessage {
                channel_id,
                author_id: author,
                body: &body,
                files: &[],
                kind: if reply_to.is_some() { 19 } else { 0 },
                flags: 0,
                reply_to,
                interaction: None,
            })
        });
        id_of(&message)
    }

    /// Uses the chat-input command `name` as member `user_id` in `channel_id`: dispatches
    /// INTERACTION_CREATE (type 2) with `data.options` as given, in Discord's shape, e.g.
    /// `json!([{"name": "declare", "type": 1, "options": [{"name": "title", "type": 3, "value": "API down"}]}])`
    /// (`Value::Null` for none). The member carries its roles and computed `permissions`; the
    /// command id is the one the bot registered under that name, if it did. The ack deadline
    /// starts now.
    ///
    /// # Panics
    /// If the channel does not exist or the user is not a member.
    pub fn invoke_command(&self, channel_id: u64, user_id: u64, name: &str, options: Value) -> DispatchedInteraction {
        self.shared.update(|state| state.invoke_command(channel_id, user_id, name, options))
    }

    /// Waits until at least `sessions` gateway sessions are connected and have been sent READY
    /// and GUILD_CREATE (or were resumed). The client handles those events right after; a test
    /// that needs the bot's reaction to them should [`wait_for`](Self::wait_for) it.
    ///
    /// # Panics
    /// If that does not happen within `timeout`.
    pub async fn wait_ready(&self, sessions: usize, timeout: Duration) {
        let ready = self.wait_for(timeout, |server| (server.connected_sessions() >= sessions).then_some(())).await;
        assert!(
            ready.is_some(),
            "{} of {sessions} gateway sessions ready after {timeout:?}; REST requests so far: {:?}",
            self.connected_sessions(),
            self.requests()
                .iter()
                .map(|request| format!("{} {} -> {}", request.method, request.path, request.status))
                .collect::<Vec<_>>()
        );
    }

    /// How many gateway sessions are connected and identified (or resumed) now.
    pub fn connected_sessions(&self) -> usize {
        self.shared.read(|state| state.sessions.connected())
    }

    /// Closes every gateway connection with close code 4000, as a network loss or a Discord
    /// restart would. The sessions stay resumable: a client that sends RESUME gets the
    /// dispatches it missed, then RESUMED.
    pub fn disconnect_all(&self) {
        self.shared.update(|state| state.sessions.disconnect_all(4000, "Unknown error."));
    }

    /// Every REST request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.read(|state| state.requests())
    }

    /// The messages of a channel or thread everyone can see, oldest first: those the test
    /// posted and those the bot sent (through REST or as interaction responses), as they stand.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared.read(|state| state.channel_messages(channel_id))
    }

    /// A message by id, ephemeral ones included.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        self.shared.read(|state| state.message(message_id).cloned())
    }

    /// Every channel and thread, in creation order, including those the bot created.
    pub fn channels(&self) -> Vec<Value> {
        self.shared.read(State::channels)
    }

    /// What the bot did with an interaction; None for an id the test never dispatched.
    pub fn interaction(&self, interaction_id: u64) -> Option<InteractionRecord> {
        self.shared.read(|state| state.interaction_record(interaction_id))
    }

    /// The commands the bot registered globally (`None`) or for a guild, as stored.
    pub fn registered_commands(&self, guild: Option<u64>) -> Vec<Value> {
        self.shared.read(|state| state.commands(guild))
    }

    /// Calls `check` now and after every change to the server (a request, a dispatch, a
    /// connection) until it returns `Some`, or `timeout` passes; returns its last answer.
    pub async fn wait_for<T>(&self, timeout: Duration, mut check: impl FnMut(&Self) -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut changes = self.shared.changes();
        loop {
            changes.borrow_and_update();
            if let Some(found) = check(self) {
                return Some(found);
            }
            match timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return check(self),
            }
        }
    }
}

impl Drop for DiscordServer {
    fn drop(&mut self) {
        self.shared.update(|state| state.sessions.disconnect_all(1001, "Server stopped."));
        self.server.abort();
    }
}

/// A bot token no other server in this or another test process uses.
fn unique_token(port: u16) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_nanos());
    format!("testkit.{:x}.{port}.{nanos:x}", std::process::id())
}

/// The id of a channel or message object.
fn id_of(object: &Value) -> u64 {
    payloads::parse_id(&object["id"]).unwrap_or_default()
}
