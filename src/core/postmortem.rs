//! The postmortem draft: a Markdown document of one incident — its facts, the advisor's
//! narrative (summary, impact, analysis, lessons), the key timeline entries (decisions, updates,
//! roles; not every chat line), the recorded root cause and mitigation, the evidence gathered,
//! what the bot suggested and how people rated it, and the follow-ups. Secrets are masked in the
//! whole document, whatever its parts say.

use chrono::{DateTime, Utc};

use super::incident::{Incident, IncidentId, Role};
use super::ports::{Evidence, Narrative};
use super::ratings::{Rating, counted, mean};
use super::redact::redact;
use super::replies::role_heading;
use super::text::shortened;
use super::timeline::{Entry, EntryKind};

/// Characters of a suggestion quoted in the draft.
const SUGGESTION_CHARS: usize = 300;
/// Evidence runs listed at most, newest last.
const EVIDENCE_SHOWN: usize = 30;

/// The draft's file name: `INC-2001-postmortem.md`.
pub fn file_name(id: IncidentId) -> String {
    format!("{id}-postmortem.md")
}

/// Everything a draft is written from.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The incident as it stands.
    pub incident: &'a Incident,
    /// Its whole timeline, in the channel's order.
    pub timeline: &'a [Entry],
    /// Everything the diagnostics found, oldest first.
    pub evidence: &'a [Evidence],
    /// The advisor's narrative.
    pub narrative: &'a Narrative,
    /// Which advisor wrote the narrative.
    pub advisor: &'a str,
}

/// The draft of `record`, in Markdown, redacted.
pub fn draft(record: &Record<'_>) -> String {
    let Record { incident, timeline, narrative, .. } = *record;
    let mut doc = vec![format!("# Postmortem draft: {} — {}", incident.id, incident.title), facts(incident)];
    doc.push(section("Summary", &narrative.summary));
    doc.push(section("Impact", &narrative.impact));
    doc.push(format!("## Timeline\n\n{}", key_entries(timeline)));
    let category = incident.category.as_deref().map(|category| format!("\n\nCategory: `{category}`"));
    let cause = incident.root_cause.as_deref().unwrap_or("_Not recorded yet: the incident is not resolved._");
    doc.push(format!("## Root cause\n\n{cause}{}\n\n{}", category.unwrap_or_default(), narrative.analysis.trim()));
    let mitigation = incident.mitigation.as_deref().unwrap_or("_Not recorded yet._");
    doc.push(section("Mitigation", mitigation));
    doc.push(format!("## Evidence gathered\n\n{}", evidence(record.evidence)));
    doc.push(format!("## What the bot suggested and how it was rated\n\n{}", suggestions(timeline)));
    doc.push(section("Lessons", &narrative.lessons));
    doc.push(format!("## Follow-ups\n\n{}", follow_ups(timeline)));
    doc.push(format!(
        "_Drafted from the incident's record; the narrative by the {} advisor. Secrets are masked._",
        record.advisor
    ));
    redact(&doc.join("\n\n")).into_owned()
}

