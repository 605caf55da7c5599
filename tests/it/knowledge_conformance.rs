//! One conformance suite for the knowledge port, run against both ways it searches: words alone
//! (BM25) and words fused with embeddings (here the scripted OpenAI-compatible server's
//! bag-of-words vectors, through the real async-openai client). Whatever the retrieval, the
//! port keeps the same promises.

use std::sync::Arc;

use firebreak::advisor::llm::client::LlmSettings;
use firebreak::core::ports::{Knowledge, KnowledgeCursor};
use firebreak::knowledge::KnowledgeBase;
use firebreak::knowledge::dense::{DenseIndex, EmbeddingCache};
use firebreak_testkit::openai::OpenAiServer;

use crate::support::{SCRIPTED_EMBEDDING_MODEL, embedder, scripted_embeddings};

async fn keeps_the_port_promises(knowledge: KnowledgeBase) {
    knowledge.learn(KnowledgeBase::sample_records(), None).unwrap();
    let total = knowledge.len();

    let copy = knowledge.similar("Checkout 502s right after the 14:10 checkout-svc deploy", 5, None).await.unwrap();
    assert_eq!(copy.len(), 5);
    assert_eq!(copy[0].record.id, "INC-1001", "a near copy comes first");
    assert!(copy.iter().all(|found| (0.0..=1.0).contains(&found.similarity)));
    assert!(copy.windows(2).all(|pair| pair[0].score >= pair[1].score), "best first");
    assert!(copy[0].similarity > 0.9, "{}", copy[0].similarity);

    let cut = "2022-01-01T00:00:00Z".parse().unwrap();
    let early = knowledge.similar("checkout deploy 502", 10, Some(cut)).await.unwrap();
    assert!(!early.is_empty());
    assert!(early.iter().all(|found| found.record.created_at.is_some_and(|at| at < cut)), "{early:#?}");

    let mut changed = copy[0].record.as_ref().clone();
    changed.title = "Zebra stampede in the data centre".into();
    changed.summary = "zebras everywhere".into();
    changed.root_cause = "a gate left open at the zebra enclosure".into();
    let cursor = KnowledgeCursor::default();
    knowledge.learn(vec![changed], Some(cursor.clone())).unwrap();
    let zebra = knowledge.similar("zebra stampede", 1, None).await.unwrap();
    assert_eq!(zebra[0].record.id, "INC-1001");
    assert_eq!(knowledge.len(), total, "replaced, not added");
    assert_eq!(knowledge.published_cursor(), cursor);
}

#[tokio::test]
async fn words_alone_keep_the_knowledge_port_promises() {
    keeps_the_port_promises(KnowledgeBase::new().unwrap()).await;
}

#[tokio::test]
async fn words_fused_with_embeddings_keep_the_knowledge_port_promises() {
    let server = OpenAiServer::start().await;
    let embedder = embedder(&scripted_embeddings(&server));

    keeps_the_port_promises(KnowledgeBase::with_dense(DenseIndex::new(
        Arc::new(embedder),
        EmbeddingCache::in_memory(),
    )))
    .await;

    assert!(!server.embedding_requests().is_empty(), "the dense side took part");
}

#[tokio::test]
async fn when_the_embedding_model_fails_words_alone_still_answer() {
    let settings = LlmSettings {
        base_url: Some(format!("http://127.0.0.1:{}/v1", firebreak_testkit::free_port())),
        api_key: Some("key".to_owned()),
        embedding_model: Some(SCRIPTED_EMBEDDING_MODEL.into()),
        timeout_secs: 2,
        retries: 0,
        ..LlmSettings::default()
    };
    let embedder = embedder(&settings);
    let knowledge = KnowledgeBase::with_dense(DenseIndex::new(Arc::new(embedder), EmbeddingCache::in_memory()));
    knowledge.learn(KnowledgeBase::sample_records(), None).unwrap();

    let found = knowledge.similar("Checkout 502s right after the 14:10 checkout-svc deploy", 3, None).await.unwrap();

    assert_eq!(found[0].record.id, "INC-1001");
}
