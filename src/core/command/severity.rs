//! `/incident severity <sev1-sev4>` (the card's severity choice): changes how bad the incident
//! is, which its card, channel topic, announcement and reminder interval follow.

use super::{Command, CommandSpec, OptionKind, OptionValues, SEVERITIES, option};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Severity};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident severity",
    usage: "/incident severity <sev1-sev4>",
    description: "Change the incident's severity.",
    leading: Some("severity"),
    options: &[option("severity", "How bad: sev1 (worst) to sev4", OptionKind::Choice(SEVERITIES), true)],
    privileged: true,
    reads_only: false,
    parse,
    suggest: None,
};

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    Ok(Command::Severity(Severity::parse(&options.take("severity").unwrap_or_default())?))
}

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, severity: Severity) -> TurnResult {
    turn.locked(incident.id, |mut incident| async move {
        if !incident.is_open() {
            return Err(UserError::NotNow(replies::already_resolved(incident.id)).into());
        }
        if incident.severity == severity {
            return Err(UserError::NotNow(replies::already_at_severity(incident.id, severity)).into());
        }
        let was = incident.severity;
        incident.severity = severity;
        incident.updated_at = turn.now();
        let entry = turn.by_author(EntryKind::SeverityChange { severity }, &format!("{was} → {severity}"));
        turn.store().update(&incident, &[entry]).await?;
        let mut outbound = vec![turn.text(replies::severity_changed(&incident, was))];
        outbound.extend(turn.refreshed(&incident, Refresh::STATE).await);
        Ok(outbound)
    })
    .await
}
