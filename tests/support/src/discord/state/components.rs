//! What members do with the bot's components: click a button or choose in a select menu of a
//! message (INTERACTION_CREATE type 3 with `custom_id`, `component_type`, `values` and the
//! message), and submit a modal the bot opened (type 5 with each text input's value). Both are
//! checked as Discord's client would: a disabled or unknown component cannot be used, a choice
//! must fit the menu, a submission must fill required inputs within their lengths. A test that
//! breaks these rules has a bug, so the helpers panic.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::super::components::{self, BUTTON, STRING_SELECT, TEXT_INPUT};
use super::super::payloads::{COMPONENT, MODAL_SUBMIT, parse_id};
use super::super::records::DispatchedInteraction;
use super::{NewInteraction, State, is_ephemeral};

/// Component type of a select menu of users.
const USER_SELECT: u64 = 5;
/// Component type of a select menu of roles.
const ROLE_SELECT: u64 = 6;
/// Component type of a select menu of users and roles.
const MENTIONABLE_SELECT: u64 = 7;
/// Component type of a select menu of channels.
const CHANNEL_SELECT: u64 = 8;
/// Command option type of a user: how a user select's values are resolved.
const USER_OPTION: u64 = 6;
/// Command option type of a channel: how a channel select's values are resolved.
const CHANNEL_OPTION: u64 = 7;
/// Command option type of a role: how a role select's values are resolved.
const ROLE_OPTION: u64 = 8;
/// Command option type of a user or role: how a mentionable select's values are resolved.
const MENTIONABLE_OPTION: u64 = 9;

impl State {
    /// `user_id` uses the component `custom_id` of message `message_id`: clicks a button
    /// (`values` None) or chooses in a select menu (option values, or ids for user, role,
    /// mentionable and channel menus). Dispatches INTERACTION_CREATE type 3.
    ///
    /// # Panics
    /// If the message, the component or the user does not exist, the user cannot see the
    /// message, the component is disabled or a link, or the values do not fit it.
    pub(crate) fn use_component(
        &mut self,
        message_id: u64,
        user_id: u64,
        custom_id: &str,
        values: Option<&[&str]>,
    ) -> DispatchedInteraction {
        let message = self.messages.get(&message_id).unwrap_or_else(|| panic!("message {message_id} does not exist"));
        if is_ephemeral(message) {
            let owner = parse_id(&message["interaction_metadata"]["user"]["id"]);
            assert_eq!(owner, Some(user_id), "only user {owner:?} sees ephemeral message {message_id}");
        }
        let component = components::find(&message["components"], custom_id)
            .unwrap_or_else(|| panic!("message {message_id} has no component {custom_id:?}"));
        assert!(component["disabled"] != true, "component {custom_id:?} is disabled");
        let kind = components::kind(component).unwrap_or_default();
        let channel_id = parse_id(&message["channel_id"]).unwrap_or_default();
        let mut data = json!({ "custom_id": custom_id, "component_type": kind });
        if let Some(values) = values {
            assert!(kind != BUTTON, "{custom_id:?} is a button: click it");
            check_values(component, kind, values);
            data["values"] = json!(values);
            if kind != STRING_SELECT {
                let guild_id = self.guild_of(channel_id).unwrap_or(self.config.guild_id);
                data["resolved"] = self.resolve_values(guild_id, kind, values);
            }
        } else {
            assert_eq!(kind, BUTTON, "{custom_id:?} is a select menu: choose in it");
            assert!(component.get("custom_id").is_some(), "link and premium buttons send no interaction");
        }
        self.dispatch_interaction(NewInteraction {
            kind: COMPONENT,
            name: custom_id.to_owned(),
            channel_id,
            user_id,
            data,
            message_id: Some(message_id),
            triggering: None,
        })
    }

