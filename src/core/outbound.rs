//! What the engine hands back on each turn, in the core's own words: adapters render each
//! `Outbound` in their platform's form (Discord messages, embeds, components, modals, channel
//! edits and files; console text; JSON lines). Every kind has a text form, so the console shows
//! what Discord shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::incident::{IncidentId, Severity, Status};

/// One message for the adapter to post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outbound {
    /// The channel to post in.
    pub channel: String,
    /// What to post.
    #[serde(flatten)]
    pub message: Message,
}

/// The shapes a bot message takes; adapters choose how to render each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// A plain reply.
    Text {
        /// The reply.
        text: String,
    },
    /// A structured report (first response, summary): rendered as an embed where possible.
    Report(Report),
    /// A refusal or failure, written for the person who asked.
    Error {
        /// The explanation.
        text: String,
    },
    /// An advisor's answer with the controls that rate it (1–5, the study's measure).
    Rated(Rated),
    /// The incident's status card: posted and pinned once, edited in place afterwards.
    Card(Card),
    /// The incident's post in the announcements channel: posted once, edited in place.
    Announcement(Announcement),
    /// A change to the incident channel itself: its name, its topic, archiving it.
    Channel(ChannelChange),
    /// A document to attach (the postmortem draft).
    File(Document),
    /// A form to fill in (a modal on Discord): long text that does not fit a command line.
    Form(Form),
}

/// An advisor's answer and how people rate it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rated {
    /// The answer itself (text or report).
    pub content: Box<Message>,
    /// What the rating controls name the answer by.
    pub answer: String,
    /// One control per rating, 1 to 5.
    pub controls: Vec<Control>,
}

/// Something a person can click or choose under a message. Each carries the command it stands
/// for, so adapters without buttons (the console) show that instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Control {
    /// What the platform sends back when it is used (a Discord `custom_id`): the incident and
    /// the action, so any replica can handle it.
    pub id: String,
    /// What it says.
    pub label: String,
    /// Its shape.
    pub kind: ControlKind,
    /// The command it stands for, as typed.
    pub command: String,
}

/// The shapes of a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlKind {
    /// A button.
    Button {
        /// How it looks.
        style: ButtonStyle,
    },
    /// A choice among fixed options.
    Choice {
        /// The options, in order.
        options: Vec<Choice>,
        /// The option chosen now, if any.
        current: Option<String>,
    },
    /// A pick of one person of the server.
    Person,
}

/// How a button looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    /// The main action.
    Primary,
    /// A neutral action.
    Secondary,
    /// A good outcome (mitigated).
    Success,
    /// A final step (resolve).
    Danger,
}

/// One option of a choice, or one suggestion for a partly typed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// What people read.
    pub label: String,
    /// What it puts in.
    pub value: String,
}

impl Choice {
    /// An option showing `label` that puts in `value`.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self { label: label.into(), value: value.into() }
    }
}

/// The status card: what the incident looks like at a glance, and what can be done to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    /// The incident.
    pub incident: IncidentId,
    /// The card's message when it was posted already: edit it, never post another.
    pub message: Option<String>,
    /// A line posted with the card when it is first posted (the declaration), left as it is
    /// by later edits.
    pub note: Option<String>,
    /// `INC-2001 · Checkout returning 502s`.
    pub title: String,
    /// How bad it is (decides its colour).
    pub severity: Severity,
    /// Where it is in its lifecycle.
    pub status: Status,
    /// When it was declared (adapters show the time elapsed since, live where they can).
    pub started_at: DateTime<Utc>,
    /// When the card was drawn.
    pub as_of: DateTime<Utc>,
    /// Named facts in reading order: severity, status, roles, service, last update, outcome…
    pub fields: Vec<Section>,
    /// Small print.
    pub footer: String,
    /// What can be done from the card (none once resolved).
    pub controls: Vec<Control>,
}

/// The incident's post in the announcements channel, for people outside the response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Announcement {
    /// The incident.
    pub incident: IncidentId,
    /// The post when it was posted already: edit it.
    pub message: Option<String>,
    /// The incident's channel, to link to.
    pub incident_channel: String,
    /// One line: what, how bad, where it stands.
    pub text: String,
    /// The role to notify with the first post (the only ping the bot ever sends).
    pub ping: Option<String>,
}

/// A change to the incident's channel; what is `None` stays as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelChange {
    /// Its new name.
    pub name: Option<String>,
    /// Its new topic.
    pub topic: Option<String>,
    /// Whether to put it away (archive a thread, move a channel to the archive category).
    pub archive: bool,
}

/// A document to attach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// File name, e.g. `INC-2001-postmortem.md`.
    pub name: String,
    /// A line posted with it.
    pub caption: String,
    /// Its text.
    pub content: String,
}

/// A form to fill in: the fields of one command's long options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form {
    /// What the platform sends back with the values (a Discord modal's `custom_id`).
    pub id: String,
    /// Its title, e.g. `Resolve INC-2001`.
    pub title: String,
    /// The fields, in order.
    pub fields: Vec<FormField>,
    /// The command it fills in, as typed, for adapters without forms.
    pub usage: String,
}

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FormField {
    /// The command option it fills.
    pub name: &'static str,
    /// What it asks.
    pub label: &'static str,
    /// A hint shown while empty.
    pub placeholder: &'static str,
    /// Several lines, or one.
    pub long: bool,
    /// Whether it must be filled.
    pub required: bool,
    /// Longest accepted, in characters.
    pub max_chars: u16,
}

/// A titled report made of sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Headline, e.g. "INC-2001 · first response".
    pub title: String,
    /// Sections in reading order.
    pub sections: Vec<Section>,
    /// Small print: which advisor answered, caveats.
    pub footer: String,
}

/// One headed block of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Short heading.
    pub heading: String,
    /// Body text; lines starting with `- ` are list items.
    pub body: String,
}

impl Section {
    /// A section with this heading and body.
    pub fn new(heading: impl Into<String>, body: impl Into<String>) -> Self {
        Self { heading: heading.into(), body: body.into() }
    }
}

impl Report {
    /// The report as plain text: title, then each section's heading and body.
    pub fn to_plain_text(&self) -> String {
        let mut text = self.title.clone();
        for section in &self.sections {
            text.push_str(&format!("\n\n{}\n{}", section.heading, section.body));
        }
        if !self.footer.is_empty() {
            text.push_str(&format!("\n\n{}", self.footer));
        }
        text
    }
}
