//! From similar past incidents to a recommendation: the closest related incident as the
//! precedent (its root cause first), mitigation steps led by the related incident whose
//! mitigation fits the likely category's practice best ([`mitigation_lead`]), and root-cause
//! categories ranked by a vote of the closest related incidents, each with a calibrated
//! confidence. The precedent's category stays first, and its mitigation leads, when the
//! precedent is clearly closer than the others, so a near-exact analogue is not outdone by a
//! crowd of weaker ones. After the vote's first three, the ranking backs off to the history's
//! other categories, most frequent first: a category the closest incidents do not name is still
//! ranked by how often it happens.

use std::sync::Arc;

use super::confidence::confidence;
use super::practice::mitigation_lead;
use super::steps::{Step, steps};
use crate::core::ports::{CategoryProfile, Confidence, Recommendation, SimilarIncident};
use crate::core::record::IncidentRecord;

/// The closest related incidents that vote on the category.
pub(super) const VOTERS: usize = 10;
/// The precedent's category stays first unless the vote's best match is at least this share
/// as similar as the precedent; only incidents at least this share as similar may lead the
/// mitigation plan instead of it.
const PROTECTED_BELOW: f32 = 0.5;
/// Categories offered at most: beyond three, each rests on a single loose match.
const MAX_HYPOTHESES: usize = 3;
/// Another incident of the precedent's category adds mitigation steps only when it is at least
/// this share as similar: more steps from weaker matches dilute the plan.
const STEPS_FROM_AS_CLOSE: f32 = 0.9;

/// A likely root cause: a category, the past incident that best supports it, and others.
#[derive(Debug, Clone)]
pub(super) struct Hypothesis {
    /// Root-cause category shared by the supporting incidents.
    pub category: String,
    /// How many of the voters have this category.
    pub votes: usize,
    /// How likely this category is the right one.
    pub confidence: Confidence,
    /// The closest supporting incident.
    pub lead: SimilarIncident,
    /// Ids of the other supporting incidents, closest first.
    pub also: Vec<String>,
}

/// What the offline advisor recommends, or `None` when nothing related is known.
#[derive(Debug, Clone)]
pub(super) struct Analysis {
    /// The closest related incident.
    pub precedent: SimilarIncident,
    /// Categories, most likely first.
    pub hypotheses: Vec<Hypothesis>,
    /// The history's other categories, most frequent first, with their incident counts: where
    /// the ranking backs off to after the vote's first three.
    pub fallback: Vec<(String, usize)>,
    /// Mitigation steps, those of the incident whose mitigation fits best first
    /// ([`mitigation_lead`]).
    pub steps: Vec<Step>,
    /// The related incidents that voted, closest first.
    pub grounds: Vec<SimilarIncident>,
}

/// Builds a recommendation from `similar` (best first), counting only matches at least
/// `related` similar, backing off to the history's `categories`; `None` when nothing is related.
pub(super) fn recommend(similar: &[SimilarIncident], related: f32, categories: &[CategoryProfile]) -> Option<Analysis> {
    let grounds: Vec<SimilarIncident> =
        similar.iter().take(VOTERS).filter(|found| found.similarity >= related).cloned().collect();
    let precedent = grounds.first()?.clone();
    let hypotheses = hypotheses(&grounds);
    let likely = hypotheses.first().map(|h| h.category.as_str());
    let practice = categories.iter().find(|profile| Some(profile.category.as_str()) == likely);
    // A clearly closer precedent is not outdone by the wording of weaker matches either.
    let contenders = grounds.iter().filter(|found| found.similarity >= PROTECTED_BELOW * precedent.similarity);
    let lead = mitigation_lead(contenders, practice.map_or(&[], |profile| &profile.recent)).unwrap_or(&precedent);
    let as_close = |found: &&SimilarIncident| {
        found.record.id != lead.record.id
            && found.record.category == lead.record.category
            && found.similarity >= STEPS_FROM_AS_CLOSE * lead.similarity
    };
    let sources: Vec<Arc<IncidentRecord>> =
        std::iter::once(lead).chain(grounds.iter().filter(as_close)).map(|found| found.record.clone()).collect();
    let fallback = categories
        .iter()
        .filter(|profile| !hypotheses.iter().any(|h| h.category == profile.category))
        .map(|profile| (profile.category.clone(), profile.incidents))
        .collect();
    Some(Analysis { steps: steps(&sources), hypotheses, fallback, precedent, grounds })
}