    /// The user of interaction `interaction_id` submits the modal the bot answered it with,
    /// with `values` by text input `custom_id` (inputs left out are sent empty). Dispatches
    /// INTERACTION_CREATE type 5; values keep their line breaks exactly.
    ///
    /// # Panics
    /// If the interaction does not exist or was not answered with a modal, an input is unknown,
    /// or a value is missing where required or outside the input's lengths.
    pub(crate) fn submit_modal(&mut self, interaction_id: u64, values: &[(&str, &str)]) -> DispatchedInteraction {
        let opening = self
            .interactions
            .get(&interaction_id)
            .unwrap_or_else(|| panic!("interaction {interaction_id} does not exist"));
        let modal = opening
            .callbacks
            .iter()
            .find(|callback| callback.kind == 9)
            .map(|callback| callback.data.clone())
            .unwrap_or_else(|| panic!("interaction {interaction_id} was not answered with a modal"));
        let (channel_id, user_id, message_id) = (opening.channel_id, opening.user_id, opening.message_id);
        let inputs = components::interactive(&modal["components"]);
        for (custom_id, _) in values {
            assert!(
                inputs.iter().any(|input| input["custom_id"] == *custom_id),
                "the modal has no text input {custom_id:?}"
            );
        }
        let rows: Vec<Value> = inputs
            .iter()
            .filter(|input| components::kind(input) == Some(TEXT_INPUT))
            .map(|input| {
                let custom_id = input["custom_id"].as_str().unwrap_or("");
                let value = values.iter().find(|(id, _)| *id == custom_id).map_or("", |(_, value)| *value);
                check_input(input, value);
                json!({ "type": 1, "components": [{ "type": TEXT_INPUT, "custom_id": custom_id, "value": value }] })
            })
            .collect();
        let custom_id = modal["custom_id"].as_str().unwrap_or("").to_owned();
        let triggering = self.interaction_metadata(interaction_id, None);
        self.dispatch_interaction(NewInteraction {
            kind: MODAL_SUBMIT,
            name: custom_id.clone(),
            channel_id,
            user_id,
            data: json!({ "custom_id": custom_id, "components": rows }),
            message_id,
            triggering: Some(triggering),
        })
    }

    /// The `resolved` object of a user, role, mentionable or channel select's values.
    fn resolve_values(&self, guild_id: u64, kind: u64, values: &[&str]) -> Value {
        let mut resolved: BTreeMap<&'static str, Map<String, Value>> = BTreeMap::new();
        for value in values {
            let target: u64 = value.parse().unwrap_or_else(|_| panic!("{value:?} is not an id"));
            let option = match kind {
                USER_SELECT => USER_OPTION,
                ROLE_SELECT => ROLE_OPTION,
                CHANNEL_SELECT => CHANNEL_OPTION,
                _ => MENTIONABLE_OPTION,
            };
            let known = match kind {
                USER_SELECT => self.is_member(guild_id, target),
                ROLE_SELECT => self.has_role(guild_id, target),
                CHANNEL_SELECT => self.guild_of(target) == Some(guild_id),
                MENTIONABLE_SELECT => self.is_member(guild_id, target) || self.has_role(guild_id, target),
                _ => false,
            };
            assert!(known, "{value} is not something this select menu offers in guild {guild_id}");
            self.resolve_one(guild_id, option, target, &mut resolved);
        }
        Value::Object(resolved.into_iter().map(|(kind, map)| (kind.to_owned(), Value::Object(map))).collect())
    }
}

/// Panics unless `values` fit the select menu: between `min_values` and `max_values` of them,
/// and for a string select each one of its options.
fn check_values(select: &Value, kind: u64, values: &[&str]) {
    let min = components::number(select, "min_values").unwrap_or(1);
    let max = components::number(select, "max_values").unwrap_or(1);
    assert!((min..=max).contains(&values.len()), "choose between {min} and {max} values, not {}", values.len());
    if kind == STRING_SELECT {
        let options = select["options"].as_array().map_or(&[][..], Vec::as_slice);
        for value in values {
            assert!(options.iter().any(|option| option["value"] == *value), "the select menu has no option {value:?}");
        }
    }
}

/// Panics unless `value` fits a text input: present when required (the default) and within
/// its `min_length` and `max_length`.
fn check_input(input: &Value, value: &str) {
    let custom_id = &input["custom_id"];
    let length = value.chars().count();
    let required = input.get("required").and_then(Value::as_bool).unwrap_or(true);
    assert!(!required || length > 0, "text input {custom_id} is required");
    if length > 0 {
        let min = components::number(input, "min_length").unwrap_or(0);
        let max = components::number(input, "max_length").unwrap_or(4000);
        assert!((min..=max).contains(&length), "text input {custom_id} takes {min} to {max} characters, not {length}");
    }
}
