//! What `/diagnose` suggests while it is typed: the catalog's tools by name (with what each
//! tells you), then, for the chosen tool, each parameter not given yet with its description and
//! examples, and example values for the one being typed. Suggestions only help typing: the
//! command is validated as ever when it runs.

use serde_json::Value;

use crate::core::command::Completion;
use crate::core::outbound::Choice;
use crate::core::ports::{Ports, ToolInfo};
use crate::core::text::shortened;

/// Suggestions offered at most (Discord's limit).
const MAX_CHOICES: usize = 25;
/// Characters of a suggestion's label and value (Discord's limit).
const MAX_CHARS: usize = 100;

/// Suggestions for the option `completion` is typing.
pub(super) fn suggest(completion: &Completion, ports: &Ports) -> Vec<Choice> {
    let tools = ports.diagnostics.tools();
    let choices = match completion.option.as_str() {
        "tool" => tool_names(&tools, &completion.partial),
        "args" => {
            let chosen = completion.options.get("tool").and_then(|tool| tool.split_whitespace().next());
            match tools.iter().find(|tool| Some(tool.name.as_str()) == chosen) {
                Some(tool) => arguments(tool, &completion.partial),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    choices.into_iter().filter(|choice| choice.value.chars().count() <= MAX_CHARS).take(MAX_CHOICES).collect()
}

/// The tools whose name contains what is typed, each with its description.
fn tool_names(tools: &[ToolInfo], partial: &str) -> Vec<Choice> {
    let partial = partial.trim().to_lowercase();
    tools
        .iter()
        .filter(|tool| tool.name.contains(&partial))
        .map(|tool| Choice::new(shortened(&format!("{} — {}", tool.name, tool.description), MAX_CHARS), &tool.name))
        .collect()
}

/// One parameter of a tool, as its schema describes it.
struct Param {
    name: String,
    description: Option<String>,
    pattern: Option<String>,
    examples: Vec<String>,
}

fn params(tool: &ToolInfo) -> Vec<Param> {
    let Some(properties) = tool.parameters.get("properties").and_then(Value::as_object) else { return Vec::new() };
    properties
        .iter()
        .map(|(name, schema)| {
            let text = |key: &str| schema.get(key).and_then(Value::as_str).map(str::to_owned);
            let pattern = text("pattern");
            let mut examples: Vec<String> = schema
                .get("examples")
                .and_then(Value::as_array)
                .map(|values| values.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if examples.is_empty() {
                examples = pattern.as_deref().map(literal_alternatives).unwrap_or_default();
            }
            Param { name: name.clone(), description: text("description"), pattern, examples }
        })
        .collect()
}

/// The values a pattern that is only a list of words allows (`^(healthz|readyz)$`): its own
/// examples.
fn literal_alternatives(pattern: &str) -> Vec<String> {
    let core = pattern.trim_start_matches('^').trim_end_matches('$');
    let core = core.strip_prefix('(').and_then(|inner| inner.strip_suffix(')')).unwrap_or(core);
    let words: Vec<&str> = core.split('|').collect();
    let literal = |word: &&str| {
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/'))
    };
    if words.iter().all(literal) { words.into_iter().map(str::to_owned).collect() } else { Vec::new() }
}

/// Completions of the `name=value …` text typed so far: the value being typed from the
/// parameter's examples, or the next parameter not given yet.
fn arguments(tool: &ToolInfo, partial: &str) -> Vec<Choice> {
    let params = params(tool);
    let mut words: Vec<&str> = partial.split_whitespace().collect();
    let typing = if partial.ends_with(char::is_whitespace) { "" } else { words.pop().unwrap_or("") };
    let done = words.join(" ");
    let given: Vec<&str> = words.iter().filter_map(|word| word.split_once('=').map(|(name, _)| name)).collect();
    let with = |next: &str| if done.is_empty() { next.to_owned() } else { format!("{done} {next}") };
    if let Some((name, value)) = typing.split_once('=') {
        let Some(param) = params.iter().find(|param| param.name == name) else { return Vec::new() };
        let mut choices: Vec<Choice> = param
            .examples
            .iter()
            .filter(|example| example.starts_with(value))
            .map(|example| Choice::new(format!("{name}={example}"), with(&format!("{name}={example}"))))
            .collect();
        if choices.is_empty() && !value.is_empty() {
            let hint = param.pattern.as_deref().map_or_else(String::new, |pattern| format!(" — must match {pattern}"));
            choices.push(Choice::new(shortened(&format!("{typing}{hint}"), MAX_CHARS), with(typing)));
        }
        return choices;
    }
    let remaining: Vec<&Param> =
        params.iter().filter(|param| !given.contains(&param.name.as_str()) && param.name.starts_with(typing)).collect();
    if remaining.is_empty() {
        let complete = with(typing);
        return vec![Choice::new(shortened(&format!("{complete} — every argument given"), MAX_CHARS), complete)];
    }
    remaining
        .into_iter()
        .map(|param| {
            let about = param
                .description
                .clone()
                .or_else(|| param.pattern.as_ref().map(|pattern| format!("matches {pattern}")))
                .unwrap_or_default();
            let examples = if param.examples.is_empty() {
                String::new()
            } else {
                format!(" (e.g. {})", param.examples.iter().take(3).cloned().collect::<Vec<_>>().join(", "))
            };
            let label = shortened(&format!("{}= — {about}{examples}", param.name), MAX_CHARS);
            Choice::new(label, with(&format!("{}=", param.name)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn health() -> ToolInfo {
        ToolInfo {
            name: "health".into(),
            description: "Probe a service's health endpoint".into(),
            parameters: json!({ "type": "object", "properties": {
                "endpoint": { "type": "string", "pattern": "^(healthz|readyz)$" },
                "service": { "type": "string", "pattern": "^([a-z-]+)$", "description": "The service" },
            }}),
            lists_changes: false,
        }
    }

    fn values(choices: &[Choice]) -> Vec<&str> {
        choices.iter().map(|choice| choice.value.as_str()).collect()
    }

    #[test]
    fn parameters_not_given_yet_are_suggested_with_what_they_take() {
        let choices = arguments(&health(), "");
        assert_eq!(values(&choices), ["endpoint=", "service="]);
        assert!(choices[0].label.contains("healthz, readyz"), "{:?}", choices[0]);
        assert!(choices[1].label.contains("The service"), "{:?}", choices[1]);

        assert_eq!(values(&arguments(&health(), "service=checkout ")), ["service=checkout endpoint="]);
    }

    #[test]
    fn a_value_being_typed_is_completed_from_the_examples_or_shown_with_its_pattern() {
        assert_eq!(values(&arguments(&health(), "endpoint=re")), ["endpoint=readyz"]);
        let typed = arguments(&health(), "endpoint=readyz service=chec");
        assert_eq!(values(&typed), ["endpoint=readyz service=chec"]);
        assert!(typed[0].label.contains("must match ^([a-z-]+)$"), "{:?}", typed[0]);
    }

    #[test]
    fn patterns_that_are_not_word_lists_give_no_examples() {
        assert_eq!(literal_alternatives("^(healthz|readyz)$"), ["healthz", "readyz"]);
        assert!(literal_alternatives("^([a-z-]+)$").is_empty());
    }
}
