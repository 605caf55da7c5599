//! Knowledge base at scale: index build time, `similar()` latency and resident memory, on a
//! SYNTHETIC scale corpus this benchmark makes itself (10k and 100k records whose words are
//! drawn from the sample history's own vocabulary, so term statistics stay realistic; the
//! records mean nothing). Queries are the sample history's titles and summaries.
//!
//! BM25 alone, then hybrid: the same records with 384-dimension vectors (all-MiniLM-L6-v2's
//! size) from an in-process stand-in that hashes words into dimensions, so what is timed is the
//! knowledge base's own work (lexical search, cosine over every record, fusion), not a model's:
//! a real model adds its time to embed the query (13–50 ms through the local MiniLM server on
//! these machines).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::Criterion;
use firebreak::core::ports::Knowledge;
use firebreak::core::record::{IncidentRecord, RecordSource};
use firebreak::knowledge::KnowledgeBase;
use firebreak::knowledge::dense::{DenseIndex, EmbeddingCache, EmbeddingError, TextEmbedder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SCALES: [usize; 2] = [10_000, 100_000];
/// all-MiniLM-L6-v2's vector size.
const DIMENSIONS: usize = 384;
/// Queries timed one by one for the percentile report.
const TIMED_QUERIES: usize = 2_000;
const K: usize = 5;

/// Every word of the sample history, with repeats, so drawing uniformly keeps word frequencies.
fn vocabulary() -> Vec<String> {
    KnowledgeBase::sample_records()
        .iter()
        .flat_map(|r| {
            format!("{} {} {} {}", r.title, r.summary, r.root_cause, r.mitigation)
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn synthetic_corpus(size: usize) -> Vec<IncidentRecord> {
    let words = vocabulary();
    let services: Vec<String> = KnowledgeBase::sample_records().into_iter().map(|r| r.service).collect();
    let categories: Vec<String> = KnowledgeBase::sample_records().into_iter().map(|r| r.category).collect();
    let mut rng = StdRng::seed_from_u64(42);
    let mut text = |count: usize| {
        (0..count).map(|_| words[rng.random_range(0..words.len())].as_str()).collect::<Vec<_>>().join(" ")
    };
    (0..size)
        .map(|index| IncidentRecord {
            id: format!("SYN-{index}"),
            title: text(8),
            summary: text(30),
            source: RecordSource::Machine,
            service: services[index % services.len()].clone(),
            category: categories[index % categories.len()].clone(),
            severity: None,
            created_at: None,
            resolved_at: None,
            root_cause: text(30),
            mitigation: text(20),
            url: None,
            tags: Vec::new(),
            dataset: None,
        })
        .collect()
}

fn queries() -> Vec<String> {
    KnowledgeBase::sample_records().into_iter().map(|r| format!("{} {} {}", r.title, r.summary, r.service)).collect()
}

/// Words hashed into dimensions: vectors of a real model's size, made in microseconds.
struct HashedWords;

#[async_trait]
impl TextEmbedder for HashedWords {
    fn model(&self) -> &str {
        "hashed-words"
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        Ok(texts
            .iter()
            .map(|text| {
                let mut vector = vec![0.0; DIMENSIONS];
                for word in text.split_whitespace() {
                    let hash =
                        word.bytes().fold(0usize, |hash, byte| hash.wrapping_mul(31).wrapping_add(usize::from(byte)));
                    vector[hash % DIMENSIONS] += 1.0;
                }
                vector
            })
            .collect())
    }
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    sorted[((sorted.len() as f64 * quantile) as usize).min(sorted.len() - 1)]
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let timed = std::env::args().any(|arg| arg == "--bench");
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let queries = queries();
    let mut report = Vec::new();
    for size in SCALES {
        for hybrid in [false, true] {
            let corpus = synthetic_corpus(size);
            let before = resident_kib();
            let started = Instant::now();
            let knowledge = if hybrid {
                KnowledgeBase::with_dense(DenseIndex::new(Arc::new(HashedWords), EmbeddingCache::in_memory()))
            } else {
                KnowledgeBase::new().expect("empty knowledge base")
            };
            knowledge.add(corpus).expect("index the synthetic corpus");
            runtime.block_on(knowledge.embed_pending()).expect("embed the synthetic corpus");
            let build = started.elapsed();
            let grown = resident_kib().saturating_sub(before);
            let retrieval = if hybrid { "hybrid" } else { "bm25" };

            let mut next = 0;
            criterion.bench_function(&format!("similar_k{K}/{retrieval}/synthetic_{size}"), |bench| {
                bench.iter(|| {
                    next = (next + 1) % queries.len();
                    runtime.block_on(knowledge.similar(&queries[next], K, None)).expect("search")
                })
            });
            if timed {
                let mut samples: Vec<Duration> = (0..TIMED_QUERIES)
                    .map(|index| {
                        let started = Instant::now();
                        runtime.block_on(knowledge.similar(&queries[index % queries.len()], K, None)).expect("search");
                        started.elapsed()
                    })
                    .collect();
                samples.sort_unstable();
                report.push(format!(
                    "{retrieval} synthetic {size}: build {build:.2?}, similar() p50 {:?} p99 {:?}, resident memory +{} MiB \
                     (process {} MiB)",
                    percentile(&samples, 0.5),
                    percentile(&samples, 0.99),
                    grown / 1024,
                    resident_kib() / 1024
                ));
            }
        }
    }
    criterion.final_summary();
    for line in report {
        println!("{line}");
    }
}
