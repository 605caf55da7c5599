//! Message components, modals and autocomplete choices as Discord checks them. A message holds
//! at most 5 action rows; a row holds up to 5 buttons or exactly one select menu; every
//! `custom_id` is 1 to 100 characters and unique within the message; button labels are at most
//! 80 characters; a string select offers 1 to 25 options. A modal has a title of at most 45
//! characters and 1 to 5 rows of one text input each (style 1 short or 2 paragraph, lengths up to
//! 4,000). An autocomplete answer offers at most 25 choices named in 1 to 100 characters. Broken
//! rules are answered with 400 code 50035 naming each field.

use serde_json::Value;

use super::error::{FormErrors, path};
use super::limits::length;

/// Component type of an action row.
pub(crate) const ACTION_ROW: u64 = 1;
/// Component type of a button.
pub(crate) const BUTTON: u64 = 2;
/// Component type of a select menu of the bot's own options.
pub(crate) const STRING_SELECT: u64 = 3;
/// Component type of a modal's text input.
pub(crate) const TEXT_INPUT: u64 = 4;
/// Component types of the select menus (string, user, role, mentionable, channel).
const SELECTS: [u64; 5] = [STRING_SELECT, 5, 6, 7, 8];
/// Action rows on one message, and text inputs in one modal.
const MAX_ROWS: usize = 5;
/// Buttons in one action row.
const MAX_BUTTONS: usize = 5;
/// Characters in a `custom_id`.
const MAX_CUSTOM_ID: usize = 100;
/// Characters in a button label.
const MAX_BUTTON_LABEL: usize = 80;
/// Options of a string select, and choices of an autocomplete answer.
const MAX_OPTIONS: usize = 25;
/// Characters in a select option's label, value or description, or in a choice's name or value.
const MAX_OPTION_TEXT: usize = 100;
/// Characters in a select menu's placeholder.
const MAX_SELECT_PLACEHOLDER: usize = 150;
/// Characters in a modal title and in a text input label.
const MAX_MODAL_TEXT: usize = 45;
/// Characters a text input may be asked to take, or be prefilled with.
const MAX_INPUT_LENGTH: usize = 4000;
/// Characters in a text input's placeholder.
const MAX_INPUT_PLACEHOLDER: usize = 100;
/// Button styles: primary, secondary, success, danger, link, premium.
const BUTTON_STYLES: std::ops::RangeInclusive<u64> = 1..=6;
/// The button style that opens a URL instead of sending an interaction.
const LINK_STYLE: u64 = 5;
/// The button style that sells a SKU instead of sending an interaction.
const PREMIUM_STYLE: u64 = 6;

/// Checks the `components` of a message body (under `prefix`).
pub(crate) fn check_message_components(body: &Value, prefix: &[String], errors: &mut FormErrors) {
    let Some(rows) = body.get("components").and_then(Value::as_array) else { return };
    let at = path(prefix, &["components"]);
    if rows.len() > MAX_ROWS {
        errors.too_long(&at, MAX_ROWS);
    }
    let mut custom_ids = CustomIds::default();
    for (index, row) in rows.iter().enumerate() {
        let row_path = path(&at, &[&index.to_string()]);
        let Some(items) = row_items(row, &row_path, errors) else { continue };
        let selects = items.iter().filter(|item| kind(item).is_some_and(|kind| SELECTS.contains(&kind))).count();
        if items.len() > MAX_BUTTONS || (selects > 0 && items.len() > 1) {
            errors.add(
                &path(&row_path, &["components"]),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width".to_owned(),
            );
        }
        for (position, item) in items.iter().enumerate() {
            let item_path = path(&row_path, &["components", &position.to_string()]);
            match kind(item) {
                Some(BUTTON) => check_button(item, &item_path, &mut custom_ids, errors),
                Some(kind) if SELECTS.contains(&kind) => check_select(item, kind, &item_path, &mut custom_ids, errors),
                _ => choices_error(&item_path, "type", "Value must be one of (2, 3, 5, 6, 7, 8).", errors),
            }
        }
    }
}

