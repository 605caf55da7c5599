//! The limits Discord enforces on what a bot sends: message content, embeds, components and
//! `allowed_mentions`, channel and thread names and topics, slash-command definitions, upload
//! size. A body that breaks one is refused with 400 code 50035 listing every broken field, or
//! 50006 when a message would be empty.

use serde_json::Value;

use super::components;
use super::error::{ApiError, FormErrors, path};
use super::mentions;

/// Characters in a message's content.
const MAX_CONTENT: usize = 2000;
/// Embeds on one message.
const MAX_EMBEDS: usize = 10;
/// Characters in an embed title.
const MAX_TITLE: usize = 256;
/// Characters in an embed description.
const MAX_DESCRIPTION: usize = 4096;
/// Fields in one embed.
const MAX_FIELDS: usize = 25;
/// Characters in an embed field name.
const MAX_FIELD_NAME: usize = 256;
/// Characters in an embed field value.
const MAX_FIELD_VALUE: usize = 1024;
/// Characters in an embed footer.
const MAX_FOOTER: usize = 2048;
/// Characters in an embed author name.
const MAX_AUTHOR: usize = 256;
/// Characters across the title, description, field names and values, footer and author name of
/// every embed of one message.
const MAX_EMBEDS_TOTAL: usize = 6000;
/// Characters in a channel or thread name.
const MAX_CHANNEL_NAME: usize = 100;
/// Characters in a channel topic.
const MAX_TOPIC: usize = 1024;
/// Characters in a command or option name.
const MAX_COMMAND_NAME: usize = 32;
/// Characters in a command or option description.
const MAX_COMMAND_DESCRIPTION: usize = 100;
/// Commands in one bulk overwrite.
const MAX_COMMANDS: usize = 100;
/// Options of one command or sub-command.
const MAX_OPTIONS: usize = 25;
/// Choices of one option.
const MAX_CHOICES: usize = 25;
/// Bytes in one uploaded file for a bot without boosts (10 MiB), also the
/// `attachment_size_limit` of interactions.
pub(crate) const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// Checks the content, embeds, components and `allowed_mentions` of a message body (or of the
/// `data` of an interaction callback, with `prefix` `["data"]`) against Discord's limits.
pub(crate) fn check_message(body: &Value, prefix: &[String]) -> Result<(), ApiError> {
    let mut errors = FormErrors::default();
    if length(body.get("content")) > MAX_CONTENT {
        errors.too_long(&path(prefix, &["content"]), MAX_CONTENT);
    }
    let embeds = body.get("embeds").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if embeds.len() > MAX_EMBEDS {
        errors.too_long(&path(prefix, &["embeds"]), MAX_EMBEDS);
    }
    let mut total = 0;
    for (index, embed) in embeds.iter().enumerate() {
        total += check_embed(embed, &path(prefix, &["embeds", &index.to_string()]), &mut errors);
    }
    if total > MAX_EMBEDS_TOTAL {
        errors.add(
            &path(prefix, &["embeds"]),
            "MAX_EMBED_SIZE_EXCEEDED",
            format!("Embed size exceeds maximum size of {MAX_EMBEDS_TOTAL}"),
        );
    }
    components::check_message_components(body, prefix, &mut errors);
    mentions::check_allowed(body, prefix, &mut errors);
    errors.into_result()
}

/// Checks one embed, noting broken limits, and returns the characters it counts towards the
/// 6,000 shared by a message's embeds.
fn check_embed(embed: &Value, at: &[String], errors: &mut FormErrors) -> usize {
    let mut limited = |value: Option<&Value>, keys: &[&str], max: usize| {
        let count = length(value);
        if count > max {
            errors.too_long(&path(at, keys), max);
        }
        count
    };
    let mut total = limited(embed.get("title"), &["title"], MAX_TITLE)
        + limited(embed.get("description"), &["description"], MAX_DESCRIPTION)
        + limited(embed.pointer("/footer/text"), &["footer", "text"], MAX_FOOTER)
        + limited(embed.pointer("/author/name"), &["author", "name"], MAX_AUTHOR);
    let fields = embed.get("fields").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if fields.len() > MAX_FIELDS {
        errors.too_long(&path(at, &["fields"]), MAX_FIELDS);
    }
    for (index, field) in fields.iter().enumerate() {
        let index = index.to_string();
        for (key, max) in [("name", MAX_FIELD_NAME), ("value", MAX_FIELD_VALUE)] {
            let count = length(field.get(key));
            let field_path = path(at, &["fields", &index, key]);
            if count == 0 {
                errors.required(&field_path);
            } else if count > max {
                errors.too_long(&field_path, max);
            }
            total += count;
        }
    }
    total
}

/// Whether a message body (or a stored message) has anything to show: non-blank content, an
/// embed, a file, a component, a sticker or a poll. `files` counts uploads not yet in the body.
pub(crate) fn has_substance(message: &Value, files: usize) -> bool {
    let non_empty = |key: &str| message.get(key).and_then(Value::as_array).is_some_and(|list| !list.is_empty());
    let content = message.get("content").and_then(Value::as_str).unwrap_or("");
    !content.trim().is_empty()
        || files > 0
        || non_empty("embeds")
        || non_empty("attachments")
        || non_empty("components")
        || non_empty("sticker_ids")
        || message.get("poll").is_some_and(|poll| !poll.is_null())
}

