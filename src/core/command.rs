//! Commands and the one parser every adapter shares: a console line, a scripted demo step and
//! a Discord slash command all become the same `Command`, with the same words and errors.
//!
//! Each command lives in its own file below, holding its [`CommandSpec`] (name, usage,
//! options, privilege and parser) and its handler; [`COMMANDS`] registers every spec, and
//! [`Command::spec`] and the engine's dispatch (`run`) match every variant, so a command that is
//! added but not wired fails to compile, and one that does not parse back to itself fails a
//! test.
//!
//! Options are written the way Discord displays them: `name: value`. An option's value runs
//! until the next known option name, so free text (titles, root causes) needs no quoting.
//!
//! Commands whose long options fit a command line badly (resolve, a status update) have a
//! [`FormSpec`] too: invoked with none of those options they become [`Command::Form`], which
//! adapters show as a form (a Discord modal) whose submission is the same command, filled in.

mod acknowledge;
mod attach;
mod declare;
mod detach;
mod diagnose;
mod feedback;
mod focus;
mod follow_up;
mod help;
mod list_evidence;
mod postmortem;
mod reopen;
mod resolve;
mod role;
mod severity;
mod show_timeline;
mod status;
mod summary;
mod update;

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;

pub use self::attach::Attachment;
pub(super) use self::declare::{declare_here, first_response};
pub use self::update::StatusUpdate;
use super::action::{Act, ActionId, FormKind};
use super::error::UserError;
use super::incident::{Declaration, Incident, IncidentId, MAX_TITLE_CHARS, Person, Role, Severity, Source, Status};
use super::outbound::{Choice, Form, FormField, Message};
use super::ports::{Focus, Ports};
use super::text::clean;
use super::turn::{Turn, TurnResult, require};

/// Something a person asked the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/incident declare`: open an incident, in a channel of its own where the platform can.
    Declare(Declaration),
    /// `/incident attach`: make the current channel an incident channel.
    Attach(Attachment),
    /// `/incident detach`: the channel stops being an incident channel.
    Detach,
    /// `/incident status <investigating|identified|mitigated>`
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
    /// `/feedback <1-5> [comment] [answer: <id>]`
    Feedback {
        /// 1 (useless) to 5 (spot on).
        rating: u8,
        /// Optional free text.
        comment: String,
        /// The answer rated, when the rating names one (its buttons do).
        answer: Option<String>,
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
    /// `/incident severity <sev1-sev4>`
    Severity(Severity),
    /// `/incident role <commander|scribe|comms> <person>`: hands a role over.
    Role {
        /// The role.
        role: Role,
        /// Who takes it.
        person: Person,
    },
    /// `/incident ack`: a responder says they are on it.
    Acknowledge,
    /// `/incident update [known: …] [doing: …] [next: …]`: a status update for everyone.
    Update(StatusUpdate),
    /// `/incident followup <text>`: something to do after the incident.
    FollowUp(String),
    /// `/incident reopen`: a resolved incident is open again.
    Reopen,
    /// `/postmortem`: a postmortem draft, as a Markdown document.
    Postmortem,
    /// A command's form, to fill in: the command was given none of its long options.
    Form(FormKind),
    /// `/help`
    Help,
}

/// The form of `kind`: its fields and title.
pub fn form_spec(kind: FormKind) -> &'static FormSpec {
    match kind {
        FormKind::Resolve => &resolve::FORM,
        FormKind::Update => &update::FORM,
    }
}

/// The form of `kind` to fill in for `incident` (the channel's incident when `None`).
pub fn form(kind: FormKind, incident: Option<IncidentId>) -> Form {
    let spec = form_spec(kind);
    let title = match incident {
        Some(id) => format!("{} {id}", spec.title),
        None => spec.title.to_owned(),
    };
    Form {
        id: ActionId::new(incident, Act::Submit(kind)).to_string(),
        title,
        fields: spec.fields.to_vec(),
        usage: spec.command.usage.to_owned(),
    }
}

