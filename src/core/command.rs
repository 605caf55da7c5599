//! Commands and the one parser every adapter shares: a console line, a scripted demo step and
//! a Discord slash command all become the same `Command`, with the same words and errors.
//!
//! Options are written the way Discord displays them: `name: value`. An option's value runs
//! until the next known option name, so free text (titles, root causes) needs no quoting.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;

use super::error::UserError;
use super::incident::{Declaration, Severity, Source, Status};

/// Something a person asked the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/incident declare` (and `/incident attach`): open an incident in the channel.
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
    /// `/diagnose <tool> [name=value …]`: run one diagnostic now.
    Diagnose {
        /// The tool's name.
        tool: String,
        /// Its arguments by parameter name.
        args: BTreeMap<String, String>,
    },
    /// `/evidence`: what the diagnostics found so far, newest first.
    Evidence,
    /// `/help`
    Help,
}

impl Command {
    /// Whether only people with a responder role may run it: it changes the incident or runs
    /// diagnostics against production systems.
    pub fn is_privileged(&self) -> bool {
        matches!(self, Command::Status(_) | Command::Resolve { .. } | Command::Diagnose { .. })
    }
}

/// What kind of value an option takes; adapters with typed options (Discord) use it to
/// declare them, and the parser checks the values whatever their origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// Free text.
    Text,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A whole number in this range.
    Integer {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
    },
}

/// One named option of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// Name as typed (`severity`) and as Discord shows it.
    pub name: &'static str,
    /// One line for help and slash-command descriptions.
    pub description: &'static str,
    /// The kind of value.
    pub kind: OptionKind,
    /// Whether the command needs it.
    pub required: bool,
}

/// One registered command: its name as typed, its usage, what it does and its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Words after the slash, e.g. `incident declare`.
    pub name: &'static str,
    /// Full usage line shown in help and errors.
    pub usage: &'static str,
    /// One sentence for help and slash-command descriptions.
    pub description: &'static str,
    /// The option that free text right after the command name fills, if any.
    pub leading: Option<&'static str>,
    /// Every option, in the order adapters should present them.
    pub options: &'static [OptionSpec],
}

const fn option(name: &'static str, description: &'static str, kind: OptionKind, required: bool) -> OptionSpec {
    OptionSpec { name, description, kind, required }
}

const SEVERITIES: &[&str] = &["sev1", "sev2", "sev3", "sev4"];
const SOURCES: &[&str] = &["machine", "customer"];
const STATUSES: &[&str] = &["investigating", "mitigated", "resolved"];

/// The options of `declare` and `attach`, which differ only in whether the title is required
/// (`attach` defaults it to the channel's name).
const fn declaration_options(title: OptionSpec) -> [OptionSpec; 5] {
    [
        title,
        option("severity", "How bad: sev1 (worst) to sev4; default sev3", OptionKind::Choice(SEVERITIES), false),
        option("service", "The affected service", OptionKind::Text, false),
        option(
            "source",
            "Who noticed: machine (an alert) or customer; default customer",
            OptionKind::Choice(SOURCES),
            false,
        ),
        option("summary", "Impact and how it was detected", OptionKind::Text, false),
    ]
}

const DECLARE_OPTIONS: [OptionSpec; 5] =
    declaration_options(option("title", "One line: what is broken", OptionKind::Text, true));
const ATTACH_OPTIONS: [OptionSpec; 5] = declaration_options(option(
    "title",
    "One line: what is broken (default: the channel's name)",
    OptionKind::Text,
    false,
));