/// Checks the `data` of a modal callback (type 9): `custom_id`, `title` and rows of one text
/// input each.
pub(crate) fn check_modal(data: &Value, prefix: &[String], errors: &mut FormErrors) {
    check_custom_id(data, prefix, &mut CustomIds::default(), errors);
    required_text(data, "title", MAX_MODAL_TEXT, prefix, errors);
    let rows = data.get("components").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let at = path(prefix, &["components"]);
    if rows.is_empty() || rows.len() > MAX_ROWS {
        errors.bad_length(&at, 1, MAX_ROWS);
    }
    let mut custom_ids = CustomIds::default();
    for (index, row) in rows.iter().enumerate() {
        let row_path = path(&at, &[&index.to_string()]);
        let Some(items) = row_items(row, &row_path, errors) else { continue };
        if items.len() != 1 {
            errors.bad_length(&path(&row_path, &["components"]), 1, 1);
        }
        for (position, input) in items.iter().enumerate() {
            let input_path = path(&row_path, &["components", &position.to_string()]);
            if kind(input) != Some(TEXT_INPUT) {
                choices_error(&input_path, "type", "Value must be one of (4,).", errors);
                continue;
            }
            check_text_input(input, &input_path, &mut custom_ids, errors);
        }
    }
}

/// Checks the `data` of an autocomplete answer (type 8): at most 25 choices, each with a name
/// of 1 to 100 characters and a string (at most 100 characters) or number value.
pub(crate) fn check_choices(data: &Value, prefix: &[String], errors: &mut FormErrors) {
    let choices = data.get("choices").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if choices.len() > MAX_OPTIONS {
        errors.too_long(&path(prefix, &["choices"]), MAX_OPTIONS);
    }
    for (index, choice) in choices.iter().enumerate() {
        let at = path(prefix, &["choices", &index.to_string()]);
        required_text(choice, "name", MAX_OPTION_TEXT, &at, errors);
        match choice.get("value") {
            Some(Value::Number(_)) => {}
            Some(Value::String(text)) if text.chars().count() <= MAX_OPTION_TEXT => {}
            Some(Value::String(_)) => errors.too_long(&path(&at, &["value"]), MAX_OPTION_TEXT),
            _ => errors.required(&path(&at, &["value"])),
        }
    }
}

/// The interactive components of a message or modal (buttons, selects, text inputs), in order.
pub(crate) fn interactive(rows: &Value) -> Vec<&Value> {
    let rows = rows.as_array().map_or(&[][..], Vec::as_slice);
    rows.iter().flat_map(|row| row.get("components").and_then(Value::as_array).into_iter().flatten()).collect()
}

/// The component of a message or modal with `custom_id`.
pub(crate) fn find<'a>(rows: &'a Value, custom_id: &str) -> Option<&'a Value> {
    interactive(rows).into_iter().find(|item| item.get("custom_id").and_then(Value::as_str) == Some(custom_id))
}

/// The type of a component.
pub(crate) fn kind(component: &Value) -> Option<u64> {
    component.get("type").and_then(Value::as_u64)
}

/// The `custom_id`s seen so far in one message or modal.
#[derive(Default)]
struct CustomIds(Vec<String>);

/// The items of an action row, or None (with the error noted) when it is not one.
fn row_items<'a>(row: &'a Value, at: &[String], errors: &mut FormErrors) -> Option<&'a [Value]> {
    if kind(row) != Some(ACTION_ROW) {
        choices_error(at, "type", "Value must be one of (1,).", errors);
        return None;
    }
    let items = row.get("components").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if items.is_empty() {
        errors.required(&path(at, &["components"]));
    }
    Some(items)
}

