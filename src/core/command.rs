//! Commands and the one parser every adapter shares: a console line, a scripted demo step and
//! a Discord slash command all become the same `Command`, with the same words and errors.
//!
//! Options are written the way Discord displays them: `name: value`. An option's value runs
//! until the next known option name, so free text (titles, root causes) needs no quoting.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::error::UserError;
use super::incident::{Declaration, Severity, Source, Status};

/// Something a person asked the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/incident declare <title> [severity:] [service:] [source:] [summary:]`
    Declare(Declaration),
    /// `/incident status <investigating|mitigated>`
    Status(Status),
    /// `/incident resolve root_cause: <text> mitigation: <text> [category: <word>]`
    Resolve {
        /// What caused the incident.
        root_cause: String,
        /// What stopped the impact.
        mitigation: String,
        /// Root-cause category, e.g. `deployment`.
        category: Option<String>,
    },
    /// `/rca`
    RootCause,
    /// `/mitigation`
    Mitigation,
    /// `/similar`
    Similar,
    /// `/summary`
    Summary,
    /// `/timeline`
    Timeline,
    /// `/feedback <1-5> [comment]`
    Feedback {
        /// 1 (useless) to 5 (spot on).
        rating: u8,
        /// Optional free text.
        comment: String,
    },
    /// `/help`
    Help,
}

/// One registered command: its name as typed, its usage line and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Words after the slash, e.g. `incident declare`.
    pub name: &'static str,
    /// Full usage line shown in help and errors.
    pub usage: &'static str,
    /// One sentence for help and slash-command descriptions.
    pub description: &'static str,
}

/// Every command, in the order help lists them. Adding a command means adding it here.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "incident declare",
        usage: "/incident declare <title> [severity: sev1-sev4] [service: <name>] [source: machine|customer] [summary: <text>]",
        description: "Open an incident in this channel and get a first-response suggestion.",
    },
    CommandSpec {
        name: "incident status",
        usage: "/incident status <investigating|mitigated>",
        description: "Change the incident's status.",
    },
    CommandSpec {
        name: "incident resolve",
        usage: "/incident resolve root_cause: <text> mitigation: <text> [category: <word>]",
        description: "Close the incident with its root cause and mitigation, so future incidents can learn from it.",
    },
    CommandSpec {
        name: "rca",
        usage: "/rca",
        description: "Show the likely root causes, with the past incidents behind them.",
    },
    CommandSpec {
        name: "mitigation",
        usage: "/mitigation",
        description: "Show mitigation steps that worked for similar past incidents.",
    },
    CommandSpec {
        name: "similar",
        usage: "/similar",
        description: "List similar resolved incidents and what fixed them.",
    },
    CommandSpec { name: "summary", usage: "/summary", description: "Summarise the incident for a late joiner." },
    CommandSpec { name: "timeline", usage: "/timeline", description: "Show what has happened so far." },
    CommandSpec {
        name: "feedback",
        usage: "/feedback <1-5> [comment]",
        description: "Rate how useful the bot's help was (1 useless – 5 spot on).",
    },
    CommandSpec { name: "help", usage: "/help", description: "List the commands." },
];

/// A line of chat, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Utterance {
    /// A `/command`.
    Command(Command),
    /// A message addressed to the bot (`@firebreak …`), without the address.
    Question(String),
    /// Anything else: recorded, not answered.
    Message(String),
}

impl Utterance {
    /// Classifies a line typed in a channel where the bot is called `bot_name`.
    pub fn parse(line: &str, bot_name: &str) -> Result<Self, UserError> {
        let line = line.trim();
        if line.starts_with('/') {
            return Command::parse(line).map(Utterance::Command);
        }
        let address = format!("@{bot_name}");
        match line.get(..address.len()) {
            Some(head) if head.eq_ignore_ascii_case(&address) => {
                let question = line[address.len()..].trim_start_matches([',', ':']).trim();
                Ok(Utterance::Question(question.to_owned()))
            }
            _ => Ok(Utterance::Message(line.to_owned())),
        }
    }
}

