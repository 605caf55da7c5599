//! `OfflineAdvisor`: the default advisor, needing no model. Its recommendations come from the
//! evidence the diagnostics gathered and the similar resolved incidents the engine retrieved,
//! each cited; when no past incident is similar enough it abstains instead of guessing, and it answers only the questions its state and
//! history can support, saying plainly when something needs an LLM backend.

mod analysis;
mod checks;
mod postmortem;

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::Utc;

use self::analysis::{Analysis, recommend};
use self::checks::first_checks;
use crate::core::incident::Incident;
use crate::core::intent::asks_about_live_state;
use crate::core::outbound::{Report, Section};
use crate::core::ports::{Advisor, AdvisorError, Context, Focus, Narrative};
use crate::core::ports::{Evidence, SimilarIncident};
use crate::core::timeline::{Entry, EntryKind};

/// Similarity below which a past incident is not used as grounds.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.3;
/// Timeline entries shown in catch-ups.
const RECENT: usize = 8;

const FOOTER: &str = "offline advisor · retrieval over resolved incidents, no model";
const NEEDS_MODEL: &str = "That needs an LLM backend; offline I can answer about similar past incidents (/similar), \
     likely root causes (/rca), mitigation steps (/mitigation) and what has happened so far. Where things stand:";
const NO_TIMELINE: &str = "- nothing yet";
const NO_EVIDENCE: &str =
    "No evidence gathered yet: no diagnostics are configured for this incident. `/diagnose <tool>` runs one.";

/// Words that route a question to one kind of answer, checked in this order.
const SIMILAR_WORDS: &[&str] = &["similar", "before", "past", "previous", "seen this", "happened last", "history"];
const CAUSE_WORDS: &[&str] = &["cause", "why", "rca", "root", "hypothes", "culprit"];
const FIX_WORDS: &[&str] =
    &["mitigat", "fix", "what should", "what do we do", "next step", "rollback", "roll back", "how do we"];
const HISTORY_WORDS: &[&str] = &["happened", "timeline", "so far", "going on", "catch up", "update"];
const PEOPLE_WORDS: &[&str] = &["who", "commander", "owner", "involved"];
const STATUS_WORDS: &[&str] = &["status", "state", "severity", "sev", "resolved", "mitigated"];

/// Advisor built from retrieval and the incident's own state.
#[derive(Debug, Clone)]
pub struct OfflineAdvisor {
    min_similarity: f32,
}

impl Default for OfflineAdvisor {
    fn default() -> Self {
        Self::new(DEFAULT_MIN_SIMILARITY)
    }
}

impl OfflineAdvisor {
    /// An advisor that counts past incidents at least `min_similarity` (0–1) similar.
    pub fn new(min_similarity: f32) -> Self {
        Self { min_similarity }
    }

    fn recommendation(&self, similar: &[SimilarIncident]) -> Option<Analysis> {
        recommend(similar, self.min_similarity)
    }

