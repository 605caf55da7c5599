//! A message addressed to the bot: recorded, answered by the advisor, the answer recorded. A
//! question about the live state first re-runs the incident's diagnostics; an advisor may run
//! more while it answers; the bot says what ran.

use crate::core::card::rated;
use crate::core::incident::Incident;
use crate::core::intent::asks_about_live_state;
use crate::core::outbound::Message;
use crate::core::redact::redact;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnHelpers, TurnResult};

/// Takes no lock: the question and the answer are single appends, and diagnostics and the
/// advisor (possibly a slow model) run while others may decide things about the incident.
pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, question: &str) -> TurnResult {
    turn.check_length(question)?;
    turn.store().append(incident.id, &turn.by_author(EntryKind::Question, question)).await?;
    let live_state = asks_about_live_state(question);
    let mut ran = Vec::new();
    if live_state {
        ran = turn.investigate(&incident, &turn.triggered(&incident)).await?;
    }
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let answer = turn.advisor().answer(gathered.context(&incident, &helpers), question).await?;
    ran.extend(helpers.ran());
    let id = turn.answer_id();
    turn.store().append(incident.id, &turn.by_bot(EntryKind::Answer { id: Some(id.clone()) }, &answer)).await?;
    let mut replies = Vec::new();
    if live_state && !turn.responder {
        replies.push(turn.text(replies::no_fresh_evidence_without_role(&turn.settings.responder_role_names())));
    }
    if !ran.is_empty() {
        replies.push(turn.text(replies::ran_diagnostics(&ran)));
    }
    let text = Message::Text { text: redact(&answer).into_owned() };
    replies.push(turn.post(rated(&incident, &id, text)));
    Ok(replies)
}
