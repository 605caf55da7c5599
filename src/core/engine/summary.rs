//! `/summary`: the advisor's catch-up for a late joiner.

use super::{Turn, TurnHelpers, TurnResult};
use crate::core::incident::Incident;
use crate::core::turn::Message;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let report = turn.advisor().summarize(gathered.context(&incident, &helpers)).await?;
    Ok(vec![turn.post(Message::Report(report))])
}
