//! The full-text side of the knowledge base: an inverted index in memory, scored with BM25 per
//! field (title, service, summary, root cause, each with a boost) and summed, as Lucene and
//! tantivy do. Adding a record is a few hash-map updates with no commit step, so an evaluation
//! can grow the index one incident at a time and its word statistics never include incidents
//! it has not reached yet. Replaced records are tombstoned and their statistics withdrawn at
//! once; their postings are dropped when tombstones outnumber live records.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use super::analyzer::{has_digit, terms, tokens};
use crate::core::ports::CategoryProfile;
use crate::core::record::IncidentRecord;

/// Reads one field of a record.
type ReadField = fn(&IncidentRecord) -> &str;

/// Searched fields, their boosts, and how each is read from a record.
const FIELDS: [(f32, ReadField); 4] = [
    (3.0, |record| &record.title),
    (2.0, |record| &record.service),
    (1.0, |record| &record.summary),
    (1.0, |record| &record.root_cause),
];
const FIELD_COUNT: usize = FIELDS.len();
/// Informative words a record must share with a query to count as similar at all.
const MIN_SHARED_TERMS: usize = 2;
/// BM25's term-frequency saturation and length normalisation, at their usual values.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// How often a term occurs in each field of one record.
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    frequencies: [u16; FIELD_COUNT],
}

/// One indexed record, live or replaced.
#[derive(Debug)]
struct Doc {
    /// `None` once replaced by a newer record with the same id.
    record: Option<Arc<IncidentRecord>>,
    /// Distinct term ids of everything the record says, sorted: what similarity checks.
    terms: Box<[u32]>,
    /// For each term of `terms`, the fields it occurs in (bit per field).
    fields: Box<[u8]>,
}

/// A scored match: the record and its BM25 score.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// The matching record.
    pub record: Arc<IncidentRecord>,
    /// BM25 score, higher is better.
    pub score: f32,
    /// Its position in the index, for [`SearchIndex::similarity`].
    doc: u32,
}

#[derive(Debug, Default)]
struct State {
    vocabulary: HashMap<String, u32>,
    postings: Vec<Vec<Posting>>,
    /// Per term: live records using it, per field and anywhere.
    field_frequency: Vec<[u32; FIELD_COUNT]>,
    any_frequency: Vec<u32>,
    docs: Vec<Doc>,
    /// Per doc, kept apart from `docs` so scoring reads compact arrays.
    lengths: Vec<[u32; FIELD_COUNT]>,
    created: Vec<Option<i64>>,
    live: Vec<bool>,
    by_id: HashMap<String, u32>,
    /// Live records per root-cause category, by creation time (undated first) and id.
    categories: HashMap<String, BTreeMap<(i64, String), Arc<IncidentRecord>>>,
    total_length: [u64; FIELD_COUNT],
    live_count: usize,
}

/// The inverted index; cheap to search from many threads while one adds.
#[derive(Debug, Default)]
pub(super) struct SearchIndex {
    state: RwLock<State>,
}

/// A query analysed once: its term ids (unknown words have none) and their weights.
#[derive(Debug, Clone)]
pub(super) struct Query {
    /// Known terms, each once.
    known: Vec<u32>,
    /// Every term's similarity weight (digit-free terms only), unknown words included, with
    /// the known ones' ids.
    weights: Vec<(Option<u32>, f32)>,
    total_weight: f32,
}

impl SearchIndex {
    /// Adds records, replacing any live record with the same id.
    pub(super) fn add(&self, records: Vec<Arc<IncidentRecord>>) {
        let mut state = self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for record in records {
            state.add(record);
        }
        state.compact_if_worthwhile();
    }

    /// Live records.
    pub(super) fn len(&self) -> usize {
        self.read().live_count
    }

    /// Every live record, oldest added first.
    pub(super) fn records(&self) -> Vec<Arc<IncidentRecord>> {
        self.read().docs.iter().filter_map(|doc| doc.record.clone()).collect()
    }

