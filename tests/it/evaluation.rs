//! The evaluation harness end to end: no leakage under either protocol, with words alone and
//! with fused embeddings; the advisor's own category is what is scored; the offline advisor
//! beats both baselines on the sample history; the reports the CLI writes; and the production
//! feedback statistics read back from a real Redis.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use firebreak::advisor::OfflineAdvisor;
use firebreak::advisor::llm::embeddings::Embedder;
use firebreak::cli::stats::feedback_stats;
use firebreak::core::outbound::Report;
use firebreak::core::ports::{Advisor, AdvisorError, Context, Focus, Narrative, Recommendation};
use firebreak::core::record::{IncidentRecord, RecordSource};
use firebreak::eval::harness::{EvalOptions, Evaluation, evaluate};
use firebreak::eval::protocol::Protocol;
use firebreak::eval::report::{EvalReport, SystemSummary};
use firebreak::knowledge::KnowledgeBase;
use firebreak::knowledge::dense::{DenseIndex, EmbeddingCache};
use firebreak_testkit::RedisServer;
use firebreak_testkit::openai::{OpenAiServer, bag_of_words_embedding};

use crate::cli::firebreak;
use crate::support::{command, embedder, engine_on, redis_store, scripted_embeddings};

/// Three incidents with the same description, a day apart, each with its own root cause.
fn repeated_incident() -> Vec<IncidentRecord> {
    ["first", "second", "third"]
        .iter()
        .enumerate()
        .map(|(day, word)| {
            let mut record = KnowledgeBase::sample_records().remove(0);
            record.id = format!("R-{day}");
            record.title = "Ledger writes time out on the primary".into();
            record.summary = "Writes to the ledger table time out after the nightly batch".into();
            record.source = if day == 2 { RecordSource::Customer } else { RecordSource::Machine };
            record.created_at = Some(format!("2024-03-0{}T08:00:00Z", day + 1).parse().unwrap());
            record.root_cause = format!("the {word} batch job held table locks");
            record.mitigation = format!("killed the {word} batch job");
            record
        })
        .collect()
}

const OPTIONS: EvalOptions = EvalOptions { k: 5, similar: 10, protocol: Protocol::Chronological, limit: None, seed: 7 };

/// An empty knowledge base fusing words with embeddings from `server` (bag-of-words vectors).
fn hybrid(server: &OpenAiServer) -> KnowledgeBase {
    let embedder = embedder(&scripted_embeddings(server));
    KnowledgeBase::with_dense(DenseIndex::new(Arc::new(embedder), EmbeddingCache::in_memory()))
}

