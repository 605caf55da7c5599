//! The knowledge base of resolved incidents ([`crate::core::ports::Knowledge`]): the JSONL
//! corpus it is loaded from and `similar(text, k)` over a full-text index (BM25, in memory),
//! optionally fused with dense candidates from an embedding model. It grows while the bot runs:
//! every resolution and every `kb import` is published to the store, and each replica folds
//! what it has not seen yet before it advises, so no restart is needed to learn.

mod analyzer;
pub mod corpus;
pub mod dense;
mod index;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

pub use self::corpus::{CorpusError, LineError, parse_jsonl, read_jsonl};
use self::dense::{DenseIndex, EmbeddingError};
use self::index::SearchIndex;
use crate::core::ports::{CategoryProfile, Knowledge, KnowledgeCursor, KnowledgeError, SimilarIncident};
use crate::core::record::IncidentRecord;

/// The sample history shipped with Firebreak (`data/incidents.jsonl`), built into the binary.
pub const SAMPLE_CORPUS: &str = include_str!("../data/incidents.jsonl");

/// Candidates each ranking contributes to the fusion.
const FUSION_DEPTH: usize = 50;
/// Reciprocal rank fusion's damping: a record ranked r-th in a ranking scores 1 / (60 + r), the
/// constant of Cormack, Clarke and Büttcher's paper, which keeps one ranking's top from
/// drowning the other's.
const FUSION_DAMPING: f32 = 60.0;

/// Resolved incidents, searchable by similarity.
#[derive(Default)]
pub struct KnowledgeBase {
    index: SearchIndex,
    dense: Option<DenseIndex>,
    cursor: Mutex<KnowledgeCursor>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase").field("records", &self.len()).finish_non_exhaustive()
    }
}

impl KnowledgeBase {
    /// An empty knowledge base searched by words alone (BM25).
    pub fn new() -> Result<Self, KnowledgeError> {
        Ok(Self::default())
    }

    /// An empty knowledge base whose `similar` fuses BM25 with the dense ranking of `dense`.
    pub fn with_dense(dense: DenseIndex) -> Self {
        Self { dense: Some(dense), ..Self::default() }
    }

    /// Embeds the records the dense ranking has not embedded yet (a no-op without one), so
    /// the first search does not pay for it; returns how many there were.
    pub async fn embed_pending(&self) -> Result<usize, EmbeddingError> {
        match &self.dense {
            Some(dense) => dense.embed_pending().await,
            None => Ok(0),
        }
    }

    /// The records of the built-in sample history.
    pub fn sample_records() -> Vec<IncidentRecord> {
        // The embedded corpus is validated by a test; a release cannot ship a broken one.
        parse_jsonl(SAMPLE_CORPUS).expect("the built-in sample corpus is valid")
    }

