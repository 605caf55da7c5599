//! The server's world: one guild with its users, roles, channels and messages, the bot's
//! application with its commands and interactions, the gateway sessions and the record of every
//! REST request. It all sits behind one lock, so each change and the dispatches it causes reach
//! every session in one order; every change also wakes the tests waiting on the server.

mod channels;
mod interactions;
mod messages;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Options;
use super::payloads::{self, GuildParts};
use super::records::RecordedRequest;
use super::sessions::Sessions;
use super::snowflake::Snowflakes;
use channels::is_thread;
pub(crate) use interactions::Interaction;
pub(crate) use messages::{EPHEMERAL, LOADING, NewMessage, SENDABLE_FLAGS};

/// The ADMINISTRATOR permission bit.
const ADMINISTRATOR: u64 = 1 << 3;
/// Every permission bit Discord defines (up to USE_EXTERNAL_APPS, 1 << 50): what an
/// administrator holds.
const ALL_PERMISSIONS: u64 = (1 << 51) - 1;

/// The state behind one lock, with change notifications for waiting tests.
pub(crate) type Shared = crate::shared::Shared<State>;

/// A user: the bot or a human member.
pub(crate) struct User {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) bot: bool,
}

/// A user's membership of the guild.
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
    pub(crate) guild_id: u64,
    pub(crate) guild_name: String,
    pub(crate) base_url: String,
    pub(crate) gateway_url: String,
    pub(crate) created_at: String,
    pub(crate) options: Options,
}

/// Everything the server knows.
pub(crate) struct State {
    pub(crate) config: Config,
    snowflakes: Snowflakes,
    users: BTreeMap<u64, User>,
    members: BTreeMap<u64, Member>,
    roles: BTreeMap<u64, Role>,
    channels: BTreeMap<u64, Value>,
    messages: BTreeMap<u64, Value>,
    commands: BTreeMap<Option<u64>, Vec<Value>>,
    interactions: BTreeMap<u64, Interaction>,
    requests: Vec<RecordedRequest>,
    pub(crate) sessions: Sessions,
}

impl State {
    /// A guild with `@everyone`, the bot as a member holding its managed role (administrator),
    /// and nothing else; the server accepts `token` and answers at `base_url`.
    pub(crate) fn new(options: Options, token: &str, base_url: &str) -> Self {
        let mut snowflakes = Snowflakes::default();
        let guild_id = snowflakes.next();
        let application_id = snowflakes.next();
        let bot_user_id = snowflakes.next();
        let owner_user_id = snowflakes.next();
        let created_at = payloads::now();
        let everyone_permissions = options.everyone_permissions;
        let config = Config {
            token: token.to_owned(),
            application_id,
            bot_user_id,
            owner_user_id,
            guild_id,
            guild_name: "Firebreak Test Guild".to_owned(),
            base_url: base_url.to_owned(),
            gateway_url: format!("{}/gateway", base_url.replacen("http://", "ws://", 1)),
            created_at: created_at.clone(),
            options,
        };
        let mut state = Self {
            config,
            snowflakes,
            users: BTreeMap::new(),
            members: BTreeMap::new(),
            roles: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            commands: BTreeMap::new(),
            interactions: BTreeMap::new(),
            requests: Vec::new(),
            sessions: Sessions::new(bot_user_id),
        };
        state.users.insert(bot_user_id, User { id: bot_user_id, name: "Firebreak".to_owned(), bot: true });
        state.insert_role(guild_id, "@everyone", everyone_permissions, None);
        let bot_role = state.snowflakes.next();
        state.insert_role(bot_role, "Firebreak", ADMINISTRATOR, Some(bot_user_id));
        state.members.insert(bot_user_id, Member { roles: vec![bot_role], joined_at: created_at });
        state
    }

    /// A fresh snowflake id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.snowflakes.next()
    }

    /// Stores a role below the existing ones and returns its JSON.
    fn insert_role(&mut self, id: u64, name: &str, permissions: u64, bot_id: Option<u64>) -> Value {
        let role = Role { id, name: name.to_owned(), permissions, position: self.roles.len(), bot_id };
        let json = payloads::role(&role);
        self.roles.insert(id, role);
        json
    }

    /// Adds a role and dispatches GUILD_ROLE_CREATE.
    pub(crate) fn add_role(&mut self, name: &str, permissions: u64) -> u64 {
        let id = self.next_id();
        let role = self.insert_role(id, name, permissions, None);
        let event = json!({ "guild_id": payloads::id(self.config.guild_id), "role": role });
        self.sessions.dispatch("GUILD_ROLE_CREATE", &event);
        id
    }

    /// Adds a human member holding `roles` and dispatches GUILD_MEMBER_ADD.
    ///
    /// # Panics
    /// If a role does not exist.
    pub(crate) fn add_member(&mut self, name: &str, roles: &[u64]) -> u64 {
        for role in roles {
            assert!(self.roles.contains_key(role), "role {role} does not exist");
        }
        let id = self.next_id();
        self.users.insert(id, User { id, name: name.to_owned(), bot: false });
        self.members.insert(id, Member { roles: roles.to_vec(), joined_at: payloads::now() });
        let mut event = self.member_json(id, true).unwrap_or(Value::Null);
        event["guild_id"] = payloads::id(self.config.guild_id);
        self.sessions.dispatch("GUILD_MEMBER_ADD", &event);
        id
    }

    /// Whether `user_id` is a user of this server.
    pub(crate) fn has_user(&self, user_id: u64) -> bool {
        self.users.contains_key(&user_id)
    }

    /// The member object of `user_id` (with its `user` if asked), if it is a member.
    pub(crate) fn member_json(&self, user_id: u64, with_user: bool) -> Option<Value> {
        let member = self.members.get(&user_id)?;
        let user = if with_user { Some(self.users.get(&user_id)?) } else { None };
        Some(payloads::member(member, user, None))
    }

    /// The guild's roles.
    pub(crate) fn roles_json(&self) -> Vec<Value> {
        self.roles.values().map(payloads::role).collect()
    }

    /// The guild-wide permissions of a member: `@everyone`'s and its roles', or all of them for
    /// an administrator.
    pub(crate) fn permissions(&self, user_id: u64) -> u64 {
        let everyone = self.roles.get(&self.config.guild_id).map_or(0, |role| role.permissions);
        let roles = self.members.get(&user_id).map_or(&[][..], |member| member.roles.as_slice());
        let granted =
            roles.iter().filter_map(|id| self.roles.get(id)).fold(everyone, |bits, role| bits | role.permissions);
        if granted & ADMINISTRATOR != 0 { ALL_PERMISSIONS } else { granted }
    }

    /// The full guild for GUILD_CREATE.
    pub(crate) fn guild_create(&self) -> Value {
        let parts = GuildParts {
            roles: self.roles_json(),
            members: self.members.keys().filter_map(|user_id| self.member_json(*user_id, true)).collect(),
            channels: self.guild_channels(),
            threads: self.channels.values().filter(|channel| is_thread(channel)).cloned().collect(),
        };
        payloads::guild_create(&self.config, parts)
    }

    /// READY for a new session.
    pub(crate) fn ready(&self, session_id: &str, shard: &Value) -> Value {
        payloads::ready(&self.config, self.bot(), session_id, shard)
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