/// Checks the name (1 to 100 characters, required) and topic of a channel or thread to create.
pub(crate) fn check_channel(body: &Value) -> Result<(), ApiError> {
    let mut errors = FormErrors::default();
    check_channel_fields(body, true, &mut errors);
    errors.into_result()
}

/// Notes a name (1 to 100 characters; required when creating, else only checked when present)
/// and a topic (at most 1,024 characters) outside Discord's limits.
pub(crate) fn check_channel_fields(body: &Value, name_required: bool, errors: &mut FormErrors) {
    let name = length(body.get("name"));
    if name == 0 && (name_required || body.get("name").is_some()) {
        errors.required(&path(&[], &["name"]));
    } else if name > MAX_CHANNEL_NAME {
        errors.bad_length(&path(&[], &["name"]), 1, MAX_CHANNEL_NAME);
    }
    if length(body.get("topic")) > MAX_TOPIC {
        errors.too_long(&path(&[], &["topic"]), MAX_TOPIC);
    }
}

/// Checks a bulk-overwrite body: an array of command definitions with valid, unique names,
/// descriptions where chat-input commands need them, and options within limits.
pub(crate) fn check_commands(body: &Value) -> Result<(), ApiError> {
    let mut errors = FormErrors::default();
    let Some(commands) = body.as_array() else {
        errors.add(&[], "BASE_TYPE_ARRAY", "Must be an array.".to_owned());
        return errors.into_result();
    };
    if commands.len() > MAX_COMMANDS {
        errors.too_long(&[], MAX_COMMANDS);
    }
    let mut seen = Vec::new();
    for (index, command) in commands.iter().enumerate() {
        let at = path(&[], &[&index.to_string()]);
        let kind = command.get("type").and_then(Value::as_u64).unwrap_or(1);
        let chat_input = kind == 1;
        check_name(command, &at, chat_input, &mut errors);
        if chat_input {
            check_description(command, &at, &mut errors);
            check_options(command, &at, &mut errors);
        }
        let name = command.get("name").and_then(Value::as_str).unwrap_or("");
        if seen.contains(&(kind, name)) {
            errors.add(
                &path(&at, &["name"]),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique".to_owned(),
            );
        }
        seen.push((kind, name));
    }
    errors.into_result()
}

/// Command and option names: 1 to 32 characters; for chat-input commands and options also
/// lowercase letters, digits, `-` and `_` only.
fn check_name(item: &Value, at: &[String], chat_input: bool, errors: &mut FormErrors) {
    let name = item.get("name").and_then(Value::as_str).unwrap_or("");
    let count = name.chars().count();
    let name_path = path(at, &["name"]);
    if count == 0 || count > MAX_COMMAND_NAME {
        errors.bad_length(&name_path, 1, MAX_COMMAND_NAME);
    } else if chat_input && !name.chars().all(|c| (c.is_alphanumeric() && !c.is_uppercase()) || c == '-' || c == '_') {
        errors.add(&name_path, "APPLICATION_COMMAND_INVALID_NAME", format!("Command name is invalid: {name}"));
    }
}

/// Chat-input command and option descriptions: 1 to 100 characters.
fn check_description(item: &Value, at: &[String], errors: &mut FormErrors) {
    let count = length(item.get("description"));
    if count == 0 || count > MAX_COMMAND_DESCRIPTION {
        errors.bad_length(&path(at, &["description"]), 1, MAX_COMMAND_DESCRIPTION);
    }
}

/// The options of a command or sub-command: at most 25, required ones before optional ones,
/// each with a valid name, description and at most 25 choices; sub-commands checked in turn.
fn check_options(item: &Value, at: &[String], errors: &mut FormErrors) {
    let options = item.get("options").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if options.len() > MAX_OPTIONS {
        errors.too_long(&path(at, &["options"]), MAX_OPTIONS);
    }
    let mut optional_seen = false;
    for (index, option) in options.iter().enumerate() {
        let option_path = path(at, &["options", &index.to_string()]);
        check_name(option, &option_path, true, errors);
        check_description(option, &option_path, errors);
        let choices = option.get("choices").and_then(Value::as_array).map_or(0, Vec::len);
        if choices > MAX_CHOICES {
            errors.too_long(&path(&option_path, &["choices"]), MAX_CHOICES);
        }
        let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
        if matches!(kind, 1 | 2) {
            check_options(option, &option_path, errors);
            continue;
        }
        let required = option.get("required").and_then(Value::as_bool).unwrap_or(false);
        if required && optional_seen {
            errors.add(
                &path(&option_path, &["required"]),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options".to_owned(),
            );
        }
        optional_seen |= !required;
    }
}

