//! A guild of a [`DiscordServer`], for a test to fill: roles, members and channels added here
//! belong to that guild only and are dispatched to the connected sessions as Discord would.

use super::DiscordServer;
use super::state::{CATEGORY, FORUM};

/// One guild of a running server; see [`DiscordServer::guild`] and [`DiscordServer::add_guild`].
pub struct Guild<'a> {
    pub(super) server: &'a DiscordServer,
    pub(super) id: u64,
}

impl Guild<'_> {
    /// The guild's id, also the id of its `@everyone` role.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Adds a role with no permissions of its own and returns its id; dispatches
    /// GUILD_ROLE_CREATE. Later connections see it in GUILD_CREATE.
    pub fn add_role(&self, name: &str) -> u64 {
        self.add_role_with_permissions(name, 0)
    }

    /// Adds a role granting `permissions` (Discord's permission bits) and returns its id;
    /// dispatches GUILD_ROLE_CREATE.
    pub fn add_role_with_permissions(&self, name: &str, permissions: u64) -> u64 {
        self.server.shared.update(|state| state.add_role(self.id, name, permissions))
    }

    /// Adds a new human user as a member with `roles` and returns the user id; dispatches
    /// GUILD_MEMBER_ADD to sessions with the GUILD_MEMBERS intent.
    ///
    /// # Panics
    /// If a role does not exist in this guild.
    pub fn add_member(&self, name: &str, roles: &[u64]) -> u64 {
        self.server.shared.update(|state| state.add_member(self.id, name, roles))
    }

    /// Adds a category (channel type 4) and returns its id; dispatches CHANNEL_CREATE.
    pub fn add_category(&self, name: &str) -> u64 {
        self.add_channel(CATEGORY, name, None)
    }

    /// Adds a text channel (type 0), under a category if given, and returns its id; dispatches
    /// CHANNEL_CREATE. The name is lowercased with spaces made dashes, as Discord does.
    ///
    /// # Panics
    /// If `parent` is not a category of this guild.
    pub fn add_text_channel(&self, name: &str, parent: Option<u64>) -> u64 {
        self.add_channel(0, name, parent)
    }

    /// Adds a forum channel (type 15), under a category if given, and returns its id;
    /// dispatches CHANNEL_CREATE. Its posts are threads: see
    /// [`DiscordServer::start_thread`].
    ///
    /// # Panics
    /// If `parent` is not a category of this guild.
    pub fn add_forum_channel(&self, name: &str, parent: Option<u64>) -> u64 {
        self.add_channel(FORUM, name, parent)
    }

    fn add_channel(&self, kind: u8, name: &str, parent: Option<u64>) -> u64 {
        let channel = self.server.shared.update(|state| {
            if let Some(parent) = parent {
                let category = state.channel_kind(parent) == Some(CATEGORY) && state.guild_of(parent) == Some(self.id);
                assert!(category, "channel {parent} is not a category of guild {}", self.id);
            }
            state.add_channel(self.id, kind, name, parent, None)
        });
        super::id_of(&channel)
    }
}