impl Analysis {
    /// Past incidents in the order the recommendation ranks them: the precedent, each
    /// hypothesis's lead, then the other grounds in retrieval order.
    fn ranked_incidents(&self) -> Vec<&IncidentRecord> {
        let mut ranked: Vec<&IncidentRecord> = vec![&self.precedent.record];
        let leads = self.hypotheses.iter().map(|h| &*h.lead.record);
        for record in leads.chain(self.grounds.iter().map(|m| &*m.record)) {
            if !ranked.iter().any(|known| known.id == record.id) {
                ranked.push(record);
            }
        }
        ranked
    }

    /// As plain texts for scoring: the ranked incidents' root causes; the step plan shown in the
    /// channel, then the ranked incidents' own mitigations (all but the one that leads the
    /// plan); the hypotheses' categories, then the back-off categories; and the first one's
    /// confidence.
    pub fn as_texts(&self) -> Recommendation {
        let ranked = self.ranked_incidents();
        let plan = self.steps.iter().map(|step| format!("{}.", step.text)).collect::<Vec<_>>().join(" ");
        // The plan leads with one incident's write-up, which is not offered again as a second plan.
        let in_plan = |record: &&IncidentRecord| self.steps.first().is_some_and(|step| step.source == record.id);
        let others = ranked.iter().filter(|record| !in_plan(record)).map(|record| record.mitigation.clone());
        let mitigations = std::iter::once(plan).chain(others);
        Recommendation {
            root_causes: ranked.iter().map(|r| r.root_cause.clone()).collect(),
            mitigations: mitigations.filter(|text| !text.trim().is_empty()).collect(),
            categories: self
                .hypotheses
                .iter()
                .map(|h| h.category.clone())
                .chain(self.fallback.iter().map(|(category, _)| category.clone()))
                .collect(),
            confidence: self.hypotheses.first().map(|h| h.confidence),
        }
    }
}

