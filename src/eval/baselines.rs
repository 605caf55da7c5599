//! What an advisor must beat, computed from the same visible history it sees: retrieval alone
//! (what BM25 ranks first, the study's retrieval baseline), a random past incident, and the most
//! frequent root-cause category's most typical root cause and mitigation.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::candidates::Candidates;
use crate::core::ports::SimilarIncident;
use crate::core::record::IncidentRecord;

/// Name of the retrieval baseline in reports.
pub const BM25_TOP1: &str = "bm25-top1";

/// Name of the random-past-incident baseline in reports.
pub const RANDOM_PAST: &str = "random-past-incident";
/// Name of the most-frequent-category baseline in reports.
pub const FREQUENT_CATEGORY: &str = "frequent-category";

/// Retrieval alone: the texts and categories of the `k` best lexical matches, in their order.
pub fn retrieval(similar: &[SimilarIncident], category: &str, k: usize) -> Candidates {
    let top = &similar[..k.min(similar.len())];
    let same = |found: &SimilarIncident| found.record.category == category;
    Candidates {
        root_causes: top.iter().map(|found| found.record.root_cause.clone()).collect(),
        mitigations: top
            .iter()
            .map(|found| found.record.mitigation.clone())
            .filter(|mitigation| !mitigation.trim().is_empty())
            .collect(),
        category_at_1: f64::from(u8::from(top.first().is_some_and(same))),
        category_at_k: f64::from(u8::from(top.iter().any(same))),
        confidence: None,
    }
}

/// Picks `k` distinct visible incidents at random and recommends what they had.
#[derive(Debug)]
pub struct RandomPast {
    rng: StdRng,
}

impl RandomPast {
    /// Seeded, so a report can be reproduced.
    pub fn new(seed: u64) -> Self {
        Self { rng: StdRng::seed_from_u64(seed) }
    }

    /// Candidates from `k` random incidents of `visible`. Category match is the exact
    /// expectation over all draws rather than this one draw's luck.
    pub fn candidates(&mut self, visible: &[&IncidentRecord], category: &str, k: usize) -> Candidates {
        let picks = rand::seq::index::sample(&mut self.rng, visible.len(), k.min(visible.len()));
        let picked: Vec<&IncidentRecord> = picks.iter().map(|i| visible[i]).collect();
        let same = visible.iter().filter(|record| record.category == category).count();
        Candidates {
            root_causes: picked.iter().map(|r| r.root_cause.clone()).collect(),
            mitigations: picked.iter().map(|r| r.mitigation.clone()).filter(|m| !m.trim().is_empty()).collect(),
            category_at_1: same as f64 / visible.len() as f64,
            category_at_k: 1.0 - none_drawn(visible.len(), same, k),
            confidence: None,
        }
    }
}

/// Recommends, whatever the incident, the texts most typical of the most frequent category.
/// Counts grow with the visible prefix; typical texts are recomputed only when a category grows.
#[derive(Debug, Default)]
pub struct FrequentCategory {
    seen: usize,
    members: HashMap<String, Vec<usize>>,
    typical: HashMap<String, (usize, Vec<String>, Vec<String>)>,
}

impl FrequentCategory {
    /// An empty tally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Candidates given the visible prefix `history[..visible]`, which only ever grows.
    pub fn candidates(&mut self, history: &[&IncidentRecord], visible: usize, category: &str, k: usize) -> Candidates {
        if visible < self.seen {
            *self = Self::default();
        }
        for (index, record) in history.iter().enumerate().take(visible).skip(self.seen) {
            self.members.entry(record.category.clone()).or_default().push(index);
        }
        self.seen = visible;

        let mut ranked: Vec<(&String, usize)> = self.members.iter().map(|(name, ids)| (name, ids.len())).collect();
        // Most frequent first; ties broken by name so the report is reproducible.
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let top = ranked[0].0.clone();
        let category_at_1 = f64::from(u8::from(top == category));
        let category_at_k = f64::from(u8::from(ranked.iter().take(k).any(|(name, _)| name.as_str() == category)));

        let members = &self.members[&top];
        let stale = self.typical.get(&top).is_none_or(|(count, _, _)| *count != members.len());
        if stale {
            let texts = |field: fn(&IncidentRecord) -> &str| {
                most_typical(&members.iter().map(|&i| field(history[i])).collect::<Vec<_>>())
            };
            let entry = (members.len(), texts(|r| &r.root_cause), texts(|r| &r.mitigation));
            self.typical.insert(top.clone(), entry);
        }
        let (_, root_causes, mitigations) = &self.typical[&top];
        Candidates {
            root_causes: root_causes.iter().take(k).cloned().collect(),
            mitigations: mitigations.iter().take(k).cloned().collect(),
            category_at_1,
            category_at_k,
            confidence: None,
        }
    }
}

