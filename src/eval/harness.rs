//! Replays a history through an advisor and the baselines, without leakage (see
//! [`Protocol`]), and scores what each recommended against the root cause and mitigation the
//! incident really had.

use chrono::{DateTime, Utc};
use serde::Serialize;
use thiserror::Error;

use std::collections::HashMap;

use super::baselines::{BM25_TOP1, FREQUENT_CATEGORY, FrequentCategory, RANDOM_PAST, RandomPast, retrieval};
use super::candidates::Candidates;
use super::metrics::{TextScores, score};
use super::oracle::{ORACLE_EARLIER, ORACLE_RETRIEVED, Oracle};
use super::protocol::{Case, Protocol};
use crate::advisor::llm::embeddings::Embedder;
use crate::core::incident::{Declaration, Incident, IncidentId, Severity, Source};
use crate::core::ports::{Advisor, AdvisorError, Context, Knowledge, NoInvestigation, NoMemory, query_text};
use crate::core::ports::{ConfidenceLevel, KnowledgeError, Recommendation};
use crate::core::record::{IncidentRecord, RecordSource};
use crate::knowledge::KnowledgeBase;

/// Appended to the advisor's name for its row without low-confidence answers.
pub const WITHOUT_LOW: &str = ", medium+ only";

/// How a run is set up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EvalOptions {
    /// Candidates considered by best-of-k and category match @k.
    pub k: usize,
    /// Similar incidents the advisor is given (the bot's `[knowledge] k`).
    pub similar: usize,
    /// What each incident may see.
    pub protocol: Protocol,
    /// Test only the most recent this many incidents.
    pub limit: Option<usize>,
    /// Seed of the random baseline.
    pub seed: u64,
}

/// Text similarity of a recommendation to the truth, each 0–1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    /// BLEU-4 (sacrebleu's sentence BLEU).
    pub bleu4: f64,
    /// ROUGE-L F1.
    pub rouge_l: f64,
    /// METEOR (exact and stem matches).
    pub meteor: f64,
    /// Cosine similarity of embeddings, when an embeddings endpoint is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic: Option<f64>,
}

impl From<TextScores> for Scores {
    fn from(text: TextScores) -> Self {
        Self { bleu4: text.bleu4, rouge_l: text.rouge_l, meteor: text.meteor, semantic: None }
    }
}

/// Scores of the first candidate and, metric by metric, of the best of the top k.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TargetScores {
    /// The first candidate.
    pub top1: Scores,
    /// The best of the first k, per metric.
    pub best_of_k: Scores,
}

/// How one system did on one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemOutcome {
    /// `offline`, `llm`, or a baseline's name.
    pub system: String,
    /// It recommended nothing (its scores are then 0).
    pub abstained: bool,
    /// Against the real root cause.
    pub root_cause: TargetScores,
    /// Against the real mitigation; `None` when the history does not record one.
    pub mitigation: Option<TargetScores>,
    /// Category match of its top candidate.
    pub category_at_1: f64,
    /// Category match within its top k.
    pub category_at_k: f64,
    /// How sure it said it was of its first hypothesis (0–1), if it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// The word it showed for that confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<ConfidenceLevel>,
}

/// One tested incident and how every system did on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The incident's id.
    pub id: String,
    /// Who reported it.
    pub source: RecordSource,
    /// Its root-cause category.
    pub category: String,
    /// The history it came from, when records say.
    pub dataset: Option<String>,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// Days between the newest incident the advisor could see and this one.
    pub staleness_days: f64,
    /// The advisor first, then the advisor without its low-confidence answers, the baselines
    /// and the oracles.
    pub systems: Vec<SystemOutcome>,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The advisor evaluated.
    pub advisor: String,
    /// How the run was set up.
    pub options: EvalOptions,
    /// Records in the history.
    pub records: usize,
    /// Records left out for lack of a creation time.
    pub undated: usize,
    /// Records not tested because nothing was visible to them.
    pub without_history: usize,
    /// Turns where the advisor failed (counted as abstentions).
    pub advisor_errors: usize,
    /// Whether semantic similarity was scored.
    pub semantic: bool,
    /// Per incident, oldest first.
    pub outcomes: Vec<Outcome>,
}

/// Why a run stopped.
#[derive(Debug, Error)]
pub enum EvalError {
    /// The knowledge base could not be built or searched.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// The knowledge base given already held records, which could leak into the replay.
    #[error("the evaluation needs an empty knowledge base; this one holds {records} records")]
    KnowledgeNotEmpty {
        /// Records it held.
        records: usize,
    },
    /// The history holds no incident with an earlier one to learn from.
    #[error(
        "nothing to evaluate: {records} records, {undated} without created_at, {without_history} with no earlier \
         incident visible"
    )]
    NothingToEvaluate {
        /// Records read.
        records: usize,
        /// Without a creation time.
        undated: usize,
        /// With nothing visible.
        without_history: usize,
    },
}

