//! `/incident attach`: makes the current channel an incident channel, titled after the channel
//! when no title is given.

use super::{
    Classification, Command, CommandSpec, OptionKind, OptionSpec, OptionValues, TITLE_OPTION_CHARS,
    declaration_options, option,
};
use crate::core::channel_names::title_from_channel_name;
use crate::core::error::UserError;
use crate::core::incident::{Declaration, Incident, Severity, Source};
use crate::core::turn::{Turn, TurnResult};

const OPTIONS: [OptionSpec; 5] = declaration_options(option(
    "title",
    "One line: what is broken (default: the channel's name)",
    OptionKind::Text { max_chars: TITLE_OPTION_CHARS },
    false,
));

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident attach",
    usage: "/incident attach [<title>] [severity: sev1-sev4] [service: <name>] [source: machine|customer] [summary: <text>]",
    description: "Make this channel an incident channel (title defaults to the channel's name).",
    leading: Some("title"),
    options: &OPTIONS,
    privileged: true,
    reads_only: false,
    parse,
    suggest: None,
};

/// An attach command: a declaration whose title may default to the channel's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The title given, if any.
    pub title: Option<String>,
    /// How bad it is.
    pub severity: Severity,
    /// The affected service, when known.
    pub service: Option<String>,
    /// Who noticed.
    pub source: Source,
    /// Impact and detection, possibly empty.
    pub summary: String,
}

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    let title = options.take("title");
    let Classification { severity, service, source, summary } = Classification::take(options)?;
    Ok(Command::Attach(Attachment { title, severity, service, source, summary }))
}

pub(super) async fn handle(turn: &Turn<'_>, existing: Option<Incident>, attachment: Attachment) -> TurnResult {
    let Attachment { title, severity, service, source, summary } = attachment;
    let title = title
        .or_else(|| turn.origin.channel_name.map(title_from_channel_name))
        .filter(|title| !title.is_empty())
        .ok_or_else(|| super::bad_usage("An incident needs a title", &SPEC))?;
    let declaration = Declaration { title, summary, severity, service, source };
    super::declare::declare_here(turn, existing, declaration).await
}
