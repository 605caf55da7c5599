//! Dense candidates for the knowledge base: each record and each query as an embedding vector
//! from a model (the provider configured as `[llm] embedding_model`), records ranked by cosine
//! similarity. Vectors are computed once per record text and model and kept in memory, and in
//! a JSONL cache file when one is configured, so a restart or a repeated evaluation embeds
//! nothing twice. Lexical and dense rankings are fused by reciprocal rank (see
//! [`super::KnowledgeBase`]).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::record::IncidentRecord;

/// Texts embedded in one call: the provider batches further if it needs to.
const BATCH: usize = 256;

/// Turns texts into vectors, one per text, in order.
#[async_trait]
pub trait TextEmbedder: Send + Sync {
    /// The model's name: vectors of different models are never mixed.
    fn model(&self) -> &str;

    /// One vector per text.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError>;
}

/// Why vectors could not be had.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    /// The model or its provider failed.
    #[error("embedding model unavailable: {0}")]
    Unavailable(String),
    /// The model answered with a different number of vectors than texts.
    #[error("the embedding model returned {returned} vectors for {asked} texts")]
    Miscounted {
        /// Texts sent.
        asked: usize,
        /// Vectors back.
        returned: usize,
    },
}

/// Why the cache file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// It could not be read or written.
    #[error("embedding cache {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not a cached vector.
    #[error("embedding cache {path}, line {line}: {problem} (delete the file to rebuild it)")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// A vector, shared between the cache and the records embedded with it.
type Vector = Arc<[f32]>;
/// What a vector is cached under: the model and the hash of the text.
type CacheKey = (String, u64);

/// One cached vector, as a line of the cache file.
#[derive(Debug, Serialize, Deserialize)]
struct CachedLine {
    model: String,
    /// FNV-1a hash of the embedded text, hex.
    text: String,
    vector: Vec<f32>,
}

/// Unit vectors by model and text, in memory and optionally in a JSONL file that only grows.
#[derive(Debug, Default)]
pub struct EmbeddingCache {
    file: Option<PathBuf>,
    vectors: Mutex<HashMap<CacheKey, Vector>>,
}

