//! `/feedback`: a 1–5 rating of the bot's help, the study's production measure.

use super::{Turn, TurnResult};
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::timeline::EntryKind;

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, rating: u8, comment: &str) -> TurnResult {
    turn.check_length(comment)?;
    let advisor = Some(turn.advisor().name().to_owned());
    let entry = turn.by_author(EntryKind::Feedback { rating, advisor }, comment);
    turn.store().append(incident.id, &entry).await?;
    Ok(vec![turn.text(replies::feedback_recorded(&incident, rating))])
}
