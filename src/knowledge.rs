//! The knowledge base of resolved incidents ([`crate::core::ports::Knowledge`]): the JSONL
//! corpus it is loaded from and `similar(text, k)` over a full-text index (BM25, in memory). It
//! grows while the bot runs: every resolution and every `kb import` is published to the store,
//! and each replica folds what it has not seen yet before it advises, so no restart is needed to
//! learn.

mod analyzer;
pub mod corpus;
mod index;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

pub use self::corpus::{CorpusError, LineError, parse_jsonl, read_jsonl};
use self::index::SearchIndex;
use crate::core::ports::{Knowledge, KnowledgeCursor, KnowledgeError, SimilarIncident};
use crate::core::record::IncidentRecord;

/// The sample history shipped with Firebreak (`data/incidents.jsonl`), built into the binary.
pub const SAMPLE_CORPUS: &str = include_str!("../data/incidents.jsonl");

/// Resolved incidents, searchable by similarity.
#[derive(Default)]
pub struct KnowledgeBase {
    index: SearchIndex,
    cursor: Mutex<KnowledgeCursor>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase").field("records", &self.len()).finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// An empty knowledge base.
    pub fn new() -> Result<Self, KnowledgeError> {
        Ok(Self::default())
    }

    /// The records of the built-in sample history.
    pub fn sample_records() -> Vec<IncidentRecord> {
        // The embedded corpus is validated by a test; a release cannot ship a broken one.
        parse_jsonl(SAMPLE_CORPUS).expect("the built-in sample corpus is valid")
    }

    /// Adds records (replacing any with the same id) and makes them searchable.
    pub fn add(&self, records: Vec<IncidentRecord>) -> Result<(), KnowledgeError> {
        self.index.add(records);
        Ok(())
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every record, in the order they were first added.
    pub fn records(&self) -> Vec<Arc<IncidentRecord>> {
        self.index.records()
    }

    /// The `k` records most similar to `text` by words alone (BM25), best first; with
    /// `before`, only records created strictly before it.
    pub fn search(
        &self,
        text: &str,
        k: usize,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<SimilarIncident>, KnowledgeError> {
        let query = self.index.query(text);
        Ok(self
            .index
            .search(&query, k, before)
            .into_iter()
            .map(|hit| SimilarIncident {
                similarity: self.index.similarity(&query, &hit),
                score: hit.score,
                record: hit.record,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl Knowledge for KnowledgeBase {
    async fn similar(
        &self,
        text: &str,
        k: usize,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<SimilarIncident>, KnowledgeError> {
        self.search(text, k, before)
    }

    fn learn(&self, records: Vec<IncidentRecord>, published: Option<KnowledgeCursor>) -> Result<(), KnowledgeError> {
        self.add(records)?;
        if let Some(cursor) = published {
            *self.cursor.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = cursor;
        }
        Ok(())
    }

    fn published_cursor(&self) -> KnowledgeCursor {
        self.cursor.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RecordSource;

    fn sample() -> KnowledgeBase {
        let knowledge = KnowledgeBase::new().unwrap();
        knowledge.add(KnowledgeBase::sample_records()).unwrap();
        knowledge
    }

    #[test]
    fn the_sample_corpus_is_large_and_varied() {
        let records = KnowledgeBase::sample_records();
        let services: std::collections::HashSet<_> = records.iter().map(|r| r.service.as_str()).collect();
        let categories: std::collections::HashSet<_> = records.iter().map(|r| r.category.as_str()).collect();
        assert!(records.len() >= 200, "{}", records.len());
        assert!(services.len() >= 25 && categories.len() >= 12);
        assert!(records.iter().any(|r| r.source == RecordSource::Machine));
        assert!(records.iter().any(|r| r.source == RecordSource::Customer));
    }

    #[test]
    fn stemming_matches_other_forms_of_a_word() {
        let knowledge = sample();
        let matches = knowledge.search("certificates expiring on the payment processor link", 3, None).unwrap();
        assert!(matches.iter().any(|m| m.record.category == "certificate-expiry"), "{matches:#?}");
    }

    #[test]
    fn similarity_is_high_for_a_near_copy_and_zero_for_unrelated_words() {
        let knowledge = sample();
        let copy = knowledge.search("Checkout 502s right after the 14:10 checkout-svc deploy", 1, None).unwrap();
        let unrelated = knowledge.search("quarterly offsite catering budget spreadsheet", 3, None).unwrap();
        assert_eq!(copy[0].record.id, "INC-1001");
        assert!(copy[0].similarity > 0.9, "{}", copy[0].similarity);
        assert!(unrelated.iter().all(|m| m.similarity < 0.3), "{unrelated:#?}");
    }

    #[test]
    fn a_time_cut_hides_later_records() {
        let knowledge = sample();
        let cut = "2022-01-01T00:00:00Z".parse().unwrap();
        let matches = knowledge.search("checkout deploy 502", 10, Some(cut)).unwrap();
        assert!(!matches.is_empty());
        assert!(matches.iter().all(|m| m.record.created_at.unwrap() < cut));
    }

    #[test]
    fn adding_a_record_with_an_existing_id_replaces_it() {
        let knowledge = sample();
        let before = knowledge.len();
        let mut changed = knowledge.search("Checkout 502s right after the checkout-svc deploy", 1, None).unwrap()[0]
            .record
            .as_ref()
            .clone();
        changed.title = "Zebra stampede in the data centre".into();
        knowledge.add(vec![changed]).unwrap();
        assert_eq!(knowledge.len(), before);
        assert_eq!(knowledge.search("zebra stampede", 1, None).unwrap()[0].record.id, "INC-1001");
    }
}
