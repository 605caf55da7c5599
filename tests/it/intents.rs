//! Questions routed by intent: the share of a corpus of realistic questions that reach the
//! intent they should (`tests/fixtures/questions.tsv`), and what the offline advisor answers
//! for each through the engine — recent changes from the changes tool, what was tried from the
//! timeline, and "needs a model" only for what does.

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use firebreak::advisor::OfflineAdvisor;
use firebreak::core::command::Command;
use firebreak::core::engine::Engine;
use firebreak::core::inbound::{Inbound, Input};
use firebreak::core::intent::Intent;
use firebreak::core::settings::{EngineSettings, ResponderRole};
use firebreak::core::timeline::Author;
use firebreak_testkit::{HttpTarget, Reply};
use serde_json::json;

use crate::support::{answer_of, command, engine_with, health_tool, memory_engine, message, question, text_of};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout returning 502s severity: sev2 service: checkout source: machine";
/// Share of the corpus that must reach its intent.
const WANTED_SHARE: f64 = 0.9;
/// Questions each intent needs in the corpus for its share to mean something.
const PER_INTENT: usize = 3;

/// The corpus: (expected intent, question), skipping comments.
fn corpus() -> Vec<(Intent, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/questions.tsv");
    let text = std::fs::read_to_string(&path).expect("read the question corpus");
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, question) = line.split_once('\t').expect("intent<TAB>question");
            let intent = Intent::ALL.into_iter().find(|intent| intent.as_str() == name).expect("a known intent");
            (intent, question.to_owned())
        })
        .collect()
}

#[test]
fn at_least_nine_in_ten_corpus_questions_reach_their_intent() {
    let corpus = corpus();

    let missed: Vec<String> = corpus
        .iter()
        .filter_map(|(wanted, question)| {
            let got = Intent::of(question);
            (got != *wanted).then(|| format!("{question:?}: wanted {wanted}, got {got}"))
        })
        .collect();
    let share = (corpus.len() - missed.len()) as f64 / corpus.len() as f64;

    println!("intent routing: {}/{} correct ({:.1}%)", corpus.len() - missed.len(), corpus.len(), share * 100.0);
    for miss in &missed {
        println!("  missed {miss}");
    }
    assert!(corpus.len() >= 40, "{} questions", corpus.len());
    for intent in Intent::ALL {
        let count = corpus.iter().filter(|(wanted, _)| *wanted == intent).count();
        assert!(count >= PER_INTENT, "{intent} has {count} questions");
    }
    assert!(share >= WANTED_SHARE, "{share:.3} routed correctly; missed:\n{}", missed.join("\n"));
}

/// A `recent_changes` tool reading the feed at `url`, for the incident's service.
fn changes_tool(url: &str) -> String {
    format!(
        r#"
        [[diagnostics.tools]]
        name = "recent_changes"
        description = "Deploys, config and flag changes of a service"
        kind = "changes"
        url = "{url}"
        window = "6h"
        params = {{ service = "[a-z-]+" }}
        "#
    )
}

/// A feed with a checkout deploy 20 minutes ago and a search deploy.
async fn feed() -> HttpTarget {
    let at = |minutes: i64| (Utc::now() - Duration::minutes(minutes)).to_rfc3339();
    let feed = json!([
        { "at": at(20), "service": "checkout", "kind": "deploy", "description": "checkout-api v2.41", "author": "maya" },
        { "at": at(10), "service": "search", "kind": "deploy", "description": "search v9", "author": "sam" },
    ]);
    HttpTarget::start([("/changes", Reply::json(&feed))]).await
}

fn engine(diagnostics_toml: &str, settings: EngineSettings) -> Engine {
    engine_with(diagnostics_toml, Arc::new(OfflineAdvisor::default()), settings)
}

/// `input` by `who` holding `roles`, in the incident's channel.
fn by(who: &str, roles: &[&str], input: Input) -> Inbound {
    let mut inbound = Inbound::new(CHANNEL, Author::new(who, who), input);
    inbound.roles = roles.iter().map(|role| (*role).to_owned()).collect();
    inbound
}