async fn run(records: &[IncidentRecord], protocol: Protocol) -> Evaluation {
    let options = EvalOptions { k: 5, similar: 10, protocol, limit: None, seed: 7 };
    evaluate(records, &OfflineAdvisor::new(0.0), KnowledgeBase::new().unwrap(), None, options, &|_, _| ())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_incident_is_never_advised_from_itself_or_from_later_incidents() {
    let evaluation = run(&repeated_incident(), Protocol::Chronological).await;

    let tested: Vec<&str> = evaluation.outcomes.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(tested, ["R-1", "R-2"], "the oldest has nothing to learn from");
    // Had R-1 seen itself, its root cause would score 1; it can only have seen R-0's, which
    // differs in one word of seven.
    let second = &evaluation.outcomes[0].systems[0];
    assert_eq!(second.system, "offline");
    assert!(!second.abstained);
    assert!((0.5..0.99).contains(&second.root_cause.top1.rouge_l), "{second:?}");
    assert!(evaluation.outcomes.iter().all(|o| o.systems[0].root_cause.best_of_k.rouge_l < 0.99));
    assert!((evaluation.outcomes[0].staleness_days - 1.0).abs() < 1e-9);
}

#[tokio::test]
async fn with_fused_embeddings_an_incident_never_sees_itself_later_incidents_or_their_embeddings() {
    let server = OpenAiServer::start().await;
    let mut records = repeated_incident();
    // A later incident worded like the first: it must not change what the first two were advised.
    let mut echo = records[0].clone();
    echo.id = "R-9".into();
    echo.created_at = Some("2024-03-09T08:00:00Z".parse().unwrap());
    echo.root_cause = "an echo of the batch job held table locks".into();
    let advisor = OfflineAdvisor::new(0.0);

    let all =
        evaluate(&records_with(&records, &echo), &advisor, hybrid(&server), None, OPTIONS, &|_, _| ()).await.unwrap();
    records.truncate(2);
    let prefix = evaluate(&records, &advisor, hybrid(&server), None, OPTIONS, &|_, _| ()).await.unwrap();

    assert!(all.outcomes.iter().all(|o| o.systems[0].root_cause.best_of_k.rouge_l < 0.99), "{all:?}");
    assert_eq!(prefix.outcomes[0], all.outcomes[0], "R-1 was advised the same whatever came later");
    assert!(!server.embedding_requests().is_empty(), "the dense side took part");
}

fn records_with(records: &[IncidentRecord], extra: &IncidentRecord) -> Vec<IncidentRecord> {
    records.iter().cloned().chain(std::iter::once(extra.clone())).collect()
}

/// An advisor that always names `category` and recommends `text`, or abstains; it notes, for
/// each incident, the ids of every past incident it was shown (similar ones and the categories'
/// latest).
#[derive(Default)]
struct Fixed {
    category: Option<&'static str>,
    shown: Mutex<Vec<(String, Vec<String>)>>,
}

#[async_trait]
impl Advisor for Fixed {
    fn name(&self) -> &'static str {
        "fixed"
    }

    async fn first_response(&self, _context: Context<'_>) -> Result<Report, AdvisorError> {
        Err(AdvisorError::Unavailable("not used".into()))
    }

    async fn recommend(&self, context: Context<'_>) -> Result<Recommendation, AdvisorError> {
        let similar = context.similar.iter().map(|found| found.record.id.clone());
        let latest = context.categories.iter().flat_map(|profile| profile.recent.iter().map(|r| r.id.clone()));
        let shown = (context.incident.title.clone(), similar.chain(latest).collect());
        self.shown.lock().unwrap().push(shown);
        Ok(match self.category {
            Some(category) => Recommendation {
                root_causes: vec!["a batch job held locks".into()],
                mitigations: vec!["killed the job".into()],
                categories: vec![category.into()],
                confidence: None,
            },
            None => Recommendation::default(),
        })
    }

    async fn focus(&self, _context: Context<'_>, _focus: Focus) -> Result<Report, AdvisorError> {
        Err(AdvisorError::Unavailable("not used".into()))
    }

    async fn answer(&self, _context: Context<'_>, _question: &str) -> Result<String, AdvisorError> {
        Err(AdvisorError::Unavailable("not used".into()))
    }

    async fn summarize(&self, _context: Context<'_>) -> Result<Report, AdvisorError> {
        Err(AdvisorError::Unavailable("not used".into()))
    }

    async fn postmortem(&self, _context: Context<'_>) -> Result<Narrative, AdvisorError> {
        Err(AdvisorError::Unavailable("not used".into()))
    }
}

#[tokio::test]
async fn the_history_an_advisor_is_shown_holds_only_earlier_incidents_even_the_categories_latest() {
    let mut records = repeated_incident();
    for (day, record) in records.iter_mut().enumerate() {
        record.title = format!("{} (day {day})", record.title);
    }
    let advisor = Fixed { category: Some("deployment"), ..Fixed::default() };

    evaluate(&records, &advisor, KnowledgeBase::new().unwrap(), None, OPTIONS, &|_, _| ()).await.unwrap();

    let shown = advisor.shown.lock().unwrap();
    let ids_shown = |day: usize| -> Vec<&str> {
        let (_, ids) = shown.iter().find(|(title, _)| title.ends_with(&format!("(day {day})"))).unwrap();
        let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    assert_eq!(shown.len(), 2);
    assert_eq!(ids_shown(1), ["R-0"]);
    assert_eq!(ids_shown(2), ["R-0", "R-1"]);
}

#[tokio::test]
async fn the_category_scored_is_the_advisors_own_and_an_abstention_misses() {
    let records = repeated_incident();
    assert_eq!(records[0].category, "deployment");
    let scored = |evaluation: &Evaluation, system: usize| -> Vec<f64> {
        evaluation.outcomes.iter().map(|o| o.systems[system].category_at_1).collect()
    };

    let with = |category: Option<&'static str>| {
        let records = &records;
        async move {
            let advisor = Fixed { category, ..Fixed::default() };
            evaluate(records, &advisor, KnowledgeBase::new().unwrap(), None, OPTIONS, &|_, _| ()).await.unwrap()
        }
    };

    let wrong = with(Some("power-cooling")).await;
    let right = with(Some("deployment")).await;
    let silent = with(None).await;

    // Retrieval's first match always has the right category here; the advisor's answer decides.
    assert_eq!(wrong.outcomes[0].systems[2].system, "bm25-top1");
    assert_eq!(scored(&wrong, 2), [1.0, 1.0]);
    assert_eq!(scored(&wrong, 0), [0.0, 0.0]);
    assert_eq!(scored(&right, 0), [1.0, 1.0]);
    assert_eq!(scored(&silent, 0), [0.0, 0.0]);
    assert!(silent.outcomes.iter().all(|o| o.systems[0].abstained));
}

