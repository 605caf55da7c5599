//! A local stand-in for Discord that the real serenity 0.12.5 client can run against without
//! network: REST API v10 under `/api/v10` and the gateway websocket at `/gateway`, both on one
//! loopback port (and, on request, the REST API over HTTPS for `discord.com` on a second one).
//! It starts with one guild; a test adds guilds, roles, members and channels, posts messages and
//! uses commands and components as people would, then inspects what the bot did: every REST
//! request, channel contents and message revisions, interaction callbacks.
//!
//! Point serenity at it with
//! `HttpBuilder::new(discord.token()).proxy(discord.base_url()).ratelimiter_disabled(true).build()`
//! and `ClientBuilder::new_with_http(http, intents)`. To run serenity's own rate limiter instead,
//! start it with [`DiscordServer::start_tls`] and give `HttpBuilder::client` a reqwest client that
//! resolves `discord.com` to [`DiscordServer::tls_address`] and trusts
//! [`DiscordServer::ca_certificate_pem`] (serenity's rate limiter ignores the proxy).
//!
//! # The rules it models
//! - **Limits**: message content (2,000 characters), embeds (10 per message, 6,000 characters,
//!   each field's own limit), components and modals (see `components`), slash-command
//!   definitions, channel names and topics, uploads; a body that breaks one gets 400 code 50035
//!   naming every field, an empty message 50006.
//! - **Rate limits** ([`RateLimits`], on by default with Discord's numbers): a global limit,
//!   message creation per channel and channel renames per channel, answered with 429,
//!   `Retry-After` and the `X-RateLimit-*` headers; [`DiscordServer::rate_limit_hits`] lists them.
//! - **Interactions**: the first callback within 3 s ([`Options::ack_deadline`], else 404 code
//!   10062), only one (else 400 code 40060), of a type that suits the interaction; edits of
//!   `@original` and follow-ups while the token lives (15 minutes,
//!   [`Options::interaction_token_lifetime`], else 404 code 10015); ephemeral answers (`flags:
//!   64`) only the invoking user sees ([`DiscordServer::ephemeral_messages`]), and their edits
//!   stay ephemeral.
//! - **Mentions**: each message's `allowed_mentions` decides who it pings, as Discord does
//!   ([`DiscordServer::pings`]); the stored `mentions`, `mention_roles`, `mention_everyone` agree.
//! - **Components**: buttons and select menus a member can [click](DiscordServer::click_button)
//!   or [choose in](DiscordServer::choose); modals the bot opens and a member
//!   [submits](DiscordServer::submit_modal); [autocomplete](DiscordServer::autocomplete) requests
//!   and the choices offered ([`InteractionRecord::choices`]).
//! - **Threads and forums**: threads from a message or without one, forum posts (a thread with
//!   its starter message), members [posting in them](DiscordServer::start_thread), archiving and
//!   locking (a locked archived thread takes no messages; a message unarchives an open one).
//! - **Edits and pins**: only the author edits a message, which keeps its id, every revision kept
//!   ([`DiscordServer::message_history`]); channel edits with CHANNEL_UPDATE; pins (at most 50).
//! - **Guilds**: more guilds can join while the bot is connected ([`DiscordServer::add_guild`]),
//!   each announced with GUILD_CREATE and holding its own roles, members and channels.
//! - **Gateway**: HELLO, heartbeats, IDENTIFY (token and intents checked), READY and
//!   GUILD_CREATE, dispatches filtered by intents (message content too), RESUME after a dropped
//!   connection.
//! - **Recording**: with [`Options::record_to`] or the `FIREBREAK_DISCORD_RECORD` environment
//!   variable, every REST request and gateway frame is appended to a file as JSON lines.
//!
//! Every payload it sends reads back through serenity's own model types (see `conformance`).
//!
//! # Using it from a test
//! ```text
//! let discord = DiscordServer::start().await;              // or start_with(Options { .. })
//! let alice = discord.add_member("alice", &[]);
//! let ops = discord.add_text_channel("ops", None);
//! // … start the bot against discord.base_url(), then discord.wait_ready(1, WAIT).await;
//! discord.invoke_command(ops, alice, "incident", json!([…]));  // a slash command
//! let card = discord.wait_for(WAIT, |d| d.channel_messages(ops).pop()).await.unwrap();
//! let click = discord.click_button(id_of(&card), alice, "resolve");
//! let modal = discord.wait_for(WAIT, |d| d.interaction(click.id)?.modal()).await.unwrap();
//! assert_eq!(modal["title"], "Resolve INC-7");                // the bot opened its modal
//! discord.submit_modal(click.id, &[("cause", "pool size 2\nfrom a test profile")]);
//! // … once the bot updated the card in place:
//! assert_eq!(discord.message_history(id_of(&card)).len(), 2);
//! assert!(discord.rate_limit_hits().is_empty());
//! ```
//! For serenity's own rate limiter: `DiscordServer::start_tls()`, then a reqwest 0.12 client
//! built with `.resolve("discord.com", discord.tls_address().unwrap())` and
//! `.add_root_certificate(Certificate::from_pem(discord.ca_certificate_pem().unwrap().as_bytes())?)`,
//! passed to `HttpBuilder::new(token).client(client)` without `proxy` (see the `rate_limits`
//! tests of this crate).

