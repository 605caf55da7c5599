//! Property tests of the parsers that take what people and files give: whatever comes in, they
//! answer with a value or a clear error, never a panic; and what they accept survives a round
//! trip. Bounded case counts keep them quick in CI.

use firebreak::cli::scenario::Scenario;
use firebreak::core::command::{COMMANDS, Command, Invocation, OptionKind, Utterance};
use firebreak::knowledge::parse_jsonl;
use proptest::prelude::*;

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
