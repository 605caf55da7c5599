//! The server's world: its guilds with their roles and members, the users, channels and messages,
//! the bot's application with its commands and interactions, the gateway sessions and the record
//! of every REST request. It all sits behind one lock, so each change and the dispatches it causes
//! reach every session in one order; every change also wakes the tests waiting on the server.

mod channels;
mod components;
mod guilds;
mod interactions;
mod messages;
mod pins;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::Options;
use super::payloads;
use super::ratelimit::Limiter;
use super::records::{MessageRevision, RecordedFile, RecordedRequest};
use super::sessions::Sessions;
use super::snowflake::Snowflakes;
use super::traffic::Traffic;
pub(crate) use channels::{CATEGORY, ChannelEdit, DEFAULT_ARCHIVE_DURATION, FORUM, NewThread, is_thread};
use guilds::Guild;
pub(crate) use interactions::{Interaction, NewInteraction};
pub(crate) use messages::{EPHEMERAL, LOADING, NewMessage, SENDABLE_FLAGS, is_ephemeral};

/// The ADMINISTRATOR permission bit.
const ADMINISTRATOR: u64 = 1 << 3;
/// Every permission bit Discord defines (up to USE_EXTERNAL_APPS, 1 << 50): what an
/// administrator holds.
const ALL_PERMISSIONS: u64 = (1 << 51) - 1;
/// The name of the guild every server starts with.
const FIRST_GUILD_NAME: &str = "Firebreak Test Guild";

/// The state behind one lock, with change notifications for waiting tests.
pub(crate) type Shared = crate::shared::Shared<State>;

/// A user: the bot or a human member.
pub(crate) struct User {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) bot: bool,
}

/// A user's membership of a guild.
pub(crate) struct Member {
    pub(crate) roles: Vec<u64>,
    pub(crate) joined_at: String,
}

/// A guild role; `bot_id` marks the managed role Discord gives a bot.
pub(crate) struct Role {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) permissions: u64,
    pub(crate) position: usize,
    pub(crate) bot_id: Option<u64>,
}

/// Fixed facts of one server run.
pub(crate) struct Config {
    pub(crate) token: String,
    pub(crate) application_id: u64,
    pub(crate) bot_user_id: u64,
    pub(crate) owner_user_id: u64,
    /// The guild the server starts with; tests may add more.
    pub(crate) guild_id: u64,
    pub(crate) base_url: String,
    pub(crate) gateway_url: String,
    pub(crate) options: Options,
}

/// Everything the server knows.
pub(crate) struct State {
    pub(crate) config: Config,
    snowflakes: Snowflakes,
    users: BTreeMap<u64, User>,
    guilds: BTreeMap<u64, Guild>,
    channels: BTreeMap<u64, Value>,
    messages: BTreeMap<u64, Value>,
    revisions: BTreeMap<u64, Vec<MessageRevision>>,
    /// Uploaded files, by attachment id.
    files: BTreeMap<u64, RecordedFile>,
    /// Pinned messages per channel, oldest pin first.
    pins: BTreeMap<u64, Vec<u64>>,
    commands: BTreeMap<Option<u64>, Vec<Value>>,
    interactions: BTreeMap<u64, Interaction>,
    requests: Vec<RecordedRequest>,
    pub(crate) limiter: Limiter,
    /// Where the traffic is recorded, if anywhere.
    pub(crate) traffic: Option<Arc<Traffic>>,
    pub(crate) sessions: Sessions,
}

impl State {
    /// One guild with `@everyone` and the bot as a member holding its managed role
    /// (administrator), and nothing else; the server accepts `token` and answers at `base_url`.
    pub(crate) fn new(options: Options, token: &str, base_url: &str) -> Self {
        let mut snowflakes = Snowflakes::default();
        let guild_id = snowflakes.next();
        let application_id = snowflakes.next();
        let bot_user_id = snowflakes.next();
        let owner_user_id = snowflakes.next();
        let limiter = Limiter::new(options.rate_limits.clone());
        let config = Config {
            token: token.to_owned(),
            application_id,
            bot_user_id,
            owner_user_id,
            guild_id,
            base_url: base_url.to_owned(),
            gateway_url: format!("{}/gateway", base_url.replacen("http://", "ws://", 1)),
            options,
        };
        let mut state = Self {
            config,
            snowflakes,
            users: BTreeMap::new(),
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            revisions: BTreeMap::new(),
            files: BTreeMap::new(),
            pins: BTreeMap::new(),
            commands: BTreeMap::new(),
            interactions: BTreeMap::new(),
            requests: Vec::new(),
            limiter,
            traffic: None,
            sessions: Sessions::new(bot_user_id),
        };
        state.users.insert(bot_user_id, User { id: bot_user_id, name: "Firebreak".to_owned(), bot: true });
        state.insert_guild(guild_id, FIRST_GUILD_NAME);
        state
    }

    /// A fresh snowflake id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.snowflakes.next()
    }

    /// READY for a new session: every guild, unavailable until its GUILD_CREATE follows.
    pub(crate) fn ready(&self, session_id: &str, shard: &Value) -> Value {
        let guilds: Vec<u64> = self.guilds.keys().copied().collect();
        payloads::ready(&self.config, self.bot(), session_id, shard, &guilds)
    }

    /// The bot's user object for `GET /users/@me`.
    pub(crate) fn current_user(&self) -> Value {
        payloads::current_user(self.bot())
    }

    /// The application object for `GET /oauth2/applications/@me`.
    pub(crate) fn application(&self) -> Value {
        payloads::application(&self.config, self.bot())
    }

    /// The bot user.
    fn bot(&self) -> &User {
        // `new` stores the bot user and users are never removed, so the lookup cannot fail.
        self.users.get(&self.config.bot_user_id).expect("the bot user is stored from the start")
    }

    /// Notes a REST request and its answer.
    pub(crate) fn record(&mut self, request: RecordedRequest) {
        self.requests.push(request);
    }

    /// Every REST request so far, oldest first.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.clone()
    }
}