impl EmbeddingCache {
    /// A cache in memory only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// A cache kept in `path` (created when missing); every line is checked on load, so a
    /// damaged file stops start-up with the line that is wrong.
    pub fn in_file(path: &Path) -> Result<Self, CacheError> {
        let io = |source| CacheError::Io { path: path.to_owned(), source };
        let mut vectors = HashMap::new();
        match File::open(path) {
            Ok(file) => {
                for (index, line) in BufReader::new(file).lines().enumerate() {
                    let line = line.map_err(io)?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let corrupt =
                        |problem: String| CacheError::Corrupt { path: path.to_owned(), line: index + 1, problem };
                    let cached: CachedLine = serde_json::from_str(&line).map_err(|error| corrupt(error.to_string()))?;
                    let hash = u64::from_str_radix(&cached.text, 16).map_err(|error| corrupt(error.to_string()))?;
                    vectors.insert((cached.model, hash), cached.vector.into());
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(io(error)),
        }
        Ok(Self { file: Some(path.to_owned()), vectors: Mutex::new(vectors) })
    }

    /// Vectors cached.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Unit vectors for `texts` by `embedder`, asking it only for texts not cached yet.
    pub async fn vectors(&self, embedder: &dyn TextEmbedder, texts: &[String]) -> Result<Vec<Vector>, EmbeddingError> {
        let model = embedder.model().to_owned();
        let keys: Vec<CacheKey> = texts.iter().map(|text| (model.clone(), text_hash(text))).collect();
        let missing: Vec<String> = {
            let cached = self.lock();
            let mut seen = std::collections::HashSet::new();
            texts
                .iter()
                .zip(&keys)
                .filter(|(_, key)| !cached.contains_key(*key) && seen.insert(key.1))
                .map(|(text, _)| text.clone())
                .collect()
        };
        for batch in missing.chunks(BATCH) {
            let vectors = embedder.embed(batch).await?;
            if vectors.len() != batch.len() {
                return Err(EmbeddingError::Miscounted { asked: batch.len(), returned: vectors.len() });
            }
            let fresh: Vec<(CacheKey, Vector)> = batch
                .iter()
                .zip(vectors)
                .map(|(text, vector)| ((model.clone(), text_hash(text)), unit(vector).into()))
                .collect();
            self.keep(&fresh);
        }
        let cached = self.lock();
        Ok(keys.iter().map(|key| cached.get(key).cloned().unwrap_or_else(|| Arc::from(Vec::new()))).collect())
    }

    /// Keeps fresh vectors in memory and appends them to the file. A file that cannot be
    /// written costs only the next start's time, so it is logged, not fatal.
    fn keep(&self, fresh: &[(CacheKey, Vector)]) {
        if let Some(path) = &self.file {
            let lines: String = fresh
                .iter()
                .filter_map(|((model, hash), vector)| {
                    let line =
                        CachedLine { model: model.clone(), text: format!("{hash:016x}"), vector: vector.to_vec() };
                    serde_json::to_string(&line).ok()
                })
                .map(|line| line + "\n")
                .collect();
            let written = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(lines.as_bytes()));
            if let Err(failure) = written {
                tracing::warn!(%failure, path = %path.display(), "could not write the embedding cache");
            }
        }
        self.lock().extend(fresh.iter().cloned());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, Vector>> {
        self.vectors.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// FNV-1a, 64 bits: stable across runs and platforms, unlike the standard library's hasher.
fn text_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// Records and their unit vectors, ranked by cosine similarity (a dot product of unit
/// vectors) to a query's vector.
pub struct DenseIndex {
    embedder: Arc<dyn TextEmbedder>,
    cache: EmbeddingCache,
    rows: RwLock<Rows>,
}

/// One row per record id: a replaced record takes over its row and waits to be embedded again.
#[derive(Debug, Default)]
struct Rows {
    records: Vec<Arc<IncidentRecord>>,
    /// `None` until embedded.
    vectors: Vec<Option<Vector>>,
    by_id: HashMap<String, usize>,
    /// Rows whose record has no vector yet.
    pending: Vec<usize>,
}

impl std::fmt::Debug for DenseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseIndex").field("model", &self.embedder.model()).finish_non_exhaustive()
    }
}

impl DenseIndex {
    /// Dense retrieval with `embedder`, its vectors kept in `cache`.
    pub fn new(embedder: Arc<dyn TextEmbedder>, cache: EmbeddingCache) -> Self {
        Self { embedder, cache, rows: RwLock::new(Rows::default()) }
    }

    /// Takes records in (replacing any with the same id); they are embedded before the next
    /// search, or by [`DenseIndex::embed_pending`].
    pub fn add(&self, records: &[Arc<IncidentRecord>]) {
        let mut rows = self.write();
        for record in records {
            let row = match rows.by_id.get(&record.id) {
                Some(&row) => {
                    rows.records[row] = record.clone();
                    rows.vectors[row] = None;
                    row
                }
                None => {
                    let row = rows.records.len();
                    rows.records.push(record.clone());
                    rows.vectors.push(None);
                    rows.by_id.insert(record.id.clone(), row);
                    row
                }
            };
            rows.pending.push(row);
        }
    }

    /// Embeds every record not embedded yet; returns how many there were.
    pub async fn embed_pending(&self) -> Result<usize, EmbeddingError> {
        let pending: Vec<(usize, Arc<IncidentRecord>)> = {
            let rows = self.read();
            let mut seen = std::collections::HashSet::new();
            rows.pending
                .iter()
                .filter(|row| seen.insert(**row) && rows.vectors[**row].is_none())
                .map(|&row| (row, rows.records[row].clone()))
                .collect()
        };
        if pending.is_empty() {
            return Ok(0);
        }
        let texts: Vec<String> = pending.iter().map(|(_, record)| embedded_text(record)).collect();
        let vectors = self.cache.vectors(self.embedder.as_ref(), &texts).await?;
        let mut rows = self.write();
        for ((row, record), vector) in pending.iter().zip(vectors) {
            // Replaced meanwhile? Then the newer record stays pending.
            if Arc::ptr_eq(&rows.records[*row], record) {
                rows.vectors[*row] = Some(vector);
            }
        }
        let Rows { pending: waiting, vectors, .. } = &mut *rows;
        waiting.retain(|row| vectors[*row].is_none());
        Ok(pending.len())
    }

    /// The `limit` records closest to `text` by cosine, best first, with their cosines; with
    /// `before`, only records created strictly before it.
    pub async fn search(
        &self,
        text: &str,
        limit: usize,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<(Arc<IncidentRecord>, f32)>, EmbeddingError> {
        self.embed_pending().await?;
        let query = self.cache.vectors(self.embedder.as_ref(), &[text.to_owned()]).await?.remove(0);
        let rows = self.read();
        let visible =
            |row: usize| before.is_none_or(|before| rows.records[row].created_at.is_some_and(|at| at < before));
        let mut ranked: Vec<(usize, f32)> = rows
            .vectors
            .iter()
            .enumerate()
            .filter_map(|(row, vector)| Some((row, dot(&query, vector.as_deref()?))))
            .filter(|(row, _)| visible(*row))
            .collect();
        let better = |a: &(usize, f32), b: &(usize, f32)| {
            b.1.total_cmp(&a.1).then_with(|| rows.records[a.0].id.cmp(&rows.records[b.0].id))
        };
        if limit > 0 && ranked.len() > limit {
            ranked.select_nth_unstable_by(limit - 1, better);
        }
        ranked.truncate(limit);
        ranked.sort_by(better);
        Ok(ranked.into_iter().map(|(row, cosine)| (rows.records[row].clone(), cosine)).collect())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rows> {
        self.rows.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rows> {
        self.rows.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What a record is embedded from: everything retrieval may match on.
fn embedded_text(record: &IncidentRecord) -> String {
    format!("{} {} {} {}", record.title, record.service, record.summary, record.root_cause)
}

/// `vector` scaled to length 1 (the zero vector stays zero), so cosines are dot products.
fn unit(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}

/// Dot product in eight independent lanes, which the compiler turns into vector instructions;
/// 0 when the lengths differ (vectors of another model).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Letter counts: enough to tell texts apart, and counts how many texts it was asked for.
    #[derive(Default)]
    struct Letters {
        asked: AtomicUsize,
    }

    #[async_trait]
    impl TextEmbedder for Letters {
        fn model(&self) -> &str {
            "letters"
        }

        async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
            self.asked.fetch_add(texts.len(), Ordering::SeqCst);
            Ok(texts
                .iter()
                .map(|text| {
                    let mut counts = vec![0.0; 26];
                    for byte in text.to_ascii_lowercase().bytes().filter(u8::is_ascii_lowercase) {
                        counts[usize::from(byte - b'a')] += 1.0;
                    }
                    counts
                })
                .collect())
        }
    }

    #[tokio::test]
    async fn each_text_is_embedded_once_and_a_cache_file_serves_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.jsonl");
        let letters = Letters::default();
        let texts = vec!["disk full".to_owned(), "dns down".to_owned(), "disk full".to_owned()];

        let first = EmbeddingCache::in_file(&path).unwrap();
        let vectors = first.vectors(&letters, &texts).await.unwrap();
        first.vectors(&letters, &texts).await.unwrap();
        let reopened = EmbeddingCache::in_file(&path).unwrap();
        let again = reopened.vectors(&letters, &texts).await.unwrap();

        assert_eq!(letters.asked.load(Ordering::SeqCst), 2, "two distinct texts, each asked for once");
        assert_eq!(reopened.len(), 2);
        assert_eq!(vectors, again);
    }

    #[test]
    fn a_damaged_cache_file_is_refused_with_its_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.jsonl");
        std::fs::write(&path, "{\"model\":\"m\",\"text\":\"00ff\",\"vector\":[1.0]}\nnot json\n").unwrap();

        let error = EmbeddingCache::in_file(&path).unwrap_err().to_string();

        assert!(error.contains(&path.display().to_string()) && error.contains("line 2"), "{error}");
    }

    #[tokio::test]
    async fn records_are_ranked_by_cosine_and_later_ones_stay_hidden() {
        let index = DenseIndex::new(Arc::new(Letters::default()), EmbeddingCache::in_memory());
        let mut early = record("A", "zzzz zzzz");
        early.created_at = Some("2024-01-01T00:00:00Z".parse().unwrap());
        let mut late = record("B", "zzzz zzzy");
        late.created_at = Some("2024-03-01T00:00:00Z".parse().unwrap());
        index.add(&[Arc::new(early), Arc::new(late)]);

        let all = index.search("zzzz", 5, None).await.unwrap();
        let before_b = index.search("zzzz", 5, Some("2024-02-01T00:00:00Z".parse().unwrap())).await.unwrap();

        assert_eq!(all.iter().map(|(record, _)| record.id.as_str()).collect::<Vec<_>>(), ["A", "B"]);
        assert_eq!(before_b.iter().map(|(record, _)| record.id.as_str()).collect::<Vec<_>>(), ["A"]);
    }

    fn record(id: &str, title: &str) -> IncidentRecord {
        let mut record = crate::knowledge::KnowledgeBase::sample_records().remove(0);
        record.id = id.into();
        record.title = title.into();
        (record.summary, record.root_cause, record.service) = (String::new(), String::new(), String::new());
        record
    }
}
