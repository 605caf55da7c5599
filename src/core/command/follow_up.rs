//! `/incident followup <text>`: something to do once the fire is out, kept on the timeline and
//! listed on the card, in the summary and in the postmortem draft.

use super::{Command, CommandSpec, OptionKind, OptionValues, option};
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident followup",
    usage: "/incident followup <text>",
    description: "Add a follow-up to do after the incident.",
    leading: Some("item"),
    options: &[option("item", "What to do", OptionKind::Text { max_chars: 300 }, true)],
    privileged: false,
    reads_only: false,
    parse,
    suggest: None,
};

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    Ok(Command::FollowUp(options.take("item").unwrap_or_default()))
}

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, item: &str) -> TurnResult {
    turn.check_length(item)?;
    turn.store().append(incident.id, &turn.by_author(EntryKind::FollowUp, item)).await?;
    let timeline = turn.timeline(incident.id).await?;
    let count = timeline.iter().filter(|entry| entry.kind == EntryKind::FollowUp).count();
    let mut outbound = vec![turn.text(replies::follow_up_added(&incident, count))];
    outbound.extend(turn.refreshed(&incident, Refresh::CARD).await);
    Ok(outbound)
}
