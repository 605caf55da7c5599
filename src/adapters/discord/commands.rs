//! Slash commands on Discord, built from the core's command list: `/incident` with its
//! subcommands, and one top-level command for each other entry, with autocomplete where the core
//! suggests values; and the way back, from an interaction's typed options to the core's
//! `Invocation` (a picked user as the person Discord resolved) or `Completion`.

use std::collections::BTreeMap;

use serenity::all::{
    CommandData, CommandDataOption, CommandDataOptionValue, CommandDataResolved, CommandOptionType, CreateCommand,
    CreateCommandOption,
};

use super::controls::person;
use crate::core::command::{COMMANDS, CommandSpec, Completion, Invocation, OptionKind, OptionSpec};

/// The group that holds the `incident …` subcommands.
const GROUP: &str = "incident";
const GROUP_DESCRIPTION: &str = "Declare, attach, update or resolve an incident";

/// Every slash command, ready to register.
pub fn definitions() -> Vec<CreateCommand> {
    let mut group = CreateCommand::new(GROUP).description(GROUP_DESCRIPTION);
    let mut commands = Vec::new();
    for spec in COMMANDS {
        match spec.name.split_once(' ') {
            Some((GROUP, sub)) => {
                let mut subcommand =
                    CreateCommandOption::new(CommandOptionType::SubCommand, sub, short(spec.description));
                for option in ordered(spec) {
                    subcommand = subcommand.add_sub_option(option_definition(option));
                }
                group = group.add_option(subcommand);
            }
            _ => {
                let mut command = CreateCommand::new(spec.name).description(short(spec.description));
                for option in ordered(spec) {
                    command = command.add_option(option_definition(option));
                }
                commands.push(command);
            }
        }
    }
    commands.insert(0, group);
    commands
}

/// Discord wants required options before optional ones.
fn ordered(spec: &CommandSpec) -> impl Iterator<Item = &OptionSpec> {
    spec.options.iter().filter(|o| o.required).chain(spec.options.iter().filter(|o| !o.required))
}

/// Descriptions are limited to 100 characters.
fn short(text: &str) -> String {
    text.chars().take(100).collect()
}

fn option_definition(option: &OptionSpec) -> CreateCommandOption {
    let kind = match option.kind {
        OptionKind::Integer { .. } => CommandOptionType::Integer,
        OptionKind::Text { .. } | OptionKind::Choice(_) => CommandOptionType::String,
        OptionKind::Person => CommandOptionType::User,
    };
    let mut definition = CreateCommandOption::new(kind, option.name, short(option.description))
        .required(option.required)
        .set_autocomplete(option.suggested);
    match option.kind {
        OptionKind::Choice(words) => {
            for word in words {
                definition = definition.add_string_choice(*word, *word);
            }
        }
        OptionKind::Integer { min, max } => {
            definition = definition.min_int_value(min.max(0).unsigned_abs()).max_int_value(max.max(0).unsigned_abs());
        }
        OptionKind::Text { max_chars } => definition = definition.max_length(max_chars),
        OptionKind::Person => {}
    }
    definition
}

/// The command's name and its options, one level down for a subcommand: `/incident declare`
/// is `incident declare` with the subcommand's options.
fn named(data: &CommandData) -> (String, &[CommandDataOption]) {
    match data.options.first().map(|option| (&option.name, &option.value)) {
        Some((sub, CommandDataOptionValue::SubCommand(inner))) => (format!("{} {sub}", data.name), inner),
        _ => (data.name.clone(), &data.options),
    }
}

/// The invocation a slash command stands for: `/incident declare title:…` becomes
/// `incident declare` with a `title` option.
pub fn invocation(data: &CommandData) -> Invocation {
    let (name, options) = named(data);
    Invocation { name, options: values(options, &data.resolved) }
}

/// The completion an autocomplete request asks for: its command, the option being typed (the
/// focused one) and the others as given so far.
pub fn completion(data: &CommandData) -> Option<Completion> {
    let focused = data.autocomplete()?;
    let (command, options) = named(data);
    Some(Completion {
        command,
        option: focused.name.to_owned(),
        partial: focused.value.to_owned(),
        options: values(options, &data.resolved),
    })
}

fn values(options: &[CommandDataOption], resolved: &CommandDataResolved) -> BTreeMap<String, String> {
    options
        .iter()
        .filter_map(|option| {
            let value = match &option.value {
                CommandDataOptionValue::String(text) => text.clone(),
                CommandDataOptionValue::Integer(number) => number.to_string(),
                CommandDataOptionValue::Number(number) => number.to_string(),
                CommandDataOptionValue::Boolean(flag) => flag.to_string(),
                CommandDataOptionValue::User(user) => person(resolved, *user).option_value(),
                _ => return None,
            };
            Some((option.name.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_command_is_registered_once() {
        let registered: Vec<serde_json::Value> =
            definitions().into_iter().map(|command| serde_json::to_value(command).unwrap()).collect();
        let names: Vec<String> = registered
            .iter()
            .flat_map(|command| {
                let name = command["name"].as_str().unwrap().to_owned();
                match command["options"].as_array() {
                    Some(options) if name == GROUP => {
                        options.iter().map(|sub| format!("{name} {}", sub["name"].as_str().unwrap())).collect()
                    }
                    _ => vec![name],
                }
            })
            .collect();
        let expected: Vec<String> = COMMANDS.iter().map(|spec| spec.name.to_owned()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        assert_eq!(sorted, expected_sorted);
    }

    #[test]
    fn required_options_come_first_and_choices_are_offered() {
        let group = serde_json::to_value(&definitions()[0]).unwrap();
        let declare = group["options"].as_array().unwrap().iter().find(|sub| sub["name"] == "declare").unwrap();
        let options = declare["options"].as_array().unwrap();
        assert_eq!(options[0]["name"], "title");
        assert_eq!(options[0]["required"], true);
        let severity = options.iter().find(|option| option["name"] == "severity").unwrap();
        assert_eq!(severity["choices"].as_array().unwrap().len(), 4);
    }
}