/// A form: the command it fills in, its title, its fields (each one of the command's options).
#[derive(Debug, Clone, Copy)]
pub struct FormSpec {
    /// The command submitted with the values.
    pub command: &'static CommandSpec,
    /// Title, to which the incident's id is added.
    pub title: &'static str,
    /// The fields, in order.
    pub fields: &'static [FormField],
}

impl Command {
    /// The registered spec this command was parsed by.
    pub fn spec(&self) -> &'static CommandSpec {
        match self {
            Command::Declare(_) => &declare::SPEC,
            Command::Attach(_) => &attach::SPEC,
            Command::Detach => &detach::SPEC,
            Command::Status(_) => &status::SPEC,
            Command::Resolve { .. } => &resolve::SPEC,
            Command::RootCause => &focus::ROOT_CAUSE,
            Command::Mitigation => &focus::MITIGATION,
            Command::Similar => &focus::SIMILAR,
            Command::Summary => &summary::SPEC,
            Command::Timeline => &show_timeline::SPEC,
            Command::Feedback { .. } => &feedback::SPEC,
            Command::Diagnose { .. } => &diagnose::SPEC,
            Command::Evidence => &list_evidence::SPEC,
            Command::Severity(_) => &severity::SPEC,
            Command::Role { .. } => &role::SPEC,
            Command::Acknowledge => &acknowledge::SPEC,
            Command::Update(_) => &update::SPEC,
            Command::FollowUp(_) => &follow_up::SPEC,
            Command::Reopen => &reopen::SPEC,
            Command::Postmortem => &postmortem::SPEC,
            Command::Form(kind) => form_spec(*kind).command,
            Command::Help => &help::SPEC,
        }
    }

    /// Whether only people with a responder role may run it: it changes the incident or runs
    /// diagnostics against production systems.
    pub fn is_privileged(&self) -> bool {
        self.spec().privileged
    }
}

/// Handles `command` for the channel's `incident`, if any: each command's own handler.
pub(super) async fn run(turn: &Turn<'_>, incident: Option<Incident>, command: &Command) -> TurnResult {
    match command {
        Command::Declare(declaration) => declare::handle(turn, incident, declaration.clone()).await,
        Command::Attach(attachment) => attach::handle(turn, incident, attachment.clone()).await,
        Command::Detach => detach::handle(turn, require(incident)?).await,
        Command::Status(status) => status::handle(turn, require(incident)?, *status).await,
        Command::Resolve { root_cause, mitigation, category } => {
            resolve::handle(turn, require(incident)?, root_cause, mitigation, category.as_deref()).await
        }
        Command::RootCause => focus::handle(turn, require(incident)?, Focus::RootCause).await,
        Command::Mitigation => focus::handle(turn, require(incident)?, Focus::Mitigation).await,
        Command::Similar => focus::handle(turn, require(incident)?, Focus::Similar).await,
        Command::Summary => summary::handle(turn, require(incident)?).await,
        Command::Timeline => show_timeline::handle(turn, require(incident)?).await,
        Command::Feedback { rating, comment, answer } => {
            feedback::handle(turn, require(incident)?, *rating, comment, answer.as_deref()).await
        }
        Command::Diagnose { tool, args } => diagnose::handle(turn, require(incident)?, tool, args).await,
        Command::Evidence => list_evidence::handle(turn, require(incident)?).await,
        Command::Severity(severity) => severity::handle(turn, require(incident)?, *severity).await,
        Command::Role { role, person } => role::handle(turn, require(incident)?, *role, person.clone()).await,
        Command::Acknowledge => acknowledge::handle(turn, require(incident)?).await,
        Command::Update(update) => update::handle(turn, require(incident)?, update).await,
        Command::FollowUp(item) => follow_up::handle(turn, require(incident)?, item).await,
        Command::Reopen => reopen::handle(turn, require(incident)?).await,
        Command::Postmortem => postmortem::handle(turn, require(incident)?).await,
        Command::Form(kind) => Ok(vec![turn.post(Message::Form(form(*kind, incident.map(|found| found.id))))]),
        Command::Help => help::handle(turn),
    }
}

/// A request for suggestions while someone types an option of a command (Discord's
/// autocomplete): answered at once, without touching the store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// The command's registered name, e.g. `diagnose`.
    pub command: String,
    /// The option being typed.
    pub option: String,
    /// What is typed so far.
    pub partial: String,
    /// The other options' values, as given so far.
    pub options: BTreeMap<String, String>,
}

