//! Bot messages in Discord's shapes and within Discord's limits: reports and status cards become
//! embeds, long text is split at line breaks into several messages, nothing is ever cut off
//! silently. The kinds that are not posts of their own (channel changes, forms) are rendered
//! where they are delivered; here they have the text a channel shows when nothing else can.

use crate::core::incident::{Severity, Status};
use crate::core::outbound::{Card, Message, Report, Section};
use crate::core::text::shortened;

/// Characters of message content.
pub const CONTENT_LIMIT: usize = 2_000;
/// Characters of an embed title.
pub const TITLE_LIMIT: usize = 256;
/// Fields in one embed.
pub const FIELD_COUNT_LIMIT: usize = 25;
/// Characters of a field name.
pub const FIELD_NAME_LIMIT: usize = 256;
/// Characters of a field value.
pub const FIELD_VALUE_LIMIT: usize = 1_024;
/// Characters of an embed footer.
pub const FOOTER_LIMIT: usize = 2_048;
/// Characters across one embed.
pub const EMBED_TOTAL_LIMIT: usize = 6_000;
/// Characters of an embed description.
pub const DESCRIPTION_LIMIT: usize = 4_096;

/// One Discord message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Post {
    /// Plain content.
    Text(String),
    /// One embed.
    Embed(Embed),
}

/// An embed within Discord's limits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Embed {
    /// Title.
    pub title: String,
    /// Text under the title, possibly empty.
    pub description: String,
    /// `(name, value)` fields.
    pub fields: Vec<(String, String)>,
    /// Footer text, possibly empty.
    pub footer: String,
    /// The colour of its edge, when it has one.
    pub colour: Option<u32>,
}

impl Embed {
    fn size(&self) -> usize {
        let fields: usize = self.fields.iter().map(|(name, value)| chars(name) + chars(value)).sum();
        chars(&self.title) + chars(&self.description) + fields + chars(&self.footer)
    }
}

/// The posts that show `message`, in order. A status card is one embed (see [`card`]); the
/// other kinds that Discord shows otherwise (announcements, channel changes, files, forms) have
/// their text here for when they must be a plain post.
pub fn render(message: &Message) -> Vec<Post> {
    match message {
        Message::Text { text } => texts(text),
        Message::Error { text } => texts(&format!("⚠️ {text}")),
        Message::Report(report) => embeds(report).into_iter().map(Post::Embed).collect(),
        Message::Rated(rated) => render(&rated.content),
        Message::Card(shown) => vec![Post::Embed(card(shown))],
        Message::Announcement(announcement) => texts(&announcement.text),
        Message::Channel(_) => Vec::new(),
        Message::File(document) => texts(&document.caption),
        Message::Form(form) => texts(&format!("{} — `{}`", form.title, form.usage)),
    }
}

fn texts(text: &str) -> Vec<Post> {
    split(text, CONTENT_LIMIT).into_iter().map(Post::Text).collect()
}

/// The status card as one embed: coloured by severity (grey once resolved), when it started
/// in Discord's live timestamps, each field within its limits.
pub fn card(card: &Card) -> Embed {
    let started = card.started_at.timestamp();
    let mut fields: Vec<(String, String)> = card
        .fields
        .iter()
        .take(FIELD_COUNT_LIMIT)
        .map(|Section { heading, body }| {
            let body = if body.trim().is_empty() { "—" } else { body.as_str() };
            (shortened(heading, FIELD_NAME_LIMIT), shortened(body, FIELD_VALUE_LIMIT))
        })
        .collect();
    // Fields past the total are dropped from the end: the outcome and follow-ups come last and
    // are also in /summary and /postmortem.
    let mut embed = Embed {
        title: shortened(&card.title, TITLE_LIMIT),
        description: format!("Started <t:{started}:f> (<t:{started}:R>)"),
        fields: Vec::new(),
        footer: shortened(&card.footer, FOOTER_LIMIT),
        colour: Some(colour(card.severity, card.status)),
    };
    fields.reverse();
    while let Some(field) = fields.pop() {
        if embed.size() + chars(&field.0) + chars(&field.1) > EMBED_TOTAL_LIMIT {
            break;
        }
        embed.fields.push(field);
    }
    embed
}

