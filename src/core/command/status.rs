//! `/incident status` (the card's status button): moves an open incident between
//! investigating, identified and mitigated.

use super::{Command, CommandSpec, OptionKind, OptionValues, option};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Status};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

/// The statuses the command offers; resolving takes `/incident resolve`, with its details.
const STATUSES: &[&str] = &["investigating", "identified", "mitigated"];

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident status",
    usage: "/incident status <investigating|identified|mitigated>",
    description: "Change the incident's status.",
    leading: Some("status"),
    options: &[option("status", "The new status", OptionKind::Choice(STATUSES), true)],
    privileged: true,
    reads_only: false,
    parse,
    suggest: None,
};

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    Ok(Command::Status(Status::parse(&options.take("status").unwrap_or_default())?))
}

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, status: Status) -> TurnResult {
    if status == Status::Resolved {
        return Err(UserError::NotNow(replies::RESOLVE_WITH_DETAILS.to_owned()).into());
    }
    turn.locked(incident.id, |mut incident| async move {
        if !incident.is_open() {
            return Err(UserError::NotNow(replies::already_resolved(incident.id)).into());
        }
        if incident.status == status {
            return Err(UserError::NotNow(replies::already_in_status(incident.id, status)).into());
        }
        let was = incident.status;
        incident.status = status;
        incident.updated_at = turn.now();
        let entry = turn.by_author(EntryKind::StatusChange { status }, &format!("{was} → {status}"));
        turn.store().update(&incident, &[entry]).await?;
        let mut outbound = vec![turn.text(replies::status_changed(&incident))];
        outbound.extend(turn.refreshed(&incident, Refresh::STATE).await);
        Ok(outbound)
    })
    .await
}