/// Suggestions for the option being typed in `completion`, from the command's own suggester;
/// none for commands and options that suggest nothing.
pub fn complete(completion: &Completion, ports: &Ports) -> Vec<Choice> {
    match spec(&completion.command) {
        Ok(spec) => spec.suggest.map(|suggest| suggest(completion, ports)).unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// What kind of value an option takes; adapters with typed options (Discord) use it to
/// declare them, and the parser checks the values whatever their origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// Free text, up to this many characters (platforms with typed options enforce it).
    Text {
        /// Longest accepted.
        max_chars: u16,
    },
    /// One of these words.
    Choice(&'static [&'static str]),
    /// A whole number in this range.
    Integer {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
    },
    /// Someone of the server (a user picker on Discord), read with [`Person::parse`].
    Person,
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
    /// Whether the command suggests values while it is typed (see [`complete`]).
    pub suggested: bool,
}

impl OptionSpec {
    /// The same option, with values suggested while it is typed.
    const fn suggested(self) -> Self {
        Self { suggested: true, ..self }
    }
}

/// Longest free-text option (a summary, a root cause, a mitigation), in characters.
pub const LONG_TEXT_CHARS: u16 = 4_000;

/// A title option's limit: [`MAX_TITLE_CHARS`], as a typed option's length.
const TITLE_OPTION_CHARS: u16 = MAX_TITLE_CHARS as u16;

/// Builds an [`OptionSpec`] in a constant.
const fn option(name: &'static str, description: &'static str, kind: OptionKind, required: bool) -> OptionSpec {
    OptionSpec { name, description, kind, required, suggested: false }
}

/// Builds the option values of an invocation into its command.
type Parser = fn(&mut OptionValues) -> Result<Command, UserError>;

/// Suggests values for an option being typed.
type Suggester = fn(&Completion, &Ports) -> Vec<Choice>;

/// One registered command: its name as typed, its usage, what it does, its options, whether it
/// is privileged, and how its option values become a [`Command`].
#[derive(Debug, Clone, Copy)]
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
    /// Whether only responders may run it (see [`Command::is_privileged`]).
    pub privileged: bool,
    /// Whether it only shows what is known (its answer may go to the asker alone); otherwise it
    /// decides or records something everyone in the channel should see.
    pub reads_only: bool,
    parse: Parser,
    /// Suggests values for its `suggested` options.
    suggest: Option<Suggester>,
}

/// Every command, in the order help lists them. Adding a command means adding it here, to
/// [`Command::spec`] and to the dispatch (`run`).
pub const COMMANDS: &[CommandSpec] = &[
    declare::SPEC,
    attach::SPEC,
    detach::SPEC,
    acknowledge::SPEC,
    status::SPEC,
    severity::SPEC,
    role::SPEC,
    update::SPEC,
    follow_up::SPEC,
    resolve::SPEC,
    reopen::SPEC,
    postmortem::SPEC,
    focus::ROOT_CAUSE,
    focus::MITIGATION,
    focus::SIMILAR,
    summary::SPEC,
    show_timeline::SPEC,
    feedback::SPEC,
    diagnose::SPEC,
    list_evidence::SPEC,
    help::SPEC,
];

/// The option values of one invocation, taken one by one by its command's parser.
#[derive(Debug, Default)]
pub(super) struct OptionValues(BTreeMap<String, String>);

impl OptionValues {
    /// The value of `name`, trimmed, if given.
    fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name).map(|value| value.trim().to_owned())
    }
}

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
                return Err(bad_usage(&incident_subcommands(), &declare::SPEC));
            }
            (format!("incident {}", sub.to_ascii_lowercase()), rest)
        } else {
            (first, rest)
        };
        let spec = spec(&name)?;
        let names: Vec<&str> = spec.options.iter().map(|option| option.name).collect();
        let (leading, mut options) = split_options(rest, &names);
        if let Some(repeated) = repeated_option(rest, &names) {
            return Err(bad_usage(&format!("`{repeated}:` is given twice; give each option once"), spec));
        }
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
                return Err(bad_usage(problem, spec));
            }
            _ => {}
        }
        Ok(Self { name, options: options.into_iter().collect() })
    }
}