/// Every command, in the order help lists them. Adding a command means adding it here.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "incident declare",
        usage: "/incident declare <title> [severity: sev1-sev4] [service: <name>] [source: machine|customer] [summary: <text>]",
        description: "Open an incident and get a first-response suggestion.",
        leading: Some("title"),
        options: &DECLARE_OPTIONS,
    },
    CommandSpec {
        name: "incident attach",
        usage: "/incident attach [<title>] [severity: sev1-sev4] [service: <name>] [source: machine|customer] [summary: <text>]",
        description: "Make this channel an incident channel (title defaults to the channel's name).",
        leading: Some("title"),
        options: &ATTACH_OPTIONS,
    },
    CommandSpec {
        name: "incident status",
        usage: "/incident status <investigating|mitigated>",
        description: "Change the incident's status.",
        leading: Some("status"),
        options: &[option("status", "The new status", OptionKind::Choice(STATUSES), true)],
    },
    CommandSpec {
        name: "incident resolve",
        usage: "/incident resolve root_cause: <text> mitigation: <text> [category: <word>]",
        description: "Close the incident with its root cause and mitigation, so future incidents can learn from it.",
        leading: None,
        options: &[
            option("root_cause", "What caused it", OptionKind::Text, true),
            option("mitigation", "What stopped the impact", OptionKind::Text, true),
            option("category", "Root-cause category, e.g. deployment or certificate-expiry", OptionKind::Text, false),
        ],
    },
    CommandSpec {
        name: "rca",
        usage: "/rca",
        description: "Show the likely root causes, with the past incidents behind them.",
        leading: None,
        options: &[],
    },
    CommandSpec {
        name: "mitigation",
        usage: "/mitigation",
        description: "Show mitigation steps that worked for similar past incidents.",
        leading: None,
        options: &[],
    },
    CommandSpec {
        name: "similar",
        usage: "/similar",
        description: "List similar resolved incidents and what fixed them.",
        leading: None,
        options: &[],
    },
    CommandSpec {
        name: "summary",
        usage: "/summary",
        description: "Summarise the incident for a late joiner.",
        leading: None,
        options: &[],
    },
    CommandSpec {
        name: "timeline",
        usage: "/timeline",
        description: "Show what has happened so far.",
        leading: None,
        options: &[],
    },
    CommandSpec {
        name: "feedback",
        usage: "/feedback <1-5> [comment]",
        description: "Rate how useful the bot's help was (1 useless – 5 spot on).",
        leading: Some("rating"),
        options: &[
            option("rating", "1 (useless) to 5 (spot on)", OptionKind::Integer { min: 1, max: 5 }, true),
            option("comment", "What helped or what was missing", OptionKind::Text, false),
        ],
    },
    CommandSpec {
        name: "diagnose",
        usage: "/diagnose <tool> [name=value …]",
        description: "Run one diagnostic now and keep what it finds as evidence.",
        leading: Some("tool"),
        options: &[
            option("tool", "The diagnostic to run (see /help for the list)", OptionKind::Text, true),
            option("args", "Its arguments as name=value pairs, e.g. service=checkout", OptionKind::Text, false),
        ],
    },
    CommandSpec {
        name: "evidence",
        usage: "/evidence",
        description: "List the evidence gathered so far, newest first.",
        leading: None,
        options: &[],
    },
    CommandSpec { name: "help", usage: "/help", description: "List the commands.", leading: None, options: &[] },
];

/// A command as invoked: its registered name and its option values, however they were typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invocation {
    /// Registered name, e.g. `incident declare`.
    pub name: String,
    /// Option values by option name.
    pub options: BTreeMap<String, String>,
}

impl Invocation {
    /// An invocation of `name` with `options`.
    pub fn new(name: impl Into<String>, options: impl IntoIterator<Item = (String, String)>) -> Self {
        Self { name: name.into(), options: options.into_iter().collect() }
    }

