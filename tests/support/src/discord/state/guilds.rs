//! The guilds the bot is in: each with its `@everyone` role (id = guild id), the bot's managed
//! administrator role, the roles and members a test adds, and the permissions they compute to.
//! A guild added while the bot is connected reaches it as GUILD_CREATE, as when a bot is invited.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::payloads::{self, GuildParts};
use super::channels::is_thread;
use super::{ADMINISTRATOR, ALL_PERMISSIONS, Member, Role, State, User};

/// One guild the bot is a member of.
pub(super) struct Guild {
    id: u64,
    name: String,
    joined_at: String,
    roles: BTreeMap<u64, Role>,
    members: BTreeMap<u64, Member>,
}

impl Guild {
    /// Stores a role below the existing ones and returns its JSON.
    fn insert_role(&mut self, id: u64, name: &str, permissions: u64, bot_id: Option<u64>) -> Value {
        let role = Role { id, name: name.to_owned(), permissions, position: self.roles.len(), bot_id };
        let json = payloads::role(&role);
        self.roles.insert(id, role);
        json
    }
}

impl State {
    /// Stores a guild with `@everyone` (holding the configured permissions) and the bot as a
    /// member with its managed administrator role.
    pub(super) fn insert_guild(&mut self, guild_id: u64, name: &str) {
        let joined_at = payloads::now();
        let mut guild =
            Guild { id: guild_id, name: name.to_owned(), joined_at, roles: BTreeMap::new(), members: BTreeMap::new() };
        guild.insert_role(guild_id, "@everyone", self.config.options.everyone_permissions, None);
        let bot_role = self.next_id();
        let bot = self.config.bot_user_id;
        guild.insert_role(bot_role, "Firebreak", ADMINISTRATOR, Some(bot));
        guild.members.insert(bot, Member { roles: vec![bot_role], joined_at: guild.joined_at.clone() });
        self.guilds.insert(guild_id, guild);
    }

    /// Adds a guild the bot joins now and dispatches its GUILD_CREATE.
    pub(crate) fn add_guild(&mut self, name: &str) -> u64 {
        let guild_id = self.next_id();
        self.insert_guild(guild_id, name);
        let event = self.guild_create(guild_id);
        self.sessions.dispatch("GUILD_CREATE", &event);
        guild_id
    }

    /// Whether the bot is in `guild_id`.
    pub(crate) fn has_guild(&self, guild_id: u64) -> bool {
        self.guilds.contains_key(&guild_id)
    }

    /// Every guild the bot is in, oldest first.
    pub(crate) fn guild_ids(&self) -> Vec<u64> {
        self.guilds.keys().copied().collect()
    }

    /// A guild the test names.
    ///
    /// # Panics
    /// If the bot is not in it.
    fn known_guild(&mut self, guild_id: u64) -> &mut Guild {
        self.guilds.get_mut(&guild_id).unwrap_or_else(|| panic!("guild {guild_id} does not exist"))
    }

    /// Adds a role and dispatches GUILD_ROLE_CREATE.
    ///
    /// # Panics
    /// If the guild does not exist.
    pub(crate) fn add_role(&mut self, guild_id: u64, name: &str, permissions: u64) -> u64 {
        let id = self.next_id();
        let role = self.known_guild(guild_id).insert_role(id, name, permissions, None);
        let event = json!({ "guild_id": payloads::id(guild_id), "role": role });
        self.sessions.dispatch("GUILD_ROLE_CREATE", &event);
        id
    }

    /// Adds a human user as a member holding `roles` and dispatches GUILD_MEMBER_ADD.
    ///
    /// # Panics
    /// If the guild or a role does not exist.
    pub(crate) fn add_member(&mut self, guild_id: u64, name: &str, roles: &[u64]) -> u64 {
        let id = self.next_id();
        let guild = self.known_guild(guild_id);
        for role in roles {
            assert!(guild.roles.contains_key(role), "role {role} does not exist in guild {guild_id}");
        }
        guild.members.insert(id, Member { roles: roles.to_vec(), joined_at: payloads::now() });
        self.users.insert(id, User { id, name: name.to_owned(), bot: false });
        let mut event = self.member_json(guild_id, id, true).unwrap_or(Value::Null);
        event["guild_id"] = payloads::id(guild_id);
        self.sessions.dispatch("GUILD_MEMBER_ADD", &event);
        id
    }