/// Says which subcommands `/incident` has, from the registry.
fn incident_subcommands() -> String {
    let subcommands: Vec<&str> = COMMANDS.iter().filter_map(|spec| spec.name.strip_prefix("incident ")).collect();
    format!("`/incident` needs a subcommand: {}", subcommands.join(", "))
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
        let line = clean(line);
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
    /// The command a control or form stands for, with the incident its id names: `values` are
    /// what was chosen (a severity, a person as [`Person::option_value`]) or, for a form, its
    /// fields by option name.
    pub fn from_action(id: &ActionId, values: impl IntoIterator<Item = (String, String)>) -> Result<Self, UserError> {
        let mut values: BTreeMap<String, String> = values.into_iter().collect();
        let mut chosen = || values.pop_first().map(|(_, value)| value).unwrap_or_default();
        Ok(match &id.act {
            Act::Acknowledge => Command::Acknowledge,
            Act::Status(Status::Resolved) | Act::Open(FormKind::Resolve) => Command::Form(FormKind::Resolve),
            Act::Status(status) => Command::Status(*status),
            Act::Open(kind) => Command::Form(*kind),
            Act::Severity => Command::Severity(Severity::parse(&chosen())?),
            Act::Commander => Command::Role { role: Role::Commander, person: Person::parse(&chosen())? },
            Act::Rate { answer, rating } => {
                Command::Feedback { rating: *rating, comment: String::new(), answer: Some(answer.clone()) }
            }
            Act::Submit(kind) => {
                let spec = form_spec(*kind).command;
                match Command::from_invocation(Invocation::new(spec.name, values))? {
                    // A form submitted empty would only open itself again.
                    Command::Form(_) => return Err(bad_usage("The form was empty", spec)),
                    command => command,
                }
            }
        })
    }

    /// Parses a `/command …` line.
    pub fn parse(line: &str) -> Result<Self, UserError> {
        Invocation::parse(line).and_then(Command::from_invocation)
    }

    /// Checks an invocation against its command's options and builds the command.
    pub fn from_invocation(invocation: Invocation) -> Result<Self, UserError> {
        let spec = spec(&invocation.name)?;
        let mut options: BTreeMap<String, String> =
            invocation.options.into_iter().map(|(name, value)| (name, clean(&value).into_owned())).collect();
        options.retain(|_, value| !value.trim().is_empty());
        if let Some(unknown) = options.keys().find(|name| !spec.options.iter().any(|option| option.name == *name)) {
            return Err(bad_usage(&format!("`{unknown}` is not an option of this command"), spec));
        }
        if let Some(missing) = spec.options.iter().find(|option| option.required && !options.contains_key(option.name))
        {
            return Err(bad_usage(&format!("It needs `{}`", missing.name), spec));
        }
        (spec.parse)(&mut OptionValues(options))
    }
}

/// The usage error for `spec`, saying what was wrong.
fn bad_usage(problem: &str, spec: &CommandSpec) -> UserError {
    UserError::BadUsage { problem: problem.to_owned(), usage: spec.usage }
}

/// The options `declare` and `attach` share after the title: severity, service, source and
/// summary, with their defaults.
struct Classification {
    severity: Severity,
    service: Option<String>,
    source: Source,
    summary: String,
}

impl Classification {
    fn take(options: &mut OptionValues) -> Result<Self, UserError> {
        Ok(Self {
            severity: options.take("severity").map(|s| Severity::parse(&s)).transpose()?.unwrap_or(Severity::Sev3),
            source: options.take("source").map(|s| Source::parse(&s)).transpose()?.unwrap_or(Source::Unknown),
            service: options.take("service").map(|s| s.to_ascii_lowercase()),
            summary: options.take("summary").unwrap_or_default(),
        })
    }

    fn declaration(self, title: String) -> Declaration {
        let Self { severity, service, source, summary } = self;
        Declaration { title, summary, severity, service, source }
    }
}

