//! The conversation a follow-up shows the model, within `[llm] history_tokens`, through the real
//! async-openai client against the scripted OpenAI-compatible server: older turns folded by the
//! model into a running summary stored with the incident, recent turns verbatim, each fold
//! starting from the stored summary and taking in only what aged out since, secrets masked, and
//! a failed fold costing the answer nothing.

use std::sync::Arc;

use firebreak::advisor::llm::client::LlmSettings;
use firebreak::core::engine::Engine;
use firebreak::core::incident::IncidentId;
use firebreak::core::ports::Store;
use firebreak::core::settings::EngineSettings;
use firebreak::core::timeline::Digest;
use firebreak::store::MemoryStore;
use firebreak_testkit::openai::{OpenAiServer, Reply as ModelReply};
use firebreak_testkit::{HttpTarget, Reply};
use serde_json::Value;

use crate::support::{
    answer_of, command, engine_on_store_with, health_tool, llm_advisor, message, question, scripted_llm, user_prompt,
};

const CHANNEL: &str = "inc-checkout";
const INCIDENT: u64 = 2001;
const STRUCTURED: &str =
    r#"{"hypotheses":[{"cause":"bad release","confidence":0.7,"incidents":["INC-1001"]}],"mitigations":["Roll back"]}"#;
/// The smallest budget the settings allow: a dozen or so lines of this conversation.
const HISTORY_TOKENS: usize = 200;

struct Channel {
    server: OpenAiServer,
    store: Arc<dyn Store>,
    engine: Engine,
    _target: HttpTarget,
}

/// A declared incident whose advisor is the LLM on a scripted server, with a small history
/// budget.
async fn declared() -> Channel {
    let server = OpenAiServer::start().await;
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(200, "ok"))]).await;
    let settings = LlmSettings { history_tokens: HISTORY_TOKENS, ..scripted_llm(&server) };
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let diagnostics = health_tool(&target.url(""), "[a-z-]+", true);
    let engine = engine_on_store_with(store.clone(), &diagnostics, llm_advisor(settings), EngineSettings::default());
    server.script(ModelReply::text(STRUCTURED));
    engine.handle(command(CHANNEL, "maya", "/incident declare Checkout 502s service: checkout")).await;
    Channel { server, store, engine, _target: target }
}

impl Channel {
    async fn say(&self, prefix: &str, count: usize) {
        for n in 0..count {
            self.engine.handle(message(CHANNEL, "sam", &format!("{prefix} {n:02} on the checkout pool"))).await;
        }
    }

    async fn digest(&self) -> Option<Digest> {
        self.store.digest(IncidentId::from_number(INCIDENT)).await.unwrap()
    }

    /// The timeline's lines as the model sees them.
    async fn lines(&self) -> Vec<String> {
        let timeline = self.store.timeline(IncidentId::from_number(INCIDENT)).await.unwrap();
        timeline.iter().map(|entry| entry.summary_line()).collect()
    }

    fn request(&self, index: usize) -> Value {
        self.server.chat_requests()[index].clone()
    }
}

#[tokio::test]
async fn older_turns_reach_the_model_folded_into_a_stored_summary_and_recent_turns_verbatim() {
    let channel = declared().await;
    channel
        .engine
        .handle(message(CHANNEL, "sam", "db is postgres://app:hunter2@db-1/orders, ping ana@example.com"))
        .await;
    channel.say("message", 30).await;
    channel.server.script(ModelReply::text("DIGEST-ONE: pool exhaustion suspected since the deploy."));
    channel.server.script(ModelReply::text("Raise the pool size."));

    let answer = answer_of(&channel.engine.handle(question(CHANNEL, "sam", "what now?")).await);

    let (fold, asked) = (user_prompt(&channel.request(1)), user_prompt(&channel.request(2)));
    assert!(fold.contains("Summary so far: (none yet)") && fold.contains("message 00"), "{fold}");
    assert!(!fold.contains("hunter2") && !fold.contains("ana@example.com"), "{fold}");
    assert!(fold.contains("[REDACTED]") && fold.contains("[EMAIL]"), "{fold}");
    assert_eq!(channel.request(1)["max_tokens"], HISTORY_TOKENS / 4);
    assert!(channel.request(1).get("tools").is_none());
    assert!(asked.contains("DIGEST-ONE") && asked.contains("message 29") && asked.contains("what now?"), "{asked}");
    assert!(!asked.contains("message 00") && !asked.contains("hunter2"), "{asked}");
    assert_eq!(answer, "Raise the pool size.");
    let stored = channel.digest().await.expect("the digest is stored with the incident");
    assert_eq!(stored.text, "DIGEST-ONE: pool exhaustion suspected since the deploy.");
    let lines = channel.lines().await;
    assert!(lines[..stored.covers].iter().any(|line| line.contains("message 00")));
    assert!(lines[stored.covers..].iter().any(|line| line.contains("message 29")), "recent turns are not folded");
}