mod components;
#[cfg(test)]
mod conformance;
mod error;
mod gateway;
mod guild;
mod limits;
mod mentions;
mod payloads;
mod ratelimit;
mod records;
mod rest;
mod sessions;
mod snowflake;
mod state;
mod tls;
mod traffic;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};

pub use guild::Guild;
pub use ratelimit::{Limit, RateLimits};
pub use records::{
    DispatchedInteraction, InteractionCallback, InteractionRecord, MessageRevision, Pings, RateLimitHit, RecordedFile,
    RecordedRequest,
};
pub use traffic::RECORD_ENV;

use payloads::AUTOCOMPLETE;
use state::{DEFAULT_ARCHIVE_DURATION, FORUM, NewMessage, Shared, State};
use tls::{Identity, TlsListener};
use traffic::Traffic;

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
    /// How long after INTERACTION_CREATE its token allows edits and follow-ups (Discord: 15
    /// minutes); later ones get 404 code 10015.
    pub interaction_token_lifetime: Duration,
    /// The heartbeat interval sent in HELLO (default 1 s, so tests exercise heartbeats).
    pub heartbeat_interval: Duration,
    /// The permissions of `@everyone` in every guild (default [`DEFAULT_EVERYONE_PERMISSIONS`]).
    /// The bot itself is an administrator through its managed role either way.
    pub everyone_permissions: u64,
    /// The bot token the server accepts; `None` (the default) makes one unique to the server,
    /// so a client left over from another test cannot talk to it.
    pub token: Option<String>,
    /// The rate limits (default: Discord's; [`RateLimits::unlimited`] turns them off).
    pub rate_limits: RateLimits,
    /// Also serve the REST API over HTTPS with a certificate for `discord.com` (default off).
    pub tls: bool,
    /// Append every REST request and gateway frame to this file as JSON lines; `None` (the
    /// default) falls back to the file named by `FIREBREAK_DISCORD_RECORD`, if set.
    pub record_to: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ack_deadline: Duration::from_secs(3),
            interaction_token_lifetime: Duration::from_secs(15 * 60),
            heartbeat_interval: Duration::from_millis(1000),
            everyone_permissions: DEFAULT_EVERYONE_PERMISSIONS,
            token: None,
            rate_limits: RateLimits::discord(),
            tls: false,
            record_to: None,
        }
    }
}

/// The HTTPS side of a server started with [`Options::tls`].
struct Https {
    address: SocketAddr,
    certificate_pem: String,
}

/// A running Discord stand-in on a free loopback port; it stops when dropped.
///
/// It starts with one guild ("Firebreak Test Guild") with `@everyone` (role id = guild id), and
/// the bot user as a member holding its managed administrator role. Everything a test adds is
/// dispatched to the gateway sessions connected at the time, as Discord would.
pub struct DiscordServer {
    shared: Arc<Shared>,
    base_url: String,
    token: String,
    https: Option<Https>,
    servers: Vec<JoinHandle<()>>,
}

impl DiscordServer {
    /// Starts a server with Discord's behaviour ([`Options::default`]).
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts a server with Discord's behaviour that also serves the REST API over HTTPS for
    /// `discord.com` ([`Options::tls`]).
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start_tls() -> Self {
        Self::start_with(Options { tls: true, ..Options::default() }).await
    }

