//! Runs `LocalLlm`, the real SmolLM2-135M-Instruct server, over plain HTTP: a chat answer at
//! temperature 0, a named tool call whose arguments match the tool's schema, a
//! `max_completion_tokens` limit honoured through the server's rewrite layer, and all-MiniLM-L6-v2
//! embeddings that place "kitten" nearer to "cat" than "stocks". Asserts the plumbing, never the
//! wording: a 135M model has no judgement to test.

use std::time::Duration;

use firebreak_testkit::LocalLlm;
use serde_json::{Value, json};

/// Posts `body` as JSON to `path` under the server's API base and returns the parsed answer,
/// panicking on anything but 200.
async fn post(client: &reqwest::Client, llm: &LocalLlm, path: &str, body: Value) -> Value {
    let response = client
        .post(format!("{}{path}", llm.base_url()))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|error| panic!("POST {path}: {error}"));
    let status = response.status();
    let text = response.text().await.expect("read the answer");
    assert_eq!(status, 200, "POST {path} answered {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("POST {path} answered no JSON ({error}): {text}"))
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot = a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

#[tokio::test]
async fn serves_chat_tool_calls_token_limits_and_embeddings() {
    let llm = LocalLlm::start();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("build an HTTP client");
    assert!(!llm.model().is_empty(), "GET /v1/models lists a model id");

    // A plain chat answer at temperature 0.
    let answer = post(
        &client,
        &llm,
        "/chat/completions",
        json!({
            "model": llm.model(),
            "temperature": 0,
            "max_tokens": 64,
            "messages": [
                {"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Say hello to the on-call engineer."}
            ]
        }),
    )
    .await;
    let content = answer["choices"][0]["message"]["content"].as_str().unwrap_or_default();
    assert!(!content.trim().is_empty(), "a non-empty answer: {answer}");

    // One tool, named in `tool_choice`: a call whose arguments match the tool's schema.
    let answer = post(
        &client,
        &llm,
        "/chat/completions",
        json!({
            "model": llm.model(),
            "temperature": 0,
            "messages": [{"role": "user", "content": "Is api.example.com resolving? Check its DNS."}],
            "tools": [{
                "type": "function",
                "function": {
                    "name": "dns_lookup",
                    "description": "Resolve a host name and return its addresses.",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "host": {"type": "string", "description": "The host name to resolve."},
                            "record": {"type": "string", "enum": ["A", "AAAA", "CNAME"]}
                        },
                        "required": ["host", "record"]
                    }
                }
            }],
            "tool_choice": {"type": "function", "function": {"name": "dns_lookup"}}
        }),
    )
    .await;
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function", "a tool call: {answer}");
    assert_eq!(call["function"]["name"], "dns_lookup", "the named tool: {answer}");
    let arguments = call["function"]["arguments"].as_str().expect("arguments are a JSON string");
    let arguments: Value = serde_json::from_str(arguments).expect("arguments parse as JSON");
    let arguments = arguments.as_object().expect("arguments are an object");
    assert!(arguments["host"].is_string(), "host is a string: {arguments:?}");
    assert!(["A", "AAAA", "CNAME"].contains(&arguments["record"].as_str().unwrap_or_default()), "{arguments:?}");
    assert!(arguments.keys().all(|key| key == "host" || key == "record"), "only the schema's keys: {arguments:?}");

    // `max_completion_tokens` (what async-openai sends) caps the answer through the rewrite.
    let answer = post(
        &client,
        &llm,
        "/chat/completions",
        json!({
            "model": llm.model(),
            "temperature": 0,
            "max_completion_tokens": 8,
            "messages": [{"role": "user", "content": "Write a long story about a dragon who runs a data centre."}]
        }),
    )
    .await;
    assert_eq!(answer["choices"][0]["finish_reason"], "length", "stopped by the limit: {answer}");
    let completion_tokens = answer["usage"]["completion_tokens"].as_u64().expect("usage.completion_tokens");
    assert!(completion_tokens <= 8, "at most 8 tokens: {answer}");

    // Embeddings: OpenAI's shape, 384 dimensions, meaning over spelling.
    let answer =
        post(&client, &llm, "/embeddings", json!({"model": "all-MiniLM-L6-v2", "input": ["cat", "kitten", "stocks"]}))
            .await;
    assert_eq!(answer["object"], "list", "{answer}");
    let vectors = answer["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .enumerate()
        .map(|(index, item)| {
            assert_eq!(item["object"], "embedding");
            assert_eq!(item["index"], index);
            item["embedding"].as_array().expect("a vector").iter().map(|x| x.as_f64().expect("a number")).collect()
        })
        .collect::<Vec<Vec<f64>>>();
    assert_eq!(vectors.len(), 3);
    assert!(vectors.iter().all(|vector| vector.len() == 384), "384 dimensions");
    let (kitten, stocks) = (cosine(&vectors[0], &vectors[1]), cosine(&vectors[0], &vectors[2]));
    assert!(kitten > stocks, "cos(cat, kitten) = {kitten} > cos(cat, stocks) = {stocks}");
}