    /// Live records per root-cause category, with the newest `recent` of each, in no
    /// particular order.
    pub(super) fn categories(&self, recent: usize) -> Vec<CategoryProfile> {
        let state = self.read();
        let profile = |(category, members): (&String, &BTreeMap<(i64, String), Arc<IncidentRecord>>)| CategoryProfile {
            category: category.clone(),
            incidents: members.len(),
            recent: members.values().rev().take(recent).cloned().collect(),
        };
        state.categories.iter().map(profile).collect()
    }

    /// Analyses `text` as a query against the current statistics.
    pub(super) fn query(&self, text: &str) -> Query {
        let state = self.read();
        let mut known = Vec::new();
        let mut weights = Vec::new();
        for term in terms(text) {
            let id = state.vocabulary.get(&term).copied();
            if let Some(id) = id {
                known.push(id);
            }
            if !has_digit(&term) {
                let frequency = id.map_or(0, |id| state.any_frequency[id as usize]);
                weights.push((id, idf(state.live_count, frequency)));
            }
        }
        let total_weight = weights.iter().map(|(_, weight)| weight).sum();
        Query { known, weights, total_weight }
    }

    /// The best `limit` live records for `query`, best first (ties: the earlier added first);
    /// with `before`, only records created strictly before it.
    pub(super) fn search(&self, query: &Query, limit: usize, before: Option<DateTime<Utc>>) -> Vec<Hit> {
        let state = self.read();
        if limit == 0 || state.live_count == 0 {
            return Vec::new();
        }
        let before = before.map(|at| at.timestamp());
        let visible = |doc: usize| {
            state.live[doc] && before.is_none_or(|before| state.created[doc].is_some_and(|created| created < before))
        };
        let documents = state.live_count as f32;
        let mut scores = vec![0.0f32; state.docs.len()];
        let mut touched: Vec<u32> = Vec::new();
        for &term in &query.known {
            let frequencies = state.field_frequency[term as usize];
            let mut weights = [0.0f32; FIELD_COUNT];
            let mut average = [0.0f32; FIELD_COUNT];
            for field in 0..FIELD_COUNT {
                weights[field] = FIELDS[field].0 * idf(state.live_count, frequencies[field]) * (K1 + 1.0);
                average[field] = (state.total_length[field] as f32 / documents).max(1.0);
            }
            for posting in &state.postings[term as usize] {
                let doc = posting.doc as usize;
                if !visible(doc) {
                    continue;
                }
                let mut score = 0.0;
                for field in 0..FIELD_COUNT {
                    let frequency = f32::from(posting.frequencies[field]);
                    if frequency > 0.0 {
                        let length = state.lengths[doc][field] as f32 / average[field];
                        score += weights[field] * frequency / (frequency + K1 * (1.0 - B + B * length));
                    }
                }
                if scores[doc] == 0.0 {
                    touched.push(posting.doc);
                }
                scores[doc] += score;
            }
        }
        let better = |a: &u32, b: &u32| scores[*b as usize].total_cmp(&scores[*a as usize]).then(a.cmp(b));
        if touched.len() > limit {
            touched.select_nth_unstable_by(limit - 1, better);
            touched.truncate(limit);
        }
        touched.sort_unstable_by(better);
        touched
            .into_iter()
            .filter_map(|doc| {
                let record = state.docs[doc as usize].record.clone()?;
                Some(Hit { record, score: scores[doc as usize], doc })
            })
            .collect()
    }

    /// Share (0–1) of the query's informative words, weighted by rarity, that the hit's record
    /// also uses anywhere. Words the history has never seen count against it, so an incident
    /// unlike anything known stays dissimilar to everything; terms with digits are left out, and
    /// a record sharing a single word with a longer query is not similar at all.
    pub(super) fn similarity(&self, query: &Query, hit: &Hit) -> f32 {
        let state = self.read();
        similarity(&state, query, hit.doc)
    }

