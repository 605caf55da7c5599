//! `/rca`, `/mitigation` and `/similar`: one piece of the current recommendation each.

use super::{Turn, TurnInvestigator, TurnResult};
use crate::advisor::Focus;
use crate::core::incident::Incident;
use crate::core::turn::Message;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, focus: Focus) -> TurnResult {
    let gathered = turn.gather(&incident).await?;
    let investigator = TurnInvestigator::new(turn, &incident);
    let report = turn.advisor().focus(gathered.context(&incident, &investigator), focus).await?;
    Ok(vec![turn.post(Message::Report(report))])
}
