//! The core's controls, forms and suggestions in Discord's shapes, and back: buttons in rows of
//! five, a choice or a person picker on a row of its own, a form as a modal of text inputs,
//! suggestions as autocomplete choices; and what a click or a submitted modal carries, read
//! back into the values the core's ids expect.

use std::collections::BTreeMap;

use serenity::all::{
    ActionRowComponent, AutocompleteChoice, ButtonStyle as DiscordStyle, CommandDataResolved, ComponentInteractionData,
    ComponentInteractionDataKind, CreateActionRow, CreateAutocompleteResponse, CreateButton, CreateInputText,
    CreateModal, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, InputTextStyle, ModalInteractionData,
    UserId,
};

use crate::core::incident::Person;
use crate::core::outbound::{ButtonStyle, Choice, Control, ControlKind, Form};
use crate::core::text::shortened;

/// Buttons in one row.
const BUTTONS_PER_ROW: usize = 5;
/// Rows on one message.
const MAX_ROWS: usize = 5;
/// Characters of a button label.
const LABEL_LIMIT: usize = 80;
/// Characters of a select menu's placeholder.
const PLACEHOLDER_LIMIT: usize = 150;
/// Characters of a modal's title and of a text input's label.
const MODAL_TEXT_LIMIT: usize = 45;

/// The rows that show `controls`: consecutive buttons share rows of five, each choice and each
/// person picker has a row of its own; rows past Discord's five are left off.
pub(super) fn rows(controls: &[Control]) -> Vec<CreateActionRow> {
    let mut rows = Vec::new();
    let mut buttons = Vec::new();
    for control in controls {
        match &control.kind {
            ControlKind::Button { style } => {
                buttons.push(
                    CreateButton::new(&control.id).label(shortened(&control.label, LABEL_LIMIT)).style(discord(*style)),
                );
                if buttons.len() == BUTTONS_PER_ROW {
                    rows.push(CreateActionRow::Buttons(std::mem::take(&mut buttons)));
                }
            }
            ControlKind::Choice { options, current } => {
                flush(&mut rows, &mut buttons);
                let options = options
                    .iter()
                    .map(|option| {
                        CreateSelectMenuOption::new(&option.label, &option.value)
                            .default_selection(current.as_deref() == Some(option.value.as_str()))
                    })
                    .collect();
                let menu = CreateSelectMenu::new(&control.id, CreateSelectMenuKind::String { options })
                    .placeholder(shortened(&control.label, PLACEHOLDER_LIMIT));
                rows.push(CreateActionRow::SelectMenu(menu));
            }
            ControlKind::Person => {
                flush(&mut rows, &mut buttons);
                let menu = CreateSelectMenu::new(&control.id, CreateSelectMenuKind::User { default_users: None })
                    .placeholder(shortened(&control.label, PLACEHOLDER_LIMIT));
                rows.push(CreateActionRow::SelectMenu(menu));
            }
        }
    }
    flush(&mut rows, &mut buttons);
    rows.truncate(MAX_ROWS);
    rows
}

fn flush(rows: &mut Vec<CreateActionRow>, buttons: &mut Vec<CreateButton>) {
    if !buttons.is_empty() {
        rows.push(CreateActionRow::Buttons(std::mem::take(buttons)));
    }
}

fn discord(style: ButtonStyle) -> DiscordStyle {
    match style {
        ButtonStyle::Primary => DiscordStyle::Primary,
        ButtonStyle::Secondary => DiscordStyle::Secondary,
        ButtonStyle::Success => DiscordStyle::Success,
        ButtonStyle::Danger => DiscordStyle::Danger,
    }
}

/// `form` as a modal: one text input per field, named by the command option it fills, so the
/// submission reads back into the same command.
pub(super) fn modal(form: &Form) -> CreateModal {
    let inputs = form
        .fields
        .iter()
        .map(|field| {
            let style = if field.long { InputTextStyle::Paragraph } else { InputTextStyle::Short };
            let input = CreateInputText::new(style, shortened(field.label, MODAL_TEXT_LIMIT), field.name)
                .placeholder(field.placeholder)
                .max_length(field.max_chars)
                .required(field.required);
            CreateActionRow::InputText(input)
        })
        .collect();
    CreateModal::new(&form.id, shortened(&form.title, MODAL_TEXT_LIMIT)).components(inputs)
}