    /// Starts a server with the given options.
    ///
    /// # Panics
    /// If no loopback port can be bound, or the traffic record cannot be opened.
    pub async fn start_with(options: Options) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port for the Discord server");
        let address = listener.local_addr().expect("a bound listener has an address");
        let base_url = format!("http://{address}");
        let token = options.token.clone().unwrap_or_else(|| unique_token(address.port()));
        let environment = std::env::var(RECORD_ENV).ok();
        let record = traffic::destination(options.record_to.as_deref(), environment.as_deref());
        let tls = options.tls;
        let mut state = State::new(options, &token, &base_url);
        state.traffic = record.map(|path| Arc::new(Traffic::open(&path)));
        let shared = Arc::new(Shared::new(state));
        let router = Router::new()
            .route("/gateway", get(gateway::upgrade))
            .fallback(rest::handle)
            .layer(DefaultBodyLimit::max(rest::MAX_BODY_BYTES))
            .with_state(Arc::clone(&shared));
        let mut servers = Vec::new();
        let mut https = None;
        if tls {
            let identity = Identity::discord();
            let listener = TlsListener::bind(&identity).await;
            https = Some(Https { address: listener.address(), certificate_pem: identity.certificate_pem.clone() });
            let router = router.clone();
            servers.push(tokio::spawn(async move {
                let _ = axum::serve(listener, router).await;
            }));
        }
        servers.push(tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        }));
        Self { shared, base_url, token, https, servers }
    }

    /// `http://127.0.0.1:PORT`: what the bot passes to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Where the REST API is served over HTTPS, for a client to resolve `discord.com` to; `None`
    /// unless the server was started with [`Options::tls`].
    pub fn tls_address(&self) -> Option<SocketAddr> {
        self.https.as_ref().map(|https| https.address)
    }

    /// The PEM certificate a client must trust to call [`tls_address`](Self::tls_address) as
    /// `discord.com` (it is self-signed, its own authority); `None` without [`Options::tls`].
    pub fn ca_certificate_pem(&self) -> Option<String> {
        self.https.as_ref().map(|https| https.certificate_pem.clone())
    }

    /// `ws://127.0.0.1:PORT/gateway`: what `GET /gateway` answers, in HTTPS mode too.
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

    /// The id of the role Discord manages for the bot in `guild_id` (what `<@&id>` addresses
    /// the bot by), if the bot is in that guild.
    pub fn bot_role_id(&self, guild_id: u64) -> Option<u64> {
        self.shared.read(|state| state.bot_role(guild_id))
    }

    /// The id of the guild the server starts with, also the id of its `@everyone` role.
    pub fn guild_id(&self) -> u64 {
        self.shared.read(|state| state.config.guild_id)
    }

    /// A guild the bot is in, to add roles, members and channels to.
    ///
    /// # Panics
    /// If the bot is not in `guild_id`.
    pub fn guild(&self, guild_id: u64) -> Guild<'_> {
        assert!(self.shared.read(|state| state.has_guild(guild_id)), "guild {guild_id} does not exist");
        Guild { server: self, id: guild_id }
    }

    /// Adds a guild the bot joins now, with `@everyone` and the bot's managed role, and
    /// dispatches its GUILD_CREATE (as when the bot is invited); later sessions get it after
    /// READY like the first guild.
    pub fn add_guild(&self, name: &str) -> Guild<'_> {
        let guild_id = self.shared.update(|state| state.add_guild(name));
        Guild { server: self, id: guild_id }
    }

    /// Adds a role with no permissions of its own to the first guild and returns its id;
    /// dispatches GUILD_ROLE_CREATE.
    pub fn add_role(&self, name: &str) -> u64 {
        self.first_guild().add_role(name)
    }

    /// Adds a role granting `permissions` (Discord's permission bits) to the first guild and
    /// returns its id; dispatches GUILD_ROLE_CREATE.
    pub fn add_role_with_permissions(&self, name: &str, permissions: u64) -> u64 {
        self.first_guild().add_role_with_permissions(name, permissions)
    }

    /// Adds a human member with `roles` to the first guild and returns the user id; dispatches
    /// GUILD_MEMBER_ADD to sessions with the GUILD_MEMBERS intent.
    ///
    /// # Panics
    /// If a role does not exist in the guild.
    pub fn add_member(&self, name: &str, roles: &[u64]) -> u64 {
        self.first_guild().add_member(name, roles)
    }

    /// Adds a category (channel type 4) to the first guild and returns its id; dispatches
    /// CHANNEL_CREATE.
    pub fn add_category(&self, name: &str) -> u64 {
        self.first_guild().add_category(name)
    }

    /// Adds a text channel (type 0) to the first guild, under a category if given, and returns
    /// its id; dispatches CHANNEL_CREATE. The name is lowercased with spaces made dashes, as
    /// Discord does.
    ///
    /// # Panics
    /// If `parent` is not a category of the guild.
    pub fn add_text_channel(&self, name: &str, parent: Option<u64>) -> u64 {
        self.first_guild().add_text_channel(name, parent)
    }

    /// Adds a forum channel (type 15, its posts are threads) to the first guild, under a
    /// category if given, and returns its id; dispatches CHANNEL_CREATE.
    ///
    /// # Panics
    /// If `parent` is not a category of the guild.
    pub fn add_forum_channel(&self, name: &str, parent: Option<u64>) -> u64 {
        self.first_guild().add_forum_channel(name, parent)
    }

    fn first_guild(&self) -> Guild<'_> {
        Guild { server: self, id: self.guild_id() }
    }

    /// Posts a message as `author` (a member of the channel's guild) in a channel or thread and
    /// returns its id; dispatches MESSAGE_CREATE with `guild_id`, the author's `member` and the
    /// users and roles mentioned as `<@id>`, `<@!id>` or `<@&id>` in `content`. A message in an
    /// archived thread unarchives it.
    ///
    /// # Panics
    /// If the channel cannot hold messages, is a locked archived thread, or the author is not a
    /// member of its guild.
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
            assert!(!state.is_locked_thread(channel_id), "thread {channel_id} is archived and locked");
            let guild_id = state.guild_of(channel_id).unwrap_or_default();
            assert!(state.is_member(guild_id, author), "user {author} is not a member of guild {guild_id}");
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

    /// `author` starts a public thread named `name` under a text channel, with `first_message`
    /// as its first message, or posts in a forum (the thread and its starter message share an
    /// id). Dispatches THREAD_CREATE then MESSAGE_CREATE; returns the thread's id, where
    /// [`post_message`](Self::post_message) posts further.
    ///
    /// # Panics
    /// If `parent_id` is not a text, announcement or forum channel, or the author is not a
    /// member of its guild.
    pub fn start_thread(&self, parent_id: u64, author: u64, name: &str, first_message: &str) -> u64 {
        let thread = self.shared.update(|state| {
            let kind = state.channel_kind(parent_id);
            assert!(matches!(kind, Some(0 | 5 | FORUM)), "channel {parent_id} cannot hold threads");
            let guild_id = state.guild_of(parent_id).unwrap_or_default();
            assert!(state.is_member(guild_id, author), "user {author} is not a member of guild {guild_id}");
            let body = json!({ "content": first_message });
            if kind == Some(FORUM) {
                return state.add_forum_post(parent_id, author, name, &body, DEFAULT_ARCHIVE_DURATION);
            }
            state.add_member_thread(parent_id, author, name, &body)
        });
        id_of(&thread)
    }

    /// Uses the chat-input command `name` as member `user_id` in `channel_id`: dispatches
    /// INTERACTION_CREATE (type 2) with `data.options` as given, in Discord's shape, e.g.
    /// `json!([{"name": "declare", "type": 1, "options": [{"name": "title", "type": 3, "value": "API down"}]}])`
    /// (`Value::Null` for none). The member carries its roles and computed `permissions`; the
    /// command id is the one the bot registered under that name, if it did. The ack deadline
    /// starts now.
    ///
    /// # Panics
    /// If the channel does not exist or the user is not a member of its guild.
    pub fn invoke_command(&self, channel_id: u64, user_id: u64, name: &str, options: Value) -> DispatchedInteraction {
        self.shared.update(|state| state.command_interaction(payloads::COMMAND, channel_id, user_id, name, options))
    }

    /// `user_id` types into an option of command `name`: dispatches INTERACTION_CREATE type 4
    /// (autocomplete) with `options` as for [`invoke_command`](Self::invoke_command), one of
    /// them marked `"focused": true` with the partial text as its string `value`, e.g.
    /// `json!([{"name": "service", "type": 3, "value": "chec", "focused": true}])`. The bot
    /// answers with callback type 8; read its choices with [`InteractionRecord::choices`].
    ///
    /// # Panics
    /// If no option (or more than one) is focused, the channel does not exist or the user is
    /// not a member of its guild.
    pub fn autocomplete(&self, channel_id: u64, user_id: u64, name: &str, options: Value) -> DispatchedInteraction {
        assert_eq!(focused_options(&options), 1, "exactly one option must be focused: {options}");
        self.shared.update(|state| state.command_interaction(AUTOCOMPLETE, channel_id, user_id, name, options))
    }

    /// `user_id` clicks the button `custom_id` on message `message_id`: dispatches
    /// INTERACTION_CREATE type 3 with `data.custom_id`, `data.component_type` 2 and the message.
    ///
    /// # Panics
    /// If the message has no such button, it is disabled or a link, or the user cannot see the
    /// message or is not a member of its guild.
    pub fn click_button(&self, message_id: u64, user_id: u64, custom_id: &str) -> DispatchedInteraction {
        self.shared.update(|state| state.use_component(message_id, user_id, custom_id, None))
    }

    /// `user_id` chooses `values` in the select menu `custom_id` on message `message_id`:
    /// option values for a string select, ids for a user, role, mentionable or channel select
    /// (resolved in `data.resolved`). Dispatches INTERACTION_CREATE type 3 with `data.values`.
    ///
    /// # Panics
    /// If the message has no such select menu, it is disabled, the values do not fit it, or the
    /// user cannot see the message or is not a member of its guild.
    pub fn choose(&self, message_id: u64, user_id: u64, custom_id: &str, values: &[&str]) -> DispatchedInteraction {
        self.shared.update(|state| state.use_component(message_id, user_id, custom_id, Some(values)))
    }

    /// The user of interaction `interaction_id` submits the modal the bot answered it with:
    /// dispatches INTERACTION_CREATE type 5 with `data.custom_id` and one row per text input
    /// carrying its `custom_id` and the `value` given here by `custom_id` (exactly as given,
    /// line breaks included; inputs left out are sent empty).
    ///
    /// # Panics
    /// If the interaction was not answered with a modal, an input is unknown, or a value is
    /// missing where required or outside the input's lengths.
    pub fn submit_modal(&self, interaction_id: u64, values: &[(&str, &str)]) -> DispatchedInteraction {
        self.shared.update(|state| state.submit_modal(interaction_id, values))
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

    /// Every REST request so far, oldest first, refused ones (429 included) too.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.read(|state| state.requests())
    }

    /// Every request refused with 429 so far, oldest first.
    pub fn rate_limit_hits(&self) -> Vec<RateLimitHit> {
        self.shared.read(|state| state.limiter.hits())
    }

    /// The messages of a channel or thread everyone can see, oldest first: those the test
    /// posted and those the bot sent (through REST or as interaction responses), as they stand.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared.read(|state| state.channel_messages(channel_id))
    }

    /// The ephemeral messages only `user_id` sees (answers to its interactions), oldest first.
    pub fn ephemeral_messages(&self, user_id: u64) -> Vec<Value> {
        self.shared.read(|state| state.ephemeral_messages(user_id))
    }

    /// A message by id, ephemeral ones included.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        self.shared.read(|state| state.message(message_id).cloned())
    }

    /// Every version of a message, oldest first: as created, then after each edit (a message
    /// edited in place has one id and several revisions). Empty for an unknown id.
    pub fn message_history(&self, message_id: u64) -> Vec<MessageRevision> {
        self.shared.read(|state| state.revisions(message_id))
    }

    /// Who a message pings as it stands, under its `allowed_mentions`; `None` for an unknown id.
    pub fn pings(&self, message_id: u64) -> Option<Pings> {
        self.message_history(message_id).pop().map(|revision| revision.pings)
    }

    /// The pinned messages of a channel, most recently pinned first.
    pub fn pinned_messages(&self, channel_id: u64) -> Vec<Value> {
        self.shared.read(|state| state.pinned(channel_id))
    }

    /// The bytes of an uploaded attachment, by the `id` of its attachment object (also served
    /// at its `url`).
    pub fn attachment(&self, attachment_id: u64) -> Option<Vec<u8>> {
        self.shared.read(|state| state.attachment_file(attachment_id).map(|file| file.data.clone()))
    }

    /// Every channel and thread of every guild, in creation order, including those the bot
    /// created.
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
        for server in &self.servers {
            server.abort();
        }
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

/// How many options (sub-commands' included) are marked `focused`.
fn focused_options(options: &Value) -> usize {
    options.as_array().map_or(0, |options| {
        options.iter().map(|option| usize::from(option["focused"] == true) + focused_options(&option["options"])).sum()
    })
}