    /// Reads a `/command …` line: the command's name, free text into its leading option, then
    /// `name: value` options.
    pub fn parse(line: &str) -> Result<Self, UserError> {
        let body = line.trim().trim_start_matches('/');
        let (first, rest) = split_word(body);
        let first = first.to_ascii_lowercase();
        let (name, rest) = if first == "incident" {
            let (sub, rest) = split_word(rest);
            if sub.is_empty() {
                return Err(bad_usage(
                    "`/incident` needs a subcommand: declare, attach, status or resolve",
                    "incident declare",
                ));
            }
            (format!("incident {}", sub.to_ascii_lowercase()), rest)
        } else {
            (first, rest)
        };
        let spec = spec(&name)?;
        let names: Vec<&str> = spec.options.iter().map(|option| option.name).collect();
        let (leading, mut options) = split_options(rest, &names);
        match spec.leading {
            Some(target) if !leading.is_empty() => {
                options.entry(target.to_owned()).or_insert(leading);
            }
            None if !leading.is_empty() => {
                let problem = if spec.options.is_empty() {
                    "This command takes no arguments"
                } else {
                    "Options are written `name: value`"
                };
                return Err(bad_usage(problem, spec.name));
            }
            _ => {}
        }
        Ok(Self { name, options: options.into_iter().collect() })
    }
}

/// The registered command called `name`.
fn spec(name: &str) -> Result<&'static CommandSpec, UserError> {
    COMMANDS.iter().find(|spec| spec.name == name).ok_or_else(|| UserError::UnknownCommand(format!("/{name}")))
}

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
        Invocation::parse(line).and_then(Command::from_invocation)
    }

    /// Checks an invocation against its command's options and builds the command.
    pub fn from_invocation(invocation: Invocation) -> Result<Self, UserError> {
        let spec = spec(&invocation.name)?;
        let mut options = invocation.options;
        options.retain(|_, value| !value.trim().is_empty());
        if let Some(unknown) = options.keys().find(|name| !spec.options.iter().any(|option| option.name == *name)) {
            return Err(bad_usage(&format!("`{unknown}` is not an option of this command"), spec.name));
        }
        if let Some(missing) = spec.options.iter().find(|option| option.required && !options.contains_key(option.name))
        {
            return Err(bad_usage(&format!("It needs `{}`", missing.name), spec.name));
        }
        let mut take = |name: &str| options.remove(name).map(|value| value.trim().to_owned());
        match spec.name {
            "incident declare" | "incident attach" => {
                let Some(title) = take("title") else {
                    return Err(bad_usage("An incident needs a title", spec.name));
                };
                let severity = take("severity").map(|s| Severity::parse(&s)).transpose()?.unwrap_or(Severity::Sev3);
                let source = take("source").map(|s| Source::parse(&s)).transpose()?.unwrap_or(Source::Customer);
                let service = take("service").map(|s| s.to_ascii_lowercase());
                let summary = take("summary").unwrap_or_default();
                Ok(Command::Declare(Declaration { title, summary, severity, service, source, id: None }))
            }
            "incident status" => Ok(Command::Status(Status::parse(&take("status").unwrap_or_default())?)),
            "incident resolve" => resolve(take("root_cause"), take("mitigation"), take("category")),
            "feedback" => feedback(take("rating").unwrap_or_default(), take("comment")),
            "diagnose" => diagnose(take("tool").unwrap_or_default(), take("args")),
            "evidence" => Ok(Command::Evidence),
            "rca" => Ok(Command::RootCause),
            "mitigation" => Ok(Command::Mitigation),
            "similar" => Ok(Command::Similar),
            "summary" => Ok(Command::Summary),
            "timeline" => Ok(Command::Timeline),
            _ => Ok(Command::Help),
        }
    }
}

fn resolve(
    root_cause: Option<String>,
    mitigation: Option<String>,
    category: Option<String>,
) -> Result<Command, UserError> {
    static CATEGORY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]{0,39}$").expect("static regex is valid"));
    let (Some(root_cause), Some(mitigation)) = (root_cause, mitigation) else {
        return Err(bad_usage("Resolving needs both a root cause and a mitigation", "incident resolve"));
    };
    let category = category.map(|word| word.to_ascii_lowercase());
    if let Some(word) = category.as_deref().filter(|word| !CATEGORY.is_match(word)) {
        return Err(UserError::InvalidValue {
            what: "category",
            value: word.to_owned(),
            expected: "one lower-case word with dashes, e.g. deployment or certificate-expiry",
        });
    }
    Ok(Command::Resolve { root_cause, mitigation, category })
}