/// A button: a known style; a `custom_id` unless it is a link or premium button, a `url` for a
/// link; a label of at most 80 characters.
fn check_button(button: &Value, at: &[String], custom_ids: &mut CustomIds, errors: &mut FormErrors) {
    let style = button.get("style").and_then(Value::as_u64).unwrap_or(0);
    if !BUTTON_STYLES.contains(&style) {
        choices_error(at, "style", "Value must be one of (1, 2, 3, 4, 5, 6).", errors);
    }
    match style {
        LINK_STYLE => {
            if length(button.get("url")) == 0 {
                errors.required(&path(at, &["url"]));
            }
            if button.get("custom_id").is_some() {
                errors.add(
                    &path(at, &["custom_id"]),
                    "BUTTON_COMPONENT_CUSTOM_ID_FORBIDDEN",
                    "A custom id cannot be specified for link buttons".to_owned(),
                );
            }
        }
        PREMIUM_STYLE => {}
        _ => check_custom_id(button, at, custom_ids, errors),
    }
    if length(button.get("label")) > MAX_BUTTON_LABEL {
        errors.too_long(&path(at, &["label"]), MAX_BUTTON_LABEL);
    }
}

/// A select menu: a `custom_id`, a placeholder of at most 150 characters, `min_values` 0 to 25
/// and `max_values` 1 to 25 (not below `min_values`); a string select also 1 to 25 options with
/// labels, values and descriptions of at most 100 characters, and no more values than options.
fn check_select(select: &Value, kind: u64, at: &[String], custom_ids: &mut CustomIds, errors: &mut FormErrors) {
    check_custom_id(select, at, custom_ids, errors);
    if length(select.get("placeholder")) > MAX_SELECT_PLACEHOLDER {
        errors.too_long(&path(at, &["placeholder"]), MAX_SELECT_PLACEHOLDER);
    }
    let options = select.get("options").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let min = number(select, "min_values").unwrap_or(1);
    let max = number(select, "max_values").unwrap_or(1);
    let most = if kind == STRING_SELECT { options.len().min(MAX_OPTIONS) } else { MAX_OPTIONS };
    if min > most {
        errors.add(
            &path(at, &["min_values"]),
            "NUMBER_TYPE_MAX",
            format!("int value should be less than or equal to {most}."),
        );
    }
    if max == 0 || max > most.max(1) || max < min {
        errors.add(
            &path(at, &["max_values"]),
            "NUMBER_TYPE_MAX",
            format!("int value should be between {} and {most}.", min.max(1)),
        );
    }
    if kind != STRING_SELECT {
        return;
    }
    if options.is_empty() || options.len() > MAX_OPTIONS {
        errors.bad_length(&path(at, &["options"]), 1, MAX_OPTIONS);
    }
    for (index, option) in options.iter().enumerate() {
        let option_path = path(at, &["options", &index.to_string()]);
        required_text(option, "label", MAX_OPTION_TEXT, &option_path, errors);
        required_text(option, "value", MAX_OPTION_TEXT, &option_path, errors);
        if length(option.get("description")) > MAX_OPTION_TEXT {
            errors.too_long(&path(&option_path, &["description"]), MAX_OPTION_TEXT);
        }
    }
}

/// A modal's text input: a unique `custom_id`, style 1 or 2, a label of 1 to 45 characters,
/// `min_length` 0 to 4,000, `max_length` 1 to 4,000, a prefilled value and placeholder within
/// their limits.
fn check_text_input(input: &Value, at: &[String], custom_ids: &mut CustomIds, errors: &mut FormErrors) {
    check_custom_id(input, at, custom_ids, errors);
    if !matches!(input.get("style").and_then(Value::as_u64), Some(1 | 2)) {
        choices_error(at, "style", "Value must be one of (1, 2).", errors);
    }
    required_text(input, "label", MAX_MODAL_TEXT, at, errors);
    if number(input, "min_length").is_some_and(|min| min > MAX_INPUT_LENGTH) {
        errors.add(
            &path(at, &["min_length"]),
            "NUMBER_TYPE_MAX",
            format!("int value should be less than or equal to {MAX_INPUT_LENGTH}."),
        );
    }
    if number(input, "max_length").is_some_and(|max| max == 0 || max > MAX_INPUT_LENGTH) {
        errors.add(
            &path(at, &["max_length"]),
            "NUMBER_TYPE_MAX",
            format!("int value should be between 1 and {MAX_INPUT_LENGTH}."),
        );
    }
    if length(input.get("value")) > MAX_INPUT_LENGTH {
        errors.too_long(&path(at, &["value"]), MAX_INPUT_LENGTH);
    }
    if length(input.get("placeholder")) > MAX_INPUT_PLACEHOLDER {
        errors.too_long(&path(at, &["placeholder"]), MAX_INPUT_PLACEHOLDER);
    }
}

