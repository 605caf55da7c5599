//! `/incident ack` (the card's **Acknowledge** button): a responder says they are on it. The
//! first acknowledgement shows on the card; every one is on the timeline.

use super::{Command, CommandSpec};
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident ack",
    usage: "/incident ack",
    description: "Acknowledge the incident: you are on it.",
    leading: None,
    options: &[],
    privileged: true,
    reads_only: false,
    parse: |_| Ok(Command::Acknowledge),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    if !incident.is_open() {
        return Err(UserError::NotNow(replies::already_resolved(incident.id)).into());
    }
    let who = &turn.origin.author.name;
    turn.store().append(incident.id, &turn.by_author(EntryKind::Acknowledged, "")).await?;
    let mut outbound = vec![turn.text(replies::acknowledged(&incident, who))];
    outbound.extend(turn.refreshed(&incident, Refresh::CARD).await);
    Ok(outbound)
}
