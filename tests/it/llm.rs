//! The LLM advisor through the real async-openai client against the scripted OpenAI-compatible
//! test server: what the prompt holds (similar incidents, evidence, no secrets), structured
//! answers checked against what the model was shown, tool calls running real diagnostics, the
//! step budget, the offline fallback on 429, 500, timeouts and garbage, and Azure OpenAI's
//! request shape (deployment path, `api-version`, `api-key` header).

use std::time::Duration;

use firebreak::advisor::llm::client::{LlmSettings, Provider};
use firebreak::core::engine::Engine;
use firebreak::core::settings::EngineSettings;
use firebreak_testkit::openai::{OpenAiServer, Reply as ModelReply};
use firebreak_testkit::{HttpTarget, Reply};
use serde_json::json;

use crate::support::{
    command, engine_with, health_tool, llm_advisor, message, question, scripted_llm, text_of, user_prompt,
};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout 502s right after the checkout-svc deploy severity: sev2 service: checkout source: machine";

/// An engine whose advisor is the LLM (falling back offline) on `server`, with a `health` tool
/// against `target` run by a handler on declaration.
fn engine(server: &OpenAiServer, target: &HttpTarget, step_budget: usize) -> Engine {
    let settings = llm_settings(server, step_budget);
    engine_with(&health_tool(&target.url(""), "[a-z-]+", true), llm_advisor(settings), EngineSettings::default())
}

/// The scripted model on `server`, quick to give up, with this many steps per answer.
fn llm_settings(server: &OpenAiServer, step_budget: usize) -> LlmSettings {
    LlmSettings { step_budget, ..scripted_llm(server) }
}

async fn target() -> HttpTarget {
    HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await
}

const STRUCTURED: &str = r#"{"hypotheses":[{"cause":"checkout-svc release lowered the keep-alive timeout","confidence":0.8,"incidents":["INC-1001","INC-4242"],"evidence":["health","imaginary_tool"]}],"mitigations":["Roll back checkout-svc"],"next_checks":["Compare error rate before and after the deploy"]}"#;

#[tokio::test]
async fn the_first_response_prompt_holds_similar_incidents_and_evidence_and_citations_are_checked() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let engine = engine(&server, &target, 3);
    server.script(ModelReply::text(format!("Here is my analysis:\n{STRUCTURED}")));

    let replies = text_of(&engine.handle(command(CHANNEL, "maya", DECLARE)).await);

    let request = &server.chat_requests()[0];
    let prompt = user_prompt(request);
    assert!(prompt.contains("INC-1001") && prompt.contains("[health] ok: GET"), "{prompt}");
    assert_eq!(request["model"], server.model());
    assert!(request.get("tools").is_none(), "the first response needs no tools: evidence is gathered already");
    assert!(
        replies.contains(
            "checkout-svc release lowered the keep-alive timeout — confidence 0.80 (high) (INC-1001, evidence health)"
        ),
        "{replies}"
    );
    assert!(!replies.contains("INC-4242") && !replies.contains("imaginary_tool"), "{replies}");
    assert!(replies.contains("- Roll back checkout-svc") && replies.contains("LLM advisor"), "{replies}");
}

#[tokio::test]
async fn an_unparseable_first_response_is_retried_once_then_shown_as_text() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let engine = engine(&server, &target, 3);
    server.script(ModelReply::text("It is probably the deploy."));
    server.script(ModelReply::text("Really, the deploy."));

    let replies = text_of(&engine.handle(command(CHANNEL, "maya", DECLARE)).await);

    assert_eq!(server.chat_requests().len(), 2);
    let retry = server.chat_requests()[1]["messages"].as_array().unwrap().last().unwrap().clone();
    assert!(retry["content"].as_str().unwrap().contains("not the JSON object"), "{retry}");
    assert!(
        replies.contains("The model's answer (unstructured)") && replies.contains("Really, the deploy."),
        "{replies}"
    );
}

#[tokio::test]
async fn secrets_and_email_addresses_never_reach_the_model() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let engine = engine(&server, &target, 3);
    server.script(ModelReply::text(STRUCTURED));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "db is postgres://app:hunter2@db-1/orders, ping ana@example.com")).await;
    server.script(ModelReply::text("Check the database."));

    engine.handle(question(CHANNEL, "sam", "what should we look at?")).await;

    let sent = serde_json::to_string(&server.chat_requests()).unwrap();
    assert!(!sent.contains("hunter2") && !sent.contains("ana@example.com"), "{sent}");
    assert!(sent.contains("[REDACTED]") && sent.contains("[EMAIL]"), "{sent}");
}