/// Categories by votes (ties: the one whose closest member ranks first), the precedent's
/// category protected when the vote's best is clearly less similar.
fn hypotheses(grounds: &[SimilarIncident]) -> Vec<Hypothesis> {
    // Grounds keep retrieval order, so a category's first member is its closest.
    let mut groups: Vec<(&str, Vec<&SimilarIncident>)> = Vec::new();
    for found in grounds {
        match groups.iter_mut().find(|(category, _)| *category == found.record.category) {
            Some((_, members)) => members.push(found),
            None => groups.push((&found.record.category, vec![found])),
        }
    }
    // Stable: equal votes keep the order of their closest members.
    groups.sort_by_key(|(_, members)| std::cmp::Reverse(members.len()));
    let precedent = &grounds[0];
    if groups[0].1[0].similarity < PROTECTED_BELOW * precedent.similarity
        && let Some(position) = groups.iter().position(|(category, _)| *category == precedent.record.category)
    {
        let protected = groups.remove(position);
        groups.insert(0, protected);
    }
    let total: f32 = grounds.iter().map(|found| found.similarity).sum();
    let mut hypotheses: Vec<Hypothesis> = groups
        .into_iter()
        .map(|(category, members)| Hypothesis {
            category: category.to_owned(),
            votes: members.len(),
            confidence: confidence(members.len(), members.iter().map(|m| m.similarity).sum(), total),
            lead: members[0].clone(),
            also: members[1..].iter().map(|m| m.record.id.clone()).collect(),
        })
        .collect();
    // The first is decided; the others are ranked as their confidences read.
    hypotheses[1..].sort_by(|a, b| b.confidence.value.total_cmp(&a.confidence.value));
    // Past the third, a category rests on a single loose match: how often the history sees a
    // category ranks it better (EVALUATION.md), so the back-off takes over there.
    hypotheses.truncate(MAX_HYPOTHESES);
    hypotheses
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

    fn categories(analysis: &Analysis) -> Vec<&str> {
        analysis.hypotheses.iter().map(|h| h.category.as_str()).collect()
    }

    #[test]
    fn nothing_related_means_abstaining() {
        assert!(recommend(&[found("A", "dns", 0.05, "flushed caches")], 0.1, &[]).is_none());
    }

    #[test]
    fn a_weak_match_is_still_an_answer() {
        let analysis = recommend(&[found("A", "dns", 0.15, "Flushed the resolver caches")], 0.1, &[]).unwrap();

        assert_eq!(categories(&analysis), ["dns"]);
        assert_eq!(analysis.as_texts().root_causes, ["cause A"]);
    }

    #[test]
    fn the_category_most_of_the_closest_incidents_share_comes_first_after_the_precedent() {
        let similar = [
            found("A", "dns", 0.50, "x"),
            found("B", "deployment", 0.45, "x"),
            found("C", "deployment", 0.44, "x"),
            found("D", "deployment", 0.40, "x"),
        ];

        let analysis = recommend(&similar, 0.1, &[]).unwrap();

        assert_eq!(analysis.precedent.record.id, "A");
        assert_eq!(categories(&analysis), ["deployment", "dns"]);
        assert_eq!(analysis.hypotheses[0].lead.record.id, "B");
        assert_eq!(analysis.hypotheses[0].also, ["C", "D"]);
        assert_eq!(analysis.hypotheses[0].votes, 3);
        assert!(analysis.hypotheses[0].confidence.value > analysis.hypotheses[1].confidence.value);
    }

    #[test]
    fn a_clearly_closer_precedent_is_not_outvoted_by_weaker_matches() {
        let similar =
            [found("A", "dns", 0.50, "x"), found("B", "deployment", 0.20, "x"), found("C", "deployment", 0.18, "x")];

        let analysis = recommend(&similar, 0.1, &[]).unwrap();

        assert_eq!(categories(&analysis), ["dns", "deployment"]);
    }

    #[test]
    fn texts_put_the_precedent_first_and_carry_the_advisors_own_categories() {
        let similar = [
            found("A", "dns", 0.60, "Flushed the resolver caches"),
            found("B", "deployment", 0.55, "Rolled back the release"),
            found("C", "deployment", 0.50, "Paused the deploy pipeline"),
            found("D", "dns", 0.58, "Restarted the resolver fleet"),
        ];

        let texts = recommend(&similar, 0.1, &[]).unwrap().as_texts();

        assert_eq!(texts.root_causes, ["cause A", "cause B", "cause C", "cause D"]);
        assert_eq!(texts.categories, ["dns", "deployment"]);
        // D is as close as the precedent and of its kind, so it adds its step; B does not.
        assert_eq!(texts.mitigations[0], "Flushed the resolver caches. Restarted the resolver fleet.");
        // The plan is the precedent's: its write-up is not offered again, the others' are.
        assert_eq!(
            texts.mitigations[1..],
            ["Rolled back the release", "Paused the deploy pipeline", "Restarted the resolver fleet"]
        );
        assert!(texts.confidence.is_some());
    }

    #[test]
    fn the_plan_follows_the_categorys_practice_unless_the_precedent_is_clearly_closer() {
        let usual = "Rolled back the release and paused the deploy pipeline";
        let practice = vec![CategoryProfile {
            category: "deployment".into(),
            incidents: 2,
            recent: vec![found("P1", "deployment", 0.0, usual).record, found("P2", "deployment", 0.0, usual).record],
        }];
        let plan_with = |weaker: f32| {
            let similar = [
                found("A", "deployment", 0.80, "Restarted zk-1 first, waited for quorum"),
                found("B", "deployment", weaker, usual),
            ];
            recommend(&similar, 0.1, &practice).unwrap().steps[0].source.clone()
        };

        assert_eq!(plan_with(0.60), "B", "told the usual way and nearly as close");
        assert_eq!(plan_with(0.30), "A", "under half as similar as the precedent");
    }

    fn history(counts: &[(&str, usize)]) -> Vec<CategoryProfile> {
        counts
            .iter()
            .map(|&(category, incidents)| CategoryProfile { category: category.into(), incidents, recent: Vec::new() })
            .collect()
    }

    #[test]
    fn after_the_vote_the_ranking_backs_off_to_the_historys_most_frequent_categories() {
        let similar = [found("A", "dns", 0.50, "x"), found("B", "deployment", 0.45, "x")];
        let known = history(&[("deployment", 9), ("capacity", 7), ("dns", 3), ("network", 2)]);

        let analysis = recommend(&similar, 0.1, &known).unwrap();

        assert_eq!(categories(&analysis), ["dns", "deployment"], "the channel's hypotheses are the vote's");
        assert_eq!(analysis.as_texts().categories, ["dns", "deployment", "capacity", "network"]);
        assert_eq!(analysis.fallback, [("capacity".to_owned(), 7), ("network".to_owned(), 2)]);
    }

    #[test]
    fn past_the_third_a_category_named_by_one_loose_match_ranks_by_how_often_it_happens() {
        let similar = [
            found("A", "dns", 0.50, "x"),
            found("B", "deployment", 0.40, "x"),
            found("C", "disk", 0.30, "x"),
            found("D", "network", 0.20, "x"),
        ];
        let known = history(&[("capacity", 10), ("network", 5), ("dns", 3), ("deployment", 2), ("disk", 1)]);

        let texts = recommend(&similar, 0.1, &known).unwrap().as_texts();

        assert_eq!(texts.categories, ["dns", "deployment", "disk", "capacity", "network"]);
    }
}