    /// The role Discord manages for the bot in `guild_id`, if the bot is in it.
    pub(crate) fn bot_role(&self, guild_id: u64) -> Option<u64> {
        let guild = self.guilds.get(&guild_id)?;
        guild.roles.values().find(|role| role.bot_id.is_some()).map(|role| role.id)
    }

    /// Whether `role_id` is a role of `guild_id`.
    pub(crate) fn has_role(&self, guild_id: u64, role_id: u64) -> bool {
        self.guilds.get(&guild_id).is_some_and(|guild| guild.roles.contains_key(&role_id))
    }

    /// Whether `user_id` is a member of `guild_id`.
    pub(crate) fn is_member(&self, guild_id: u64, user_id: u64) -> bool {
        self.guilds.get(&guild_id).is_some_and(|guild| guild.members.contains_key(&user_id))
    }

    /// The member object of `user_id` in `guild_id` (with its `user` if asked), if it is one.
    pub(crate) fn member_json(&self, guild_id: u64, user_id: u64, with_user: bool) -> Option<Value> {
        let member = self.guilds.get(&guild_id)?.members.get(&user_id)?;
        let user = if with_user { Some(self.users.get(&user_id)?) } else { None };
        Some(payloads::member(member, user, None))
    }

    /// A member as interactions and resolved data carry it: with `permissions`, without `user`.
    pub(crate) fn member_with_permissions(&self, guild_id: u64, user_id: u64) -> Option<Value> {
        let member = self.guilds.get(&guild_id)?.members.get(&user_id)?;
        Some(payloads::member(member, None, Some(self.permissions(guild_id, user_id))))
    }

    /// A role of a guild.
    pub(crate) fn role_json(&self, guild_id: u64, role_id: u64) -> Option<Value> {
        self.guilds.get(&guild_id)?.roles.get(&role_id).map(payloads::role)
    }

    /// The roles of a guild, `@everyone` first.
    pub(crate) fn roles_json(&self, guild_id: u64) -> Vec<Value> {
        self.guilds.get(&guild_id).map(|guild| guild.roles.values().map(payloads::role).collect()).unwrap_or_default()
    }

    /// The guild-wide permissions of a member: `@everyone`'s and its roles', or all of them for
    /// an administrator.
    pub(crate) fn permissions(&self, guild_id: u64, user_id: u64) -> u64 {
        let Some(guild) = self.guilds.get(&guild_id) else { return 0 };
        let everyone = guild.roles.get(&guild_id).map_or(0, |role| role.permissions);
        let roles = guild.members.get(&user_id).map_or(&[][..], |member| member.roles.as_slice());
        let granted =
            roles.iter().filter_map(|id| guild.roles.get(id)).fold(everyone, |bits, role| bits | role.permissions);
        if granted & ADMINISTRATOR != 0 { ALL_PERMISSIONS } else { granted }
    }

    /// The full guild for GUILD_CREATE; `Null` for a guild the bot is not in.
    pub(crate) fn guild_create(&self, guild_id: u64) -> Value {
        let Some(guild) = self.guilds.get(&guild_id) else { return Value::Null };
        let in_guild = |channel: &&Value| payloads::parse_id(&channel["guild_id"]) == Some(guild_id);
        let parts = GuildParts {
            id: guild.id,
            name: &guild.name,
            owner_id: self.config.owner_user_id,
            joined_at: &guild.joined_at,
            roles: guild.roles.values().map(payloads::role).collect(),
            members: guild.members.keys().filter_map(|user_id| self.member_json(guild_id, *user_id, true)).collect(),
            channels: self.channels.values().filter(in_guild).filter(|channel| !is_thread(channel)).cloned().collect(),
            threads: self.channels.values().filter(in_guild).filter(|channel| is_thread(channel)).cloned().collect(),
        };
        payloads::guild_create(parts)
    }
}