/// Red for sev1 down to blue for sev4; green once mitigated, grey once resolved.
fn colour(severity: Severity, status: Status) -> u32 {
    match (status, severity) {
        (Status::Resolved, _) => 0x95_a5_a6,
        (Status::Mitigated, _) => 0x2e_cc_71,
        (_, Severity::Sev1) => 0xe7_4c_3c,
        (_, Severity::Sev2) => 0xe6_7e_22,
        (_, Severity::Sev3) => 0xf1_c4_0f,
        (_, Severity::Sev4) => 0x34_98_db,
    }
}

fn embeds(report: &Report) -> Vec<Embed> {
    let title = shortened(&report.title, TITLE_LIMIT);
    let footer = shortened(&report.footer, FOOTER_LIMIT);
    let mut embeds = vec![Embed { title: title.clone(), ..Embed::default() }];
    for section in &report.sections {
        let heading = shortened(&section.heading, FIELD_NAME_LIMIT - " (cont.)".len());
        let body = if section.body.trim().is_empty() { "—".to_owned() } else { section.body.clone() };
        for (index, value) in split(&body, FIELD_VALUE_LIMIT).into_iter().enumerate() {
            let name = if index == 0 { heading.clone() } else { format!("{heading} (cont.)") };
            let current = embeds.last_mut().expect("there is always a current embed");
            let fits = current.fields.len() < FIELD_COUNT_LIMIT
                && current.size() + chars(&name) + chars(&value) + chars(&footer) <= EMBED_TOTAL_LIMIT;
            if !fits {
                let continued = shortened(&format!("{title} (cont.)"), TITLE_LIMIT);
                embeds.push(Embed { title: continued, ..Embed::default() });
            }
            embeds.last_mut().expect("there is always a current embed").fields.push((name, value));
        }
    }
    embeds.last_mut().expect("there is always a current embed").footer = footer;
    embeds
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Splits `text` into pieces of at most `limit` characters, preferring line breaks, then
/// spaces, and only then any character. A code block cut in two is closed at the end of one
/// piece and reopened (with its language) at the start of the next, so every piece renders.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    if !text.contains(FENCE) {
        return split_plain(text, limit);
    }
    let pieces = split_plain(text, limit.saturating_sub(FENCE_ROOM).max(1));
    let mut open: Option<String> = None;
    pieces
        .into_iter()
        .map(|piece| {
            let mut balanced = open.as_ref().map(|fence| format!("{fence}\n")).unwrap_or_default();
            balanced.push_str(&piece);
            for line in piece.lines().map(str::trim_start).filter(|line| line.starts_with(FENCE)) {
                open = match open {
                    Some(_) => None,
                    None if chars(line) <= MAX_FENCE_LINE => Some(line.trim_end().to_owned()),
                    None => Some(FENCE.to_owned()),
                };
            }
            if open.is_some() {
                balanced.push('\n');
                balanced.push_str(FENCE);
            }
            balanced
        })
        .collect()
}

/// What opens and closes a code block.
const FENCE: &str = "```";
/// Longest opening fence line carried into the next piece (```` ```rust ````); longer ones are
/// reopened without their language.
const MAX_FENCE_LINE: usize = 20;
/// Room kept in each piece for a reopened fence line and a closing fence.
const FENCE_ROOM: usize = MAX_FENCE_LINE + 1 + 1 + FENCE.len();

