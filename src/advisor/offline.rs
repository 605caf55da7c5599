//! `OfflineAdvisor`: the default advisor, needing no model. Its recommendations come from the
//! evidence the diagnostics gathered and the similar resolved incidents the engine retrieved,
//! each cited and labelled with a calibrated confidence (high, medium or low, with the
//! similarity behind it); with thin evidence it says so, and it abstains only when nothing in
//! the history is related. It answers every kind of question ([`Intent`]) its state and
//! history can support — what changed, live state, people, status, what was tried, precedents,
//! causes, next steps, a catch-up — saying plainly when something needs an LLM backend.

mod analysis;
mod changes;
mod checks;
mod confidence;
mod postmortem;
mod practice;
mod steps;
mod tried;
mod wording;

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::Utc;

use self::analysis::{Analysis, recommend};
use self::changes::recent_changes;
use self::checks::first_checks;
use self::tried::tried;
use self::wording::{NEEDS_MODEL, NO_CHANGES_TOOL, NO_EVIDENCE, NO_TIMELINE, THIN_EVIDENCE, THIN_STEPS};
use crate::core::incident::Incident;
use crate::core::intent::Intent;
use crate::core::outbound::{Report, Section};
use crate::core::ports::{Advisor, AdvisorError, ConfidenceLevel, Context, Focus, Narrative, Recommendation};
use crate::core::ports::{Evidence, SimilarIncident};
use crate::core::timeline::{Entry, EntryKind};

/// Similarity below which a past incident counts as unrelated: with nothing related, the
/// advisor abstains. Low on purpose: a weak match is still shown, labelled as thin evidence.
pub const DEFAULT_MIN_SIMILARITY: f32 = 0.1;
/// A precedent less similar than this is a loose match: the evidence is called thin.
const THIN_BELOW: f32 = 0.25;
/// Categories the channel shows: the vote's, then the history's most frequent to make up the
/// number.
const SHOWN_HYPOTHESES: usize = 3;
/// Similar incidents the offline advisor wants to see: the voters on the category.
pub const WANTED_SIMILAR: usize = analysis::VOTERS;
/// Timeline entries shown in catch-ups.
const RECENT: usize = 8;
/// Similar incidents listed by `/similar`.
const LISTED_SIMILAR: usize = 5;

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
    /// An advisor that counts past incidents at least `min_similarity` (0–1) similar as
    /// related, and abstains when none is.
    pub fn new(min_similarity: f32) -> Self {
        Self { min_similarity }
    }

    fn recommendation(&self, context: &Context<'_>) -> Option<Analysis> {
        recommend(context.similar, self.min_similarity, context.categories)
    }

    fn root_causes(&self, recommendation: Option<&Analysis>, similar: &[SimilarIncident]) -> String {
        let Some(recommendation) = recommendation else { return self.abstention(similar) };
        let voters = recommendation.grounds.len();
        let precedent = &recommendation.precedent;
        let lines = recommendation
            .hypotheses
            .iter()
            .enumerate()
            .map(|(rank, hypothesis)| wording::hypothesis_line(rank + 1, hypothesis, voters, &precedent.record.id));
        let thin = is_thin(recommendation).then(|| THIN_EVIDENCE.to_owned());
        let room = SHOWN_HYPOTHESES.saturating_sub(recommendation.hypotheses.len());
        let fallback = (room > 0 && !recommendation.fallback.is_empty())
            .then(|| wording::fallback_line(&recommendation.fallback[..room.min(recommendation.fallback.len())]));
        thin.into_iter()
            .chain(std::iter::once(wording::precedent_line(precedent)))
            .chain(lines)
            .chain(fallback)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn mitigation(&self, recommendation: Option<&Analysis>, similar: &[SimilarIncident]) -> String {
        let Some(recommendation) = recommendation else { return self.abstention(similar) };
        let steps = recommendation.steps.iter().map(|step| wording::step_line(&step.text, &step.source));
        let thin = is_thin(recommendation).then(|| THIN_STEPS.to_owned());
        thin.into_iter().chain(steps).collect::<Vec<_>>().join("\n")
    }

    fn similar_list(&self, recommendation: Option<&Analysis>, similar: &[SimilarIncident]) -> String {
        let Some(recommendation) = recommendation else { return self.abstention(similar) };
        recommendation.grounds.iter().take(LISTED_SIMILAR).map(wording::similar_entry).collect::<Vec<_>>().join("\n")
    }

    fn checks(&self, recommendation: Option<&Analysis>) -> String {
        let category = recommendation.and_then(|r| r.hypotheses.first()).map_or("", |h| h.category.as_str());
        first_checks(category).iter().map(|check| format!("- {check}")).collect::<Vec<_>>().join("\n")
    }

    fn abstention(&self, similar: &[SimilarIncident]) -> String {
        wording::abstention(self.min_similarity, similar.first())
    }

    fn footer(&self, recommendation: Option<&Analysis>) -> String {
        match recommendation.and_then(|r| r.hypotheses.first().map(|h| (r.grounds.len(), h.confidence.level))) {
            Some((related, level)) => wording::grounded_footer(related, level),
            None => wording::abstained_footer(),
        }
    }
}

