//! `/diagnose <tool> [name=value …]`: runs one diagnostic now, keeps what it found as evidence
//! and shows it. Unknown tools and arguments that fail validation are refused before anything
//! runs.

use super::{Turn, TurnResult};
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::turn::Message;
use crate::diagnostics::ToolCall;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, call: ToolCall) -> TurnResult {
    turn.engine.diagnostics.validate(&call).map_err(|refusal| UserError::Refused(refusal.to_string()))?;
    let found = turn.investigate(&incident, std::slice::from_ref(&call)).await?;
    Ok(found.iter().map(|evidence| turn.post(Message::Report(replies::evidence_report(evidence)))).collect())
}
