//! Retrieval quality on a history: for each incident in time order, does the knowledge base of
//! strictly earlier incidents return one of the same root-cause category at rank 1, or within
//! the top k? Compared with picking past incidents at random, whose expected score is exact.

use serde::Serialize;

use crate::knowledge::{IncidentRecord, KnowledgeBase, KnowledgeError};

/// Category match rates of retrieval and of the random baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalScores {
    /// Incidents scored (those with a creation time and at least one earlier incident).
    pub evaluated: usize,
    /// The k of @k.
    pub k: usize,
    /// Share whose best match has the same category.
    pub retrieval_at_1: f64,
    /// Share with a same-category incident among the top k.
    pub retrieval_at_k: f64,
    /// Expected @1 when one earlier incident is drawn at random.
    pub random_at_1: f64,
    /// Expected @k when k distinct earlier incidents are drawn at random.
    pub random_at_k: f64,
}

/// Replays `records` chronologically against a knowledge base holding only earlier incidents.
pub fn category_match(records: &[IncidentRecord], k: usize) -> Result<RetrievalScores, KnowledgeError> {
    let mut dated: Vec<&IncidentRecord> = records.iter().filter(|record| record.created_at.is_some()).collect();
    dated.sort_by_key(|record| record.created_at);
    let knowledge = KnowledgeBase::new()?;
    knowledge.add(dated.iter().map(|record| (*record).clone()).collect())?;

    let (mut evaluated, mut hits_1, mut hits_k, mut random_1, mut random_k) = (0usize, 0usize, 0usize, 0.0, 0.0);
    for (position, record) in dated.iter().enumerate() {
        let created = record.created_at.expect("only dated records are replayed");
        // Incidents on the same timestamp are not "before": they stay hidden, like later ones.
        let earlier: Vec<&&IncidentRecord> =
            dated[..position].iter().filter(|r| r.created_at < Some(created)).collect();
        if earlier.is_empty() {
            continue;
        }
        evaluated += 1;
        let query = format!("{} {} {}", record.title, record.summary, record.service);
        let matches = knowledge.similar_before(&query, k, created)?;
        let same = |other: &IncidentRecord| other.category == record.category;
        hits_1 += usize::from(matches.first().is_some_and(|m| same(&m.record)));
        hits_k += usize::from(matches.iter().any(|m| same(&m.record)));
        let same_earlier = earlier.iter().filter(|other| same(other)).count();
        random_1 += same_earlier as f64 / earlier.len() as f64;
        random_k += 1.0 - none_drawn(earlier.len(), same_earlier, k);
    }
    let share = |count: f64| if evaluated == 0 { 0.0 } else { count / evaluated as f64 };
    Ok(RetrievalScores {
        evaluated,
        k,
        retrieval_at_1: share(hits_1 as f64),
        retrieval_at_k: share(hits_k as f64),
        random_at_1: share(random_1),
        random_at_k: share(random_k),
    })
}

/// Probability that `draws` distinct picks from `population` items miss all `marked` ones.
fn none_drawn(population: usize, marked: usize, draws: usize) -> f64 {
    let draws = draws.min(population);
    (0..draws).map(|i| (population - marked).saturating_sub(i) as f64 / (population - i) as f64).product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_every_marked_item_has_the_hypergeometric_probability() {
        assert!((none_drawn(10, 2, 1) - 0.8).abs() < 1e-12);
        assert!((none_drawn(10, 2, 2) - (8.0 / 10.0) * (7.0 / 9.0)).abs() < 1e-12);
        assert_eq!(none_drawn(3, 3, 1), 0.0);
        assert_eq!(none_drawn(4, 0, 9), 1.0);
    }

    #[test]
    fn retrieval_beats_random_on_the_sample_history() {
        let scores = category_match(&KnowledgeBase::sample_records(), 5).unwrap();
        assert!(scores.evaluated > 200);
        assert!(scores.retrieval_at_1 > 1.5 * scores.random_at_1, "{scores:?}");
        assert!(scores.retrieval_at_k > scores.random_at_k, "{scores:?}");
    }
}
