//! How bot messages look in a terminal: readable text, or one JSON object per message. Every
//! kind the engine hands back has a text form here — the status card with its actions as the
//! commands they stand for, forms as the command to type, channel changes and announcements as
//! notes, attachments in full — so the console shows what Discord shows.

use chrono::{DateTime, Utc};

use crate::core::outbound::{Card, ChannelChange, Control, ControlKind, Form, Message, Outbound};

/// Output format of the console adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable channel transcript.
    #[default]
    Text,
    /// One JSON object per bot message (`{"channel":…,"kind":"text"|"report"|"card"|…,…}`).
    Json,
}

/// One bot message in `format`.
pub fn outbound(outbound: &Outbound, format: Format, bot_name: &str) -> String {
    match format {
        // Serialising plain strings, numbers, times and enums cannot fail.
        Format::Json => serde_json::to_string(outbound).expect("outbound messages serialise"),
        Format::Text => text(outbound, bot_name),
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

/// A note that time passed, in a replayed scenario.
pub fn time_passes(duration: &str) -> String {
    format!("   … {duration} pass …")
}

/// The message's words without decoration, for matching expectations.
pub fn plain(message: &Message) -> String {
    match message {
        Message::Text { text } | Message::Error { text } => text.clone(),
        Message::Report(report) => report.to_plain_text(),
        Message::Rated(rated) => format!("{}\n{}", plain(&rated.content), rate_line(&rated.answer)),
        Message::Card(card) => card.note.iter().cloned().chain(card_lines(card)).collect::<Vec<_>>().join("\n"),
        Message::Announcement(announcement) => announcement.text.clone(),
        Message::Channel(change) => channel_note(change),
        Message::File(document) => format!("{}\n{}", document.caption, document.content),
        Message::Form(form) => form_lines(form).join("\n"),
    }
}

fn indent(body: &str, by: &str) -> String {
    body.lines().map(|line| format!("{by}{line}")).collect::<Vec<_>>().join("\n")
}

fn text(outbound: &Outbound, bot_name: &str) -> String {
    match &outbound.message {
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
        Message::Rated(rated) => {
            let inner = Outbound { channel: outbound.channel.clone(), message: (*rated.content).clone() };
            format!("{}\n  ↳ {}", text(&inner, bot_name), rate_line(&rated.answer))
        }
        Message::Card(card) => {
            let note = card.note.iter().map(|note| format!("{bot_name}: {note}"));
            let mut lines = card_lines(card).into_iter();
            let head = lines.next().map(|title| format!("{bot_name}: ┏ {title}"));
            let body = lines.map(|line| format!("  ┃ {line}"));
            note.chain(head)
                .chain(body)
                .chain(std::iter::once(format!("  ┗ {}", card.footer)))
                .collect::<Vec<_>>()
                .join("\n")
        }
        Message::Announcement(announcement) => {
            let ping = announcement.ping.as_ref().map(|role| format!(" (notifies role {role})")).unwrap_or_default();
            let edited = if announcement.message.is_some() { " (edited)" } else { "" };
            format!("{bot_name} in #{}{edited}: {}{ping}", outbound.channel, announcement.text)
        }
        Message::Channel(change) => format!("{bot_name}: ⚙ {}", channel_note(change)),
        Message::File(document) => format!(
            "{bot_name}: 📎 {} ({}, {} lines)\n{}",
            document.caption,
            document.name,
            document.content.lines().count(),
            indent(&document.content, "  │ ")
        ),
        Message::Form(form) => {
            let mut lines = form_lines(form).into_iter();
            let head = lines.next().map(|title| format!("{bot_name}: ✎ {title}"));
            head.into_iter().chain(lines.map(|line| format!("  {line}"))).collect::<Vec<_>>().join("\n")
        }
    }
}

/// How to rate an answer from the console.
fn rate_line(answer: &str) -> String {
    format!("rate this answer: /feedback <1-5> answer: {answer}")
}

/// The card as lines: its title, its fields, when it started, its actions.
fn card_lines(card: &Card) -> Vec<String> {
    let state = if card.message.is_some() { "status card, updated" } else { "status card" };
    let mut lines = vec![format!("📌 {} ({state})", card.title)];
    lines.push(format!("Started: {}", started(card.started_at, card.as_of)));
    for field in &card.fields {
        let mut body = field.body.lines();
        lines.push(format!("{}: {}", field.heading, body.next().unwrap_or("")));
        lines.extend(body.map(|line| format!("    {line}")));
    }
    if !card.controls.is_empty() {
        lines.push(format!("Actions: {}", card.controls.iter().map(action).collect::<Vec<_>>().join(" · ")));
    }
    lines
}

fn started(at: DateTime<Utc>, as_of: DateTime<Utc>) -> String {
    format!("{} ({} min ago)", at.format("%H:%M UTC"), (as_of - at).num_minutes().max(0))
}

/// A control as the command it stands for.
fn action(control: &Control) -> String {
    match &control.kind {
        ControlKind::Button { .. } => format!("[{}] {}", control.label, control.command),
        ControlKind::Choice { .. } | ControlKind::Person => control.command.clone(),
    }
}

fn channel_note(change: &ChannelChange) -> String {
    let mut parts = Vec::new();
    if let Some(name) = &change.name {
        parts.push(format!("channel name: {name}"));
    }
    if let Some(topic) = &change.topic {
        parts.push(format!("topic: {topic}"));
    }
    if change.archive {
        parts.push("archived".to_owned());
    }
    parts.join(" · ")
}

fn form_lines(form: &Form) -> Vec<String> {
    let mut lines = vec![format!("{} — fill it in with `{}`", form.title, form.usage)];
    for field in &form.fields {
        let need = if field.required { "required" } else { "optional" };
        lines.push(format!("- {}: {} ({need})", field.name, field.label));
    }
    lines
}
