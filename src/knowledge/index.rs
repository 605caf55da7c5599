//! The full-text side of the knowledge base: a tantivy index in memory, BM25 over title,
//! summary, service and root cause with field boosts, English stemming and stop words.

use std::collections::HashSet;
use std::ops::Bound;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::core::record::IncidentRecord;

/// Name under which the analyzer is registered.
const ANALYZER: &str = "firebreak_en";
/// Indexing memory budget of the single writer thread.
const WRITER_HEAP_BYTES: usize = 50_000_000;

/// A search field and how much a match in it counts.
const BOOSTS: [(&str, f32); 4] = [("title", 3.0), ("service", 2.0), ("summary", 1.0), ("root_cause", 1.0)];

/// Failures of the index itself (not of the query text, which never fails).
#[derive(Debug, thiserror::Error)]
#[error("knowledge index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

pub(super) struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    analyzer: TextAnalyzer,
    id: Field,
    /// Every searchable text in one field: document frequencies for similarity weights.
    all: Field,
    created: Field,
    boosted: Vec<(Field, f32)>,
}

fn analyzer() -> TextAnalyzer {
    let builder =
        TextAnalyzer::builder(SimpleTokenizer::default()).filter(RemoveLongFilter::limit(40)).filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder.filter(stop_words).filter(Stemmer::new(Language::English)).build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

impl SearchIndex {
    pub(super) fn new() -> Result<Self, IndexError> {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(ANALYZER).set_index_option(IndexRecordOption::WithFreqs),
        );
        let id = builder.add_text_field("id", STRING | STORED);
        let boosted_fields: Vec<(Field, f32)> =
            BOOSTS.iter().map(|(name, boost)| (builder.add_text_field(name, text.clone()), *boost)).collect();
        let all = builder.add_text_field("all", text);
        let created = builder.add_i64_field("created", INDEXED);
        let index = Index::create_in_ram(builder.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { reader, writer: Mutex::new(writer), analyzer: analyzer(), id, all, created, boosted: boosted_fields })
    }

    /// Adds records, replacing any with the same id, and makes them searchable.
    pub(super) fn add(&self, records: &[IncidentRecord]) -> Result<(), IndexError> {
        // A panic mid-add leaves the writer usable; uncommitted documents are simply re-added.
        let mut writer = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for record in records {
            writer.delete_term(Term::from_field_text(self.id, &record.id));
            let mut document = TantivyDocument::default();
            document.add_text(self.id, &record.id);
            let texts = [&record.title, &record.service, &record.summary, &record.root_cause];
            for ((field, _), text) in self.boosted.iter().zip(texts) {
                document.add_text(*field, text);
            }
            document.add_text(self.all, searchable_text(record));
            if let Some(created) = record.created_at {
                document.add_i64(self.created, created.timestamp());
            }
            writer.add_document(document)?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The analysed terms of `text`: lower-cased, stemmed, without stop words, deduplicated.
    pub(super) fn terms(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(text);
        let mut seen = HashSet::new();
        let mut terms = Vec::new();
        while stream.advance() {
            let term = stream.token().text.clone();
            if seen.insert(term.clone()) {
                terms.push(term);
            }
        }
        terms
    }

    /// Inverse document frequency of an analysed term over all records, BM25's formula: a term
    /// no record uses gets the highest weight, so words the history has never seen count
    /// against similarity instead of being ignored.
    pub(super) fn idf(&self, term: &str) -> f32 {
        let searcher = self.reader.searcher();
        let total = searcher.num_docs() as f32;
        let frequency = searcher.doc_freq(&Term::from_field_text(self.all, term)).unwrap_or(0) as f32;
        (1.0 + (total - frequency + 0.5) / (frequency + 0.5)).ln()
    }

    /// Ids and BM25 scores of the best `limit` records for `terms`, optionally only those
    /// created strictly before `before`.
    pub(super) fn search(
        &self,
        terms: &[String],
        limit: usize,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in &self.boosted {
            for term in terms {
                let query = TermQuery::new(Term::from_field_text(*field, term), IndexRecordOption::WithFreqs);
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), *boost))));
            }
        }
        let matching: Box<dyn Query> = Box::new(BooleanQuery::new(should));
        let query: Box<dyn Query> = match before {
            Some(before) => {
                let range = RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Excluded(Term::from_field_i64(self.created, before.timestamp())),
                );
                Box::new(BooleanQuery::new(vec![(Occur::Must, matching), (Occur::Must, Box::new(range))]))
            }
            None => matching,
        };
        let searcher = self.reader.searcher();
        let hits = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut results = Vec::with_capacity(hits.len());
        for (score, address) in hits {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = document.get_first(self.id).and_then(|value| value.as_str()) {
                results.push((id.to_owned(), score));
            }
        }
        Ok(results)
    }
}

/// Everything a record says that retrieval may match on.
pub(super) fn searchable_text(record: &IncidentRecord) -> String {
    format!("{} {} {} {}", record.title, record.service, record.summary, record.root_cause)
}
