//! A message addressed to the bot: recorded, answered by the advisor, the answer recorded. A
//! question about the live state first re-runs the incident's diagnostics; an advisor may run
//! more while it answers; the bot says what ran.

use super::{Turn, TurnHelpers, TurnResult};
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::timeline::EntryKind;

/// Words that ask about the live state, worth re-running the incident's diagnostics for.
const FRESH_EVIDENCE_WORDS: &[&str] =
    &["evidence", "metric", "error rate", "latency", "right now", "currently", "still", "changes"];

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, question: &str) -> TurnResult {
    turn.check_length(question)?;
    turn.locked(incident.id, |incident| async move {
        turn.store().append(incident.id, &turn.by_author(EntryKind::Question, question)).await?;
        let mut ran = Vec::new();
        if asks_for_fresh_evidence(question) {
            ran = turn.investigate(&incident, &turn.triggered(&incident)).await?;
        }
        let gathered = turn.gather(&incident).await?;
        let helpers = TurnHelpers::new(turn, &incident);
        let answer = turn.advisor().answer(gathered.context(&incident, &helpers), question).await?;
        ran.extend(helpers.investigator.ran());
        turn.store().append(incident.id, &turn.by_bot(EntryKind::Answer, &answer)).await?;
        let mut replies = Vec::new();
        if !ran.is_empty() {
            replies.push(turn.text(replies::ran_diagnostics(&ran)));
        }
        replies.push(turn.text(answer));
        Ok(replies)
    })
    .await
}

fn asks_for_fresh_evidence(question: &str) -> bool {
    let question = question.to_lowercase();
    FRESH_EVIDENCE_WORDS.iter().any(|word| question.contains(word))
}
