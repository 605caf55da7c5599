//! Bringing everything that shows an incident up to date after a change — its status card, its
//! announcement, its channel's name and topic, the clock of its update reminders. Any turn that
//! changes an incident (a command, a control, an alert, a timer) ends with [`Turn::refreshed`].
//! It never fails the turn: the change is stored already, and what cannot be refreshed now is
//! refreshed by the next change.

use chrono::DateTime;
use chrono::Utc;
use tracing::warn;

use super::{Turn, TurnError};
use crate::core::card::{announcement, status_card, topic};
use crate::core::channel_names::name_for;
use crate::core::incident::Incident;
use crate::core::outbound::{Card, ChannelChange, Message, Outbound};
use crate::core::ports::{StoreError, Timer, TimerKind};

/// What changed about an incident, beyond its card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refresh {
    /// Its severity or status, which its channel's name and topic show.
    pub channel: bool,
    /// Something its followers were told (an update, a new status), which restarts the clock of
    /// its update reminders.
    pub updated: bool,
}

impl Refresh {
    /// Only the card changed (a role, an acknowledgement, a follow-up).
    pub const CARD: Self = Self { channel: false, updated: false };
    /// A status update was posted.
    pub const UPDATE: Self = Self { channel: false, updated: true };
    /// The severity or status changed.
    pub const STATE: Self = Self { channel: true, updated: true };
}

impl Turn<'_> {
    /// What a newly opened incident shows first: its status card carrying `note` (the
    /// declaration), its announcement (pinging the severity's role, when one is set), and the
    /// clock of its update reminders started. Best effort, like a refresh.
    pub async fn introduced(&self, incident: &Incident, note: String) -> Vec<Outbound> {
        if let Err(failure) = self.remind_after(incident, incident.created_at).await {
            warn!(incident = %incident.id, error = %failure, "could not set the update reminder");
        }
        let mut outbound = match self.card(incident).await {
            Ok(card) => vec![self.post_in(&incident.channel, Message::Card(Card { note: Some(note), ..card }))],
            Err(failure) => {
                warn!(incident = %incident.id, error = %failure, "could not draw the status card");
                vec![self.text_in(&incident.channel, note)]
            }
        };
        let settings = self.settings.announcements.as_ref();
        let ping = settings.and_then(|settings| settings.pings.get(&incident.severity)).cloned();
        match self.announced(incident, ping).await {
            Ok(announced) => outbound.extend(announced),
            Err(failure) => warn!(incident = %incident.id, error = %failure, "could not announce the incident"),
        }
        outbound
    }

    /// The card, the announcement and — as `what` says — the channel and the reminder clock of
    /// `incident`, brought up to date.
    pub async fn refreshed(&self, incident: &Incident, what: Refresh) -> Vec<Outbound> {
        let mut outbound = Vec::new();
        match self.card(incident).await {
            Ok(card) => outbound.push(self.post_in(&incident.channel, Message::Card(card))),
            Err(failure) => warn!(incident = %incident.id, error = %failure, "could not redraw the status card"),
        }
        match self.announced(incident, None).await {
            Ok(announced) => outbound.extend(announced),
            Err(failure) => warn!(incident = %incident.id, error = %failure, "could not update the announcement"),
        }
        if what.channel {
            match self.channel_change(incident).await {
                Ok(change) => outbound.extend(change),
                Err(failure) => warn!(incident = %incident.id, error = %failure, "could not update the channel"),
            }
        }
        if what.updated
            && let Err(failure) = self.remind_after(incident, self.now()).await
        {
            warn!(incident = %incident.id, error = %failure, "could not reset the update reminder");
        }
        outbound
    }

    /// The status card of `incident` as it stands, to post in its channel or to edit in place.
    pub async fn card(&self, incident: &Incident) -> Result<Card, TurnError> {
        let anchors = self.store().anchors(incident.id).await?;
        let timeline = self.timeline(incident.id).await?;
        let runs = self.store().evidence(incident.id).await?.len();
        Ok(status_card(incident, &timeline, runs, anchors.card.as_deref(), self.now()))
    }

    /// The announcement of `incident`, when incidents are announced; `ping` notifies a role with
    /// it (the declaration's only).
    pub async fn announced(&self, incident: &Incident, ping: Option<String>) -> Result<Option<Outbound>, StoreError> {
        let Some(settings) = &self.settings.announcements else { return Ok(None) };
        let anchors = self.store().anchors(incident.id).await?;
        let post = announcement(incident, anchors.announcement.as_deref(), ping);
        Ok(Some(self.post_in(&settings.channel, Message::Announcement(post))))
    }

    /// The channel's name and topic for `incident` as it stands, when the platform's budget
    /// allows an edit now; otherwise one edit is scheduled for when it does, and that edit
    /// shows the state then, so changes in between are coalesced.
    pub async fn channel_change(&self, incident: &Incident) -> Result<Option<Outbound>, StoreError> {
        let limit = self.settings.channel_edits;
        let timer = Timer::new(TimerKind::ChannelSync, incident.id);
        if let Some(free_at) = self.store().take_channel_edit(incident.id, self.now(), limit.per, limit.edits).await? {
            self.store().schedule(timer, free_at).await?;
            return Ok(None);
        }
        let change = ChannelChange {
            name: name_for(incident, self.settings.rename_resolved),
            topic: Some(topic(incident)),
            archive: !incident.is_open(),
        };
        Ok(Some(self.post_in(&incident.channel, Message::Channel(change))))
    }

    /// Sets the reminder of `incident` to fall due one update interval after `from`, or removes
    /// it when the incident is resolved or its severity is never reminded.
    pub async fn remind_after(&self, incident: &Incident, from: DateTime<Utc>) -> Result<(), StoreError> {
        let timer = Timer::new(TimerKind::Nudge, incident.id);
        let interval = self.settings.update_interval(incident.severity).filter(|_| incident.is_open());
        match interval.and_then(|interval| chrono::Duration::from_std(interval).ok()) {
            Some(interval) => self.store().schedule(timer, from + interval).await,
            None => self.store().cancel(timer).await,
        }
    }
}
