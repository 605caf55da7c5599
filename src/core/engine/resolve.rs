//! `/incident resolve`: closes the incident with its root cause and mitigation on record and
//! publishes it to the knowledge base, so the next similar incident can cite it.

use chrono::Utc;

use super::{Turn, TurnResult};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Status};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::knowledge::IncidentRecord;
use crate::redact::redact;

pub(super) async fn handle(
    turn: &Turn<'_>,
    incident: Incident,
    root_cause: &str,
    mitigation: &str,
    category: Option<&str>,
) -> TurnResult {
    turn.check_length(root_cause)?;
    turn.check_length(mitigation)?;
    turn.locked(incident.id, |mut incident| async move {
        if !incident.is_open() {
            return Err(UserError::NotNow(format!("{} is already resolved.", incident.id)).into());
        }
        let now = Utc::now();
        incident.status = Status::Resolved;
        incident.updated_at = now;
        incident.resolved_at = Some(now);
        incident.root_cause = Some(redact(root_cause).into_owned());
        incident.mitigation = Some(redact(mitigation).into_owned());
        incident.category = category.map(str::to_owned);
        let text = format!("root cause: {root_cause}; mitigation: {mitigation}");
        let entry = turn.by_author(EntryKind::StatusChange { status: Status::Resolved }, &text);
        turn.store().resolve(&incident, &[entry], &IncidentRecord::from_resolved(&incident)).await?;
        let minutes = (now - incident.created_at).num_minutes().max(0);
        Ok(vec![turn.text(replies::resolved(&incident, minutes))])
    })
    .await
}
