//! The state port: where incidents, their timelines and digests, evidence, locks, dedupe
//! marks, timers, the platform messages kept per incident and the stream of published
//! knowledge live. Every replica shares one store and survives restarts through it.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use super::Evidence;
use crate::core::alert::{AlertStates, Change};
use crate::core::incident::{Incident, IncidentId};
use crate::core::record::IncidentRecord;
use crate::core::timeline::{Digest, Entry};

/// How long a channel reserved by [`Store::claim_channel`] stays reserved for an incident not
/// yet written: far longer than a creation takes, short enough that a failed one frees the
/// channel soon.
pub const CLAIM_GRACE: Duration = Duration::from_secs(30);

/// Why the store could not do what was asked.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The backend cannot be reached (refused, dropped, timed out). Nothing was written.
    #[error("state store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back (written by a newer version, or damaged).
    #[error("stored data at {key} is unreadable: {reason}")]
    Corrupt {
        /// The key or record that failed.
        key: String,
        /// What was wrong with it.
        reason: String,
    },
    /// Any other backend failure.
    #[error("state store failed: {0}")]
    Backend(String),
}

/// Position in the stream of published knowledge records; the default is its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeCursor(pub String);

impl Default for KnowledgeCursor {
    fn default() -> Self {
        Self("0".to_owned())
    }
}

/// Proof of holding an incident's lock; only its holder can release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockToken(pub String);

/// What a timer does when it falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// Remind the commander that a status update is due.
    Nudge,
    /// Bring the channel's name and topic up to date, once the platform's rename budget allows.
    ChannelSync,
}

impl TimerKind {
    /// The word a store keeps the kind as.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Nudge => "nudge",
            TimerKind::ChannelSync => "channel",
        }
    }

    /// The kind a store kept as `word`.
    pub fn parse(word: &str) -> Option<Self> {
        [TimerKind::Nudge, TimerKind::ChannelSync].into_iter().find(|kind| kind.as_str() == word)
    }
}

/// One incident's timer of one kind; an incident has at most one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timer {
    /// What it does.
    pub kind: TimerKind,
    /// The incident it is for.
    pub incident: IncidentId,
}

impl Timer {
    /// The `kind` timer of `incident`.
    pub fn new(kind: TimerKind, incident: IncidentId) -> Self {
        Self { kind, incident }
    }

    /// Reads a timer back from its [`Display`](fmt::Display) form, `nudge:2001`.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, number) = text.split_once(':')?;
        let number = number.parse::<u64>().ok().filter(|number| *number > 0)?;
        Some(Self::new(TimerKind::parse(kind)?, IncidentId::from_number(number)))
    }
}

/// `nudge:2001`: how stores and dedupe marks name a timer.
impl fmt::Display for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.incident.number())
    }
}

/// A message the bot keeps one of per incident and edits in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// The status card in the incident's channel.
    Card,
    /// The post in the announcements channel.
    Announcement,
}

impl Anchor {
    /// The word a store keeps the anchor as.
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Card => "card",
            Anchor::Announcement => "announcement",
        }
    }
}

/// The platform messages an incident's anchors are, once posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// The status card's message id.
    pub card: Option<String>,
    /// The announcement's message id.
    pub announcement: Option<String>,
}

impl Anchors {
    /// The message `anchor` is, if posted.
    pub fn get(&self, anchor: Anchor) -> Option<&str> {
        match anchor {
            Anchor::Card => self.card.as_deref(),
            Anchor::Announcement => self.announcement.as_deref(),
        }
    }
}

/// Persistent per-incident state shared by every replica.
#[async_trait]
pub trait Store: Send + Sync {
    /// Allocates the next incident sequence number (1, 2, 3… across all replicas).
    async fn next_sequence(&self) -> Result<u64, StoreError>;

