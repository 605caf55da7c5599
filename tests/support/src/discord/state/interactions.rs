//! The bot's application commands and the interactions the test dispatches: registering
//! commands, building INTERACTION_CREATE with resolved options, and what the bot answered.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::super::payloads::{self, InteractionSpec};
use super::super::records::{DispatchedInteraction, InteractionCallback, InteractionRecord};
use super::channels::partial_channel;
use super::{ALL_PERMISSIONS, State};

/// An interaction the test dispatched and what the bot did with it.
pub(crate) struct Interaction {
    pub(crate) id: u64,
    pub(crate) token: String,
    name: String,
    pub(crate) channel_id: u64,
    pub(crate) user_id: u64,
    pub(crate) dispatched: Instant,
    pub(crate) callbacks: Vec<InteractionCallback>,
    pub(crate) original_id: Option<u64>,
    pub(crate) edits: Vec<Value>,
    pub(crate) followup_ids: Vec<u64>,
}

impl State {
    /// The commands registered globally (`None`) or for a guild.
    pub(crate) fn commands(&self, guild: Option<u64>) -> Vec<Value> {
        self.commands.get(&guild).cloned().unwrap_or_default()
    }

    /// Replaces the commands of a scope with `definitions`, keeping the id of a command whose
    /// name and type were registered before, and returns what is stored.
    pub(crate) fn overwrite_commands(&mut self, guild: Option<u64>, definitions: &[Value]) -> Vec<Value> {
        let previous = self.commands(guild);
        let version = self.next_id();
        let mut stored = Vec::new();
        for definition in definitions {
            let same = |command: &&Value| {
                command["name"] == definition["name"]
                    && command["type"].as_u64() == Some(definition.get("type").and_then(Value::as_u64).unwrap_or(1))
            };
            let command_id = match previous.iter().find(same).and_then(|command| payloads::parse_id(&command["id"])) {
                Some(id) => id,
                None => self.next_id(),
            };
            stored.push(payloads::command(definition, command_id, version, &self.config, guild));
        }
        self.commands.insert(guild, stored.clone());
        stored
    }

    /// Dispatches INTERACTION_CREATE for the chat-input command `name` used by `user_id` in
    /// `channel_id`. The command id is the registered one (guild first, then global) if the bot
    /// registered `name`, else a fresh id. Users, members, roles and channels named by options
    /// of those types are added to `data.resolved`, as Discord does.
    ///
    /// # Panics
    /// If the channel or the member does not exist.
    pub(crate) fn invoke_command(
        &mut self,
        channel_id: u64,
        user_id: u64,
        name: &str,
        options: Value,
    ) -> DispatchedInteraction {
        let channel = self.channels.get(&channel_id).unwrap_or_else(|| panic!("channel {channel_id} does not exist"));
        let channel = partial_channel(channel, self.permissions(user_id));
        let mut member =
            self.member_json(user_id, true).unwrap_or_else(|| panic!("user {user_id} is not a member of the guild"));
        member["permissions"] = json!(self.permissions(user_id).to_string());
        let registered = [Some(self.config.guild_id), None].into_iter().find_map(|scope| {
            self.commands
                .get(&scope)?
                .iter()
                .find(|command| command["name"] == name && command["type"] == 1)
                .map(|command| (payloads::parse_id(&command["id"]).unwrap_or_default(), scope))
        });
        let (command_id, command_guild) = match registered {
            Some(found) => found,
            None => (self.next_id(), None),
        };
        let options = if options.is_null() { json!([]) } else { options };
        let resolved = self.resolve(&options);
        let id = self.next_id();
        let token = format!("interaction.{id:x}.{:x}", id.rotate_left(23) ^ self.config.application_id);
        let spec = InteractionSpec {
            id,
            token: token.clone(),
            command_id,
            command_guild,
            name: name.to_owned(),
            options,
            resolved,
            channel,
            member,
            app_permissions: self.permissions(self.config.bot_user_id),
        };
        let payload = payloads::interaction(&self.config, spec);
        self.interactions.insert(
            id,
            Interaction {
                id,
                token: token.clone(),
                name: name.to_owned(),
                channel_id,
                user_id,
                dispatched: Instant::now(),
                callbacks: Vec::new(),
                original_id: None,
                edits: Vec::new(),
                followup_ids: Vec::new(),
            },
        );
        self.sessions.dispatch("INTERACTION_CREATE", &payload);
        DispatchedInteraction { id, token }
    }

    /// The `resolved` object for the user, channel, role and mentionable options in `options`.
    fn resolve(&self, options: &Value) -> Value {
        let mut resolved: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
        let mut pending: Vec<&Value> = options.as_array().map(|list| list.iter().collect()).unwrap_or_default();
        while let Some(option) = pending.pop() {
            if let Some(nested) = option.get("options").and_then(Value::as_array) {
                pending.extend(nested);
            }
            let Some(target) = option.get("value").and_then(Value::as_str).and_then(|id| id.parse::<u64>().ok()) else {
                continue;
            };
            let key = target.to_string();
            let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
            if matches!(kind, 6 | 9)
                && let Some(user) = self.users.get(&target)
            {
                resolved.entry("users").or_default().insert(key.clone(), payloads::user(user));
                if let Some(member) = self.members.get(&target) {
                    let member = payloads::member(member, None, Some(self.permissions(target)));
                    resolved.entry("members").or_default().insert(key.clone(), member);
                }
            }
            if matches!(kind, 8 | 9)
                && let Some(role) = self.roles.get(&target)
            {
                resolved.entry("roles").or_default().insert(key.clone(), payloads::role(role));
            }
            if kind == 7
                && let Some(channel) = self.channels.get(&target)
            {
                resolved.entry("channels").or_default().insert(key, partial_channel(channel, ALL_PERMISSIONS));
            }
        }
        Value::Object(resolved.into_iter().map(|(kind, map)| (kind.to_owned(), Value::Object(map))).collect())
    }

    /// An interaction by id.
    pub(crate) fn interaction_mut(&mut self, interaction_id: u64) -> Option<&mut Interaction> {
        self.interactions.get_mut(&interaction_id)
    }

    /// An interaction by its webhook token.
    pub(crate) fn interaction_by_token(&mut self, token: &str) -> Option<&mut Interaction> {
        self.interactions.values_mut().find(|interaction| interaction.token == token)
    }

    /// What the bot did with an interaction, as the test sees it.
    pub(crate) fn interaction_record(&self, interaction_id: u64) -> Option<InteractionRecord> {
        let interaction = self.interactions.get(&interaction_id)?;
        Some(InteractionRecord {
            id: interaction.id,
            token: interaction.token.clone(),
            name: interaction.name.clone(),
            channel_id: interaction.channel_id,
            user_id: interaction.user_id,
            callbacks: interaction.callbacks.clone(),
            original: interaction.original_id.and_then(|id| self.messages.get(&id)).cloned(),
            edits: interaction.edits.clone(),
            followups: interaction.followup_ids.iter().filter_map(|id| self.messages.get(id)).cloned().collect(),
        })
    }

    /// The user of an interaction, for the `interaction_metadata` of its responses.
    pub(crate) fn interaction_metadata(&self, interaction_id: u64, original_response: Option<u64>) -> Value {
        let user_id = self.interactions.get(&interaction_id).map_or(0, |interaction| interaction.user_id);
        match self.users.get(&user_id) {
            Some(user) => payloads::interaction_metadata(&self.config, interaction_id, user, original_response),
            None => Value::Null,
        }
    }
}
