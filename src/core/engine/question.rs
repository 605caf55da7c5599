//! A message addressed to the bot: recorded, answered by the advisor, the answer recorded.

use super::{Turn, TurnResult};
use crate::advisor::Context;
use crate::core::incident::Incident;
use crate::core::timeline::EntryKind;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, question: &str) -> TurnResult {
    turn.check_length(question)?;
    turn.locked(incident.id, |incident| async move {
        turn.store().append(incident.id, &turn.by_author(EntryKind::Question, question)).await?;
        let (timeline, similar) = turn.gather(&incident).await?;
        let context = Context { incident: &incident, timeline: &timeline, similar: &similar };
        let answer = turn.advisor().answer(context, question).await?;
        turn.store().append(incident.id, &turn.by_bot(EntryKind::Answer, &answer)).await?;
        Ok(vec![turn.text(answer)])
    })
    .await
}
