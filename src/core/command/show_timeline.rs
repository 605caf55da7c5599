//! `/timeline`: what has happened so far, one line per entry, newest last.

use super::{Command, CommandSpec};
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::turn::{Turn, TurnResult};

/// Entries listed at most; older ones are counted, not shown.
const SHOWN: usize = 100;

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "timeline",
    usage: "/timeline",
    description: "Show what has happened so far.",
    leading: None,
    options: &[],
    privileged: false,
    reads_only: true,
    parse: |_| Ok(Command::Timeline),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let timeline = turn.timeline(incident.id).await?;
    let hidden = timeline.len().saturating_sub(SHOWN);
    let mut lines = vec![replies::timeline_heading(&incident, timeline.len())];
    if hidden > 0 {
        lines.push(replies::earlier_entries_hidden(hidden));
    }
    lines.extend(timeline[hidden..].iter().map(|entry| entry.summary_line()));
    Ok(vec![turn.text(lines.join("\n"))])
}
