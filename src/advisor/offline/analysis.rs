//! From similar past incidents to a recommendation: root-cause hypotheses ranked by how similar
//! and how consistent their supporting incidents are, and deduplicated mitigation steps.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::core::ports::SimilarIncident;
use crate::core::record::IncidentRecord;

/// Mitigation steps offered at most.
const MAX_STEPS: usize = 6;
/// Past incidents whose mitigations are mined for steps.
const STEP_SOURCES: usize = 3;
/// Word overlap (Jaccard) above which two steps say the same thing.
const SAME_STEP: f32 = 0.5;
/// Words that, near the start of a sentence, mark it as reporting an outcome ("errors cleared
/// within minutes") rather than an action ("set the route, which cleared the errors").
const OUTCOME_WORDS: &[&str] = &["recovered", "cleared", "normal", "subsided", "stabilised", "stabilized", "resolved"];
/// How many leading words are searched for an outcome word.
const OUTCOME_WINDOW: usize = 5;

/// A likely root cause: a category, the past incident that best supports it, and others.
#[derive(Debug, Clone)]
pub(super) struct Hypothesis {
    /// Root-cause category shared by the supporting incidents.
    pub category: String,
    /// 0–1: best similarity in the group times the group's share of all support.
    pub confidence: f32,
    /// The most similar supporting incident.
    pub lead: SimilarIncident,
    /// Ids of the other supporting incidents.
    pub also: Vec<String>,
}

/// A mitigation step and the incident it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Step {
    /// The step, as the past write-up put it.
    pub text: String,
    /// Id of the past incident.
    pub source: String,
}

/// What the offline advisor recommends, or `None` when it abstains.
#[derive(Debug, Clone)]
pub(super) struct Analysis {
    /// Best first.
    pub hypotheses: Vec<Hypothesis>,
    /// In order of the hypotheses they come from.
    pub steps: Vec<Step>,
    /// The matches similar enough to count.
    pub grounds: Vec<SimilarIncident>,
}

/// Builds a recommendation from `similar`, counting only matches at least `threshold` similar.
pub(super) fn recommend(similar: &[SimilarIncident], threshold: f32) -> Option<Analysis> {
    let grounds: Vec<SimilarIncident> = similar.iter().filter(|m| m.similarity >= threshold).cloned().collect();
    if grounds.is_empty() {
        return None;
    }
    let hypotheses = hypotheses(&grounds);
    let leads: Vec<Arc<IncidentRecord>> = hypotheses.iter().map(|h| h.lead.record.clone()).collect();
    let others = grounds.iter().map(|m| m.record.clone()).filter(|r| !leads.iter().any(|lead| lead.id == r.id));
    let sources: Vec<Arc<IncidentRecord>> = leads.iter().cloned().chain(others).take(STEP_SOURCES).collect();
    Some(Analysis { steps: steps(&sources), hypotheses, grounds })
}

impl Analysis {
    /// Past incidents in the order the recommendation ranks them: each hypothesis's lead, then
    /// the other grounds in retrieval order.
    fn ranked_incidents(&self) -> Vec<&IncidentRecord> {
        let leads = self.hypotheses.iter().map(|h| &*h.lead.record);
        let others = self
            .grounds
            .iter()
            .map(|m| &*m.record)
            .filter(|r| !self.hypotheses.iter().any(|h| h.lead.record.id == r.id));
        leads.chain(others).collect()
    }

    /// As plain texts for scoring: the ranked incidents' root causes; the step plan shown in the
    /// channel, then the ranked incidents' own mitigations.
    pub fn as_texts(&self) -> crate::core::ports::Recommendation {
        let ranked = self.ranked_incidents();
        let plan = self.steps.iter().map(|step| format!("{}.", step.text)).collect::<Vec<_>>().join(" ");
        let mitigations = std::iter::once(plan).chain(ranked.iter().map(|r| r.mitigation.clone()));
        crate::core::ports::Recommendation {
            root_causes: ranked.iter().map(|r| r.root_cause.clone()).collect(),
            mitigations: mitigations.filter(|text| !text.trim().is_empty()).collect(),
        }
    }
}

fn hypotheses(grounds: &[SimilarIncident]) -> Vec<Hypothesis> {
    let mut groups: BTreeMap<&str, Vec<&SimilarIncident>> = BTreeMap::new();
    for found in grounds {
        groups.entry(found.record.category.as_str()).or_default().push(found);
    }
    let total: f32 = grounds.iter().map(|m| m.similarity).sum();
    let mut hypotheses: Vec<Hypothesis> = groups
        .into_iter()
        .map(|(category, members)| {
            let support: f32 = members.iter().map(|m| m.similarity).sum();
            // Members keep retrieval order, so the first is the best-ranked of its category.
            let lead = members[0].clone();
            Hypothesis {
                category: category.to_owned(),
                confidence: (lead.similarity * support / total).clamp(0.0, 1.0),
                also: members[1..].iter().map(|m| m.record.id.clone()).collect(),
                lead,
            }
        })
        .collect();
    hypotheses.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    hypotheses
}

