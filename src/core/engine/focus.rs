//! `/rca`, `/mitigation` and `/similar`: one piece of the current recommendation each.

use super::{Turn, TurnResult};
use crate::advisor::{Context, Focus};
use crate::core::incident::Incident;
use crate::core::turn::Message;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, focus: Focus) -> TurnResult {
    let (timeline, similar) = turn.gather(&incident).await?;
    let report =
        turn.advisor().focus(Context { incident: &incident, timeline: &timeline, similar: &similar }, focus).await?;
    Ok(vec![turn.post(Message::Report(report))])
}
