//! The bot's application commands and the interactions the test dispatches: registering
//! commands, building INTERACTION_CREATE (slash commands and autocomplete with resolved options,
//! component clicks and modal submissions come through [`State::dispatch_interaction`]), and what
//! the bot answered.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::{Map, Value, json};

use super::super::payloads::{self, AUTOCOMPLETE, COMPONENT, CommandSpec, InteractionSpec, MetadataSpec};
use super::super::records::{DispatchedInteraction, InteractionCallback, InteractionRecord};
use super::channels::partial_channel;
use super::{ALL_PERMISSIONS, State};

/// An interaction the test dispatched and what the bot did with it.
pub(crate) struct Interaction {
    pub(crate) id: u64,
    pub(crate) token: String,
    /// The interaction type: command, component, autocomplete or modal submit.
    pub(crate) kind: u8,
    /// The command name, or the `custom_id` of the component or modal.
    name: String,
    pub(crate) guild_id: u64,
    pub(crate) channel_id: u64,
    pub(crate) user_id: u64,
    /// The message whose component was used, or from whose component a modal was opened.
    pub(crate) message_id: Option<u64>,
    /// For a modal submission, the metadata of the interaction that opened the modal.
    pub(crate) triggering: Option<Value>,
    pub(crate) dispatched: Instant,
    pub(crate) callbacks: Vec<InteractionCallback>,
    pub(crate) original_id: Option<u64>,
    pub(crate) edits: Vec<Value>,
    pub(crate) followup_ids: Vec<u64>,
}

