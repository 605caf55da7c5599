//! How bot messages look in a terminal: readable text, or one JSON object per message.

use crate::core::outbound::{Message, Outbound};

/// Output format of the console adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable channel transcript.
    #[default]
    Text,
    /// One JSON object per bot message (`{"channel":…,"kind":"text"|"report"|"error",…}`).
    Json,
}

/// One bot message in `format`.
pub fn outbound(outbound: &Outbound, format: Format, bot_name: &str) -> String {
    match format {
        // Serialising plain strings and enums cannot fail.
        Format::Json => serde_json::to_string(outbound).expect("outbound messages serialise"),
        Format::Text => text(&outbound.message, bot_name),
    }
}

/// A line said by a person in the transcript.
pub fn said(name: &str, line: &str) -> String {
    format!("{name}: {line}")
}

/// The banner at the top of a replayed scenario.
pub fn heading(title: &str) -> String {
    format!("── {title} ──")
}

/// The message's words without decoration, for matching expectations.
pub fn plain(message: &Message) -> String {
    match message {
        Message::Text { text } | Message::Error { text } => text.clone(),
        Message::Report(report) => report.to_plain_text(),
    }
}

fn text(message: &Message, bot_name: &str) -> String {
    let indent = |body: &str, by: &str| body.lines().map(|line| format!("{by}{line}")).collect::<Vec<_>>().join("\n");
    match message {
        Message::Text { text } => format!("{bot_name}: {}", indent(text, "  ").trim_start()),
        Message::Error { text } => format!("{bot_name}: ⚠ {text}"),
        Message::Report(report) => {
            let mut lines = vec![format!("{bot_name}: ┏ {}", report.title)];
            for section in &report.sections {
                lines.push(format!("  ┃ {}", section.heading));
                lines.push(indent(&section.body, "  ┃   "));
            }
            if !report.footer.is_empty() {
                lines.push(format!("  ┗ {}", report.footer));
            }
            lines.join("\n")
        }
    }
}