    /// [`SearchIndex::similarity`] of the live record with this id (0 when there is none).
    pub(super) fn similarity_of(&self, query: &Query, id: &str) -> f32 {
        let state = self.read();
        state.by_id.get(id).map_or(0.0, |&doc| similarity(&state, query, doc))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn similarity(state: &State, query: &Query, doc: u32) -> f32 {
    if query.total_weight <= 0.0 {
        return 0.0;
    }
    let terms = &state.docs[doc as usize].terms;
    let shared: Vec<f32> = query
        .weights
        .iter()
        .filter(|(id, _)| id.is_some_and(|id| terms.binary_search(&id).is_ok()))
        .map(|(_, weight)| *weight)
        .collect();
    // One word in common is a coincidence ("machine" in an espresso machine and a machine check
    // exception), not a related incident; a query of one word needs only that word.
    if shared.len() < MIN_SHARED_TERMS.min(query.weights.len()) {
        return 0.0;
    }
    shared.iter().sum::<f32>() / query.total_weight
}

/// BM25's inverse document frequency: a term no record uses gets the highest weight.
fn idf(documents: usize, frequency: u32) -> f32 {
    let (documents, frequency) = (documents as f32, frequency as f32);
    (1.0 + (documents - frequency + 0.5) / (frequency + 0.5)).ln()
}

impl State {
    fn add(&mut self, record: Arc<IncidentRecord>) {
        if let Some(old) = self.by_id.get(&record.id).copied() {
            self.withdraw(old);
        }
        let doc = u32::try_from(self.docs.len()).expect("fewer than 4 billion records are indexed");
        let mut per_term: HashMap<u32, [u16; FIELD_COUNT]> = HashMap::new();
        let mut lengths = [0u32; FIELD_COUNT];
        for (field, (_, read)) in FIELDS.iter().enumerate() {
            let field_tokens = tokens(read(&record));
            lengths[field] = u32::try_from(field_tokens.len()).unwrap_or(u32::MAX);
            self.total_length[field] += u64::from(lengths[field]);
            for token in field_tokens {
                let term = self.term_id(token);
                let counts = per_term.entry(term).or_default();
                counts[field] = counts[field].saturating_add(1);
            }
        }
        let mut entries: Vec<(u32, [u16; FIELD_COUNT])> = per_term.into_iter().collect();
        entries.sort_unstable_by_key(|(term, _)| *term);
        let mut fields = Vec::with_capacity(entries.len());
        for (term, frequencies) in &entries {
            let mask = mask_of(frequencies);
            self.count(*term, mask, 1);
            fields.push(mask);
            self.postings[*term as usize].push(Posting { doc, frequencies: *frequencies });
        }
        self.by_id.insert(record.id.clone(), doc);
        self.categories.entry(record.category.clone()).or_default().insert(member_key(&record), record.clone());
        self.docs.push(Doc {
            record: Some(record.clone()),
            terms: entries.iter().map(|(term, _)| *term).collect(),
            fields: fields.into(),
        });
        self.lengths.push(lengths);
        self.created.push(record.created_at.map(|at| at.timestamp()));
        self.live.push(true);
        self.live_count += 1;
    }

    /// Takes a replaced record out of every statistic; its postings stay until compaction.
    fn withdraw(&mut self, doc: u32) {
        let index = doc as usize;
        let terms = std::mem::take(&mut self.docs[index].terms);
        let fields = std::mem::take(&mut self.docs[index].fields);
        for (term, mask) in terms.iter().zip(fields.iter()) {
            self.count(*term, *mask, -1);
        }
        for (field, length) in self.lengths[index].iter().enumerate() {
            self.total_length[field] -= u64::from(*length);
        }
        if let Some(record) = self.docs[index].record.take()
            && let Some(members) = self.categories.get_mut(&record.category)
        {
            members.remove(&member_key(&record));
            if members.is_empty() {
                self.categories.remove(&record.category);
            }
        }
        self.live[index] = false;
        self.live_count -= 1;
    }

    fn count(&mut self, term: u32, mask: u8, change: i32) {
        let term = term as usize;
        for field in 0..FIELD_COUNT {
            if mask & (1 << field) != 0 {
                self.field_frequency[term][field] = self.field_frequency[term][field].saturating_add_signed(change);
            }
        }
        self.any_frequency[term] = self.any_frequency[term].saturating_add_signed(change);
    }

    fn term_id(&mut self, term: String) -> u32 {
        if let Some(id) = self.vocabulary.get(&term) {
            return *id;
        }
        let id = u32::try_from(self.postings.len()).expect("fewer than 4 billion distinct terms");
        self.vocabulary.insert(term, id);
        self.postings.push(Vec::new());
        self.field_frequency.push([0; FIELD_COUNT]);
        self.any_frequency.push(0);
        id
    }

    /// Drops the postings of replaced records once they outnumber the live ones, so a history
    /// that is re-imported again and again does not grow the index without bound.
    fn compact_if_worthwhile(&mut self) {
        let dead = self.docs.len() - self.live_count;
        if dead > self.live_count.max(1_000) {
            let live = &self.live;
            for postings in &mut self.postings {
                postings.retain(|posting| live[posting.doc as usize]);
            }
        }
    }
}

/// Where a record sits among its category's members: by creation time, undated ones first.
fn member_key(record: &IncidentRecord) -> (i64, String) {
    (record.created_at.map_or(i64::MIN, |at| at.timestamp()), record.id.clone())
}

fn mask_of(frequencies: &[u16; FIELD_COUNT]) -> u8 {
    frequencies.iter().enumerate().filter(|(_, count)| **count > 0).fold(0, |mask, (field, _)| mask | (1 << field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, title: &str, root_cause: &str) -> Arc<IncidentRecord> {
        Arc::new(IncidentRecord {
            id: id.into(),
            title: title.into(),
            summary: String::new(),
            source: crate::core::record::RecordSource::Machine,
            service: "checkout".into(),
            category: "deployment".into(),
            severity: None,
            created_at: None,
            resolved_at: None,
            root_cause: root_cause.into(),
            mitigation: String::new(),
            url: None,
            tags: Vec::new(),
            dataset: None,
        })
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.record.id.as_str()).collect()
    }

    #[test]
    fn a_title_match_outranks_a_match_in_the_root_cause() {
        let index = SearchIndex::default();
        index.add(vec![record("A", "disk full on the broker", "x"), record("B", "slow pages", "the broker disk")]);

        let hits = index.search(&index.query("broker disk"), 5, None);

        assert_eq!(ids(&hits), ["A", "B"]);
        assert!(hits[0].score > hits[1].score);
    }

    #[test]
    fn a_replaced_record_is_found_only_by_its_new_words_and_counted_once() {
        let index = SearchIndex::default();
        index.add(vec![record("A", "disk full", "x"), record("B", "dns outage", "y")]);

        index.add(vec![record("A", "zebra stampede", "x")]);

        assert_eq!(index.len(), 2);
        assert!(index.search(&index.query("disk"), 5, None).is_empty());
        assert_eq!(ids(&index.search(&index.query("zebra"), 5, None)), ["A"]);
    }

    #[test]
    fn one_word_in_common_is_not_similarity_unless_the_query_has_one_word() {
        let index = SearchIndex::default();
        index.add(vec![record("A", "machine check exceptions on a node", "x")]);
        let similarity = |text: &str| {
            let query = index.query(text);
            let hits = index.search(&query, 1, None);
            index.similarity(&query, &hits[0])
        };

        assert_eq!(similarity("office espresso machine leaking"), 0.0);
        assert!(similarity("machine") > 0.99);
        assert!(similarity("machine check failing") > 0.0);
    }

    #[test]
    fn similarity_ignores_numbers_and_counts_unknown_words_against_the_match() {
        let index = SearchIndex::default();
        index.add(vec![record("A", "checkout 502s after deploy 7.42.0", "x"), record("B", "dns outage", "y")]);
        let hit = |text: &str| {
            let query = index.query(text);
            let hits = index.search(&query, 1, None);
            index.similarity(&query, &hits[0])
        };

        let same_words_other_numbers = hit("checkout after deploy 8.1.3 at 14:10");
        let with_an_unknown_word = hit("checkout after deploy zanzibar");

        assert!((same_words_other_numbers - 1.0).abs() < 1e-6, "{same_words_other_numbers}");
        assert!(with_an_unknown_word < 0.9, "{with_an_unknown_word}");
    }
}