/// The rating may arrive alone (a typed option) or followed by the comment (free text).
fn feedback(rating: String, comment: Option<String>) -> Result<Command, UserError> {
    let (rating, trailing) = split_word(&rating);
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
    let comment = comment.unwrap_or_else(|| trailing.to_owned());
    Ok(Command::Feedback { rating, comment })
}

/// The tool may arrive alone (a typed option) or followed by its arguments (free text).
fn diagnose(tool: String, args: Option<String>) -> Result<Command, UserError> {
    let (tool, trailing) = split_word(&tool);
    let pairs = args.unwrap_or_else(|| trailing.to_owned());
    let mut parsed = BTreeMap::new();
    for pair in pairs.split_whitespace() {
        match pair.split_once('=') {
            Some((name, value)) if !name.is_empty() => {
                parsed.insert(name.to_owned(), value.to_owned());
            }
            _ => return Err(bad_usage(&format!("`{pair}` is not a name=value argument"), "diagnose")),
        }
    }
    Ok(Command::Diagnose { tool: tool.to_owned(), args: parsed })
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
                id: None,
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
        assert!(error.contains("needs `title`") && error.contains("/incident declare <title>"), "{error}");
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
    fn typed_options_and_typed_text_give_the_same_command() {
        let typed = Invocation::new(
            "incident declare",
            [("title".to_owned(), "Search slow".to_owned()), ("severity".to_owned(), "sev2".to_owned())],
        );
        assert_eq!(
            Command::from_invocation(typed).unwrap(),
            Command::parse("/incident declare Search slow severity: sev2").unwrap()
        );
        let rating = Invocation::new("feedback", [("rating".to_owned(), "3".to_owned())]);
        assert_eq!(Command::from_invocation(rating).unwrap(), Command::Feedback { rating: 3, comment: String::new() });
    }

    #[test]
    fn diagnose_takes_a_tool_and_name_value_arguments_typed_or_as_text() {
        let typed = Invocation::new(
            "diagnose",
            [
                ("tool".to_owned(), "error_rate".to_owned()),
                ("args".to_owned(), "service=checkout window=1h".to_owned()),
            ],
        );
        let expected = Command::Diagnose {
            tool: "error_rate".into(),
            args: [("service".to_owned(), "checkout".to_owned()), ("window".to_owned(), "1h".to_owned())].into(),
        };
        assert_eq!(Command::from_invocation(typed).unwrap(), expected);
        assert_eq!(Command::parse("/diagnose error_rate service=checkout window=1h").unwrap(), expected);
        assert!(Command::parse("/diagnose error_rate checkout").unwrap_err().to_string().contains("name=value"));
    }

    #[test]
    fn options_a_command_does_not_have_are_refused() {
        let stray = Invocation::new("summary", [("title".to_owned(), "x".to_owned())]);
        assert!(Command::from_invocation(stray).unwrap_err().to_string().contains("`title` is not an option"));
        assert!(Command::parse("/summary now please").is_err());
    }

    #[test]
    fn only_status_resolution_and_diagnostics_are_privileged() {
        let lines = [
            "/incident status mitigated",
            "/incident resolve root_cause: a mitigation: b",
            "/diagnose error_rate",
            "/feedback 2",
            "/rca",
            "/evidence",
        ];
        let privileged: Vec<bool> = lines.iter().map(|line| Command::parse(line).unwrap().is_privileged()).collect();
        assert_eq!(privileged, [true, true, true, false, false, false]);
    }

    #[test]
    fn every_registered_command_parses_from_its_usage_name() {
        for spec in COMMANDS {
            let result = Command::parse(&format!("/{}", spec.name));
            assert!(!matches!(result, Err(UserError::UnknownCommand(_))), "{} is registered but not parsed", spec.name);
        }
    }
}
