//! `/evidence`: what the diagnostics found for this incident, newest first.

use super::{Command, CommandSpec};
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::turn::{Turn, TurnResult};

/// Runs listed at most.
const SHOWN: usize = 20;

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "evidence",
    usage: "/evidence",
    description: "List the evidence gathered so far, newest first.",
    leading: None,
    options: &[],
    privileged: false,
    reads_only: true,
    parse: |_| Ok(Command::Evidence),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let evidence = turn.store().evidence(incident.id).await?;
    if evidence.is_empty() {
        return Ok(vec![turn.text(replies::NO_EVIDENCE)]);
    }
    let mut lines = vec![replies::evidence_heading(incident.id, evidence.len())];
    lines.extend(evidence.iter().rev().take(SHOWN).map(replies::evidence_line));
    Ok(vec![turn.text(lines.join("\n"))])
}