    /// Adds records (replacing any with the same id) and makes them searchable.
    pub fn add(&self, records: Vec<IncidentRecord>) -> Result<(), KnowledgeError> {
        let records: Vec<Arc<IncidentRecord>> = records.into_iter().map(Arc::new).collect();
        if let Some(dense) = &self.dense {
            dense.add(&records);
        }
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

    /// The lexical and dense rankings fused by reciprocal rank; each match keeps its lexical
    /// similarity, so thresholds mean the same with or without the dense side. When the
    /// embedding model fails, words alone answer (and the failure is logged).
    async fn fused(
        &self,
        dense: &DenseIndex,
        text: &str,
        k: usize,
        before: Option<DateTime<Utc>>,
    ) -> Vec<SimilarIncident> {
        let query = self.index.query(text);
        let depth = k.max(FUSION_DEPTH);
        let lexical = self.index.search(&query, depth, before);
        let semantic = match dense.search(text, depth, before).await {
            Ok(semantic) => semantic,
            Err(failure) => {
                tracing::warn!(%failure, "dense retrieval failed; answering from words alone");
                Vec::new()
            }
        };
        let mut fused: HashMap<&str, (f32, &Arc<IncidentRecord>)> = HashMap::new();
        let lexical_records = lexical.iter().map(|hit| &hit.record);
        let semantic_records = semantic.iter().map(|(record, _)| record);
        for ranking in [lexical_records.collect::<Vec<_>>(), semantic_records.collect::<Vec<_>>()] {
            for (rank, record) in ranking.into_iter().enumerate() {
                fused.entry(&record.id).or_insert((0.0, record)).0 += 1.0 / (FUSION_DAMPING + rank as f32 + 1.0);
            }
        }
        let mut ranked: Vec<(f32, &Arc<IncidentRecord>)> = fused.into_values().collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        ranked
            .into_iter()
            .take(k)
            .map(|(score, record)| SimilarIncident {
                similarity: self.index.similarity_of(&query, &record.id),
                score,
                record: record.clone(),
            })
            .collect()
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
        match &self.dense {
            Some(dense) => Ok(self.fused(dense, text, k, before).await),
            None => self.search(text, k, before),
        }
    }

    fn categories(&self) -> Vec<CategoryProfile> {
        // Kept as records come and go, so this costs the categories and their newest few, not
        // every record.
        let mut profiles = self.index.categories(CategoryProfile::RECENT);
        profiles.sort_by(|a, b| b.incidents.cmp(&a.incidents).then_with(|| a.category.cmp(&b.category)));
        profiles
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
    fn a_category_lists_its_latest_incidents_newest_first_and_forgets_replaced_ones() {
        let record = |id: &str, day: u32, category: &str| {
            let mut record = KnowledgeBase::sample_records().remove(0);
            record.id = id.into();
            record.category = category.into();
            record.created_at = Some(format!("2024-03-{day:02}T08:00:00Z").parse().unwrap());
            record
        };
        let mut undated = record("U", 1, "dns");
        undated.created_at = None;
        let knowledge = KnowledgeBase::new().unwrap();
        knowledge.add(vec![record("B", 2, "dns"), undated, record("C", 3, "dns"), record("A", 1, "dns")]).unwrap();
        knowledge.add(vec![record("X", 4, "disk"), record("C", 3, "disk")]).unwrap();
        knowledge.add((10..60).map(|day| record(&format!("N{day}"), day % 28 + 1, "network")).collect()).unwrap();

        let profiles = knowledge.categories();

        let latest = |category: &str| -> Vec<String> {
            let profile = profiles.iter().find(|profile| profile.category == category).unwrap();
            profile.recent.iter().map(|record| record.id.clone()).collect()
        };
        assert_eq!(latest("dns"), ["B", "A", "U"], "C moved to disk; the undated come last");
        assert_eq!(latest("disk"), ["X", "C"]);
        assert_eq!(latest("network").len(), CategoryProfile::RECENT);
        let counts: Vec<usize> = profiles.iter().map(|profile| profile.incidents).collect();
        assert_eq!(counts, [50, 3, 2]);
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
    fn category_counts_follow_the_records_as_they_are_added_and_replaced() {
        let knowledge = KnowledgeBase::new().unwrap();
        let mut records = KnowledgeBase::sample_records();
        records.truncate(4);
        for (record, category) in records.iter_mut().zip(["dns", "dns", "dns", "capacity"]) {
            record.category = category.into();
        }
        knowledge.add(records.clone()).unwrap();
        let counts = |knowledge: &KnowledgeBase| -> Vec<(String, usize)> {
            knowledge.categories().into_iter().map(|p| (p.category, p.incidents)).collect()
        };
        assert_eq!(counts(&knowledge), [("dns".into(), 3), ("capacity".into(), 1)]);

        records[0].category = "deployment".into();
        knowledge.add(vec![records[0].clone()]).unwrap();

        assert_eq!(counts(&knowledge), [("dns".into(), 2), ("capacity".into(), 1), ("deployment".into(), 1)]);
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