#[tokio::test]
async fn what_changed_runs_the_changes_tool_and_answers_with_the_changes_it_listed() {
    let target = feed().await;
    let engine = engine(&changes_tool(&target.url("/changes")), EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let replies = engine.handle(question(CHANNEL, "sam", "what changed recently?")).await;

    assert!(text_of(&replies).starts_with("Ran `recent_changes` (ok) for fresh evidence."), "{replies:?}");
    let answer = answer_of(&replies);
    assert!(answer.starts_with("Recent changes:\n- ✓ recent_changes"), "{answer}");
    assert!(answer.contains("1 change to checkout in the last 6h") && answer.contains("checkout-api v2.41 (maya)"));
    assert!(!answer.contains("search v9"), "only the incident's service: {answer}");
}

#[tokio::test]
async fn someone_without_a_responder_role_asking_what_changed_runs_nothing_and_is_told_so() {
    let target = feed().await;
    let settings = EngineSettings { responder_roles: vec![ResponderRole::id("sre")], ..EngineSettings::default() };
    let engine = engine(&changes_tool(&target.url("/changes")), settings);
    engine.handle(by("maya", &["sre"], Input::Command(Command::parse(DECLARE).unwrap()))).await;

    let replies = engine.handle(by("guest", &[], Input::Question("anything deployed in the last hour?".into()))).await;

    let text = text_of(&replies);
    assert!(text.contains("I didn't re-run diagnostics for this"), "{text}");
    assert!(!text.contains("Ran `recent_changes`"), "{text}");
    assert!(answer_of(&replies).contains("`/diagnose recent_changes …`"), "{text}");
}

#[tokio::test]
async fn with_no_changes_tool_what_changed_runs_the_handlers_and_says_how_to_add_one() {
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await;
    let engine = engine(&health_tool(&target.url(""), "[a-z-]+", true), EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let replies = engine.handle(question(CHANNEL, "sam", "did someone push a config change?")).await;

    assert!(text_of(&replies).starts_with("Ran `health` (ok) for fresh evidence."), "{replies:?}");
    let answer = answer_of(&replies);
    assert!(answer.starts_with("No changes tool is configured") && answer.contains("kind = \"changes\""), "{answer}");
    assert!(answer.contains("Latest evidence:\n- ✓ health"), "{answer}");
}

#[tokio::test]
async fn what_have_we_tried_lists_the_actions_people_reported_oldest_first() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "gateway shows upstream connect errors")).await;
    engine.handle(message(CHANNEL, "sam", "restarted two checkout-api pods, no change")).await;
    engine.handle(message(CHANNEL, "priya", "rolling back checkout-api to v2.40")).await;

    let answer = answer_of(&engine.handle(question(CHANNEL, "li", "what have we tried?")).await);

    let listed: Vec<&str> = answer.lines().skip(1).collect();
    assert!(answer.starts_with("Tried so far, oldest first:"), "{answer}");
    assert_eq!(listed.len(), 2, "{answer}");
    assert!(listed[0].ends_with("sam: restarted two checkout-api pods, no change"), "{answer}");
    assert!(listed[1].ends_with("priya: rolling back checkout-api to v2.40"), "{answer}");
}

#[tokio::test]
async fn before_anything_was_tried_the_answer_says_so() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "gateway shows upstream connect errors")).await;

    let answer = answer_of(&engine.handle(question(CHANNEL, "li", "have we restarted the pods yet?")).await);

    assert!(answer.starts_with("Nothing recorded as tried yet"), "{answer}");
}

#[tokio::test]
async fn only_a_question_needing_judgement_gets_the_needs_a_model_reply_and_it_lists_what_offline_answers() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let beyond = answer_of(&engine.handle(question(CHANNEL, "sam", "should we fail over to eu-west?")).await);
    let status = answer_of(&engine.handle(question(CHANNEL, "sam", "sev?")).await);

    assert!(beyond.starts_with("That needs an LLM backend."), "{beyond}");
    for offered in ["what changed recently", "still failing", "who is involved", "what was tried", "next steps"] {
        assert!(beyond.contains(offered), "{offered}: {beyond}");
    }
    assert!(!status.contains("needs an LLM backend") && status.contains("sev2"), "{status}");
}
