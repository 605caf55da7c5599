//! A message addressed to the bot: recorded, answered by the advisor, the answer recorded. A
//! question about the present first gathers fresh evidence — "what changed?" from the tools
//! that list changes, "is it still failing?" from the incident's handlers; an advisor may run
//! more while it answers; the bot says what ran.

use crate::core::card::rated;
use crate::core::incident::Incident;
use crate::core::intent::Intent;
use crate::core::outbound::Message;
use crate::core::ports::ToolCall;
use crate::core::redact::redact;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnHelpers, TurnResult};

/// Takes no lock: the question and the answer are single appends, and diagnostics and the
/// advisor (possibly a slow model) run while others may decide things about the incident.
pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, question: &str) -> TurnResult {
    turn.check_length(question)?;
    turn.store().append(incident.id, &turn.by_author(EntryKind::Question, question)).await?;
    let intent = Intent::of(question);
    let mut ran = turn.investigate(&incident, &fresh_evidence_calls(turn, &incident, intent)).await?;
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let answer = turn.advisor().answer(gathered.context(&incident, &helpers), question).await?;
    ran.extend(helpers.ran());
    let id = turn.answer_id();
    turn.store().append(incident.id, &turn.by_bot(EntryKind::Answer { id: Some(id.clone()) }, &answer)).await?;
    let mut replies = Vec::new();
    if intent.wants_fresh_evidence() && !turn.responder {
        replies.push(turn.text(replies::no_fresh_evidence_without_role(&turn.settings.responder_role_names())));
    }
    if !ran.is_empty() {
        replies.push(turn.text(replies::ran_diagnostics(&ran)));
    }
    let text = Message::Text { text: redact(&answer).into_owned() };
    replies.push(turn.post(rated(&incident, &id, text)));
    Ok(replies)
}

/// What to run before answering a question with `intent`; nothing for a question that is not
/// about the present, or from someone who may not run diagnostics.
fn fresh_evidence_calls(turn: &Turn<'_>, incident: &Incident, intent: Intent) -> Vec<ToolCall> {
    match intent {
        Intent::RecentChanges => turn.change_calls(incident),
        Intent::LiveState => turn.triggered(incident),
        Intent::People
        | Intent::Status
        | Intent::Tried
        | Intent::Similar
        | Intent::Cause
        | Intent::NextSteps
        | Intent::CatchUp
        | Intent::Other => Vec::new(),
    }
}
