//! The headroom of picking: for each target, the past incident whose text scores best against
//! what the incident really had (by ROUGE-L), chosen with hindsight. Among the retrieved
//! candidates it bounds any advisor that recommends one of them; among all earlier incidents, any
//! advisor that recommends some past incident's text. Neither is reachable; both show how far
//! better picking or better candidates could go.

use std::collections::HashMap;

use super::candidates::Candidates;
use crate::core::overlap::{WordIds, agreement};
use crate::core::record::IncidentRecord;

/// Name of the oracle over the retrieved candidates in reports.
pub const ORACLE_RETRIEVED: &str = "oracle-best-retrieved";
/// Name of the oracle over every earlier incident in reports.
pub const ORACLE_EARLIER: &str = "oracle-best-earlier";

/// Picks with hindsight; remembers every record's tokens, since the same history is searched
/// for every later incident.
#[derive(Debug, Default)]
pub struct Oracle {
    words: WordIds,
    tokens: HashMap<String, (Vec<u32>, Vec<u32>)>,
}

impl Oracle {
    /// An oracle with nothing tokenized yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The best root cause and the best mitigation among `pool` for `truth`; its category
    /// matches when any incident of the pool has the right one.
    pub fn candidates(&mut self, pool: &[&IncidentRecord], truth: &IncidentRecord) -> Candidates {
        let root_cause = self.words.of(&truth.root_cause);
        let mitigation = self.words.of(&truth.mitigation);
        let mut best_root_cause: Option<(f64, &IncidentRecord)> = None;
        let mut best_mitigation: Option<(f64, &IncidentRecord)> = None;
        for record in pool {
            let (own_root_cause, own_mitigation) = self.tokens_of(record);
            let scores = [agreement(own_root_cause, &root_cause), agreement(own_mitigation, &mitigation)];
            for (best, score) in [&mut best_root_cause, &mut best_mitigation].into_iter().zip(scores) {
                if best.is_none_or(|(top, _)| score > top) {
                    *best = Some((score, record));
                }
            }
        }
        let right = f64::from(u8::from(pool.iter().any(|record| record.category == truth.category)));
        Candidates {
            root_causes: best_root_cause.map(|(_, record)| record.root_cause.clone()).into_iter().collect(),
            mitigations: best_mitigation
                .map(|(_, record)| record.mitigation.clone())
                .filter(|text| !text.trim().is_empty())
                .into_iter()
                .collect(),
            category_at_1: right,
            category_at_k: right,
            confidence: None,
        }
    }

    fn tokens_of(&mut self, record: &IncidentRecord) -> &(Vec<u32>, Vec<u32>) {
        if !self.tokens.contains_key(&record.id) {
            let texts = (self.words.of(&record.root_cause), self.words.of(&record.mitigation));
            self.tokens.insert(record.id.clone(), texts);
        }
        &self.tokens[&record.id]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;

    fn record(id: &str, category: &str, root_cause: &str, mitigation: &str) -> IncidentRecord {
        let mut record = KnowledgeBase::sample_records().remove(0);
        record.id = id.into();
        record.category = category.into();
        record.root_cause = root_cause.into();
        record.mitigation = mitigation.into();
        record
    }

    #[test]
    fn the_oracle_takes_the_best_root_cause_and_the_best_mitigation_wherever_they_are() {
        let truth = record("T", "dns", "the resolver cache held a stale record", "flushed the resolver cache");
        let a = record("A", "deployment", "a stale record in the resolver cache", "rolled back the release");
        let b = record("B", "capacity", "the pool ran out", "flushed the resolver cache everywhere");

        let picked = Oracle::new().candidates(&[&a, &b], &truth);

        assert_eq!(picked.root_causes, std::slice::from_ref(&a.root_cause));
        assert_eq!(picked.mitigations, std::slice::from_ref(&b.mitigation));
        assert_eq!(picked.category_at_1, 0.0, "no incident of the pool is a dns one");
    }
}