impl Command {
    /// Parses a `/command …` line.
    pub fn parse(line: &str) -> Result<Self, UserError> {
        let body = line.trim().trim_start_matches('/');
        let (word, rest) = split_word(body);
        match word.to_ascii_lowercase().as_str() {
            "incident" => {
                let (sub, rest) = split_word(rest);
                match sub.to_ascii_lowercase().as_str() {
                    "declare" => parse_declare(rest),
                    "status" => parse_status(rest),
                    "resolve" => parse_resolve(rest),
                    "" => {
                        Err(bad_usage("`/incident` needs a subcommand: declare, status or resolve", "incident declare"))
                    }
                    other => Err(UserError::UnknownCommand(format!("/incident {other}"))),
                }
            }
            "summary" => no_arguments(rest, Command::Summary, "summary"),
            "rca" => no_arguments(rest, Command::RootCause, "rca"),
            "mitigation" => no_arguments(rest, Command::Mitigation, "mitigation"),
            "similar" => no_arguments(rest, Command::Similar, "similar"),
            "timeline" => no_arguments(rest, Command::Timeline, "timeline"),
            "help" => Ok(Command::Help),
            "feedback" => parse_feedback(rest),
            _ => Err(UserError::UnknownCommand(format!("/{word}"))),
        }
    }
}

fn parse_declare(rest: &str) -> Result<Command, UserError> {
    let (title, mut options) = split_options(rest, &["severity", "service", "source", "summary"]);
    if title.is_empty() {
        return Err(bad_usage("An incident needs a title", "incident declare"));
    }
    let severity = options.remove("severity").map(|s| Severity::parse(&s)).transpose()?.unwrap_or(Severity::Sev3);
    let source = options.remove("source").map(|s| Source::parse(&s)).transpose()?.unwrap_or(Source::Customer);
    let service = options.remove("service").filter(|s| !s.is_empty()).map(|s| s.to_ascii_lowercase());
    let summary = options.remove("summary").unwrap_or_default();
    Ok(Command::Declare(Declaration { title, summary, severity, service, source }))
}

fn parse_status(rest: &str) -> Result<Command, UserError> {
    if rest.trim().is_empty() {
        return Err(bad_usage("Which status?", "incident status"));
    }
    Ok(Command::Status(Status::parse(rest)?))
}

fn parse_resolve(rest: &str) -> Result<Command, UserError> {
    static CATEGORY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]{0,39}$").expect("static regex is valid"));
    let (stray, mut options) = split_options(rest, &["root_cause", "mitigation", "category"]);
    let root_cause = options.remove("root_cause").unwrap_or_default();
    let mitigation = options.remove("mitigation").unwrap_or_default();
    if !stray.is_empty() || root_cause.is_empty() || mitigation.is_empty() {
        return Err(bad_usage("Resolving needs both a root cause and a mitigation", "incident resolve"));
    }
    let category = options.remove("category").map(|word| word.to_ascii_lowercase());
    if let Some(word) = category.as_deref().filter(|word| !CATEGORY.is_match(word)) {
        return Err(UserError::InvalidValue {
            what: "category",
            value: word.to_owned(),
            expected: "one lower-case word with dashes, e.g. deployment or certificate-expiry",
        });
    }
    Ok(Command::Resolve { root_cause, mitigation, category })
}

fn parse_feedback(rest: &str) -> Result<Command, UserError> {
    let (rating, comment) = split_word(rest);
    if rating.is_empty() {
        return Err(bad_usage("Give a rating from 1 to 5", "feedback"));
    }
    let rating = match rating.parse::<u8>() {
        Ok(value @ 1..=5) => value,
        _ => {
            return Err(UserError::InvalidValue {
                what: "rating",
                value: rating.to_owned(),
                expected: "a whole number from 1 (useless) to 5 (spot on)",
            });
        }
    };
    Ok(Command::Feedback { rating, comment: comment.to_owned() })
}

fn no_arguments(rest: &str, command: Command, name: &'static str) -> Result<Command, UserError> {
    if rest.trim().is_empty() { Ok(command) } else { Err(bad_usage("This command takes no arguments", name)) }
}

fn bad_usage(problem: &str, name: &str) -> UserError {
    let usage = COMMANDS.iter().find(|spec| spec.name == name).map_or("/help", |spec| spec.usage);
    UserError::BadUsage { problem: problem.to_owned(), usage }
}

/// Splits off the first whitespace-separated word.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim()),
        None => (text, ""),
    }
}

