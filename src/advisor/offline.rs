//! `OfflineAdvisor`: the default advisor, needing no model. It answers only what the incident's
//! own state can support and says so plainly for everything else, rather than inventing.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::Utc;

use super::{Advisor, AdvisorError, Context};
use crate::core::incident::Incident;
use crate::core::timeline::{Entry, EntryKind};
use crate::core::turn::{Report, Section};

const FOOTER: &str = "offline advisor · answers from this incident's state only, no model";
const NO_GROUNDS: &str =
    "No recommendation yet: I have no resolved incidents to compare this one with, and I don't guess.";
const NEEDS_MODEL: &str =
    "I can't answer that from the incident's state alone; it needs an LLM backend. Here is where things stand:";
/// Timeline entries shown in catch-ups.
const RECENT: usize = 8;

/// Advisor built from the incident's own state.
#[derive(Debug, Default, Clone)]
pub struct OfflineAdvisor;

impl OfflineAdvisor {
    /// An offline advisor.
    pub fn new() -> Self {
        Self
    }
}

/// Words that mark a question about what has happened.
const HISTORY_WORDS: &[&str] = &["happened", "timeline", "so far", "going on", "catch up", "what's up", "update"];
/// Words that mark a question about who is involved.
const PEOPLE_WORDS: &[&str] = &["who", "commander", "owner", "involved"];
/// Words that mark a question about the status.
const STATUS_WORDS: &[&str] = &["status", "state", "severity", "sev", "resolved", "mitigated"];

fn mentions(question: &str, words: &[&str]) -> bool {
    words.iter().any(|word| question.contains(word))
}

fn status_line(incident: &Incident) -> String {
    let service = incident.service.as_deref().unwrap_or("unknown service");
    let minutes = (Utc::now() - incident.created_at).num_minutes().max(0);
    format!(
        "{} is {} ({}, {}, {}-reported), declared by {} {} min ago.",
        incident.id, incident.status, incident.severity, service, incident.source, incident.commander, minutes
    )
}

fn participants(timeline: &[Entry]) -> BTreeSet<&str> {
    timeline
        .iter()
        .filter(|entry| matches!(entry.kind, EntryKind::Message | EntryKind::Question | EntryKind::Declared))
        .map(|entry| entry.author.name.as_str())
        .collect()
}

fn recent_lines(timeline: &[Entry]) -> String {
    let skip = timeline.len().saturating_sub(RECENT);
    let lines: Vec<String> = timeline[skip..].iter().map(|entry| format!("- {}", entry.summary_line())).collect();
    if lines.is_empty() { "- nothing yet".to_owned() } else { lines.join("\n") }
}

#[async_trait]
impl Advisor for OfflineAdvisor {
    fn name(&self) -> &'static str {
        "offline"
    }

    async fn first_response(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let incident = context.incident;
        Ok(Report {
            title: format!("{} · first response: {}", incident.id, incident.title),
            sections: vec![
                Section::new("Incident", status_line(incident)),
                Section::new("Likely root causes", NO_GROUNDS),
            ],
            footer: FOOTER.to_owned(),
        })
    }

    async fn answer(&self, context: Context<'_>, question: &str) -> Result<String, AdvisorError> {
        let question = question.to_lowercase();
        let incident = context.incident;
        if mentions(&question, HISTORY_WORDS) {
            return Ok(format!("{}\n{}", status_line(incident), recent_lines(context.timeline)));
        }
        if mentions(&question, PEOPLE_WORDS) {
            let people: Vec<&str> = participants(context.timeline).into_iter().collect();
            return Ok(format!(
                "{} is the incident commander. In the channel so far: {}.",
                incident.commander,
                people.join(", ")
            ));
        }
        if mentions(&question, STATUS_WORDS) {
            return Ok(status_line(incident));
        }
        Ok(format!("{NEEDS_MODEL}\n{}", status_line(incident)))
    }

    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let incident = context.incident;
        let people: Vec<&str> = participants(context.timeline).into_iter().collect();
        let messages = context.timeline.iter().filter(|entry| entry.kind == EntryKind::Message).count();
        let mut sections = vec![
            Section::new("Status", status_line(incident)),
            Section::new("People", format!("{} ({} messages so far)", people.join(", "), messages)),
            Section::new("Latest", recent_lines(context.timeline)),
        ];
        if let (Some(cause), Some(mitigation)) = (&incident.root_cause, &incident.mitigation) {
            sections.push(Section::new("Resolution", format!("Root cause: {cause}\nMitigation: {mitigation}")));
        }
        Ok(Report {
            title: format!("{} · summary: {}", incident.id, incident.title),
            sections,
            footer: FOOTER.to_owned(),
        })
    }
}