const SEVERITIES: &[&str] = &["sev1", "sev2", "sev3", "sev4"];
const SOURCES: &[&str] = &["machine", "customer"];

/// The options of `declare` and `attach`, which differ only in whether the title is required
/// (`attach` defaults it to the channel's name).
const fn declaration_options(title: OptionSpec) -> [OptionSpec; 5] {
    [
        title,
        option("severity", "How bad: sev1 (worst) to sev4; default sev3", OptionKind::Choice(SEVERITIES), false),
        option("service", "The affected service", OptionKind::Text { max_chars: 100 }, false),
        option(
            "source",
            "Who noticed: machine (an alert) or customer; default unknown",
            OptionKind::Choice(SOURCES),
            false,
        ),
        option("summary", "Impact and how it was detected", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, false),
    ]
}

/// Splits off the first whitespace-separated word.
fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim()),
        None => (text, ""),
    }
}

/// The first of `known` options that `text` gives more than once.
fn repeated_option<'a>(text: &str, known: &[&'a str]) -> Option<&'a str> {
    let mut seen = Vec::new();
    option_markers(text, known).into_iter().find_map(|(_, _, name)| {
        let known_name = known.iter().copied().find(|candidate| *candidate == name)?;
        if seen.contains(&known_name) {
            Some(known_name)
        } else {
            seen.push(known_name);
            None
        }
    })
}

/// Where each `name:` of a known option starts, where its value starts, and its name.
fn option_markers(text: &str, known: &[&str]) -> Vec<(usize, usize, String)> {
    static OPTION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)(?:^|\s)([a-z_]+):(?:\s|$)").expect("static regex is valid"));
    OPTION
        .captures_iter(text)
        .filter_map(|caps| {
            let name = caps.get(1)?;
            let lower = name.as_str().to_ascii_lowercase();
            let whole = caps.get(0)?;
            known.contains(&lower.as_str()).then_some((name.start(), whole.end(), lower))
        })
        .collect()
}

