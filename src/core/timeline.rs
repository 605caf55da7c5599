//! The incident's timeline: everything said, decided and found, in order. It is the
//! conversation state the advisors read and the record a late joiner catches up from.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alert::AlertStatus;
use super::incident::{Person, Role, Severity, Status};

/// Who wrote an entry: a person in the channel, an alert source, or the bot itself.
pub type Author = Person;

/// What an entry records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKind {
    /// A plain message in the channel.
    Message,
    /// A message addressed to the bot.
    Question,
    /// The bot's reply to a question or command.
    Answer {
        /// What people rate it by (absent in entries written before answers were rated).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// A command someone ran.
    Command,
    /// The incident was declared.
    Declared,
    /// The status changed to this value.
    StatusChange {
        /// The new status.
        status: Status,
    },
    /// A first-response recommendation posted by the bot.
    Recommendation {
        /// What people rate it by (absent in entries written before answers were rated).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// The bot ran a diagnostic; the text is what it found.
    Evidence {
        /// The tool that ran.
        tool: String,
        /// Whether it produced an observation.
        ok: bool,
    },
    /// A rating of the bot's help, 1–5 as in the study.
    Feedback {
        /// 1 (useless) to 5 (spot on).
        rating: u8,
        /// The advisor whose help was rated (absent in entries written before it was recorded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        advisor: Option<String>,
        /// The answer rated, when the rating came from its buttons: one rating per person per
        /// answer counts, the latest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<String>,
    },
    /// A monitoring system reported one of the incident's alerts firing or resolved; the text
    /// names the alert and its labels.
    Alert {
        /// Firing or resolved.
        status: AlertStatus,
    },
    /// A status update for everyone following the incident; the text is the update.
    Update,
    /// The severity changed to this value.
    SeverityChange {
        /// The new severity.
        severity: Severity,
    },
    /// Someone was given a role; the text says who.
    RoleChange {
        /// The role.
        role: Role,
        /// Who holds it now.
        person: Person,
    },
    /// A responder acknowledged the incident ("I'm on it").
    Acknowledged,
    /// A follow-up to do after the incident; the text is the item.
    FollowUp,
    /// The bot reminded the commander that a status update is due.
    Nudge,
}

impl EntryKind {
    /// Whether people following the incident were told something new: what resets the clock
    /// of the update reminders.
    pub fn is_update(&self) -> bool {
        matches!(
            self,
            EntryKind::Declared | EntryKind::Update | EntryKind::StatusChange { .. } | EntryKind::SeverityChange { .. }
        )
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: Author,
    /// What it records.
    #[serde(flatten)]
    pub kind: EntryKind,
    /// Its text, already redacted.
    pub text: String,
    /// The platform's order among events of the same instant (a Discord snowflake), when the
    /// entry records a platform event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u64>,
}

impl Entry {
    /// An entry of `kind` by `author` at `at`.
    pub fn new(at: DateTime<Utc>, author: Author, kind: EntryKind, text: impl Into<String>) -> Self {
        Self { at, author, kind, text: text.into(), order: None }
    }

    /// The entry, ordered among same-instant events by the platform's `order`.
    pub fn with_order(self, order: Option<u64>) -> Self {
        Self { order, ..self }
    }

    /// One line for a timeline listing: time, who, and what, with long text shortened.
    pub fn summary_line(&self) -> String {
        let time = self.at.format("%H:%M");
        let who = &self.author.name;
        let text = first_line_shortened(&self.text, 160);
        match &self.kind {
            EntryKind::Message => format!("{time} {who}: {text}"),
            EntryKind::Question => format!("{time} {who} asked: {text}"),
            EntryKind::Answer { .. } => format!("{time} {who} answered: {text}"),
            EntryKind::Command => format!("{time} {who} ran {text}"),
            EntryKind::Declared => format!("{time} {who} declared the incident: {text}"),
            EntryKind::StatusChange { status } => format!("{time} {who} set the status to {status}: {text}"),
            EntryKind::Recommendation { .. } => format!("{time} {who} posted a first response: {text}"),
            EntryKind::Evidence { tool, ok: true } => format!("{time} {who} ran {tool}: {text}"),
            EntryKind::Evidence { tool, ok: false } => format!("{time} {who} ran {tool}, which failed: {text}"),
            EntryKind::Feedback { rating, .. } => {
                format!("{time} {who} rated the help {rating}/5 {text}").trim_end().to_owned()
            }
            EntryKind::Alert { status } => format!("{time} {who} reported an alert {status}: {text}"),
            EntryKind::Update => format!("{time} {who} posted an update: {text}"),
            EntryKind::SeverityChange { severity } => format!("{time} {who} set the severity to {severity}: {text}"),
            EntryKind::RoleChange { role, person } => format!("{time} {who} made {person} {role}: {text}"),
            EntryKind::Acknowledged => format!("{time} {who} acknowledged the incident"),
            EntryKind::FollowUp => format!("{time} {who} added a follow-up: {text}"),
            EntryKind::Nudge => format!("{time} {who} asked for a status update: {text}"),
        }
    }
}

/// Puts a timeline in the channel's order: by the time each event happened on the platform,
/// then by the platform's own order. Events are recorded as they arrive, and a platform may
/// deliver them out of order; the sort is stable, so arrival order breaks any remaining tie.
pub fn in_channel_order(entries: &mut [Entry]) {
    entries.sort_by_key(|entry| (entry.at, entry.order));
}

/// A running summary of an incident's older timeline entries, kept with the incident so the
/// conversation given to a model stays within its budget: the summary stands in for the first
/// `covers` entries, and a later turn folds in only the entries that aged out since.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Digest {
    /// The summary, already redacted.
    pub text: String,
    /// How many timeline entries, counted from the first, it stands in for.
    pub covers: usize,
}

/// The first line of `text`, cut to `limit` characters with an ellipsis when longer.
fn first_line_shortened(text: &str, limit: usize) -> String {
    let line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("").trim();
    let more_lines = text.trim().lines().nth(1).is_some();
    match line.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None if more_lines => format!("{line} …"),
        None => line.to_owned(),
    }
}