/// Whether the recommendation stands on thin evidence: its best hypothesis is unlikely, or
/// even the closest precedent shares little with the incident.
fn is_thin(recommendation: &Analysis) -> bool {
    recommendation.precedent.similarity < THIN_BELOW
        || recommendation.hypotheses.first().is_none_or(|h| h.confidence.level == ConfidenceLevel::Low)
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
        let recommendation = self.recommendation(&context);
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

    async fn recommend(&self, context: Context<'_>) -> Result<Recommendation, AdvisorError> {
        Ok(self.recommendation(&context).map(|r| r.as_texts()).unwrap_or_default())
    }

    async fn focus(&self, context: Context<'_>, focus: Focus) -> Result<Report, AdvisorError> {
        let recommendation = self.recommendation(&context);
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
        let incident = context.incident;
        let recommendation = self.recommendation(&context);
        let recommendation = recommendation.as_ref();
        let answer = match Intent::of(question) {
            Intent::RecentChanges => {
                match (
                    recent_changes(&context.investigator.tools(), context.evidence),
                    evidence_lines(context.evidence),
                ) {
                    (Some(changes), _) => changes,
                    // The engine ran the handlers instead: what they found may show the change.
                    (None, Some(lines)) => format!("{NO_CHANGES_TOOL}\nLatest evidence:\n{lines}"),
                    (None, None) => NO_CHANGES_TOOL.to_owned(),
                }
            }
            Intent::LiveState => match evidence_lines(context.evidence) {
                Some(lines) => format!("Latest evidence:\n{lines}"),
                None => NO_EVIDENCE.to_owned(),
            },
            Intent::Tried => tried(context.timeline),
            Intent::Similar => {
                format!("Similar resolved incidents:\n{}", self.similar_list(recommendation, context.similar))
            }
            Intent::Cause => format!("Likely root causes:\n{}", self.root_causes(recommendation, context.similar)),
            Intent::NextSteps => format!(
                "What worked for similar incidents:\n{}\nCheck first:\n{}",
                self.mitigation(recommendation, context.similar),
                self.checks(recommendation)
            ),
            Intent::CatchUp => format!("{}\n{}", status_line(incident), recent_lines(context.timeline)),
            Intent::People => {
                let people: Vec<&str> = participants(context.timeline).into_iter().collect();
                format!(
                    "{} is the incident commander. In the channel so far: {}.",
                    incident.commander,
                    people.join(", ")
                )
            }
            Intent::Status => status_line(incident),
            Intent::Other => format!("{NEEDS_MODEL}\n{}", status_line(incident)),
        };
        Ok(answer)
    }

    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let incident = context.incident;
        let people: Vec<&str> = participants(context.timeline).into_iter().collect();
        let messages = context.timeline.iter().filter(|entry| entry.kind == EntryKind::Message).count();
        let recommendation = self.recommendation(&context);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::core::incident::{Declaration, IncidentId, Severity, Source};
    use crate::core::ports::{CategoryProfile, NoInvestigation, NoMemory};
    use crate::core::record::IncidentRecord;

    async fn root_causes_shown(similar: &[SimilarIncident], categories: &[CategoryProfile]) -> String {
        let declaration = Declaration {
            title: "Resolver timeouts".into(),
            summary: String::new(),
            severity: Severity::Sev2,
            service: None,
            source: Source::Machine,
        };
        let incident = Incident::declared(IncidentId::from_number(1), declaration, "a", "c", Utc::now());
        let context = Context {
            incident: &incident,
            timeline: &[],
            digest: None,
            similar,
            categories,
            evidence: &[],
            investigator: &NoInvestigation,
            memory: &NoMemory,
        };
        let report = OfflineAdvisor::default().first_response(context).await.unwrap();
        report.sections.into_iter().find(|s| s.heading == "Likely root causes").unwrap().body
    }

    fn found(category: &str, similarity: f32) -> SimilarIncident {
        let mut record: IncidentRecord = crate::knowledge::KnowledgeBase::sample_records().remove(0);
        record.category = category.into();
        SimilarIncident { record: Arc::new(record), score: 1.0, similarity }
    }

    fn known(counts: &[(&str, usize)]) -> Vec<CategoryProfile> {
        counts
            .iter()
            .map(|&(category, incidents)| CategoryProfile { category: category.into(), incidents, recent: Vec::new() })
            .collect()
    }

    #[tokio::test]
    async fn when_the_vote_names_fewer_than_three_causes_the_most_frequent_others_are_offered_after_them() {
        let shown =
            root_causes_shown(&[found("dns", 0.4)], &known(&[("deployment", 9), ("dns", 4), ("capacity", 3)])).await;

        let lines: Vec<&str> = shown.lines().collect();
        assert!(lines.iter().any(|line| line.starts_with("1. dns")), "{shown}");
        assert_eq!(
            lines.last(),
            Some(
                &"If none of these fits, the most frequent causes in this history: deployment (9 incidents), capacity (3 incidents)."
            )
        );
    }

    #[tokio::test]
    async fn when_the_vote_names_three_causes_nothing_more_is_offered() {
        let similar = [found("dns", 0.4), found("disk", 0.3), found("network", 0.2)];

        let shown = root_causes_shown(&similar, &known(&[("deployment", 9)])).await;

        assert!(!shown.contains("most frequent causes"), "{shown}");
        assert!(shown.contains("3. "), "{shown}");
    }
}