fn steps(sources: &[Arc<IncidentRecord>]) -> Vec<Step> {
    let mut steps: Vec<(Step, HashSet<String>)> = Vec::new();
    for record in sources {
        for clause in clauses(&record.mitigation) {
            let words = words(&clause);
            let repeated = steps.iter().any(|(_, seen)| jaccard(seen, &words) >= SAME_STEP);
            if !repeated && steps.len() < MAX_STEPS {
                steps.push((Step { text: clause, source: record.id.clone() }, words));
            }
        }
    }
    steps.into_iter().map(|(step, _)| step).collect()
}

/// Sentences and `;`-separated parts of a mitigation, each long enough to be a step.
fn clauses(text: &str) -> Vec<String> {
    text.split(['\n', ';'])
        .flat_map(|part| part.split(". "))
        .map(|clause| clause.trim().trim_end_matches('.').trim())
        .filter(|clause| clause.split_whitespace().count() >= 3)
        .filter(|clause| !reports_outcome(clause))
        .map(|clause| {
            let mut chars = clause.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
        .collect()
}

fn reports_outcome(clause: &str) -> bool {
    clause.split_whitespace().take(OUTCOME_WINDOW).any(|word| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        OUTCOME_WORDS.contains(&word.as_str())
    })
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).map(str::to_lowercase).collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let union = a.union(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f32 / union as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RecordSource;

    fn found(id: &str, category: &str, similarity: f32, mitigation: &str) -> SimilarIncident {
        SimilarIncident {
            record: Arc::new(IncidentRecord {
                id: id.into(),
                title: format!("title {id}"),
                summary: String::new(),
                source: RecordSource::Machine,
                service: "checkout".into(),
                category: category.into(),
                severity: None,
                created_at: None,
                resolved_at: None,
                root_cause: format!("cause {id}"),
                mitigation: mitigation.into(),
                url: None,
                tags: Vec::new(),
                dataset: None,
            }),
            score: similarity * 10.0,
            similarity,
        }
    }

    #[test]
    fn nothing_similar_enough_means_abstaining() {
        assert!(recommend(&[found("A", "dns", 0.1, "flushed caches")], 0.3).is_none());
    }

    #[test]
    fn consistent_support_outranks_a_single_slightly_closer_match() {
        let similar = [
            found("A", "dns", 0.60, "x"),
            found("B", "deployment", 0.55, "x"),
            found("C", "deployment", 0.50, "x"),
            found("D", "deployment", 0.45, "x"),
        ];
        let recommendation = recommend(&similar, 0.3).unwrap();
        let ranked: Vec<&str> = recommendation.hypotheses.iter().map(|h| h.category.as_str()).collect();
        assert_eq!(ranked, ["deployment", "dns"]);
        assert_eq!(recommendation.hypotheses[0].lead.record.id, "B");
        assert_eq!(recommendation.hypotheses[0].also, ["C", "D"]);
        assert!(recommendation.hypotheses[0].confidence > recommendation.hypotheses[1].confidence);
    }

    #[test]
    fn texts_rank_hypothesis_leads_first_and_start_mitigations_with_the_plan() {
        let similar = [
            found("A", "dns", 0.60, "Flushed the resolver caches"),
            found("B", "deployment", 0.55, "Rolled back the release"),
            found("C", "deployment", 0.50, "Paused the deploy pipeline"),
        ];
        let texts = recommend(&similar, 0.3).unwrap().as_texts();
        assert_eq!(texts.root_causes, ["cause B", "cause A", "cause C"]);
        assert_eq!(
            texts.mitigations[0],
            "Rolled back the release. Flushed the resolver caches. Paused the deploy pipeline."
        );
        assert_eq!(
            &texts.mitigations[1..],
            ["Rolled back the release", "Flushed the resolver caches", "Paused the deploy pipeline"]
        );
    }

    #[test]
    fn mitigation_steps_are_split_deduplicated_and_cited() {
        let similar = [
            found("A", "deployment", 0.7, "Rolled back checkout-api to the previous release; paused the pipeline."),
            found(
                "B",
                "deployment",
                0.6,
                "rolled back the checkout-api to previous release. Errors cleared in 2 minutes. \
                 Set the route to the secondary, which cleared the failures",
            ),
        ];
        let steps = recommend(&similar, 0.3).unwrap().steps;
        let texts: Vec<(&str, &str)> = steps.iter().map(|s| (s.text.as_str(), s.source.as_str())).collect();
        assert_eq!(
            texts,
            [
                ("Rolled back checkout-api to the previous release", "A"),
                ("Paused the pipeline", "A"),
                ("Set the route to the secondary, which cleared the failures", "B"),
            ]
        );
    }
}