/// Splits `text` into the free text before the first option and the `name: value` options
/// whose names are in `known`; other `word:` sequences stay part of the text they are in.
fn split_options(text: &str, known: &[&str]) -> (String, HashMap<String, String>) {
    let markers = option_markers(text, known);
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
    fn declare_defaults_to_sev3_with_the_source_unknown() {
        let Command::Declare(declaration) = Command::parse("/incident declare Search is slow").unwrap() else {
            panic!("not a declaration")
        };
        assert_eq!(
            (declaration.severity, declaration.source, declaration.service),
            (Severity::Sev3, Source::Unknown, None)
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
            Command::Feedback { rating: 4, comment: "spot on about the pool".into(), answer: None }
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
        assert_eq!(
            Command::from_invocation(rating).unwrap(),
            Command::Feedback { rating: 3, comment: String::new(), answer: None }
        );
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
    fn only_decisions_about_the_incident_and_diagnostics_are_privileged() {
        let lines = [
            "/incident status mitigated",
            "/incident resolve root_cause: a mitigation: b",
            "/incident resolve",
            "/incident severity sev1",
            "/incident role commander @li",
            "/incident reopen",
            "/incident ack",
            "/incident update known: x",
            "/diagnose error_rate",
            "/feedback 2",
            "/incident followup x",
            "/postmortem",
            "/rca",
            "/evidence",
        ];
        let privileged: Vec<bool> = lines.iter().map(|line| Command::parse(line).unwrap().is_privileged()).collect();
        assert_eq!(
            privileged,
            [true, true, true, true, true, true, true, true, true, false, false, false, false, false]
        );
    }

    #[test]
    fn every_registered_command_parses_from_its_usage_name() {
        for spec in COMMANDS {
            let result = Command::parse(&format!("/{}", spec.name));
            assert!(!matches!(result, Err(UserError::UnknownCommand(_))), "{} is registered but not parsed", spec.name);
        }
    }

    /// A value for `option` that its kind accepts.
    fn sample_value(option: &OptionSpec) -> String {
        match option.kind {
            OptionKind::Text { .. } => "x".to_owned(),
            OptionKind::Choice(words) => words[0].to_owned(),
            OptionKind::Integer { min, .. } => min.to_string(),
            OptionKind::Person => "@sam".to_owned(),
        }
    }

    #[test]
    fn every_registered_command_round_trips_through_the_parser_to_its_own_spec() {
        for spec in COMMANDS {
            // Its required options, and those a platform types (a person picked, a choice).
            let given = spec.options.iter().filter(|option| option.required || option.kind == OptionKind::Person);
            let invocation =
                Invocation::new(spec.name, given.map(|option| (option.name.to_owned(), sample_value(option))));

            let command = Command::from_invocation(invocation).unwrap_or_else(|error| panic!("{}: {error}", spec.name));

            assert_eq!(command.spec().name, spec.name, "{} parses to another command", spec.name);
        }
    }

    #[test]
    fn controls_and_forms_stand_for_commands_of_their_incident() {
        let incident = Some(IncidentId::from_number(2001));
        let click = |act: Act, values: &[(&str, &str)]| {
            let values = values.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned()));
            Command::from_action(&ActionId::new(incident, act), values)
        };
        assert_eq!(click(Act::Acknowledge, &[]).unwrap(), Command::Acknowledge);
        assert_eq!(click(Act::Severity, &[("0", "sev1")]).unwrap(), Command::Severity(Severity::Sev1));
        assert_eq!(
            click(Act::Commander, &[("0", "Li <discord:7>")]).unwrap(),
            Command::Role { role: Role::Commander, person: Person::new("discord:7", "Li") }
        );
        let cause = "pool size 2\nshipped from a test profile";
        assert_eq!(
            click(Act::Submit(FormKind::Resolve), &[("root_cause", cause), ("mitigation", "rolled back")]).unwrap(),
            Command::Resolve { root_cause: cause.into(), mitigation: "rolled back".into(), category: None }
        );
        assert!(click(Act::Submit(FormKind::Resolve), &[("root_cause", ""), ("mitigation", "")]).is_err());
        assert!(click(Act::Severity, &[("0", "sev9")]).is_err());
    }

    #[test]
    fn resolve_and_update_without_their_long_options_ask_for_their_form() {
        assert_eq!(Command::parse("/incident resolve").unwrap(), Command::Form(FormKind::Resolve));
        assert_eq!(Command::parse("/incident update").unwrap(), Command::Form(FormKind::Update));
        assert!(Command::parse("/incident resolve category: deployment").is_err());
    }

    #[test]
    fn every_form_field_is_an_option_of_its_command_within_its_length() {
        for kind in FormKind::ALL {
            let form = form_spec(*kind);
            for field in form.fields {
                let option = form.command.options.iter().find(|option| option.name == field.name);
                let option = option.unwrap_or_else(|| panic!("{} has no option {}", form.command.name, field.name));
                let OptionKind::Text { max_chars } = option.kind else { panic!("{} is not text", field.name) };
                assert_eq!(field.max_chars, max_chars, "{}", field.name);
                assert!(field.label.chars().count() <= 45 && field.placeholder.chars().count() <= 100);
            }
            assert!(form.title.chars().count() + " INC-0000000".len() <= 45, "{}", form.title);
        }
    }

    #[test]
    fn roles_severities_and_the_new_statuses_parse() {
        assert_eq!(Command::parse("/incident severity SEV1").unwrap(), Command::Severity(Severity::Sev1));
        assert_eq!(
            Command::parse("/incident role scribe @li").unwrap(),
            Command::Role { role: Role::Scribe, person: Person::new("li", "li") }
        );
        assert_eq!(
            Command::parse("/incident role commander person: Maya Lee <discord:42>").unwrap(),
            Command::Role { role: Role::Commander, person: Person::new("discord:42", "Maya Lee") }
        );
        assert_eq!(Command::parse("/incident status identified").unwrap(), Command::Status(Status::Identified));
        assert_eq!(
            Command::parse("/incident followup raise the pool alert threshold").unwrap(),
            Command::FollowUp("raise the pool alert threshold".into())
        );
        assert!(Command::parse("/incident role pilot @li").is_err());
        assert!(Command::parse("/incident followup").is_err());
    }

    #[test]
    fn command_names_are_registered_once() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|spec| spec.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
    }
}
