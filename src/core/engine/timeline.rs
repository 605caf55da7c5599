//! `/timeline`: what has happened so far, one line per entry, newest last.

use super::{Turn, TurnResult};
use crate::core::incident::Incident;

/// Entries listed at most; older ones are counted, not shown.
const SHOWN: usize = 100;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let timeline = turn.store().timeline(incident.id).await?;
    let hidden = timeline.len().saturating_sub(SHOWN);
    let mut lines = vec![format!("Timeline of {} — {} ({} entries)", incident.id, incident.title, timeline.len())];
    if hidden > 0 {
        lines.push(format!("… {hidden} earlier entries not shown"));
    }
    lines.extend(timeline[hidden..].iter().map(|entry| entry.summary_line()));
    Ok(vec![turn.text(lines.join("\n"))])
}
