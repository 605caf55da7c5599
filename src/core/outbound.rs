//! What the engine hands back on each turn, in the core's own words: adapters render each
//! `Outbound` in their platform's form (Discord messages and embeds, console text, JSON lines).

use serde::Serialize;

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