#[tokio::test]
async fn the_next_fold_starts_from_the_stored_summary_and_takes_in_only_what_aged_out_since() {
    let channel = declared().await;
    channel.say("message", 30).await;
    channel.server.script(ModelReply::text("DIGEST-ONE"));
    channel.server.script(ModelReply::text("First answer."));
    channel.engine.handle(question(CHANNEL, "sam", "what now?")).await;
    let first = channel.digest().await.unwrap();
    channel.say("later", 20).await;
    channel.server.script(ModelReply::text("DIGEST-TWO"));
    channel.server.script(ModelReply::text("Second answer."));

    channel.engine.handle(question(CHANNEL, "sam", "and now?")).await;

    let fold = user_prompt(&channel.request(3));
    let lines = channel.lines().await;
    let second = channel.digest().await.unwrap();
    assert!(fold.contains("Summary so far: DIGEST-ONE"), "{fold}");
    assert!(second.covers > first.covers && second.text == "DIGEST-TWO", "{second:?}");
    for line in &lines[..first.covers] {
        assert!(!fold.contains(line.as_str()), "{line:?} was folded already: {fold}");
    }
    for line in &lines[first.covers..second.covers] {
        assert!(fold.contains(line.as_str()), "{line:?} aged out and is not folded: {fold}");
    }
    let asked = user_prompt(&channel.request(4));
    assert!(asked.contains("DIGEST-TWO") && !asked.contains("DIGEST-ONE") && asked.contains("later 19"), "{asked}");

    // What is left fits beside the summary: the next question and /summary fold nothing.
    channel.server.script(ModelReply::text("Third answer."));
    channel.server.script(ModelReply::text("Catch-up."));
    channel.engine.handle(question(CHANNEL, "sam", "anything else?")).await;
    channel.engine.handle(command(CHANNEL, "ana", "/summary")).await;
    assert_eq!(channel.server.chat_requests().len(), 7, "one request each");
    assert!(user_prompt(&channel.request(6)).contains("Earlier: DIGEST-TWO"));
    assert_eq!(channel.digest().await, Some(second));
}

#[tokio::test]
async fn a_failed_fold_leaves_the_answer_to_what_fits_and_nothing_stored_is_lost() {
    let channel = declared().await;
    channel.say("message", 30).await;
    channel.server.script(ModelReply::status(500, None));
    channel.server.script(ModelReply::text("Raise the pool size."));

    let answer = answer_of(&channel.engine.handle(question(CHANNEL, "sam", "what now?")).await);

    let asked = user_prompt(&channel.request(2));
    assert_eq!(answer, "Raise the pool size.", "the model answered, not the fallback");
    assert!(asked.contains("message 29") && !asked.contains("message 00"), "{asked}");
    assert!(!asked.contains("Earlier in the channel"), "{asked}");
    assert_eq!(channel.digest().await, None);
    assert!(channel.lines().await.iter().any(|line| line.contains("message 00")), "the timeline is untouched");

    channel.server.script(ModelReply::text("DIGEST"));
    channel.server.script(ModelReply::text("Still the pool."));
    channel.engine.handle(question(CHANNEL, "sam", "and now?")).await;
    assert!(user_prompt(&channel.request(3)).contains("message 00"), "the next turn folds what was left");
    assert_eq!(channel.digest().await.map(|digest| digest.text), Some("DIGEST".to_owned()));
}