/// [`split`] without regard for code blocks.
fn split_plain(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim_end();
    while chars(rest) > limit {
        let hard_end = rest.char_indices().nth(limit).map_or(rest.len(), |(index, _)| index);
        let window = &rest[..hard_end];
        let cut = window.rfind('\n').or_else(|| window.rfind(' ')).filter(|&index| index > 0).unwrap_or(hard_end);
        pieces.push(rest[..cut].trim_end().to_owned());
        rest = rest[cut..].trim_start_matches(['\n', ' ']);
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_block_cut_in_two_is_closed_and_reopened_with_its_language() {
        let code = (0..300).map(|n| format!("line {n:03} of the stack trace")).collect::<Vec<_>>().join("\n");
        let text = format!("Here is the trace:\n```rust\n{code}\n```\nThat was it.");

        let pieces = split(&text, CONTENT_LIMIT);

        assert!(pieces.len() >= 4, "{}", pieces.len());
        for piece in &pieces {
            let fences = piece.lines().filter(|line| line.trim_start().starts_with(FENCE)).count();
            assert_eq!(fences % 2, 0, "unbalanced piece:\n{piece}");
            assert!(chars(piece) <= CONTENT_LIMIT);
        }
        assert!(pieces[1].starts_with("```rust\n"), "{}", &pieces[1][..20]);
        assert!(pieces.concat().contains("line 299 of the stack trace"));
    }
    use crate::core::outbound::Section;

    #[test]
    fn long_text_is_split_at_line_breaks_without_losing_a_character() {
        let line = "x".repeat(150);
        let text = vec![line.as_str(); 40].join("\n");

        let posts = render(&Message::Text { text: text.clone() });

        let pieces: Vec<String> = posts
            .into_iter()
            .map(|post| match post {
                Post::Text(piece) => piece,
                Post::Embed(_) => panic!("text became an embed"),
            })
            .collect();
        assert!(pieces.len() >= 4);
        assert!(pieces.iter().all(|piece| chars(piece) <= CONTENT_LIMIT));
        assert_eq!(pieces.join("\n"), text);
    }

    #[test]
    fn a_line_longer_than_the_limit_is_split_too() {
        let pieces = split(&"y".repeat(4_500), CONTENT_LIMIT);
        assert_eq!(pieces.iter().map(|piece| chars(piece)).collect::<Vec<_>>(), [2_000, 2_000, 500]);
    }

    #[test]
    fn a_status_card_is_one_embed_within_the_limits_with_a_live_start_time() {
        use chrono::TimeZone;

        use crate::core::incident::IncidentId;
        let started_at = chrono::Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0).unwrap();
        let fields = (0..40).map(|index| Section::new(format!("Field {index}"), "w".repeat(1_500))).collect();
        let shown = Card {
            incident: IncidentId::from_number(1),
            message: None,
            note: None,
            title: "INC-1 · x".into(),
            severity: Severity::Sev1,
            status: Status::Investigating,
            started_at,
            as_of: started_at,
            fields,
            footer: "f".into(),
            controls: Vec::new(),
        };

        let embed = card(&shown);

        assert!(embed.size() <= EMBED_TOTAL_LIMIT && embed.fields.len() <= FIELD_COUNT_LIMIT);
        assert!(embed.fields.iter().all(|(_, value)| chars(value) <= FIELD_VALUE_LIMIT));
        assert_eq!(embed.fields[0].0, "Field 0");
        assert!(embed.description.contains(&format!("<t:{}:R>", started_at.timestamp())));
        assert_eq!(embed.colour, Some(0xe7_4c_3c));
    }

    #[test]
    fn big_reports_spread_over_embeds_that_all_respect_the_limits() {
        let sections = (0..30).map(|index| Section::new(format!("Section {index}"), "z ".repeat(700))).collect();
        let report = Report { title: "T".repeat(300), sections, footer: "f".repeat(3_000) };

        let posts = render(&Message::Report(report));

        assert!(posts.len() > 1);
        let mut values = 0;
        for post in &posts {
            let Post::Embed(embed) = post else { panic!("report became text") };
            assert!(chars(&embed.title) <= TITLE_LIMIT && chars(&embed.footer) <= FOOTER_LIMIT);
            assert!(embed.fields.len() <= FIELD_COUNT_LIMIT && embed.size() <= EMBED_TOTAL_LIMIT);
            assert!(
                embed
                    .fields
                    .iter()
                    .all(|(name, value)| chars(name) <= FIELD_NAME_LIMIT && chars(value) <= FIELD_VALUE_LIMIT)
            );
            values += embed.fields.iter().map(|(_, value)| value.split_whitespace().count()).sum::<usize>();
        }
        assert_eq!(values, 30 * 700, "words were lost");
    }
}