/// Replays `records` through `advisor` and the baselines, the advisor's similar incidents found
/// by `knowledge` (empty, searching as the bot would: BM25 or hybrid); `progress(done, total)`
/// is called after each incident.
pub async fn evaluate(
    records: &[IncidentRecord],
    advisor: &dyn Advisor,
    knowledge: KnowledgeBase,
    embedder: Option<&Embedder>,
    options: EvalOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Evaluation, EvalError> {
    if !knowledge.is_empty() {
        return Err(EvalError::KnowledgeNotEmpty { records: knowledge.len() });
    }
    let split = options.protocol.split(records, options.limit);
    if split.cases.is_empty() {
        return Err(EvalError::NothingToEvaluate {
            records: records.len(),
            undated: split.undated,
            without_history: split.without_history,
        });
    }
    // The index grows with the visible prefix, so not even its word statistics come from the
    // incident under test or later ones.
    let (mut indexed, mut advisor_errors) = (0, 0);
    let (mut random, mut frequent, mut oracle) =
        (RandomPast::new(options.seed), FrequentCategory::new(), Oracle::new());
    let mut outcomes = Vec::with_capacity(split.cases.len());
    for (done, case) in split.cases.iter().enumerate() {
        knowledge.add(split.history[indexed..case.visible].iter().map(|record| (*record).clone()).collect())?;
        indexed = case.visible;
        let visible = &split.history[..case.visible];
        let record = case.record;

        let incident = incident_from(record, done);
        let query = query_text(&incident);
        let similar = knowledge.similar(&query, options.k.max(options.similar), None).await?;
        let lexical = knowledge.search(&query, options.k, None)?;
        let categories = knowledge.categories();
        let context = Context {
            incident: &incident,
            timeline: &[],
            similar: &similar[..options.similar.min(similar.len())],
            categories: &categories,
            evidence: &[],
            digest: None,
            investigator: &NoInvestigation,
            memory: &NoMemory,
        };
        let recommended = advisor.recommend(context).await.unwrap_or_else(|failure: AdvisorError| {
            tracing::warn!(%failure, incident = %record.id, "the advisor failed; counted as abstaining");
            advisor_errors += 1;
            Default::default()
        });
        let advised = advised(recommended, &record.category, options.k);
        let confident = if advised.confidence.is_some_and(|c| c.level == ConfidenceLevel::Low) {
            Candidates { confidence: advised.confidence, ..Candidates::default() }
        } else {
            advised.clone()
        };
        let retrieved: Vec<&IncidentRecord> = similar.iter().take(options.k).map(|found| &*found.record).collect();
        let systems = [
            (advisor.name().to_owned(), advised),
            (format!("{}{WITHOUT_LOW}", advisor.name()), confident),
            (BM25_TOP1.to_owned(), retrieval(&lexical, &record.category, options.k)),
            (RANDOM_PAST.to_owned(), random.candidates(visible, &record.category, options.k)),
            (
                FREQUENT_CATEGORY.to_owned(),
                frequent.candidates(&split.history, case.visible, &record.category, options.k),
            ),
            (ORACLE_RETRIEVED.to_owned(), oracle.candidates(&retrieved, record)),
            (ORACLE_EARLIER.to_owned(), oracle.candidates(visible, record)),
        ];
        outcomes.push(score_case(case, visible, &systems, embedder, options.k).await);
        progress(done + 1, split.cases.len());
    }
    Ok(Evaluation {
        advisor: advisor.name().to_owned(),
        options,
        records: records.len(),
        undated: split.undated,
        without_history: split.without_history,
        advisor_errors,
        semantic: embedder.is_some(),
        outcomes,
    })
}

/// The advisor's own recommendation as candidates: its categories, in its order, are what
/// category match scores (an abstention matches nothing).
fn advised(recommended: Recommendation, category: &str, k: usize) -> Candidates {
    let named = |count: usize| recommended.categories.iter().take(count).any(|named| named == category);
    Candidates {
        category_at_1: f64::from(u8::from(named(1))),
        category_at_k: f64::from(u8::from(named(k))),
        confidence: recommended.confidence,
        root_causes: recommended.root_causes,
        mitigations: recommended.mitigations,
    }
}

/// The incident as the advisor would have met it when it was declared.
fn incident_from(record: &IncidentRecord, sequence: usize) -> Incident {
    let declaration = Declaration {
        title: record.title.clone(),
        summary: record.summary.clone(),
        severity: record.severity.unwrap_or(Severity::Sev3),
        service: Some(record.service.clone()),
        source: if record.source == RecordSource::Machine { Source::Machine } else { Source::Customer },
    };
    let created = record.created_at.unwrap_or_default();
    Incident::declared(IncidentId::from_number(sequence as u64 + 1), declaration, "eval", "eval", created)
}

async fn score_case(
    case: &Case<'_>,
    visible: &[&IncidentRecord],
    systems: &[(String, Candidates)],
    embedder: Option<&Embedder>,
    k: usize,
) -> Outcome {
    let record = case.record;
    let newest = visible.last().and_then(|r| r.created_at).unwrap_or(case.cutoff);
    let created = record.created_at.unwrap_or(case.cutoff);
    let semantic = match embedder {
        Some(embedder) => SemanticScorer::new(embedder, record, systems, k).await,
        None => None,
    };
    let has_mitigation = !record.mitigation.trim().is_empty();
    // Systems often propose the same past texts; each is scored once.
    let (mut root_cause_scores, mut mitigation_scores) = (HashMap::new(), HashMap::new());
    Outcome {
        id: record.id.clone(),
        source: record.source,
        category: record.category.clone(),
        dataset: record.dataset.clone(),
        created_at: created,
        staleness_days: (created - newest).num_seconds() as f64 / 86_400.0,
        systems: systems
            .iter()
            .map(|(name, candidates)| SystemOutcome {
                system: name.clone(),
                abstained: candidates.root_causes.is_empty() && candidates.mitigations.is_empty(),
                root_cause: target_scores(
                    &candidates.root_causes,
                    &record.root_cause,
                    k,
                    semantic.as_ref(),
                    &mut root_cause_scores,
                ),
                mitigation: has_mitigation.then(|| {
                    target_scores(
                        &candidates.mitigations,
                        &record.mitigation,
                        k,
                        semantic.as_ref(),
                        &mut mitigation_scores,
                    )
                }),
                category_at_1: candidates.category_at_1,
                category_at_k: candidates.category_at_k,
                confidence: candidates.confidence.map(|c| f64::from(c.value)),
                level: candidates.confidence.map(|c| c.level),
            })
            .collect(),
    }
}

/// Top-1 and best-of-k scores of `candidates` against `truth`; `memo` keeps scores already
/// computed against this truth.
fn target_scores(
    candidates: &[String],
    truth: &str,
    k: usize,
    semantic: Option<&SemanticScorer>,
    memo: &mut HashMap<String, Scores>,
) -> TargetScores {
    let scored: Vec<Scores> = candidates
        .iter()
        .take(k)
        .map(|candidate| {
            *memo.entry(candidate.clone()).or_insert_with(|| Scores {
                semantic: semantic.map(|scorer| scorer.similarity(candidate, truth)),
                ..score(candidate, truth).into()
            })
        })
        .collect();
    let empty = Scores { semantic: semantic.map(|_| 0.0), ..Scores::default() };
    let best = scored.iter().fold(empty, |best, s| Scores {
        bleu4: best.bleu4.max(s.bleu4),
        rouge_l: best.rouge_l.max(s.rouge_l),
        meteor: best.meteor.max(s.meteor),
        semantic: best.semantic.zip(s.semantic).map(|(a, b)| a.max(b)),
    });
    TargetScores { top1: scored.first().copied().unwrap_or(empty), best_of_k: best }
}

/// Embeddings of every text one incident's scoring compares, fetched in one request.
struct SemanticScorer {
    vectors: std::collections::HashMap<String, Vec<f32>>,
}

impl SemanticScorer {
    async fn new(
        embedder: &Embedder,
        record: &IncidentRecord,
        systems: &[(String, Candidates)],
        k: usize,
    ) -> Option<Self> {
        let mut texts: Vec<String> = vec![record.root_cause.clone(), record.mitigation.clone()];
        for (_, candidates) in systems {
            texts.extend(candidates.root_causes.iter().take(k).cloned());
            texts.extend(candidates.mitigations.iter().take(k).cloned());
        }
        texts.retain(|text| !text.trim().is_empty());
        texts.sort();
        texts.dedup();
        match embedder.embed(&texts).await {
            Ok(vectors) => Some(Self { vectors: texts.into_iter().zip(vectors).collect() }),
            Err(failure) => {
                tracing::warn!(%failure, incident = %record.id, "embeddings failed; no semantic score for it");
                None
            }
        }
    }

    fn similarity(&self, a: &str, b: &str) -> f64 {
        match (self.vectors.get(a), self.vectors.get(b)) {
            (Some(a), Some(b)) => f64::from(Embedder::cosine(a, b)),
            _ => 0.0,
        }
    }
}
