//! Embeddings through the LLM's provider (`Embedder`), with the real async-openai client against
//! the scripted OpenAI-compatible server: texts redacted and sent in batches, vectors back in
//! order, similar texts closer than unrelated ones, empty texts never sent, Azure's deployment
//! path, and an unreachable provider reported rather than hung on.

use firebreak::advisor::llm::client::{LlmSettings, Provider};
use firebreak::advisor::llm::embeddings::Embedder;
use firebreak::core::ports::AdvisorError;
use firebreak::core::redact::redact_for_model;
use firebreak_testkit::openai::{EMBEDDING_DIMENSIONS, OpenAiServer, bag_of_words_embedding};
use serde_json::json;

use crate::support::{SCRIPTED_EMBEDDING_MODEL, embedder, scripted_embeddings};

fn texts(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|text| (*text).to_owned()).collect()
}

#[tokio::test]
async fn texts_are_redacted_sent_in_batches_and_embedded_in_order() {
    let server = OpenAiServer::start().await;
    let mut texts: Vec<String> = (0..70).map(|n| format!("checkout incident number {n}")).collect();
    texts[3] = "rotate password=hunter2 and tell ana@example.com".to_owned();

    let vectors = embedder(&scripted_embeddings(&server)).embed(&texts).await.unwrap();

    let requests = server.embedding_requests();
    assert_eq!(requests.iter().map(|request| request["input"].as_array().unwrap().len()).collect::<Vec<_>>(), [64, 6]);
    assert_eq!(requests[0]["model"], SCRIPTED_EMBEDDING_MODEL);
    let sent = serde_json::to_string(&requests).unwrap();
    assert!(!sent.contains("hunter2") && !sent.contains("ana@example.com"), "{sent}");
    assert_eq!(vectors.len(), texts.len());
    for (vector, text) in vectors.iter().zip(&texts) {
        assert_eq!(vector, &bag_of_words_embedding(&redact_for_model(text)), "{text}");
    }
}

#[tokio::test]
async fn similar_texts_score_a_higher_cosine_than_unrelated_ones() {
    let server = OpenAiServer::start().await;
    let texts = texts(&[
        "checkout error ratio is high",
        "the checkout service error ratio went high",
        "quarterly newsletter draft",
    ]);

    let vectors = embedder(&scripted_embeddings(&server)).embed(&texts).await.unwrap();

    let (similar, unrelated) = (Embedder::cosine(&vectors[0], &vectors[1]), Embedder::cosine(&vectors[0], &vectors[2]));
    assert!(similar > unrelated + 0.3, "similar {similar}, unrelated {unrelated}");
}

#[tokio::test]
async fn an_empty_text_gets_the_zero_vector_without_being_sent() {
    let server = OpenAiServer::start().await;
    let embedder = embedder(&scripted_embeddings(&server));

    let vectors = embedder.embed(&texts(&["disk full on db-1", "", "  "])).await.unwrap();
    let nothing = embedder.embed(&texts(&[""])).await.unwrap();

    assert_eq!(
        server.embedding_requests(),
        [json!({ "model": SCRIPTED_EMBEDDING_MODEL, "input": ["disk full on db-1"] })]
    );
    assert_eq!(vectors[1], vec![0.0; EMBEDDING_DIMENSIONS]);
    assert_eq!(vectors[2], vec![0.0; EMBEDDING_DIMENSIONS]);
    assert_eq!(Embedder::cosine(&vectors[0], &vectors[1]), 0.0);
    assert_eq!(nothing, [Vec::<f32>::new()]);
}

#[tokio::test]
async fn an_azure_embedder_asks_its_deployment_with_the_api_version_and_key() {
    let server = OpenAiServer::start().await;
    let settings = LlmSettings {
        provider: Provider::Azure,
        base_url: Some(server.azure_endpoint()),
        azure_api_version: "2024-10-21".to_owned(),
        embedding_model: Some("embeddings-small".to_owned()),
        ..scripted_embeddings(&server)
    };

    let vectors = embedder(&settings).embed(&texts(&["disk full on db-1"])).await.unwrap();

    let request = &server.requests()[0];
    assert_eq!(request.path, "/openai/deployments/embeddings-small/embeddings");
    assert_eq!(request.query.as_deref(), Some("api-version=2024-10-21"));
    assert_eq!(request.header("api-key"), Some(server.api_key()));
    assert_eq!(request.status, 200);
    assert_eq!(vectors, [bag_of_words_embedding("disk full on db-1")]);
}

#[tokio::test]
async fn an_unreachable_provider_is_reported_unavailable() {
    let settings = LlmSettings {
        base_url: Some(format!("http://127.0.0.1:{}/v1", firebreak_testkit::free_port())),
        api_key: Some("sk-unused".to_owned()),
        embedding_model: Some(SCRIPTED_EMBEDDING_MODEL.to_owned()),
        timeout_secs: 2,
        retries: 0,
        ..LlmSettings::default()
    };

    let outcome = embedder(&settings).embed(&texts(&["disk full"])).await;

    assert!(matches!(outcome, Err(AdvisorError::Unavailable(_))), "{outcome:?}");
}
