//! `/summary`: the advisor's catch-up for a late joiner.

use super::{Command, CommandSpec};
use crate::core::incident::Incident;
use crate::core::outbound::Message;
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
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let report = turn.advisor().summarize(gathered.context(&incident, &helpers)).await?;
    Ok(vec![turn.post(Message::Report(report))])
}