/// A `custom_id` of 1 to 100 characters, not used before in the same message or modal.
fn check_custom_id(item: &Value, at: &[String], custom_ids: &mut CustomIds, errors: &mut FormErrors) {
    let custom_id = item.get("custom_id").and_then(Value::as_str).unwrap_or("");
    let id_path = path(at, &["custom_id"]);
    let count = custom_id.chars().count();
    if count == 0 || count > MAX_CUSTOM_ID {
        errors.bad_length(&id_path, 1, MAX_CUSTOM_ID);
    } else if custom_ids.0.iter().any(|seen| seen == custom_id) {
        errors.add(&id_path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated".to_owned());
    } else {
        custom_ids.0.push(custom_id.to_owned());
    }
}

/// A text field that must hold 1 to `max` characters.
fn required_text(item: &Value, key: &str, max: usize, at: &[String], errors: &mut FormErrors) {
    let count = length(item.get(key));
    if count == 0 {
        errors.required(&path(at, &[key]));
    } else if count > max {
        errors.too_long(&path(at, &[key]), max);
    }
}

/// A whole-number field; `usize::MAX` for one too large to count.
pub(crate) fn number(item: &Value, key: &str) -> Option<usize> {
    item.get(key).and_then(Value::as_u64).map(|value| usize::try_from(value).unwrap_or(usize::MAX))
}

/// Notes a value outside the allowed set.
fn choices_error(at: &[String], key: &str, message: &str, errors: &mut FormErrors) {
    errors.add(&path(at, &[key]), "BASE_TYPE_CHOICES", message.to_owned());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors_of(check: impl FnOnce(&mut FormErrors)) -> Value {
        let mut errors = FormErrors::default();
        check(&mut errors);
        errors.into_result().map_or_else(|error| error.body["errors"].clone(), |()| Value::Null)
    }

    fn button(custom_id: &str) -> Value {
        json!({ "type": 2, "style": 1, "custom_id": custom_id, "label": "Ack" })
    }

    #[test]
    fn rows_of_buttons_and_one_select_pass() {
        let select = json!({ "type": 3, "custom_id": "severity", "options": [
            { "label": "SEV1", "value": "sev1" }, { "label": "SEV2", "value": "sev2" },
        ]});
        let body = json!({ "components": [
            { "type": 1, "components": [button("a"), button("b"), { "type": 2, "style": 5, "url": "https://x", "label": "Runbook" }] },
            { "type": 1, "components": [select] },
            { "type": 1, "components": [{ "type": 5, "custom_id": "who", "max_values": 3 }] },
        ]});
        assert_eq!(errors_of(|errors| check_message_components(&body, &[], errors)), Value::Null);
    }

    #[test]
    fn layout_ids_and_labels_are_checked() {
        let rows: Vec<Value> =
            (0..6).map(|row| json!({ "type": 1, "components": [button(&format!("r{row}"))] })).collect();
        let errors = errors_of(|errors| check_message_components(&json!({ "components": rows }), &[], errors));
        assert_eq!(errors["components"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");

        let six: Vec<Value> = (0..6).map(|index| button(&format!("b{index}"))).collect();
        let mut long = button("x");
        long["label"] = json!("l".repeat(81));
        let body = json!({ "components": [
            { "type": 1, "components": six },
            { "type": 1, "components": [button("b0"), long, button(&"c".repeat(101))] },
            { "type": 1, "components": [button("y"), { "type": 3, "custom_id": "s", "options": [] }] },
        ]});
        let errors = errors_of(|errors| check_message_components(&body, &["data".to_owned()], errors));
        let rows = &errors["data"]["components"];
        assert_eq!(rows["0"]["components"]["_errors"][0]["code"], "COMPONENT_LAYOUT_WIDTH_EXCEEDED");
        assert_eq!(rows["1"]["components"]["0"]["custom_id"]["_errors"][0]["code"], "COMPONENT_CUSTOM_ID_DUPLICATED");
        assert_eq!(rows["1"]["components"]["1"]["label"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        assert_eq!(rows["1"]["components"]["2"]["custom_id"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        assert_eq!(rows["2"]["components"]["_errors"][0]["code"], "COMPONENT_LAYOUT_WIDTH_EXCEEDED");
        assert_eq!(rows["2"]["components"]["1"]["options"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
    }

    #[test]
    fn string_selects_offer_at_most_twenty_five_options() {
        let options: Vec<Value> =
            (0..26).map(|index| json!({ "label": index.to_string(), "value": index.to_string() })).collect();
        let body = json!({ "components": [{ "type": 1, "components": [{ "type": 3, "custom_id": "s", "options": options }] }] });
        let errors = errors_of(|errors| check_message_components(&body, &[], errors));
        assert_eq!(
            errors["components"]["0"]["components"]["0"]["options"]["_errors"][0]["code"],
            "BASE_TYPE_BAD_LENGTH"
        );
    }

    #[test]
    fn modals_are_checked() {
        let input = |custom_id: &str, style: u64| json!({ "type": 4, "custom_id": custom_id, "style": style, "label": "Root cause", "max_length": 4000 });
        let good = json!({ "custom_id": "resolve", "title": "Resolve the incident", "components": [
            { "type": 1, "components": [input("cause", 2)] },
            { "type": 1, "components": [input("fix", 1)] },
        ]});
        assert_eq!(errors_of(|errors| check_modal(&good, &[], errors)), Value::Null);
        let mut wide = input("b", 1);
        wide["max_length"] = json!(4001);
        let rows: Vec<Value> = [input("a", 3), wide, input("a", 1), input("c", 1), input("d", 1), input("e", 1)]
            .into_iter()
            .map(|input| json!({ "type": 1, "components": [input] }))
            .collect();
        let bad = json!({ "custom_id": "", "title": "t".repeat(46), "components": rows });
        let errors = errors_of(|errors| check_modal(&bad, &["data".to_owned()], errors));
        let data = &errors["data"];
        assert_eq!(data["custom_id"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        assert_eq!(data["title"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        assert_eq!(data["components"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        assert_eq!(data["components"]["0"]["components"]["0"]["style"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
        assert_eq!(data["components"]["1"]["components"]["0"]["max_length"]["_errors"][0]["code"], "NUMBER_TYPE_MAX");
        assert_eq!(
            data["components"]["2"]["components"]["0"]["custom_id"]["_errors"][0]["code"],
            "COMPONENT_CUSTOM_ID_DUPLICATED"
        );
    }

    #[test]
    fn autocomplete_choices_are_checked() {
        let good = json!({ "choices": [{ "name": "checkout", "value": "checkout" }, { "name": "one", "value": 1 }] });
        assert_eq!(errors_of(|errors| check_choices(&good, &[], errors)), Value::Null);
        let mut choices: Vec<Value> =
            (0..25).map(|index| json!({ "name": index.to_string(), "value": index })).collect();
        choices.push(json!({ "name": "n".repeat(101), "value": "v".repeat(101) }));
        let errors = errors_of(|errors| check_choices(&json!({ "choices": choices }), &["data".to_owned()], errors));
        assert_eq!(errors["data"]["choices"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        assert_eq!(errors["data"]["choices"]["25"]["name"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        assert_eq!(errors["data"]["choices"]["25"]["value"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    }
}
