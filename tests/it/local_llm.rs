//! A real small model (SmolLM2-135M, served locally by `LocalLlm`) through the real async-openai
//! client and the whole engine: the first response and a follow-up whose named tool call runs a
//! real diagnostic; and all-MiniLM-L6-v2 embeddings through `Embedder`. A 135M model has no
//! judgement to test, so this asserts the plumbing — the requests are accepted, the tool runs
//! and is recorded, an answer is rendered — never the wording.

use firebreak::advisor::llm::client::LlmSettings;
use firebreak::advisor::llm::embeddings::Embedder;
use firebreak::core::settings::EngineSettings;
use firebreak_testkit::{HttpTarget, LocalLlm, Reply};

use crate::support::{command, engine_with, health_tool, llm_advisor, question, text_of};

const CHANNEL: &str = "inc-checkout";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_small_model_gives_a_first_response_and_its_tool_call_runs_a_real_diagnostic() {
    let model = tokio::task::spawn_blocking(LocalLlm::start).await.unwrap();
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await;
    let settings = LlmSettings {
        base_url: Some(model.base_url()),
        api_key: Some("local".to_owned()),
        model: model.model().to_owned(),
        temperature: 0.0,
        max_tokens: 160,
        timeout_secs: 120,
        retries: 0,
        step_budget: 1,
        ..LlmSettings::default()
    };
    let health = health_tool(&target.url(""), "checkout|search|payments", false);
    let engine = engine_with(&health, llm_advisor(settings), EngineSettings::default());

    let first = text_of(
        &engine.handle(command(CHANNEL, "maya", "/incident declare Checkout returning 502s service: checkout")).await,
    );
    let answer = engine.handle(question(CHANNEL, "sam", "run health for checkout")).await;
    let evidence = text_of(&engine.handle(command(CHANNEL, "sam", "/evidence")).await);

    assert!(first.contains("INC-2001 · first response"), "{first}");
    assert!(first.contains("LLM advisor"), "the model answered, not the fallback: {first}");
    assert!(!first.contains("the LLM failed"), "{first}");
    assert!(text_of(&answer).starts_with("Ran `health`"), "the forced tool call ran: {answer:?}");
    assert!(!text_of(&answer).contains("the LLM failed"), "{answer:?}");
    assert!(evidence.contains("health") && evidence.contains("/checkout/healthz"), "{evidence}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_minilm_model_places_similar_sentences_closer_than_unrelated_ones() {
    let model = tokio::task::spawn_blocking(LocalLlm::start).await.unwrap();
    let settings = LlmSettings {
        base_url: Some(model.base_url()),
        api_key: Some("local".to_owned()),
        embedding_model: Some("all-MiniLM-L6-v2".to_owned()),
        timeout_secs: 60,
        retries: 0,
        ..LlmSettings::default()
    };
    let embedder = Embedder::from_settings(&settings).unwrap().expect("an embedding model is configured");
    let texts = [
        "Checkout returns 502 errors right after the new release was deployed",
        "The checkout service fails with bad gateway responses since the deploy",
        "The marketing team is planning a picnic in the park on Friday",
    ]
    .map(str::to_owned);

    let vectors = embedder.embed(&texts).await.expect("embeddings from the local model");

    assert!(vectors.iter().all(|vector| vector.len() == 384), "all-MiniLM-L6-v2 has 384 dimensions");
    let (similar, unrelated) = (Embedder::cosine(&vectors[0], &vectors[1]), Embedder::cosine(&vectors[0], &vectors[2]));
    assert!(similar > unrelated + 0.2, "similar {similar}, unrelated {unrelated}");
}
