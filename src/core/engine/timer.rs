//! A timer that fell due, claimed by this replica: an update reminder for the commander, or a
//! channel edit the platform's rename budget deferred. Both look at the incident as it is now,
//! so a reminder made stale by an update, or several deferred edits, come to one action.

use chrono::Duration as Elapsed;

use crate::core::incident::Incident;
use crate::core::ports::{Timer, TimerKind};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnResult};

pub(super) async fn handle(turn: &Turn<'_>, timer: Timer, incident: Option<Incident>) -> TurnResult {
    let Some(incident) = incident else {
        // The incident is gone (a store reset): nothing will ever make this timer useful.
        turn.store().cancel(timer).await?;
        return Ok(Vec::new());
    };
    match timer.kind {
        TimerKind::Nudge => nudge(turn, incident).await,
        TimerKind::ChannelSync => {
            turn.store().cancel(timer).await?;
            Ok(turn.channel_change(&incident).await?.into_iter().collect())
        }
    }
}

/// Reminds the commander when the incident has gone a whole interval without an update, then
/// waits another interval; when an update came since the timer was set, waits from it instead.
async fn nudge(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let interval = turn.settings.update_interval(incident.severity).filter(|_| incident.is_open());
    let Some(interval) = interval else {
        turn.remind_after(&incident, turn.now()).await?;
        return Ok(Vec::new());
    };
    let timeline = turn.timeline(incident.id).await?;
    let last_update = timeline.iter().rposition(|entry| entry.kind.is_update());
    let since = last_update.map_or(incident.created_at, |index| timeline[index].at);
    let silent = turn.now() - since;
    if silent < Elapsed::from_std(interval).unwrap_or(Elapsed::MAX) {
        turn.remind_after(&incident, since).await?;
        return Ok(Vec::new());
    }
    let after_update = last_update.map_or(&timeline[..], |index| &timeline[index + 1..]);
    let reminder = after_update.iter().filter(|entry| entry.kind == EntryKind::Nudge).count() + 1;
    let text = replies::nudge(&incident, silent.to_std().unwrap_or_default(), interval, reminder);
    turn.store().append(incident.id, &turn.by_author(EntryKind::Nudge, &text)).await?;
    turn.remind_after(&incident, turn.now()).await?;
    Ok(vec![turn.text_in(&incident.channel, text)])
}
