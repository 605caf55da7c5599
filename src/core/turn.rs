//! What flows into and out of the engine on each turn, in the core's own words: adapters build
//! `Inbound`s from their platform's events and render the `Outbound`s they get back.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::command::Command;
use super::timeline::Author;

/// One event from a chat platform, an alert source or the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The platform's id for this event, when it has one: a replayed or duplicate event with
    /// the same id is handled once.
    pub event_id: Option<String>,
    /// The channel it happened in.
    pub channel: String,
    /// Who caused it.
    pub author: Author,
    /// The author's roles on the platform (names), for privileged commands.
    pub roles: Vec<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub input: Input,
}

/// The kinds of input the engine understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A plain message: recorded, not answered.
    Message(String),
    /// A message addressed to the bot: recorded and answered.
    Question(String),
    /// A command.
    Command(Command),
    /// A channel was created whose name the adapter follows: it becomes an incident channel.
    ChannelCreated {
        /// The channel's name.
        name: String,
        /// The channel's topic, possibly empty.
        topic: String,
    },
}

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
