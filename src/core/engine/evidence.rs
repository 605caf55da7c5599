//! `/evidence`: what the diagnostics found for this incident, newest first.

use super::{Turn, TurnResult};
use crate::core::incident::Incident;
use crate::core::replies;

/// Runs listed at most.
const SHOWN: usize = 20;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let evidence = turn.store().evidence(incident.id).await?;
    if evidence.is_empty() {
        return Ok(vec![turn.text(replies::NO_EVIDENCE)]);
    }
    let mut lines = vec![format!("Evidence for {} ({} runs, newest first)", incident.id, evidence.len())];
    lines.extend(evidence.iter().rev().take(SHOWN).map(replies::evidence_line));
    Ok(vec![turn.text(lines.join("\n"))])
}