/// `choices` as an autocomplete answer.
pub(super) fn suggestions(choices: &[Choice]) -> CreateAutocompleteResponse {
    let choices = choices.iter().map(|choice| AutocompleteChoice::new(&choice.label, choice.value.as_str())).collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// What a click chose, as the core's ids expect it: a string select's values, or the people a
/// user select picked (as [`Person::option_value`], with their nickname where Discord gave it).
pub(super) fn chosen(data: &ComponentInteractionData) -> Vec<(String, String)> {
    let values: Vec<String> = match &data.kind {
        ComponentInteractionDataKind::StringSelect { values } => values.clone(),
        ComponentInteractionDataKind::UserSelect { values } => {
            values.iter().map(|user| person(&data.resolved, *user).option_value()).collect()
        }
        _ => Vec::new(),
    };
    values.into_iter().enumerate().map(|(index, value)| (index.to_string(), value)).collect()
}

/// The person Discord resolved for `user` in a picker or a user option: their nickname in the
/// guild where Discord gave it, else their display name.
pub(super) fn person(resolved: &CommandDataResolved, user: UserId) -> Person {
    let nick = resolved.members.get(&user).and_then(|member| member.nick.clone());
    let name = nick.or_else(|| resolved.users.get(&user).map(|found| found.display_name().to_owned()));
    Person::new(format!("discord:{user}"), name.unwrap_or_else(|| user.to_string()))
}

/// The values of a submitted modal, by the option each input fills, exactly as typed.
pub(super) fn submitted(data: &ModalInteractionData) -> BTreeMap<String, String> {
    data.components
        .iter()
        .flat_map(|row| &row.components)
        .filter_map(|component| match component {
            ActionRowComponent::InputText(input) => Some((input.custom_id.clone(), input.value.clone()?)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::core::outbound::FormField;

    fn button(id: &str) -> Control {
        Control {
            id: id.into(),
            label: id.into(),
            kind: ControlKind::Button { style: ButtonStyle::Primary },
            command: String::new(),
        }
    }

    #[test]
    fn buttons_share_rows_of_five_and_selects_get_a_row_each() {
        let mut controls: Vec<Control> = (0..6).map(|index| button(&format!("b{index}"))).collect();
        controls.push(Control {
            id: "sev".into(),
            label: "Change severity".into(),
            kind: ControlKind::Choice {
                options: vec![Choice::new("SEV1", "sev1"), Choice::new("SEV2", "sev2")],
                current: Some("sev2".into()),
            },
            command: String::new(),
        });
        controls.push(Control {
            id: "who".into(),
            label: "Commander".into(),
            kind: ControlKind::Person,
            command: String::new(),
        });

        let rows: Vec<Value> = rows(&controls).iter().map(|row| serde_json::to_value(row).unwrap()).collect();

        let widths: Vec<usize> = rows.iter().map(|row| row["components"].as_array().unwrap().len()).collect();
        assert_eq!(widths, [5, 1, 1, 1]);
        assert_eq!(rows[2]["components"][0]["type"], 3);
        assert_eq!(rows[2]["components"][0]["options"][1]["default"], true);
        assert_eq!(rows[3]["components"][0]["type"], 5);
    }

    #[test]
    fn a_form_becomes_a_modal_of_text_inputs_named_by_option() {
        let form = Form {
            id: "fb:7:form:resolve".into(),
            title: "Resolve INC-7".into(),
            fields: vec![FormField {
                name: "root_cause",
                label: "Root cause",
                placeholder: "What caused it",
                long: true,
                required: true,
                max_chars: 4_000,
            }],
            usage: String::new(),
        };

        let modal = serde_json::to_value(modal(&form)).unwrap();

        assert_eq!(
            (modal["custom_id"].as_str(), modal["title"].as_str()),
            (Some("fb:7:form:resolve"), Some("Resolve INC-7"))
        );
        let input = &modal["components"][0]["components"][0];
        assert_eq!(
            (input["custom_id"].as_str(), input["style"].as_u64(), input["max_length"].as_u64()),
            (Some("root_cause"), Some(2), Some(4_000))
        );
    }
}
