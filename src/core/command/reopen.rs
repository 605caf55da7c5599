//! `/incident reopen`: a resolved incident came back. It is open and investigating again, its
//! channel gets its name back, and reminders start again; the earlier resolution stays on the
//! timeline and in the knowledge base.

use super::{Command, CommandSpec};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Status};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident reopen",
    usage: "/incident reopen",
    description: "Reopen a resolved incident.",
    leading: None,
    options: &[],
    privileged: true,
    reads_only: false,
    parse: |_| Ok(Command::Reopen),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    turn.locked(incident.id, |mut incident| async move {
        if incident.is_open() {
            return Err(UserError::NotNow(replies::not_resolved(incident.id)).into());
        }
        incident.status = Status::Investigating;
        incident.updated_at = turn.now();
        incident.resolved_at = None;
        let status = Status::Investigating;
        let entry = turn.by_author(EntryKind::StatusChange { status }, &format!("{} → {status}", Status::Resolved));
        turn.store().update(&incident, &[entry]).await?;
        let mut outbound = vec![turn.text(replies::reopened(&incident))];
        outbound.extend(turn.refreshed(&incident, Refresh::STATE).await);
        Ok(outbound)
    })
    .await
}
