//! Property tests of the parsers that take what people and files give: whatever comes in, they
//! answer with a value or a clear error, never a panic; and what they accept survives a round
//! trip; a webhook body mangled in any way is taken or refused with a reason, never a server
//! error. Bounded case counts keep them quick in CI.

use std::sync::OnceLock;

use firebreak::cli::scenario::Scenario;
use firebreak::core::command::{COMMANDS, Command, Invocation, OptionKind, Utterance};
use firebreak::knowledge::parse_jsonl;
use proptest::prelude::*;
use serde_json::Value;
use tokio::runtime::Runtime;

use crate::intake::{Running, fixture, intake};

/// Printable text with the separators that matter to the parser.
fn chatty_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(r"[ -~éü✓\n\t:/@=]{0,120}").expect("valid strategy regex")
}

/// A command line: a registered name, then options and free text in any order.
fn command_line() -> impl Strategy<Value = String> {
    let names: Vec<&str> = COMMANDS.iter().map(|spec| spec.name).collect();
    let words: Vec<&str> = COMMANDS.iter().flat_map(|spec| spec.options.iter().map(|option| option.name)).collect();
    (proptest::sample::select(names), proptest::collection::vec((proptest::sample::select(words), chatty_text()), 0..5))
        .prop_map(|(name, options)| {
            let options: Vec<String> =
                options.into_iter().map(|(option, value)| format!("{option}: {value}")).collect();
            format!("/{name} {}", options.join(" "))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_line_is_a_command_a_question_a_message_or_a_clear_error(line in chatty_text()) {
        if let Err(error) = Utterance::parse(&line, "firebreak") {
            prop_assert!(!error.reply().is_empty());
        }
    }

    #[test]
    fn command_lines_parse_or_are_refused_with_their_usage(line in command_line()) {
        match Command::parse(&line) {
            Ok(command) => {
                let name = format!("/{}", command.spec().name);
                prop_assert!(line.starts_with(&name), "{} parsed as {}", line, name);
            }
            Err(error) => prop_assert!(!error.reply().is_empty()),
        }
    }

    #[test]
    fn a_parsed_command_is_the_same_when_its_options_come_typed(line in command_line()) {
        if let Ok(invocation) = Invocation::parse(&line)
            && let Ok(from_text) = Command::from_invocation(invocation.clone())
        {
            let spec = from_text.spec();
            let typed = Invocation::new(spec.name, invocation.options.clone());
            prop_assert_eq!(Command::from_invocation(typed).ok(), Some(from_text));
        }
    }

    #[test]
    fn typed_options_of_any_value_never_panic(values in proptest::collection::vec(chatty_text(), 8)) {
        for spec in COMMANDS {
            let options = spec.options.iter().zip(&values).map(|(option, value)| {
                let value = match option.kind {
                    OptionKind::Integer { .. } => value.len().to_string(),
                    OptionKind::Choice(_) | OptionKind::Text { .. } | OptionKind::Person => value.clone(),
                };
                (option.name.to_owned(), value)
            });
            let _ = Command::from_invocation(Invocation::new(spec.name, options));
        }
    }

    #[test]
    fn any_jsonl_text_gives_records_or_numbered_errors(text in proptest::string::string_regex(r#"[ -~\n{}":,\[\]]{0,400}"#).unwrap()) {
        match parse_jsonl(&text) {
            Ok(records) => prop_assert!(records.iter().all(|record| record.validate().is_ok())),
            Err(errors) => {
                let lines = text.lines().count();
                prop_assert!(errors.iter().all(|error| error.line >= 1 && error.line <= lines));
            }
        }
    }

    #[test]
    fn any_scenario_text_gives_a_scenario_or_an_error_naming_its_origin(text in proptest::string::string_regex(r"[ -~\n]{0,300}").unwrap()) {
        match Scenario::parse(&text, "fuzzed.yaml") {
            Ok(scenario) => prop_assert!(!scenario.steps.is_empty()),
            Err(error) => prop_assert!(error.to_string().contains("fuzzed.yaml")),
        }
    }
}

/// A hook and the fixture it takes, mutated.
const HOOKS: [(&str, &str); 4] = [
    ("alertmanager", "alertmanager-firing.json"),
    ("grafana", "grafana-firing.json"),
    ("incident", "incident.json"),
    ("change", "change.json"),
];

/// One intake shared by the cases, on a runtime of its own, with no rate limit in the way.
fn shared_intake() -> &'static (Runtime, Running) {
    static SHARED: OnceLock<(Runtime, Running)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = Runtime::new().expect("a runtime for the intake");
        let running = runtime.block_on(
            intake()
                .settings(|settings| {
                    settings.rate_per_second = 1_000_000;
                    settings.burst = 1_000_000;
                })
                .start(),
        );
        (runtime, running)
    })
}

/// Any JSON value a sender might put where another was expected.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e300..1e300f64).prop_map(Value::from),
        chatty_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Replaces (or, with `None`, removes) the node `path` leads to: each step picks a child of an
/// object or array by index, modulo its size, and the walk stops at a leaf.
fn mutate(value: &mut Value, path: &[usize], replacement: Option<Value>) {
    let children = match value {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    let Some((&step, rest)) = path.split_first().filter(|_| children > 0) else {
        *value = replacement.unwrap_or(Value::Null);
        return;
    };
    let index = step % children;
    let descend = !rest.is_empty() || replacement.is_some();
    match value {
        Value::Object(map) => {
            let key = map.keys().nth(index).cloned().unwrap_or_default();
            if descend {
                if let Some(child) = map.get_mut(&key) {
                    mutate(child, rest, replacement);
                }
            } else {
                map.remove(&key);
            }
        }
        Value::Array(items) if descend => mutate(&mut items[index], rest, replacement),
        Value::Array(items) => drop(items.remove(index)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_mangled_webhook_payload_is_taken_or_refused_with_a_reason_never_a_server_error(
        hook in 0..HOOKS.len(),
        path in proptest::collection::vec(0..64usize, 0..6),
        replacement in proptest::option::of(any_json()),
        cut in proptest::option::of(0..2048usize),
    ) {
        let (name, file) = HOOKS[hook];
        let mut payload: Value = serde_json::from_str(&fixture(file)).expect("the fixture is JSON");
        mutate(&mut payload, &path, replacement);
        let mut body = payload.to_string();
        if let Some(cut) = cut {
            let end = (0..=cut.min(body.len())).rev().find(|end| body.is_char_boundary(*end)).unwrap_or(0);
            body.truncate(end);
        }
        let (runtime, running) = shared_intake();
        let (status, answer) = runtime.block_on(running.post(name, &body));
        prop_assert!((200..500).contains(&status), "{name}: {status} {answer} for {body}");
        if status >= 400 {
            let reason = answer["error"].as_str().unwrap_or_default();
            prop_assert!(!reason.is_empty(), "{name}: {status} without a reason for {body}");
        }
        let (health, _) = runtime.block_on(running.get("/healthz"));
        prop_assert_eq!(health, 200);
    }
}
