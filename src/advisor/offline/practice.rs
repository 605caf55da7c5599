//! Which related incident's mitigation leads the plan. Not simply the closest one: among the
//! related incidents, the one whose mitigation agrees best (word for word, in order) with how
//! incidents of the likely category have lately been mitigated, weighed by the square root of
//! its similarity. A write-up that tells the usual fix in the usual words is the likelier to
//! fit, and a narrower match still wins when it is much closer (the analysis offers only
//! incidents at least half as similar as the precedent). With no such history (a category seen
//! once), the closest incident with a mitigation leads. EVALUATION.md has what
//! this choice adds over taking the closest incident's mitigation.

use std::sync::Arc;

use crate::core::overlap::{WordIds, agreement};
use crate::core::ports::SimilarIncident;
use crate::core::record::IncidentRecord;

/// How much similarity counts against agreement: a candidate scores
/// `similarity ^ SIMILARITY_WEIGHT × mean agreement with the category's recent mitigations`.
const SIMILARITY_WEIGHT: f64 = 0.5;

/// The incident among `related` (closest first) whose mitigation best fits `practice`, the
/// likely category's recent incidents; `None` when no related incident has a mitigation.
pub(super) fn mitigation_lead<'a>(
    related: impl IntoIterator<Item = &'a SimilarIncident>,
    practice: &[Arc<IncidentRecord>],
) -> Option<&'a SimilarIncident> {
    let candidates: Vec<&SimilarIncident> =
        related.into_iter().filter(|found| !found.record.mitigation.trim().is_empty()).collect();
    if candidates.len() < 2 {
        return candidates.first().copied();
    }
    let mut ids = WordIds::default();
    let usual: Vec<(&str, Vec<u32>)> = practice
        .iter()
        .map(|record| (record.id.as_str(), ids.of(&record.mitigation)))
        .filter(|(_, words)| !words.is_empty())
        .collect();
    let mut best: Option<(f64, &SimilarIncident)> = None;
    for candidate in candidates {
        let words = ids.of(&candidate.record.mitigation);
        // Agreement with the others: an incident is not counted as agreeing with itself.
        let (total, count) = usual
            .iter()
            .filter(|(id, _)| *id != candidate.record.id)
            .fold((0.0, 0usize), |(total, count), (_, seen)| (total + agreement(&words, seen), count + 1));
        let fit = if count == 0 { 0.0 } else { total / count as f64 };
        let score = f64::from(candidate.similarity).max(0.0).powf(SIMILARITY_WEIGHT) * fit;
        // Ties, including no history at all, go to the closer incident.
        if best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, lead)| lead)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;

    fn record(id: &str, mitigation: &str) -> Arc<IncidentRecord> {
        let mut record = KnowledgeBase::sample_records().remove(0);
        record.id = id.into();
        record.mitigation = mitigation.into();
        Arc::new(record)
    }

    fn found(id: &str, similarity: f32, mitigation: &str) -> SimilarIncident {
        SimilarIncident { record: record(id, mitigation), score: similarity, similarity }
    }

    fn lead(related: &[SimilarIncident], practice: &[Arc<IncidentRecord>]) -> Option<String> {
        mitigation_lead(related, practice).map(|found| found.record.id.clone())
    }

    #[test]
    fn the_mitigation_told_the_usual_way_leads_when_nearly_as_close() {
        let practice = [
            record("P1", "Rolled back the release and paused the deploy pipeline"),
            record("P2", "Rolled back the release, then paused the pipeline"),
        ];
        let related = [
            found("A", 0.50, "Lag drained in about two hours once the batch finished"),
            found("B", 0.45, "Rolled back the release and paused the pipeline"),
        ];

        assert_eq!(lead(&related, &practice).as_deref(), Some("B"));
    }

    #[test]
    fn a_much_closer_incident_still_leads_over_a_usual_but_distant_one() {
        let practice = [record("P1", "Rolled back the release and paused the deploy pipeline")];
        let related = [
            found("A", 0.90, "Rolled back the canary and paused the rollout"),
            found("B", 0.02, "Rolled back the release and paused the deploy pipeline"),
        ];

        assert_eq!(lead(&related, &practice).as_deref(), Some("A"));
    }

    #[test]
    fn without_history_of_the_category_the_closest_mitigation_leads() {
        let related =
            [found("A", 0.50, ""), found("B", 0.40, "Restarted the resolver"), found("C", 0.30, "Failed over")];

        assert_eq!(lead(&related, &[]).as_deref(), Some("B"), "A has no mitigation to lead with");
        assert_eq!(lead(&[found("A", 0.5, " ")], &[]), None);
    }

    #[test]
    fn an_incident_does_not_count_as_agreeing_with_itself() {
        // B is among the recent incidents; only P1 may vouch for it, and P1 reads like A.
        let practice = [record("B", "Reindexed the orders table"), record("P1", "Failed over to the replica region")];
        let related =
            [found("A", 0.40, "Failed over to the replica region"), found("B", 0.45, "Reindexed the orders table")];

        assert_eq!(lead(&related, &practice).as_deref(), Some("A"));
    }
}
