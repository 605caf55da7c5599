//! `/summary`: the advisor's catch-up for a late joiner, with the follow-ups listed.

use super::{Command, CommandSpec};
use crate::core::card::rated;
use crate::core::incident::Incident;
use crate::core::outbound::{Message, Section};
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnHelpers, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "summary",
    usage: "/summary",
    description: "Summarise the incident for a late joiner.",
    leading: None,
    options: &[],
    privileged: false,
    reads_only: true,
    parse: |_| Ok(Command::Summary),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let mut report = turn.advisor().summarize(gathered.context(&incident, &helpers)).await?;
    let follow_ups: Vec<String> = gathered
        .timeline()
        .iter()
        .filter(|entry| entry.kind == EntryKind::FollowUp)
        .map(|entry| format!("- {}", entry.text))
        .collect();
    if !follow_ups.is_empty() {
        report.sections.push(Section::new("Follow-ups", follow_ups.join("\n")));
    }
    Ok(vec![turn.post(rated(&incident, &turn.answer_id(), Message::Report(report)))])
}