fn section(heading: &str, body: &str) -> String {
    let body = body.trim();
    format!("## {heading}\n\n{}", if body.is_empty() { "_Nothing recorded._" } else { body })
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The incident's facts as a table.
fn facts(incident: &Incident) -> String {
    let mut rows = vec![
        ("Severity", incident.severity.as_str().to_uppercase()),
        ("Status", incident.status.to_string()),
        ("Service", incident.service.clone().unwrap_or_else(|| "unknown".to_owned())),
        ("Reported by", incident.source.to_string()),
    ];
    for role in Role::ALL {
        if let Some(person) = incident.holder(*role) {
            rows.push((role_heading(*role), person.name.clone()));
        }
    }
    rows.push(("Declared", time(incident.created_at)));
    if let Some(resolved) = incident.resolved_at {
        let minutes = (resolved - incident.created_at).num_minutes().max(0);
        rows.push(("Resolved", format!("{} ({minutes} min)", time(resolved))));
    }
    let rows: Vec<String> = rows.into_iter().map(|(name, value)| format!("| {name} | {} |", cell(&value))).collect();
    format!("| | |\n|---|---|\n{}", rows.join("\n"))
}

/// Text that stays inside one table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Whether a postmortem's timeline shows `entry`: decisions and milestones (declaration,
/// statuses, severities, roles, acknowledgements, updates, reminders, the first response), not
/// the chat, the evidence or the ratings, which have sections of their own.
pub fn is_key_entry(entry: &Entry) -> bool {
    !matches!(
        entry.kind,
        EntryKind::Message
            | EntryKind::Question
            | EntryKind::Answer { .. }
            | EntryKind::Command
            | EntryKind::Feedback { .. }
            | EntryKind::Evidence { .. }
            | EntryKind::FollowUp
    )
}

/// The timeline's key entries, one line each.
fn key_entries(timeline: &[Entry]) -> String {
    let lines: Vec<String> = timeline
        .iter()
        .filter(|entry| is_key_entry(entry))
        .map(|entry| format!("- {} {}", entry.at.format("%Y-%m-%d"), entry.summary_line()))
        .collect();
    if lines.is_empty() { "_Nothing recorded._".to_owned() } else { lines.join("\n") }
}

fn evidence(evidence: &[Evidence]) -> String {
    if evidence.is_empty() {
        return "_No diagnostics ran._".to_owned();
    }
    let skipped = evidence.len().saturating_sub(EVIDENCE_SHOWN);
    let mut lines: Vec<String> = evidence[skipped..]
        .iter()
        .map(|found| {
            let mark = if found.ok { "✓" } else { "✗" };
            format!(
                "- {mark} {} `{}`: {} (`{}`)",
                found.started_at.format("%H:%M"),
                found.tool,
                found.summary,
                found.query
            )
        })
        .collect();
    if skipped > 0 {
        lines.insert(0, format!("- … {skipped} earlier runs not shown"));
    }
    lines.join("\n")
}

/// Each rated or ratable suggestion of the bot with its ratings, then the ratings overall.
fn suggestions(timeline: &[Entry]) -> String {
    let ratings = counted(timeline);
    let mut lines = Vec::new();
    for entry in timeline {
        let (what, id) = match &entry.kind {
            EntryKind::Recommendation { id } => ("First response", id),
            EntryKind::Answer { id } => ("Answer", id),
            _ => continue,
        };
        let of: Vec<Rating> = ratings.iter().filter(|rating| id.is_some() && rating.answer == *id).cloned().collect();
        let gist = shortened(&entry.text.split_whitespace().collect::<Vec<_>>().join(" "), SUGGESTION_CHARS);
        lines.push(format!("- {} {what} — {}: {gist}", entry.at.format("%H:%M"), rated(&of)));
    }
    if lines.is_empty() {
        lines.push("_The bot suggested nothing._".to_owned());
    }
    lines.push(String::new());
    lines.push(format!("Overall: {}.", rated(&ratings)));
    lines.join("\n")
}

/// `rated 4.0/5 by 2`, or that nobody rated.
fn rated(ratings: &[Rating]) -> String {
    match mean(ratings) {
        Some(average) => {
            let useful = ratings.iter().filter(|rating| rating.rating >= 3).count();
            format!("rated {average:.1}/5 by {} ({useful} found it useful, 3/5 or better)", ratings.len())
        }
        None => "not rated".to_owned(),
    }
}

fn follow_ups(timeline: &[Entry]) -> String {
    let items: Vec<String> = timeline
        .iter()
        .filter(|entry| entry.kind == EntryKind::FollowUp)
        .map(|entry| format!("- [ ] {} (added by {})", entry.text, entry.author.name))
        .collect();
    if items.is_empty() {
        "_None recorded. Add some with `/incident followup <text>`._".to_owned()
    } else {
        items.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::core::incident::{Declaration, Person, Severity, Source, Status};
    use crate::core::timeline::Author;

    #[test]
    fn the_draft_keeps_the_root_cause_lists_decisions_not_chat_and_masks_secrets() {
        let declaration = Declaration {
            title: "Checkout 502s".into(),
            summary: String::new(),
            severity: Severity::Sev2,
            service: Some("checkout".into()),
            source: Source::Machine,
        };
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0).unwrap();
        let mut incident =
            Incident::declared(IncidentId::from_number(2001), declaration, Person::new("u", "maya"), "c", at);
        incident.status = Status::Resolved;
        incident.resolved_at = Some(at + chrono::Duration::minutes(42));
        incident.root_cause = Some("pool size 2\nfrom a test profile".into());
        let maya = Author::new("u", "maya");
        let timeline = [
            Entry::new(at, maya.clone(), EntryKind::Declared, "Checkout 502s"),
            Entry::new(at, maya.clone(), EntryKind::Message, "just chatting"),
            Entry::new(at, maya.clone(), EntryKind::Recommendation { id: Some("a1".into()) }, "Roll back"),
            Entry::new(
                at,
                maya.clone(),
                EntryKind::Feedback { rating: 4, advisor: None, answer: Some("a1".into()) },
                "",
            ),
            Entry::new(at, maya, EntryKind::FollowUp, "alert on pool saturation"),
        ];
        let narrative =
            Narrative { summary: "The password=hunter2 leaked into the summary.".into(), ..Narrative::default() };

        let draft = draft(&Record {
            incident: &incident,
            timeline: &timeline,
            evidence: &[],
            narrative: &narrative,
            advisor: "offline",
        });

        assert!(draft.contains("pool size 2\nfrom a test profile"), "{draft}");
        assert!(draft.contains("declared the incident") && !draft.contains("just chatting"), "{draft}");
        assert!(draft.contains("First response — rated 4.0/5 by 1"), "{draft}");
        assert!(draft.contains("- [ ] alert on pool saturation (added by maya)"), "{draft}");
        assert!(!draft.contains("hunter2"), "{draft}");
        assert_eq!(file_name(incident.id), "INC-2001-postmortem.md");
    }
}