/// Characters in a string value; 0 for a missing or non-string value.
pub(crate) fn length(value: Option<&Value>) -> usize {
    value.and_then(Value::as_str).map_or(0, |text| text.chars().count())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn error_codes(result: Result<(), ApiError>) -> Value {
        let error = result.expect_err("the body breaks a limit");
        assert_eq!(error.body["code"], 50035);
        error.body["errors"].clone()
    }

    #[test]
    fn content_at_the_limit_passes_and_one_more_character_fails() {
        assert!(check_message(&json!({ "content": "é".repeat(2000) }), &[]).is_ok());
        let errors = error_codes(check_message(&json!({ "content": "x".repeat(2001) }), &[]));
        assert_eq!(errors["content"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    }

    #[test]
    fn every_embed_limit_is_enforced() {
        let field = |name: &str, value: &str| json!({ "name": name, "value": value });
        let embed = json!({
            "title": "t".repeat(257),
            "description": "d".repeat(4097),
            "footer": { "text": "f".repeat(2049) },
            "author": { "name": "a".repeat(257) },
            "fields": [field(&"n".repeat(257), "v"), field("n", &"v".repeat(1025)), field("", "v")],
        });
        let errors = error_codes(check_message(&json!({ "embeds": [embed] }), &["data".to_owned()]));
        let embed = &errors["data"]["embeds"]["0"];
        for pointer in ["/title", "/description", "/footer/text", "/author/name", "/fields/0/name", "/fields/1/value"] {
            let entry = embed.pointer(pointer).unwrap_or_else(|| panic!("no error at {pointer}: {errors}"));
            assert_eq!(entry["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH", "at {pointer}");
        }
        assert_eq!(embed["fields"]["2"]["name"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
        assert_eq!(errors["data"]["embeds"]["_errors"][0]["code"], "MAX_EMBED_SIZE_EXCEEDED");
    }

    #[test]
    fn counts_of_embeds_and_fields_are_limited() {
        let fields: Vec<Value> = (0..26).map(|i| json!({ "name": i.to_string(), "value": "v" })).collect();
        let errors = error_codes(check_message(&json!({ "embeds": [{ "fields": fields }] }), &[]));
        assert!(errors["embeds"]["0"]["fields"]["_errors"].is_array());
        let embeds: Vec<Value> = (0..11).map(|_| json!({ "title": "t" })).collect();
        let errors = error_codes(check_message(&json!({ "embeds": embeds }), &[]));
        assert!(errors["embeds"]["_errors"].is_array());
    }

    #[test]
    fn the_six_thousand_characters_are_shared_by_all_embeds() {
        let embed = json!({ "description": "d".repeat(3500) });
        assert!(check_message(&json!({ "embeds": [embed.clone()] }), &[]).is_ok());
        let errors = error_codes(check_message(&json!({ "embeds": [embed.clone(), embed] }), &[]));
        assert_eq!(errors["embeds"]["_errors"][0]["code"], "MAX_EMBED_SIZE_EXCEEDED");
    }

    #[test]
    fn a_message_needs_something_to_show() {
        assert!(!has_substance(&json!({ "content": "  " }), 0));
        assert!(has_substance(&json!({ "content": "  " }), 1));
        assert!(has_substance(&json!({ "embeds": [{ "title": "t" }] }), 0));
    }

    #[test]
    fn channel_names_are_required_and_bounded() {
        assert!(check_channel(&json!({ "name": "incident-1" })).is_ok());
        let errors = error_codes(check_channel(&json!({ "name": "" })));
        assert_eq!(errors["name"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
        let errors = error_codes(check_channel(&json!({ "name": "n".repeat(101), "topic": "t".repeat(1025) })));
        assert_eq!(errors["name"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        assert_eq!(errors["topic"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    }

    #[test]
    fn command_definitions_are_checked() {
        let good = json!([{
            "name": "incident", "description": "Run an incident", "type": 1,
            "options": [{ "type": 1, "name": "declare", "description": "Declare one", "options": [
                { "type": 3, "name": "title", "description": "What broke", "required": true },
                { "type": 3, "name": "severity", "description": "How bad" },
            ]}],
        }]);
        assert!(check_commands(&good).is_ok());
        let bad = json!([
            { "name": "Incident", "description": "Upper case" },
            { "name": "status" },
            { "name": "status", "description": "Twice", "options": [
                { "type": 3, "name": "a", "description": "optional" },
                { "type": 3, "name": "b", "description": "required", "required": true },
            ]},
            { "name": "Open Postmortem", "type": 3 },
        ]);
        let errors = error_codes(check_commands(&bad));
        assert_eq!(errors["0"]["name"]["_errors"][0]["code"], "APPLICATION_COMMAND_INVALID_NAME");
        assert_eq!(errors["1"]["description"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        assert_eq!(errors["2"]["name"]["_errors"][0]["code"], "APPLICATION_COMMANDS_DUPLICATE_NAME");
        assert_eq!(
            errors["2"]["options"]["1"]["required"]["_errors"][0]["code"],
            "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"
        );
        assert!(errors.get("3").is_none(), "message commands may have capitals and spaces: {errors}");
    }
}
