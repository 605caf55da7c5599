//! `/incident status`: moves an open incident between investigating and mitigated.

use chrono::Utc;

use super::{Turn, TurnResult};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Status};
use crate::core::replies;
use crate::core::timeline::EntryKind;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, status: Status) -> TurnResult {
    if status == Status::Resolved {
        return Err(UserError::NotNow(replies::RESOLVE_WITH_DETAILS.to_owned()).into());
    }
    turn.locked(incident.id, |mut incident| async move {
        if !incident.is_open() {
            return Err(UserError::NotNow(format!("{} is already resolved.", incident.id)).into());
        }
        if incident.status == status {
            return Err(UserError::NotNow(format!("{} is already {status}.", incident.id)).into());
        }
        let was = incident.status;
        incident.status = status;
        incident.updated_at = Utc::now();
        let entry = turn.by_author(EntryKind::StatusChange { status }, &format!("{was} → {status}"));
        turn.store().update(&incident, &[entry]).await?;
        Ok(vec![turn.text(replies::status_changed(&incident))])
    })
    .await
}