/// Non-empty `texts`, most typical first: by cosine similarity of their word counts to the
/// group's mean word counts (the text closest to what the group usually says).
fn most_typical(texts: &[&str]) -> Vec<String> {
    let counts: Vec<HashMap<String, f64>> =
        texts.iter().filter(|text| !text.trim().is_empty()).map(|text| word_counts(text)).collect();
    let mut centroid: HashMap<&str, f64> = HashMap::new();
    for words in &counts {
        for (word, count) in words {
            *centroid.entry(word).or_default() += count;
        }
    }
    let norm = |vector: &mut dyn Iterator<Item = f64>| vector.map(|x| x * x).sum::<f64>().sqrt();
    let centroid_norm = norm(&mut centroid.values().copied());
    let mut scored: Vec<(f64, &str)> = texts
        .iter()
        .filter(|text| !text.trim().is_empty())
        .zip(&counts)
        .map(|(text, words)| {
            let dot: f64 = words.iter().map(|(word, count)| count * centroid.get(word.as_str()).unwrap_or(&0.0)).sum();
            let length = norm(&mut words.values().copied()) * centroid_norm;
            (if length > 0.0 { dot / length } else { 0.0 }, *text)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut typical: Vec<String> = Vec::new();
    for (_, text) in scored {
        if !typical.iter().any(|kept| kept == text) {
            typical.push(text.to_owned());
        }
    }
    typical
}

fn word_counts(text: &str) -> HashMap<String, f64> {
    let mut counts = HashMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|word| word.len() > 2) {
        *counts.entry(word.to_lowercase()).or_default() += 1.0;
    }
    counts
}

/// Probability that `draws` distinct picks from `population` items miss all `marked` ones.
pub fn none_drawn(population: usize, marked: usize, draws: usize) -> f64 {
    let draws = draws.min(population);
    (0..draws).map(|i| (population - marked).saturating_sub(i) as f64 / (population - i) as f64).product()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;

    fn record(category: &str, root_cause: &str) -> IncidentRecord {
        let mut record = KnowledgeBase::sample_records().remove(0);
        record.category = category.into();
        record.root_cause = root_cause.into();
        record
    }

    #[test]
    fn missing_every_marked_item_has_the_hypergeometric_probability() {
        assert!((none_drawn(10, 2, 1) - 0.8).abs() < 1e-12);
        assert!((none_drawn(10, 2, 2) - (8.0 / 10.0) * (7.0 / 9.0)).abs() < 1e-12);
        assert_eq!(none_drawn(3, 3, 1), 0.0);
        assert_eq!(none_drawn(4, 0, 9), 1.0);
    }

    #[test]
    fn the_most_typical_text_shares_the_most_words_with_its_group() {
        let texts = [
            "bad config push to the router",
            "config push broke the router",
            "config push broke the load balancer",
            "a squirrel ate a cable",
            "",
        ];
        let typical = most_typical(&texts);
        assert_eq!(typical.first().map(String::as_str), Some("config push broke the router"));
        assert_eq!(typical.last().map(String::as_str), Some("a squirrel ate a cable"));
        assert_eq!(typical.len(), 4, "blank texts are never typical");
    }

    #[test]
    fn the_frequent_category_baseline_follows_the_growing_history() {
        let records =
            [record("dns", "resolver down"), record("deploy", "bad build"), record("deploy", "bad build again")];
        let history: Vec<&IncidentRecord> = records.iter().collect();
        let mut baseline = FrequentCategory::new();
        // Only the dns incident is visible: it is the most frequent category.
        let first = baseline.candidates(&history, 1, "deploy", 1);
        assert_eq!((first.root_causes.clone(), first.category_at_1), (vec!["resolver down".to_owned()], 0.0));
        let later = baseline.candidates(&history, 3, "deploy", 2);
        assert_eq!(later.category_at_1, 1.0);
        assert_eq!(later.root_causes.len(), 2);
        assert!(later.root_causes.iter().all(|cause| cause.starts_with("bad build")));
    }

    #[test]
    fn random_draws_are_reproducible_and_category_match_is_exact() {
        let records = [record("dns", "a"), record("deploy", "b"), record("deploy", "c"), record("disk", "d")];
        let visible: Vec<&IncidentRecord> = records.iter().collect();
        let draw = |seed| RandomPast::new(seed).candidates(&visible, "deploy", 2);
        assert_eq!(draw(7).root_causes, draw(7).root_causes);
        assert_eq!(draw(7).root_causes.len(), 2);
        assert!((draw(7).category_at_1 - 0.5).abs() < 1e-12);
        assert!((draw(7).category_at_k - (1.0 - (2.0 / 4.0) * (1.0 / 3.0))).abs() < 1e-12);
    }
}