#[tokio::test]
async fn on_the_sample_history_the_offline_advisor_beats_both_baselines_on_every_metric() {
    let advisor = OfflineAdvisor::default();

    let evaluation =
        evaluate(&KnowledgeBase::sample_records(), &advisor, KnowledgeBase::new().unwrap(), None, OPTIONS, &|_, _| ())
            .await
            .unwrap();

    let report = EvalReport::new(&evaluation, "sample");
    let system = |name: &str| report.overall.systems.iter().find(|s| s.system == name).unwrap();
    let metrics = |s: &SystemSummary| {
        [
            s.root_cause.top1.bleu4,
            s.root_cause.top1.rouge_l,
            s.root_cause.top1.meteor,
            s.mitigation.top1.bleu4,
            s.mitigation.top1.rouge_l,
            s.mitigation.top1.meteor,
            s.category_at_1,
            s.category_at_k,
            s.root_cause.best_of_k.rouge_l,
            s.mitigation.best_of_k.rouge_l,
        ]
    };
    let offline = metrics(system("offline"));
    for baseline in ["random-past-incident", "frequent-category"] {
        let other = metrics(system(baseline));
        assert!(offline.iter().zip(&other).all(|(a, b)| a > b), "offline {offline:?} against {baseline} {other:?}");
    }
}

/// An incident of `category` worded like the repeated one (`alike`) or about something else,
/// on `day` of March 2024.
fn incident(id: &str, category: &str, alike: bool, day: u32) -> IncidentRecord {
    let mut record = repeated_incident().remove(0);
    record.id = id.into();
    record.category = category.into();
    record.created_at = Some(format!("2024-03-{day:02}T08:00:00Z").parse().unwrap());
    if !alike {
        record.title = "Badge printer jammed in the lobby".into();
        record.summary = "Visitors queue at reception".into();
        record.service = "reception".into();
        record.root_cause = "a worn feed roller".into();
        record.mitigation = "replaced the roller".into();
    }
    record
}

#[tokio::test]
async fn the_advisors_back_off_categories_come_from_the_visible_history_only() {
    let records = [
        incident("H-1", "deployment", true, 1),
        incident("H-2", "capacity", false, 2),
        incident("H-3", "capacity", true, 3),
        incident("H-4", "network", true, 4),
        incident("H-5", "network", false, 5),
    ];

    let evaluation = run(&records, Protocol::Chronological).await;

    let at = |id: &str| {
        let outcome = evaluation.outcomes.iter().find(|o| o.id == id).unwrap();
        (outcome.systems[0].category_at_1, outcome.systems[0].category_at_k)
    };
    // H-3's closest incident is H-1 (deployment); capacity, seen once before, is the back-off.
    assert_eq!(at("H-3"), (0.0, 1.0));
    // Network is known only from H-4 itself and the later H-5: no ranking of H-4's names it.
    assert_eq!(at("H-4"), (0.0, 0.0));
}

#[tokio::test]
async fn with_a_cut_off_only_incidents_up_to_that_day_are_known() {
    let train_until = "2024-03-01".parse().unwrap();
    let evaluation = run(&repeated_incident(), Protocol::TrainUntil { train_until }).await;

    assert_eq!(evaluation.outcomes.len(), 2);
    // R-2 is tested against R-0 alone, never R-1 (after the cut-off) nor itself.
    let third = &evaluation.outcomes[1];
    assert_eq!(third.id, "R-2");
    assert!((third.staleness_days - 2.0).abs() < 1e-9);
    let best = third.systems[0].root_cause.best_of_k.rouge_l;
    assert!(best < 0.99, "R-2 saw something it should not have: {best}");
}

#[test]
fn eval_prints_markdown_and_writes_json_markdown_html_and_outcomes() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let output = firebreak(&["eval", "--dataset", "data/incidents.jsonl", "--limit", "40", "--out", dir], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let markdown = String::from_utf8_lossy(&output.stdout);
    for heading in [
        "# Evaluation of the `offline` advisor",
        "## Overall",
        "## By source",
        "## By staleness",
        "## Answering only above a confidence",
        "## Calibration of the category confidence",
    ] {
        assert!(markdown.contains(heading), "missing {heading}:\n{markdown}");
    }
    for system in [
        "| offline |",
        "| offline, medium+ only |",
        "| bm25-top1 |",
        "| random-past-incident |",
        "| frequent-category |",
        "| oracle-best-retrieved |",
        "| oracle-best-earlier |",
    ] {
        assert!(markdown.contains(system), "missing {system}");
    }

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 2);
    assert_eq!(report["evaluated"], 40);
    let overall = &report["overall"]["systems"][0];
    for metric in ["bleu4", "rouge_l", "meteor"] {
        let value = overall["root_cause"]["top1"][metric].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&value), "{metric} = {value}");
    }
    let dimensions: Vec<&str> =
        report["breakdowns"].as_array().unwrap().iter().map(|b| b["dimension"].as_str().unwrap()).collect();
    assert_eq!(dimensions, ["source", "category", "dataset", "staleness", "year"]);

    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert_eq!(
        html.matches("<figure>").count(),
        6,
        "two by source, one by category, one staleness curve, coverage and calibration"
    );
    assert!(!html.contains('`') && html.contains("<code>offline</code>"), "Markdown code is shown as code");
    for external in ["<link", "<script", "src=", "url("] {
        assert!(!html.contains(external), "the page must open offline, found {external}");
    }
    assert_eq!(std::fs::read_to_string(out.path().join("report.md")).unwrap(), markdown);
    let outcomes = std::fs::read_to_string(out.path().join("outcomes.jsonl")).unwrap();
    assert_eq!(outcomes.lines().count(), 40);
}