#[tokio::test]
async fn tool_calls_run_real_diagnostics_and_the_answer_says_what_ran() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let engine = engine(&server, &target, 3);
    server.script(ModelReply::text(STRUCTURED));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    server.script(ModelReply::tool_calls([("health", json!({ "service": "checkout" }))]));
    server.script(ModelReply::text("Checkout still answers 503; roll back."));

    let replies = text_of(&engine.handle(question(CHANNEL, "sam", "what do you see on checkout?")).await);
    let evidence = text_of(&engine.handle(command(CHANNEL, "sam", "/evidence")).await);

    let requests = server.chat_requests();
    assert_eq!(requests[1]["tools"][0]["function"]["name"], "health");
    assert_eq!(requests[1]["tool_choice"], "auto");
    let tool_result = requests[2]["messages"].as_array().unwrap().iter().find(|m| m["role"] == "tool").unwrap().clone();
    assert!(tool_result["content"].as_str().unwrap().contains("503"), "{tool_result}");
    assert_eq!(requests[2]["messages"].as_array().unwrap().iter().filter(|m| m["role"] == "assistant").count(), 1);
    assert!(replies.starts_with("Ran `health` (ok)") && replies.contains("roll back"), "{replies}");
    assert!(evidence.contains("(2 runs, newest first)"), "the handler's run and the model's: {evidence}");
}

#[tokio::test]
async fn the_investigation_loop_stops_at_its_budget_and_repeated_calls_do_not_run_again() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let engine = engine(&server, &target, 2);
    server.script(ModelReply::text(STRUCTURED));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    for _ in 0..2 {
        server.script(ModelReply::tool_calls([("health", json!({ "service": "checkout" }))]));
    }
    server.script(ModelReply::text("Final answer with what I have."));

    let replies = text_of(&engine.handle(question(CHANNEL, "sam", "keep checking checkout")).await);
    let evidence = text_of(&engine.handle(command(CHANNEL, "sam", "/evidence")).await);

    let requests = server.chat_requests();
    assert_eq!(requests.len(), 1 + 2 + 1, "first response, two tool rounds, one final answer");
    assert!(requests[3].get("tools").is_none(), "the final request offers no tools");
    assert!(replies.contains("Final answer with what I have."), "{replies}");
    assert_eq!(evidence.matches("✓").count(), 2, "the repeated call ran once (plus the handler's run): {evidence}");
}

#[tokio::test]
async fn rate_limits_server_errors_timeouts_and_garbage_fall_back_to_the_offline_advisor() {
    let failures = [
        ModelReply::status(429, None),
        ModelReply::status(500, None),
        ModelReply::delay(Duration::from_secs(4), ModelReply::text(STRUCTURED)),
        ModelReply::garbage("not json {"),
        ModelReply::empty_choices(),
    ];
    for failure in failures {
        let (server, target) = (OpenAiServer::start().await, target().await);
        let engine = engine(&server, &target, 2);
        server.script(failure);

        let replies = text_of(&engine.handle(command(CHANNEL, "maya", DECLARE)).await);

        assert!(replies.contains("offline advisor answered: the LLM failed this turn"), "{replies}");
        assert!(replies.contains("Likely root causes") && replies.contains("INC-1001"), "{replies}");
    }
}

#[tokio::test]
async fn a_question_naming_a_tool_requires_that_tool_first_then_lets_the_model_choose() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let engine = engine(&server, &target, 3);
    server.script(ModelReply::text(STRUCTURED));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    server.script(ModelReply::tool_calls([("health", json!({ "service": "checkout" }))]));
    server.script(ModelReply::text("503 again."));

    engine.handle(question(CHANNEL, "sam", "run health for checkout")).await;

    let requests = server.chat_requests();
    assert_eq!(requests[1]["tool_choice"], json!({ "type": "function", "function": { "name": "health" } }));
    assert_eq!(requests[2]["tool_choice"], "auto");
}

#[tokio::test]
async fn an_azure_advisor_asks_its_deployment_with_the_api_version_and_api_key_header() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let settings = LlmSettings {
        provider: Provider::Azure,
        base_url: Some(server.azure_endpoint()),
        api_key: Some(server.api_key().to_owned()),
        model: "incident-gpt".to_owned(),
        azure_api_version: "2024-10-21".to_owned(),
        timeout_secs: 2,
        retries: 0,
        ..LlmSettings::default()
    };
    let engine =
        engine_with(&health_tool(&target.url(""), "[a-z-]+", true), llm_advisor(settings), EngineSettings::default());
    server.script(ModelReply::text(STRUCTURED));

    let replies = text_of(&engine.handle(command(CHANNEL, "maya", DECLARE)).await);

    let request = &server.requests()[0];
    assert_eq!(
        (request.path.as_str(), request.query.as_deref()),
        ("/openai/deployments/incident-gpt/chat/completions", Some("api-version=2024-10-21"))
    );
    assert_eq!(request.header("api-key"), Some(server.api_key()));
    assert_eq!(request.header("authorization"), None, "Azure takes the key as api-key, not a bearer token");
    assert_eq!(request.status, 200);
    assert!(replies.contains("checkout-svc release lowered the keep-alive timeout"), "{replies}");
    assert!(replies.contains("LLM advisor · incident-gpt") && !replies.contains("the LLM failed"), "{replies}");
}

