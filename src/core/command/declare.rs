//! `/incident declare`: opens an incident — in a channel of its own when the workspace opens
//! one, in the current channel otherwise — runs the diagnostics its handlers call for, and
//! posts the first response grounded in that evidence and in similar incidents.

use super::{
    Classification, Command, CommandSpec, OptionKind, OptionSpec, OptionValues, TITLE_OPTION_CHARS,
    declaration_options, option,
};
use crate::core::card::rated;
use crate::core::channel_names::incident_channel_name;
use crate::core::error::UserError;
use crate::core::incident::{Declaration, Incident, IncidentId, MAX_TITLE_CHARS, Status};
use crate::core::outbound::Message;
use crate::core::ports::ChannelRequest;
use crate::core::redact::redact;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnError, TurnHelpers, TurnResult};

const OPTIONS: [OptionSpec; 5] = declaration_options(option(
    "title",
    "One line: what is broken",
    OptionKind::Text { max_chars: TITLE_OPTION_CHARS },
    true,
));

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident declare",
    usage: "/incident declare <title> [severity: sev1-sev4] [service: <name>] [source: machine|customer] [summary: <text>]",
    description: "Open an incident and get a first-response suggestion.",
    leading: Some("title"),
    options: &OPTIONS,
    privileged: false,
    reads_only: false,
    parse,
    suggest: None,
};

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    let Some(title) = options.take("title") else {
        return Err(super::bad_usage("An incident needs a title", &SPEC));
    };
    Ok(Command::Declare(Classification::take(options)?.declaration(title)))
}

pub(super) async fn handle(turn: &Turn<'_>, existing: Option<Incident>, declaration: Declaration) -> TurnResult {
    let workspace = turn.ports.workspace.as_ref();
    if !workspace.opens_channels() {
        return declare_here(turn, existing, declaration).await;
    }
    let declaration = checked(turn, declaration)?;
    let id = turn.next_incident_id().await?;
    let name = incident_channel_name(id, &declaration.title);
    let topic = replies::channel_topic(id, declaration.severity, Status::Investigating, &declaration.title);
    let request = ChannelRequest { server: turn.origin.server, name: &name, topic: &topic };
    let opened = workspace.open_channel(request).await.map_err(UserError::from)?;
    let mut outbound = vec![turn.text(replies::opened(id, &opened.mention))];
    outbound.extend(open(turn, id, &opened.id, Some(name), declaration).await?);
    Ok(outbound)
}

/// Declares in the turn's own channel, unless an open incident lives there already — or is
/// being declared there at this moment, by another replica or another turn: the channel is
/// claimed before the incident is stored, and only one claim wins.
pub(in crate::core) async fn declare_here(
    turn: &Turn<'_>,
    existing: Option<Incident>,
    declaration: Declaration,
) -> TurnResult {
    if let Some(open) = existing.filter(Incident::is_open) {
        return Err(UserError::AlreadyDeclared(open.id).into());
    }
    let declaration = checked(turn, declaration)?;
    let id = turn.next_incident_id().await?;
    if let Some(holder) = turn.store().claim_channel(turn.origin.channel, id).await? {
        return Err(UserError::AlreadyDeclared(holder).into());
    }
    let name = turn.origin.channel_name.map(str::to_owned);
    open(turn, id, turn.origin.channel, name, declaration).await
}

/// The declaration within the length limit, its texts redacted.
fn checked(turn: &Turn<'_>, declaration: Declaration) -> Result<Declaration, UserError> {
    let length = declaration.title.chars().count();
    let limit = MAX_TITLE_CHARS;
    if length > limit {
        return Err(UserError::TitleTooLong { length, limit });
    }
    turn.check_length(&declaration.summary)?;
    Ok(Declaration {
        title: redact(&declaration.title).into_owned(),
        summary: redact(&declaration.summary).into_owned(),
        ..declaration
    })
}

/// Stores incident `id` bound to `channel` (called `name`, when known), starts the clock of its
/// update reminders, and posts the declaration with the status card, the announcement and the
/// first response.
async fn open(
    turn: &Turn<'_>,
    id: IncidentId,
    channel: &str,
    name: Option<String>,
    declaration: Declaration,
) -> TurnResult {
    let origin = &turn.origin;
    let mut incident = Incident::declared(id, declaration, origin.author.clone(), channel, origin.at);
    incident.channel_name = name;
    let declared = turn.by_author(EntryKind::Declared, &incident.title);
    turn.store().create(&incident, &[declared]).await?;
    turn.ports.observer.incident_opened(incident.source);

    // No lock: gathering evidence and asking the advisor may be slow, and nothing here decides
    // anything another turn could contradict; each result is one atomic append.
    let first = match first_response(turn, &incident).await {
        Ok(posts) => posts,
        // The incident exists whatever happens next; say what failed instead of hiding it.
        Err(TurnError::Advisor(failure)) => {
            let text = replies::first_response_failed(&failure.to_string());
            vec![turn.post_in(channel, Message::Error { text })]
        }
        Err(failure) => return Err(failure),
    };
    // Drawn once the first response and its evidence are in, so the card shows them; posted
    // before them, with the declaration as one message.
    let mut outbound = turn.introduced(&incident, replies::declared(&incident, &turn.settings.bot_name)).await;
    outbound.extend(first);
    Ok(outbound)
}

/// Gathers evidence with the handlers that match the incident, then asks the advisor.
pub(in crate::core) async fn first_response(turn: &Turn<'_>, incident: &Incident) -> TurnResult {
    turn.investigate(incident, &turn.triggered(incident)).await?;
    let gathered = turn.gather(incident).await?;
    let helpers = TurnHelpers::new(turn, incident);
    let report = turn.advisor().first_response(gathered.context(incident, &helpers)).await?;
    let answer = turn.answer_id();
    let recorded = EntryKind::Recommendation { id: Some(answer.clone()) };
    turn.store().append(incident.id, &turn.by_bot(recorded, &report.to_plain_text())).await?;
    Ok(vec![turn.post_in(&incident.channel, rated(incident, &answer, Message::Report(report)))])
}