    fn root_causes(&self, recommendation: Option<&Analysis>, similar: &[SimilarIncident]) -> String {
        let Some(recommendation) = recommendation else { return self.abstention(similar) };
        recommendation
            .hypotheses
            .iter()
            .enumerate()
            .map(|(rank, hypothesis)| {
                let lead = &hypothesis.lead.record;
                let also = if hypothesis.also.is_empty() {
                    String::new()
                } else {
                    format!(" Also seen in {}.", hypothesis.also.join(", "))
                };
                format!(
                    "{}. {} — confidence {:.2} ({}). Like {} “{}” (similarity {:.2}): {}{also}",
                    rank + 1,
                    hypothesis.category,
                    hypothesis.confidence,
                    confidence_word(hypothesis.confidence),
                    lead.id,
                    lead.title,
                    hypothesis.lead.similarity,
                    lead.root_cause,
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn mitigation(&self, recommendation: Option<&Analysis>, similar: &[SimilarIncident]) -> String {
        let Some(recommendation) = recommendation else { return self.abstention(similar) };
        recommendation
            .steps
            .iter()
            .map(|step| format!("- {} ({})", step.text, step.source))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn similar_list(&self, recommendation: Option<&Analysis>, similar: &[SimilarIncident]) -> String {
        let Some(recommendation) = recommendation else { return self.abstention(similar) };
        recommendation
            .grounds
            .iter()
            .map(|found| {
                let record = &found.record;
                let when = record.created_at.map(|at| at.format(" %Y-%m-%d").to_string()).unwrap_or_default();
                format!(
                    "- {} “{}” ({}, {}{when}, similarity {:.2})\n  cause: {}\n  fixed by: {}",
                    record.id,
                    record.title,
                    record.service,
                    record.category,
                    found.similarity,
                    record.root_cause,
                    record.mitigation
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn checks(&self, recommendation: Option<&Analysis>) -> String {
        let category = recommendation.and_then(|r| r.hypotheses.first()).map_or("", |h| h.category.as_str());
        first_checks(category).iter().map(|check| format!("- {check}")).collect::<Vec<_>>().join("\n")
    }

    fn abstention(&self, similar: &[SimilarIncident]) -> String {
        let closest = similar
            .first()
            .map(|found| {
                format!(
                    " The closest, {} “{}”, is only {:.2} similar.",
                    found.record.id, found.record.title, found.similarity
                )
            })
            .unwrap_or_default();
        format!(
            "No similar past incident (similarity at least {:.2}), so I won't guess.{closest} \
             Resolve this one with its root cause and the next similar incident will learn from it.",
            self.min_similarity
        )
    }

    fn footer(&self, recommendation: Option<&Analysis>) -> String {
        match recommendation {
            Some(recommendation) => {
                format!("{FOOTER} · grounded in {} similar incidents", recommendation.grounds.len())
            }
            None => format!("{FOOTER} · abstained"),
        }
    }
}

/// The latest run of each tool, newest first, one line each; `None` when nothing ran.
fn evidence_lines(evidence: &[Evidence]) -> Option<String> {
    let mut seen = BTreeSet::new();
    let lines: Vec<String> = evidence
        .iter()
        .rev()
        .filter(|found| seen.insert(found.tool.as_str()))
        .map(|found| {
            let when = found.started_at.format("%H:%M");
            if found.ok {
                format!("- ✓ {} ({when}): {}", found.tool, found.summary)
            } else {
                format!("- ✗ {} failed ({when}): {}", found.tool, found.summary)
            }
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn confidence_word(confidence: f32) -> &'static str {
    match confidence {
        c if c >= 0.45 => "high",
        c if c >= 0.2 => "medium",
        _ => "low",
    }
}

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
    if lines.is_empty() { NO_TIMELINE.to_owned() } else { lines.join("\n") }
}

#[async_trait]
impl Advisor for OfflineAdvisor {
    fn name(&self) -> &'static str {
        "offline"
    }

    async fn first_response(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let incident = context.incident;
        let recommendation = self.recommendation(context.similar);
        let recommendation = recommendation.as_ref();
        let mut sections = vec![Section::new("Incident", status_line(incident))];
        if let Some(lines) = evidence_lines(context.evidence) {
            sections.push(Section::new("Evidence gathered", lines));
        }
        sections.push(Section::new("Likely root causes", self.root_causes(recommendation, context.similar)));
        if recommendation.is_some() {
            sections.push(Section::new(
                "Mitigation steps from similar incidents",
                self.mitigation(recommendation, context.similar),
            ));
        }
        sections.push(Section::new("Check first", self.checks(recommendation)));
        Ok(Report {
            title: format!("{} · first response: {}", incident.id, incident.title),
            sections,
            footer: self.footer(recommendation),
        })
    }

    async fn recommend(&self, context: Context<'_>) -> Result<crate::core::ports::Recommendation, AdvisorError> {
        Ok(self.recommendation(context.similar).map(|r| r.as_texts()).unwrap_or_default())
    }

    async fn focus(&self, context: Context<'_>, focus: Focus) -> Result<Report, AdvisorError> {
        let recommendation = self.recommendation(context.similar);
        let recommendation = recommendation.as_ref();
        let (heading, body) = match focus {
            Focus::RootCause => ("Likely root causes", self.root_causes(recommendation, context.similar)),
            Focus::Mitigation => {
                ("Mitigation steps from similar incidents", self.mitigation(recommendation, context.similar))
            }
            Focus::Similar => ("Similar resolved incidents", self.similar_list(recommendation, context.similar)),
        };
        Ok(Report {
            title: format!("{} · {}", context.incident.id, heading.to_lowercase()),
            sections: vec![Section::new(heading, body)],
            footer: self.footer(recommendation),
        })
    }

    async fn answer(&self, context: Context<'_>, question: &str) -> Result<String, AdvisorError> {
        let question = question.to_lowercase();
        let incident = context.incident;
        let recommendation = self.recommendation(context.similar);
        let recommendation = recommendation.as_ref();
        let answer = if asks_about_live_state(&question) {
            match evidence_lines(context.evidence) {
                Some(lines) => format!("Latest evidence:\n{lines}"),
                None => NO_EVIDENCE.to_owned(),
            }
        } else if mentions(&question, SIMILAR_WORDS) {
            format!("Similar resolved incidents:\n{}", self.similar_list(recommendation, context.similar))
        } else if mentions(&question, CAUSE_WORDS) {
            format!("Likely root causes:\n{}", self.root_causes(recommendation, context.similar))
        } else if mentions(&question, FIX_WORDS) {
            format!("What worked for similar incidents:\n{}", self.mitigation(recommendation, context.similar))
        } else if mentions(&question, HISTORY_WORDS) {
            format!("{}\n{}", status_line(incident), recent_lines(context.timeline))
        } else if mentions(&question, PEOPLE_WORDS) {
            let people: Vec<&str> = participants(context.timeline).into_iter().collect();
            format!("{} is the incident commander. In the channel so far: {}.", incident.commander, people.join(", "))
        } else if mentions(&question, STATUS_WORDS) {
            status_line(incident)
        } else {
            format!("{NEEDS_MODEL}\n{}", status_line(incident))
        };
        Ok(answer)
    }

    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let incident = context.incident;
        let people: Vec<&str> = participants(context.timeline).into_iter().collect();
        let messages = context.timeline.iter().filter(|entry| entry.kind == EntryKind::Message).count();
        let recommendation = self.recommendation(context.similar);
        let recommendation = recommendation.as_ref();
        let mut sections = vec![
            Section::new("Status", status_line(incident)),
            Section::new("People", format!("{} ({} messages so far)", people.join(", "), messages)),
            Section::new("Latest", recent_lines(context.timeline)),
        ];
        if let Some(lines) = evidence_lines(context.evidence) {
            sections.push(Section::new("Evidence", lines));
        }
        match (&incident.root_cause, &incident.mitigation) {
            (Some(cause), Some(mitigation)) => {
                sections.push(Section::new("Resolution", format!("Root cause: {cause}\nMitigation: {mitigation}")));
            }
            _ => sections.push(Section::new("Likely root causes", self.root_causes(recommendation, context.similar))),
        }
        Ok(Report {
            title: format!("{} · summary: {}", incident.id, incident.title),
            sections,
            footer: self.footer(recommendation),
        })
    }

    async fn postmortem(&self, context: Context<'_>) -> Result<Narrative, AdvisorError> {
        Ok(postmortem::narrative(&context))
    }
}