#[test]
fn eval_json_is_the_report_and_bad_input_gets_a_clear_error() {
    let output = firebreak(&["eval", "--dataset", "data/incidents.jsonl", "--limit", "5", "--format", "json"], "");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["evaluated"], 5);

    let missing = firebreak(&["eval", "--dataset", "no/such/history.jsonl"], "");
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/history.jsonl"));

    let llm = firebreak(&["eval", "--dataset", "data/incidents.jsonl", "--advisor", "llm"], "");
    assert!(!llm.status.success());
    assert!(String::from_utf8_lossy(&llm.stderr).contains("--advisor llm needs a model"));

    let late = firebreak(&["eval", "--dataset", "data/incidents.jsonl", "--train-until", "2999-01-01"], "");
    assert!(String::from_utf8_lossy(&late.stderr).contains("nothing to evaluate"), "{late:?}");
}

#[tokio::test]
async fn feedback_statistics_count_ratings_by_source_and_advisor_from_redis() {
    let server = RedisServer::start();
    let store = redis_store(&server.url()).await;
    let engine = engine_on(store.clone());
    let turns = [
        ("inc-a", "/incident declare Checkout 502s service: checkout source: customer"),
        ("inc-a", "/feedback 4"),
        ("inc-a", "/feedback 2"),
        ("inc-b", "/incident declare Search down service: search source: machine"),
        ("inc-b", "/feedback 5"),
    ];
    for (channel, line) in turns {
        engine.handle(command(channel, "maya", line)).await;
    }

    let stats = feedback_stats(store.as_ref()).await.unwrap();
    assert_eq!((stats.incidents, stats.overall.count), (2, 3));
    assert!((stats.overall.mean - 11.0 / 3.0).abs() < 1e-9);
    assert!((stats.overall.useful_share - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(stats.by_source["customer"].count, 2);
    assert!((stats.by_source["machine"].useful_share - 1.0).abs() < 1e-9);
    assert_eq!(stats.by_advisor["offline"].count, 3);

    let output = firebreak(&["stats", "feedback", "--redis", &server.url(), "--format", "json"], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["overall"]["count"], 3);
    assert_eq!(printed["by_source"]["machine"]["count"], 1);

    let without_redis = firebreak(&["stats", "feedback"], "");
    assert!(String::from_utf8_lossy(&without_redis.stderr).contains("stats read the ratings stored in Redis"));
}

#[tokio::test]
async fn with_an_embedding_model_each_recommendation_also_gets_the_cosine_of_its_embedding() {
    let server = OpenAiServer::start().await;
    let embedder = embedder(&scripted_embeddings(&server));
    let options = EvalOptions { k: 5, similar: 10, protocol: Protocol::Chronological, limit: None, seed: 7 };
    let records = repeated_incident();

    let evaluation = evaluate(
        &records,
        &OfflineAdvisor::new(0.0),
        KnowledgeBase::new().unwrap(),
        Some(&embedder),
        options,
        &|_, _| (),
    )
    .await
    .unwrap();

    assert!(evaluation.semantic);
    assert_eq!(server.embedding_requests().len(), 2, "one request per tested incident");
    // R-1 could only have been advised R-0's root cause.
    let scored = evaluation.outcomes[0].systems[0].root_cause.top1.semantic.unwrap();
    let expected = Embedder::cosine(
        &bag_of_words_embedding(&records[0].root_cause),
        &bag_of_words_embedding(&records[1].root_cause),
    );
    assert!((scored - f64::from(expected)).abs() < 1e-6, "{scored} vs {expected}");
    let report = firebreak::eval::report::EvalReport::new(&evaluation, "repeated");
    assert!(firebreak::eval::markdown::render(&report).contains("root cause semantic"));
}