#[tokio::test]
async fn a_model_asked_by_someone_without_a_responder_role_runs_no_tool_and_the_refusal_is_recorded() {
    let (server, target) = (OpenAiServer::start().await, target().await);
    let settings = EngineSettings {
        responder_roles: vec![firebreak::core::settings::ResponderRole::id("sre")],
        ..EngineSettings::default()
    };
    let engine =
        engine_with(&health_tool(&target.url(""), "[a-z-]+", false), llm_advisor(llm_settings(&server, 3)), settings);
    server.script(ModelReply::text(STRUCTURED));
    let mut declare = command(CHANNEL, "maya", DECLARE);
    declare.roles = vec!["sre".into()];
    engine.handle(declare).await;
    server.script(ModelReply::tool_calls([("health", json!({ "service": "checkout" }))]));
    server.script(ModelReply::text("Nothing new from me."));

    let replies = text_of(&engine.handle(question(CHANNEL, "guest", "what do you see on checkout?")).await);
    let evidence = text_of(&engine.handle(command(CHANNEL, "guest", "/evidence")).await);
    let timeline = text_of(&engine.handle(command(CHANNEL, "guest", "/timeline")).await);

    let tool_result =
        server.chat_requests()[2]["messages"].as_array().unwrap().iter().find(|m| m["role"] == "tool").cloned();
    assert!(tool_result.unwrap()["content"].as_str().unwrap().contains("refused"), "the model is told it was refused");
    assert!(replies.contains("Nothing new from me."), "{replies}");
    assert_eq!(evidence, firebreak::core::replies::NO_EVIDENCE, "nothing ran");
    assert!(
        timeline.contains("ran health, which failed: refused: running diagnostics needs one of these roles: sre"),
        "{timeline}"
    );
}

const NARRATIVE: &str = r#"{"summary":"A release lowered the keep-alive timeout and checkout answered 502s for 40 minutes.","impact":"About a third of checkouts failed.","analysis":"The ingress reused sockets the pods had closed.","lessons":["Canary releases would have caught it","We were lucky it was a weekday"]}"#;

/// Declares, resolves and asks for the postmortem; returns the draft and the model's prompt for it.
async fn postmortem(server: &OpenAiServer, narrative: ModelReply) -> (String, String) {
    let target = target().await;
    let engine = engine(server, &target, 3);
    server.script(ModelReply::text(STRUCTURED));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    let resolve = "/incident resolve root_cause: keep-alive timeout of 5s from release 7.42, api_key=sk-live-abcdefghijklmnopqrstuv mitigation: rolled back";
    engine.handle(command(CHANNEL, "maya", resolve)).await;
    server.script(narrative);
    let draft = text_of(&engine.handle(command(CHANNEL, "maya", "/postmortem")).await);
    let prompt = user_prompt(server.chat_requests().last().unwrap());
    (draft, prompt)
}

#[tokio::test]
async fn the_postmortem_narrative_is_written_by_the_model_from_the_record_with_secrets_masked() {
    let server = OpenAiServer::start().await;

    let (draft, prompt) = postmortem(&server, ModelReply::text(format!("```json\n{NARRATIVE}\n```"))).await;

    assert!(prompt.contains("Recorded root cause: keep-alive timeout of 5s"), "{prompt}");
    assert!(
        prompt.contains("set the status to resolved") && !prompt.contains("sk-live-abcdefghijklmnopqrstuv"),
        "{prompt}"
    );
    assert!(draft.contains("## Summary\n\nA release lowered the keep-alive timeout"), "{draft}");
    assert!(draft.contains("- Canary releases would have caught it"), "{draft}");
    assert!(draft.contains("keep-alive timeout of 5s from release 7.42"), "the recorded cause is kept: {draft}");
    assert!(!draft.contains("sk-live-abcdefghijklmnopqrstuv") && draft.contains("the narrative by the llm advisor"));
}

#[tokio::test]
async fn an_unreadable_postmortem_narrative_falls_back_to_the_offline_template() {
    let server = OpenAiServer::start().await;

    let (draft, _) = postmortem(&server, ModelReply::text("Sure! Here is a lovely postmortem in prose.")).await;

    assert!(draft.contains("## Summary\n\nINC-2001 — Checkout 502s"), "the offline template: {draft}");
    assert!(draft.contains("offline advisor answered: the LLM failed this turn"), "{draft}");
}