/// An interaction about to be dispatched.
pub(crate) struct NewInteraction {
    pub(crate) kind: u8,
    /// The command name, or the `custom_id` of the component or modal.
    pub(crate) name: String,
    pub(crate) channel_id: u64,
    pub(crate) user_id: u64,
    pub(crate) data: Value,
    pub(crate) message_id: Option<u64>,
    pub(crate) triggering: Option<Value>,
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
    /// `channel_id`: of `kind` [`payloads::COMMAND`] for a use, [`AUTOCOMPLETE`] for a request for
    /// choices (its options hold one marked `focused`). The command id is the registered one (the channel's guild first, then
    /// global) if the bot registered `name`, else a fresh id. Users, members, roles and channels
    /// named by options of those types are added to `data.resolved`, as Discord does.
    ///
    /// # Panics
    /// If the channel does not exist or the user is not a member of its guild.
    pub(crate) fn command_interaction(
        &mut self,
        kind: u8,
        channel_id: u64,
        user_id: u64,
        name: &str,
        options: Value,
    ) -> DispatchedInteraction {
        let guild_id = self.guild_of(channel_id).unwrap_or_else(|| panic!("channel {channel_id} does not exist"));
        let registered = [Some(guild_id), None].into_iter().find_map(|scope| {
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
        let resolved = if kind == AUTOCOMPLETE { json!({}) } else { self.resolve(guild_id, &options) };
        let data =
            payloads::command_data(CommandSpec { command_id, command_guild, name: name.to_owned(), options, resolved });
        self.dispatch_interaction(NewInteraction {
            kind,
            name: name.to_owned(),
            channel_id,
            user_id,
            data,
            message_id: None,
            triggering: None,
        })
    }

    /// Stores an interaction, dispatches its INTERACTION_CREATE with the channel, the member
    /// (with its permissions) and the message it concerns, and starts its ack deadline.
    ///
    /// # Panics
    /// If the channel does not exist or the user is not a member of its guild.
    pub(crate) fn dispatch_interaction(&mut self, new: NewInteraction) -> DispatchedInteraction {
        let channel =
            self.channels.get(&new.channel_id).unwrap_or_else(|| panic!("channel {} does not exist", new.channel_id));
        let guild_id = payloads::parse_id(&channel["guild_id"]).unwrap_or_default();
        let permissions = self.permissions(guild_id, new.user_id);
        let channel = partial_channel(channel, permissions);
        let mut member = self
            .member_json(guild_id, new.user_id, true)
            .unwrap_or_else(|| panic!("user {} is not a member of guild {guild_id}", new.user_id));
        member["permissions"] = json!(permissions.to_string());
        let message = new.message_id.and_then(|message_id| self.messages.get(&message_id)).cloned();
        let id = self.next_id();
        let token = format!("interaction.{id:x}.{:x}", id.rotate_left(23) ^ self.config.application_id);
        let spec = InteractionSpec {
            id,
            kind: new.kind,
            token: token.clone(),
            guild_id,
            data: new.data,
            channel,
            member,
            message,
            app_permissions: self.permissions(guild_id, self.config.bot_user_id),
        };
        let payload = payloads::interaction(&self.config, spec);
        self.interactions.insert(
            id,
            Interaction {
                id,
                token: token.clone(),
                kind: new.kind,
                name: new.name,
                guild_id,
                channel_id: new.channel_id,
                user_id: new.user_id,
                message_id: new.message_id,
                triggering: new.triggering,
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
    fn resolve(&self, guild_id: u64, options: &Value) -> Value {
        let mut resolved: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
        let mut pending: Vec<&Value> = options.as_array().map(|list| list.iter().collect()).unwrap_or_default();
        while let Some(option) = pending.pop() {
            if let Some(nested) = option.get("options").and_then(Value::as_array) {
                pending.extend(nested);
            }
            let Some(target) = option.get("value").and_then(Value::as_str).and_then(|id| id.parse::<u64>().ok()) else {
                continue;
            };
            let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
            self.resolve_one(guild_id, kind, target, &mut resolved);
        }
        Value::Object(resolved.into_iter().map(|(kind, map)| (kind.to_owned(), Value::Object(map))).collect())
    }

    /// Adds what option type `kind` (6 user, 7 channel, 8 role, 9 mentionable) names by `target`
    /// to `resolved`.
    pub(super) fn resolve_one(
        &self,
        guild_id: u64,
        kind: u64,
        target: u64,
        resolved: &mut BTreeMap<&'static str, Map<String, Value>>,
    ) {
        let key = target.to_string();
        if matches!(kind, 6 | 9)
            && let Some(user) = self.users.get(&target)
        {
            resolved.entry("users").or_default().insert(key.clone(), payloads::user(user));
            if let Some(member) = self.member_with_permissions(guild_id, target) {
                resolved.entry("members").or_default().insert(key.clone(), member);
            }
        }
        if matches!(kind, 8 | 9)
            && let Some(role) = self.role_json(guild_id, target)
        {
            resolved.entry("roles").or_default().insert(key.clone(), role);
        }
        if kind == 7
            && let Some(channel) = self.channels.get(&target)
        {
            resolved.entry("channels").or_default().insert(key, partial_channel(channel, ALL_PERMISSIONS));
        }
    }

    /// An interaction by id.
    pub(crate) fn interaction(&self, interaction_id: u64) -> Option<&Interaction> {
        self.interactions.get(&interaction_id)
    }

    /// An interaction by id, to change.
    pub(crate) fn interaction_mut(&mut self, interaction_id: u64) -> Option<&mut Interaction> {
        self.interactions.get_mut(&interaction_id)
    }

    /// An interaction by its webhook token.
    pub(crate) fn interaction_by_token(&self, token: &str) -> Option<&Interaction> {
        self.interactions.values().find(|interaction| interaction.token == token)
    }

    /// What the bot did with an interaction, as the test sees it.
    pub(crate) fn interaction_record(&self, interaction_id: u64) -> Option<InteractionRecord> {
        let interaction = self.interactions.get(&interaction_id)?;
        Some(InteractionRecord {
            id: interaction.id,
            token: interaction.token.clone(),
            kind: interaction.kind,
            name: interaction.name.clone(),
            channel_id: interaction.channel_id,
            user_id: interaction.user_id,
            message_id: interaction.message_id,
            callbacks: interaction.callbacks.clone(),
            original: interaction.original_id.and_then(|id| self.messages.get(&id)).cloned(),
            edits: interaction.edits.clone(),
            followups: interaction.followup_ids.iter().filter_map(|id| self.messages.get(id)).cloned().collect(),
        })
    }

    /// The `interaction_metadata` of a message answering an interaction (a follow-up when
    /// `original_response` is given).
    pub(crate) fn interaction_metadata(&self, interaction_id: u64, original_response: Option<u64>) -> Value {
        let Some(interaction) = self.interactions.get(&interaction_id) else { return Value::Null };
        let Some(user) = self.users.get(&interaction.user_id) else { return Value::Null };
        payloads::interaction_metadata(MetadataSpec {
            interaction_id,
            kind: interaction.kind,
            guild_id: interaction.guild_id,
            user,
            original_response,
            interacted_message: interaction.message_id.filter(|_| interaction.kind == COMPONENT),
            triggering: interaction.triggering.clone(),
        })
    }
}