    /// Stores a new incident, binds its channel, marks it open and appends its first timeline
    /// entries. The incident and its entries are written all or nothing; a failure part-way
    /// may leave the channel bound to, or the open set naming, an incident never written,
    /// which every read ignores.
    async fn create(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError>;

    /// Replaces the incident's record and appends entries, all or nothing. Keeps the set of
    /// open incidents in step with its status.
    async fn update(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError>;

    /// Like `update` for the resolution, which also publishes `learned` to the knowledge
    /// stream that every replica folds. A resolution stored but interrupted before it was
    /// published is published later by the store itself.
    async fn resolve(&self, incident: &Incident, entries: &[Entry], learned: &IncidentRecord)
    -> Result<(), StoreError>;

    /// Publishes imported records to the knowledge stream, all or nothing.
    async fn publish(&self, records: &[IncidentRecord]) -> Result<(), StoreError>;

    /// Up to `count` knowledge records published after `cursor`, and the cursor after them.
    /// Records that cannot be read back are skipped with a warning, never block learning.
    async fn knowledge_after(
        &self,
        cursor: &KnowledgeCursor,
        count: usize,
    ) -> Result<(Vec<IncidentRecord>, KnowledgeCursor), StoreError>;

    /// Keeps `evidence` with the incident and appends `entries` (their announcements) to its
    /// timeline, all or nothing.
    async fn add_evidence(&self, id: IncidentId, evidence: &[Evidence], entries: &[Entry]) -> Result<(), StoreError>;

    /// Everything gathered for the incident, oldest first.
    async fn evidence(&self, id: IncidentId) -> Result<Vec<Evidence>, StoreError>;

    /// Appends one entry to the incident's timeline.
    async fn append(&self, id: IncidentId, entry: &Entry) -> Result<(), StoreError>;

    /// The incident with this id, if any.
    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError>;

    /// Unbinds `channel` from incident `id`, if it is still bound to it; the incident itself is
    /// kept. True when a binding was removed.
    async fn release_channel(&self, channel: &str, id: IncidentId) -> Result<bool, StoreError>;

    /// Reserves `channel` for incident `id`, about to be created in it, unless an open incident
    /// holds the channel or another creation reserved it less than [`CLAIM_GRACE`] ago: the
    /// holder's id then. Of replicas declaring in one channel at once, exactly one gets `None`;
    /// a reservation no incident follows (its creation failed) lapses after the grace.
    async fn claim_channel(&self, channel: &str, id: IncidentId) -> Result<Option<IncidentId>, StoreError>;

    /// The incident this channel was bound to, if any.
    async fn incident_in_channel(&self, channel: &str) -> Result<Option<Incident>, StoreError>;

    /// The whole timeline, oldest first.
    async fn timeline(&self, id: IncidentId) -> Result<Vec<Entry>, StoreError>;

    /// The running summary of the incident's older timeline entries, if one was kept.
    async fn digest(&self, id: IncidentId) -> Result<Option<Digest>, StoreError>;

    /// Keeps `digest` as the incident's running summary unless the one stored already covers as
    /// many entries or more, so turns folding at the same time never move it backwards. True
    /// when it was kept.
    async fn keep_digest(&self, id: IncidentId, digest: &Digest) -> Result<bool, StoreError>;

    /// Ids of incidents not yet resolved, in ascending order.
    async fn open_incidents(&self) -> Result<Vec<IncidentId>, StoreError>;

    /// Ids of every incident ever created, open or resolved, oldest first.
    async fn all_incidents(&self) -> Result<Vec<IncidentId>, StoreError>;

    /// Takes the incident's lock for `ttl` if nobody holds it.
    async fn try_lock(&self, id: IncidentId, ttl: Duration) -> Result<Option<LockToken>, StoreError>;

    /// Releases the lock if `token` still owns it; a lock that expired and was taken by
    /// someone else is left alone.
    async fn unlock(&self, id: IncidentId, token: &LockToken) -> Result<(), StoreError>;

    /// Records a platform event id; true the first time it is seen within `ttl`.
    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError>;

    /// Forgets an event id recorded by `first_sighting`, so the event is handled when it comes
    /// again: for a turn that failed after claiming it.
    async fn forget_sighting(&self, event_id: &str) -> Result<(), StoreError>;

    /// The incident last opened for the alert group `group`, if any.
    async fn alert_incident(&self, group: &str) -> Result<Option<IncidentId>, StoreError>;

    /// Binds the alert group `group` to incident `id`, unless it is bound to an incident other
    /// than `replacing` (`None`: unless it is bound at all), in one step; returns the incident
    /// the group is bound to afterwards, `id` when the binding was made.
    async fn bind_alert_group(
        &self,
        group: &str,
        id: IncidentId,
        replacing: Option<IncidentId>,
    ) -> Result<IncidentId, StoreError>;

    /// Like `create`, also keeping the state of the alerts that opened the incident, all or
    /// nothing.
    async fn create_alerted(
        &self,
        incident: &Incident,
        entries: &[Entry],
        alerts: &AlertStates,
    ) -> Result<(), StoreError>;

    /// The recorded state of the incident's alerts.
    async fn alert_states(&self, id: IncidentId) -> Result<AlertStates, StoreError>;

    /// Records new states of some of the incident's alerts and appends `entries`, all or
    /// nothing.
    async fn record_alerts(&self, id: IncidentId, alerts: &AlertStates, entries: &[Entry]) -> Result<(), StoreError>;

    /// Keeps `change` in its service's history, which holds the newest `keep` changes by the time
    /// they happened. Keeping the same change twice keeps it once.
    async fn record_change(&self, change: &Change, keep: usize) -> Result<(), StoreError>;

    /// Up to `limit` changes of `service` (lower-case), newest first.
    async fn recent_changes(&self, service: &str, limit: usize) -> Result<Vec<Change>, StoreError>;

    /// Sets `timer` to fall due at `due`, replacing when it was due before.
    async fn schedule(&self, timer: Timer, due: DateTime<Utc>) -> Result<(), StoreError>;

    /// Removes `timer`, if set.
    async fn cancel(&self, timer: Timer) -> Result<(), StoreError>;

    /// Up to `limit` timers due at `now` or earlier, with when each fell due, earliest first.
    /// They stay set: whoever handles one reschedules or cancels it.
    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(Timer, DateTime<Utc>)>, StoreError>;

    /// The platform messages posted for the incident's anchors.
    async fn anchors(&self, id: IncidentId) -> Result<Anchors, StoreError>;

    /// Keeps `message` as the incident's `anchor` unless one is kept already (the first post
    /// wins, so two replicas never both own a card). True when it was kept.
    async fn keep_anchor(&self, id: IncidentId, anchor: Anchor, message: &str) -> Result<bool, StoreError>;

    /// Takes one of the `limit` channel edits the platform allows per `window` for the
    /// incident's channel at `at`: `None` when taken, otherwise when the next one frees up.
    async fn take_channel_edit(
        &self,
        id: IncidentId,
        at: DateTime<Utc>,
        window: Duration,
        limit: u32,
    ) -> Result<Option<DateTime<Utc>>, StoreError>;
}