/// Splits `text` into the free text before the first option and the `name: value` options
/// whose names are in `known`; other `word:` sequences stay part of the text they are in.
fn split_options(text: &str, known: &[&str]) -> (String, HashMap<String, String>) {
    static OPTION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)(?:^|\s)([a-z_]+):(?:\s|$)").expect("static regex is valid"));
    let markers: Vec<(usize, usize, String)> = OPTION
        .captures_iter(text)
        .filter_map(|caps| {
            let name = caps.get(1)?;
            let lower = name.as_str().to_ascii_lowercase();
            let whole = caps.get(0)?;
            known.contains(&lower.as_str()).then_some((name.start(), whole.end(), lower))
        })
        .collect();
    let head_end = markers.first().map_or(text.len(), |(start, _, _)| *start);
    let mut options = HashMap::new();
    for (index, (_, value_start, name)) in markers.iter().enumerate() {
        let value_end = markers.get(index + 1).map_or(text.len(), |(next_start, _, _)| *next_start);
        options.insert(name.clone(), text[*value_start..value_end].trim().to_owned());
    }
    (text[..head_end].trim().to_owned(), options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declare_takes_a_free_text_title_and_named_options() {
        let command = Command::parse(
            "/incident declare Checkout returning 502s: gateway errors severity: sev2 service: Checkout source: machine summary: 30% of requests fail",
        )
        .unwrap();
        assert_eq!(
            command,
            Command::Declare(Declaration {
                title: "Checkout returning 502s: gateway errors".into(),
                summary: "30% of requests fail".into(),
                severity: Severity::Sev2,
                service: Some("checkout".into()),
                source: Source::Machine,
            })
        );
    }

    #[test]
    fn declare_defaults_to_sev3_customer_reported() {
        let Command::Declare(declaration) = Command::parse("/incident declare Search is slow").unwrap() else {
            panic!("not a declaration")
        };
        assert_eq!(
            (declaration.severity, declaration.source, declaration.service),
            (Severity::Sev3, Source::Customer, None)
        );
    }

    #[test]
    fn declare_without_title_explains_usage() {
        let error = Command::parse("/incident declare severity: sev1").unwrap_err().to_string();
        assert!(error.contains("needs a title") && error.contains("/incident declare <title>"), "{error}");
    }

    #[test]
    fn resolve_needs_both_parts() {
        assert_eq!(
            Command::parse("/incident resolve root_cause: bad deploy mitigation: rolled back to v41").unwrap(),
            Command::Resolve {
                root_cause: "bad deploy".into(),
                mitigation: "rolled back to v41".into(),
                category: None
            }
        );
        assert_eq!(
            Command::parse("/incident resolve root_cause: a mitigation: b category: Deployment").unwrap(),
            Command::Resolve { root_cause: "a".into(), mitigation: "b".into(), category: Some("deployment".into()) }
        );
        assert!(Command::parse("/incident resolve root_cause: a mitigation: b category: two words").is_err());
        assert!(Command::parse("/incident resolve root_cause: bad deploy").is_err());
    }

    #[test]
    fn feedback_accepts_one_to_five_only() {
        assert_eq!(
            Command::parse("/feedback 4 spot on about the pool").unwrap(),
            Command::Feedback { rating: 4, comment: "spot on about the pool".into() }
        );
        for bad in ["/feedback 0", "/feedback 6", "/feedback great", "/feedback"] {
            assert!(Command::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn unknown_commands_are_named_in_the_error() {
        assert_eq!(Command::parse("/deploy now").unwrap_err(), UserError::UnknownCommand("/deploy".into()));
        assert_eq!(
            Command::parse("/incident frobnicate").unwrap_err(),
            UserError::UnknownCommand("/incident frobnicate".into())
        );
    }

    #[test]
    fn lines_addressed_to_the_bot_are_questions() {
        assert_eq!(
            Utterance::parse("@Firebreak: what changed?", "firebreak").unwrap(),
            Utterance::Question("what changed?".into())
        );
        assert_eq!(
            Utterance::parse("email @firebreak later", "firebreak").unwrap(),
            Utterance::Message("email @firebreak later".into())
        );
    }

    #[test]
    fn every_registered_command_parses_from_its_usage_name() {
        for spec in COMMANDS {
            let result = Command::parse(&format!("/{}", spec.name));
            assert!(!matches!(result, Err(UserError::UnknownCommand(_))), "{} is registered but not parsed", spec.name);
        }
    }
}
