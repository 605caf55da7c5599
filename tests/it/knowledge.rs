//! The knowledge base in the turn: first responses grounded in similar resolved incidents and
//! citing them with a confidence, abstention when nothing is related, the recommendation
//! commands, and learning from every resolution without a restart, across replicas sharing one
//! Redis.

use std::collections::HashSet;
use std::sync::Arc;

use firebreak::core::ports::Ports;
use firebreak::knowledge::KnowledgeBase;
use firebreak_testkit::RedisServer;
use regex::Regex;

use crate::support::{bare_ports, command, engine_on, first_response, memory_engine, question, redis_store, text_of};

const CHECKOUT: &str = "/incident declare Checkout returning 502s after deploy severity: sev2 service: checkout source: machine summary: 5xx ratio alert on checkout-svc right after the afternoon release";

fn cited_ids(text: &str) -> HashSet<String> {
    let pattern = Regex::new(r"INC-1\d{3}").unwrap();
    pattern.find_iter(text).map(|found| found.as_str().to_owned()).collect()
}

#[tokio::test]
async fn the_first_response_cites_real_similar_incidents_with_confidence_and_steps() {
    let engine = memory_engine();

    let replies = engine.handle(command("inc-1", "maya", CHECKOUT)).await;

    let Some(report) = first_response(&replies) else { panic!("no report: {replies:?}") };
    let text = report.to_plain_text();
    let known: HashSet<String> = KnowledgeBase::sample_records().into_iter().map(|r| r.id).collect();
    let cited = cited_ids(&text);
    assert!(!cited.is_empty(), "{text}");
    assert!(cited.is_subset(&known), "cited ids that do not exist: {cited:?}");
    let headings: Vec<&str> = report.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(headings, ["Incident", "Likely root causes", "Mitigation steps from similar incidents", "Check first"]);
    assert!(Regex::new(r"deployment — (high|medium|low) confidence").unwrap().is_match(&text), "{text}");
    assert!(text.contains("Closest precedent: INC-1"), "{text}");
}

#[tokio::test]
async fn with_nothing_related_the_bot_abstains_instead_of_guessing() {
    let engine = memory_engine();

    let replies = engine
        .handle(command("inc-1", "maya", "/incident declare Office espresso machine leaking on the carpet"))
        .await;

    let text = text_of(&replies);
    assert!(text.contains("No similar past incident"), "{text}");
    assert!(cited_ids(text.split("Check first").next().unwrap()).len() <= 1, "{text}");
    assert!(!text.contains("confidence"), "{text}");
}

#[tokio::test]
async fn with_only_loose_matches_the_bot_answers_and_says_the_evidence_is_thin() {
    let engine = memory_engine();

    let replies = engine
        .handle(command(
            "inc-1",
            "maya",
            "/incident declare Badge readers at the side entrance reject every card since this morning",
        ))
        .await;

    let text = text_of(&replies);
    assert!(text.contains("Thin evidence"), "{text}");
    assert!(text.contains("Closest precedent: INC-1"), "{text}");
    assert!(
        Regex::new(r"— (high|medium|low) confidence \(0\.\d\d; \d+ of the \d+ closest").unwrap().is_match(&text),
        "{text}"
    );
}

#[tokio::test]
async fn rca_mitigation_and_similar_show_the_recommendation_pieces() {
    let engine = memory_engine();
    engine.handle(command("inc-1", "maya", CHECKOUT)).await;

    let rca = text_of(&engine.handle(command("inc-1", "sam", "/rca")).await);
    let mitigation = text_of(&engine.handle(command("inc-1", "sam", "/mitigation")).await);
    let similar = text_of(&engine.handle(command("inc-1", "sam", "/similar")).await);

    assert!(rca.contains("Likely root causes") && rca.contains("confidence"), "{rca}");
    assert!(mitigation.lines().filter(|line| line.starts_with("- ")).count() >= 2, "{mitigation}");
    assert!(!cited_ids(&mitigation).is_empty(), "{mitigation}");
    assert!(similar.contains("fixed by:") && similar.contains("similarity"), "{similar}");
}

#[tokio::test]
async fn follow_up_questions_are_routed_to_what_retrieval_can_answer() {
    let engine = memory_engine();
    engine.handle(command("inc-1", "maya", CHECKOUT)).await;

    let seen = text_of(&engine.handle(question("inc-1", "sam", "have we seen this before?")).await);
    let cause = text_of(&engine.handle(question("inc-1", "sam", "what is the likely root cause?")).await);
    let other = text_of(&engine.handle(question("inc-1", "sam", "should we tell the legal team?")).await);

    assert!(seen.starts_with("Similar resolved incidents") && seen.contains("fixed by:"), "{seen}");
    assert!(cause.starts_with("Likely root causes"), "{cause}");
    assert!(other.contains("needs an LLM backend"), "{other}");
}

const NOVEL_DECLARE: &str = "/incident declare Ledger zookeeper quorum lost after rolling restart service: ledger summary: ledger writes fail, zookeeper ensemble has no leader";
const NOVEL_AGAIN: &str = "/incident declare Zookeeper quorum lost on the ledger ensemble service: ledger summary: no zookeeper leader, ledger writes failing";
const NOVEL_RESOLVE: &str = "/incident resolve root_cause: rolling restart took two of three zookeeper nodes down at once mitigation: restarted the third node, restored quorum category: human-error";

#[tokio::test]
async fn a_resolved_incident_is_cited_by_the_next_similar_one_without_a_restart() {
    let engine = memory_engine();
    let before = text_of(&engine.handle(command("inc-a", "maya", NOVEL_DECLARE)).await);
    engine.handle(command("inc-a", "maya", NOVEL_RESOLVE)).await;

    let after = text_of(&engine.handle(command("inc-b", "sam", NOVEL_AGAIN)).await);

    assert!(!before.contains("Closest precedent: INC-2"), "nothing was resolved yet: {before}");
    assert!(after.contains("Closest precedent: INC-2001"), "{after}");
    assert!(after.contains("human-error — "), "{after}");
}

#[tokio::test]
async fn another_replica_learns_a_resolution_through_redis() {
    let server = RedisServer::start();
    let replica_a = engine_on(redis_store(&server.url()).await);
    let replica_b = engine_on(redis_store(&server.url()).await);
    replica_a.handle(command("inc-a", "maya", NOVEL_DECLARE)).await;
    replica_a.handle(command("inc-a", "maya", NOVEL_RESOLVE)).await;

    let on_b = text_of(&replica_b.handle(command("inc-b", "sam", NOVEL_AGAIN)).await);

    assert!(on_b.contains("INC-2001") && on_b.to_lowercase().contains("restarted the third node"), "{on_b}");
}

#[tokio::test]
async fn a_replica_started_after_the_resolution_knows_it_too() {
    let server = RedisServer::start();
    let replica_a = engine_on(redis_store(&server.url()).await);
    replica_a.handle(command("inc-a", "maya", NOVEL_DECLARE)).await;
    replica_a.handle(command("inc-a", "maya", NOVEL_RESOLVE)).await;
    drop(replica_a);

    let store = redis_store(&server.url()).await;
    let knowledge = Arc::new(KnowledgeBase::new().unwrap());
    let ports = Ports { knowledge: knowledge.clone(), ..bare_ports(store) };
    let folded = ports.catch_up().await.unwrap();

    assert_eq!(folded, 1);
    assert_eq!(knowledge.search("zookeeper quorum ledger", 1, None).unwrap()[0].record.id, "INC-2001");
}
