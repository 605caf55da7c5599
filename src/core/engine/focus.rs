//! `/rca`, `/mitigation` and `/similar`: one piece of the current recommendation each.

use super::{Turn, TurnHelpers, TurnResult};
use crate::advisor::Focus;
use crate::core::incident::Incident;
use crate::core::turn::Message;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, focus: Focus) -> TurnResult {
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let report = turn.advisor().focus(gathered.context(&incident, &helpers), focus).await?;
    Ok(vec![turn.post(Message::Report(report))])
}
