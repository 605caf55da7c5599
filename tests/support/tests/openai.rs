//! Runs the real async-openai 0.43 client against `OpenAiServer`: scripted answers, tool calls,
//! errors, delays and broken bodies reach the client as they would from OpenAI, the server
//! records what the client really sent, and the client's own habits show: it retries 429 and 5xx
//! three times unless told otherwise, waits out `Retry-After` however long, does not retry a
//! timeout, and reports a body it cannot parse as `JSONDeserialize`. Azure OpenAI's dialect
//! (deployment paths, `api-version`, `api-key`) reaches the same chat and embeddings.

use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::{AzureConfig, OpenAIConfig};
use async_openai::error::{ApiErrorResponse, OpenAIError};
use async_openai::middleware::ReqwestService;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage, ChatCompletionRequestUserMessage,
    ChatCompletionTool, ChatCompletionToolChoiceOption, ChatCompletionTools, CreateChatCompletionRequest,
    CreateChatCompletionRequestArgs, FinishReason, FunctionObject, ToolChoiceOptions,
};
use async_openai::types::embeddings::CreateEmbeddingRequestArgs;
use firebreak_testkit::openai::{
    CHAT_COMPLETIONS_PATH, EMBEDDING_DIMENSIONS, EMBEDDINGS_PATH, OpenAiServer, Options, Reply, bag_of_words_embedding,
};
use serde_json::{Value, json};
use tower::Layer;

/// The model the tests ask for.
const MODEL: &str = "gpt-4o-mini";

fn config(server: &OpenAiServer) -> OpenAIConfig {
    OpenAIConfig::new().with_api_base(server.base_url()).with_api_key(server.api_key())
}

/// The client as `Client::with_config` makes it, with async-openai's built-in retries.
fn default_client(server: &OpenAiServer) -> Client<OpenAIConfig> {
    Client::with_config(config(server))
}

/// A client that retries 429 and 5xx at most `retries` times: async-openai's own retry layer
/// with a chosen bound, around its plain reqwest transport.
fn client_with_retries(server: &OpenAiServer, retries: usize) -> Client<OpenAIConfig> {
    let transport = OpenAIRetryLayer::new(retries).layer(ReqwestService::new(reqwest::Client::new()));
    Client::with_config(config(server)).with_http_service(transport)
}

fn user(text: &str) -> ChatCompletionRequestMessage {
    ChatCompletionRequestUserMessage::from(text).into()
}

fn tool_result(call_id: &str, content: &str) -> ChatCompletionRequestMessage {
    ChatCompletionRequestToolMessage { content: content.into(), tool_call_id: call_id.to_owned() }.into()
}

fn chat(messages: Vec<ChatCompletionRequestMessage>) -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default().model(MODEL).messages(messages).build().expect("a valid chat request")
}

fn api_error(error: OpenAIError) -> ApiErrorResponse {
    match error {
        OpenAIError::ApiError(error) => error,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn a_scripted_text_answer_comes_back_and_the_request_is_recorded_as_sent() {
    let server = OpenAiServer::start().await;
    server.script(Reply::text("Roll back deploy 42 of checkout."));
    let request = CreateChatCompletionRequestArgs::default()
        .model(MODEL)
        .messages(vec![
            ChatCompletionRequestSystemMessage::from("You are an incident responder.").into(),
            user("Checkout errors spiked after deploy 42."),
        ])
        .temperature(0.0_f32)
        .max_completion_tokens(200_u32)
        .build()
        .expect("a valid chat request");

    let response = default_client(&server).chat().create(request).await.expect("the scripted answer");

    assert_eq!(response.object, "chat.completion");
    assert_eq!(response.model, MODEL);
    assert_eq!(response.choices.len(), 1);
    assert_eq!(response.choices[0].message.content.as_deref(), Some("Roll back deploy 42 of checkout."));
    assert_eq!(response.choices[0].message.tool_calls, None);
    assert_eq!(response.choices[0].finish_reason, Some(FinishReason::Stop));
    let usage = response.usage.expect("usage");
    // Words: "system" + 5 + "user" + 6 in the prompt, 6 in the answer.
    assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (13, 6, 19));
    // The whole body, so a field the client adds unasked (max_tokens, stream, n) fails the test.
    assert_eq!(
        server.chat_requests(),
        vec![json!({
            "messages": [
                { "role": "system", "content": "You are an incident responder." },
                { "role": "user", "content": "Checkout errors spiked after deploy 42." },
            ],
            "model": MODEL,
            "temperature": 0.0,
            "max_completion_tokens": 200,
        })]
    );
    let recorded = &server.requests()[0];
    assert_eq!(
        (recorded.method.as_str(), recorded.path.as_str(), recorded.status),
        ("POST", CHAT_COMPLETIONS_PATH, 200)
    );
    assert_eq!(recorded.header("Authorization"), Some(format!("Bearer {}", server.api_key()).as_str()));
    assert_eq!(recorded.header("content-type"), Some("application/json"));
    assert_eq!(server.remaining_script(), 0);
}

#[tokio::test]
async fn scripted_tool_calls_are_parsed_and_the_tool_results_sent_back_are_recorded() {
    let server = OpenAiServer::start().await;
    server.script(Reply::tool_calls(vec![
        ("error_ratio", json!({ "service": "checkout" })),
        ("recent_deploys", json!({ "service": "checkout", "limit": 3 })),
    ]));
    server.script(Reply::text("Deploy 42 raised the error ratio to 12%."));
    let parameters = json!({
        "type": "object",
        "properties": { "service": { "type": "string" } },
        "required": ["service"],
    });
    let tools: Vec<ChatCompletionTools> = ["error_ratio", "recent_deploys"]
        .into_iter()
        .map(|name| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: name.to_owned(),
                    description: Some(format!("Reads {name} of a service.")),
                    parameters: Some(parameters.clone()),
                    strict: None,
                },
            })
        })
        .collect();
    let ask = |messages: Vec<ChatCompletionRequestMessage>| {
        CreateChatCompletionRequestArgs::default()
            .model(MODEL)
            .messages(messages)
            .tools(tools.clone())
            .tool_choice(ChatCompletionToolChoiceOption::Mode(ToolChoiceOptions::Auto))
            .build()
            .expect("a valid chat request")
    };
    let client = default_client(&server);
    let mut messages = vec![user("Why is checkout failing?")];

    let first = client.chat().create(ask(messages.clone())).await.expect("the scripted tool calls");
    let message = &first.choices[0].message;
    assert_eq!(first.choices[0].finish_reason, Some(FinishReason::ToolCalls));
    assert_eq!(message.content, None);
    let calls: Vec<(String, String, Value)> = message
        .tool_calls
        .iter()
        .flatten()
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(call) => (
                call.id.clone(),
                call.function.name.clone(),
                serde_json::from_str(&call.function.arguments).expect("arguments are a JSON string"),
            ),
            ChatCompletionMessageToolCalls::Custom(call) => panic!("a function call was scripted, got {call:?}"),
        })
        .collect();
    assert_eq!(
        calls,
        vec![
            ("call_1".to_owned(), "error_ratio".to_owned(), json!({ "service": "checkout" })),
            ("call_2".to_owned(), "recent_deploys".to_owned(), json!({ "service": "checkout", "limit": 3 })),
        ]
    );

    messages.push(
        ChatCompletionRequestAssistantMessage { tool_calls: message.tool_calls.clone(), ..Default::default() }.into(),
    );
    messages.push(tool_result("call_1", "12% of requests fail"));
    messages.push(tool_result("call_2", "deploy 42 at 10:02"));
    let second = client.chat().create(ask(messages)).await.expect("the scripted answer");

    assert_eq!(second.choices[0].message.content.as_deref(), Some("Deploy 42 raised the error ratio to 12%."));
    let sent = server.chat_requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["tool_choice"], "auto");
    assert_eq!(
        sent[0]["tools"][0],
        json!({
            "type": "function",
            "function": { "name": "error_ratio", "description": "Reads error_ratio of a service.", "parameters": parameters },
        })
    );
    // The assistant turn goes back without `content` (not even ""), as async-openai serializes it.
    assert_eq!(
        sent[1]["messages"][1],
        json!({
            "role": "assistant",
            "tool_calls": [
                { "id": "call_1", "type": "function", "function": { "name": "error_ratio", "arguments": "{\"service\":\"checkout\"}" } },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": { "name": "recent_deploys", "arguments": "{\"limit\":3,\"service\":\"checkout\"}" },
                },
            ],
        })
    );
    assert_eq!(
        sent[1]["messages"][2],
        json!({ "role": "tool", "content": "12% of requests fail", "tool_call_id": "call_1" })
    );
    assert_eq!(
        sent[1]["messages"][3],
        json!({ "role": "tool", "content": "deploy 42 at 10:02", "tool_call_id": "call_2" })
    );
}

#[tokio::test]
async fn tool_arguments_that_are_not_json_reach_the_client_as_sent() {
    let server = OpenAiServer::start().await;
    server.script(Reply::tool_calls_raw(vec![("error_ratio", "{\"service\": ")]));

    let response =
        default_client(&server).chat().create(chat(vec![user("Check checkout.")])).await.expect("a completion");

    let Some(ChatCompletionMessageToolCalls::Function(call)) =
        response.choices[0].message.tool_calls.as_ref().and_then(|calls| calls.first())
    else {
        panic!("expected a function call, got {:?}", response.choices[0].message);
    };
    assert_eq!(call.function.arguments, "{\"service\": ");
    assert!(serde_json::from_str::<Value>(&call.function.arguments).is_err());
}

#[tokio::test]
async fn tool_messages_that_answer_no_call_or_leave_a_call_unanswered_are_refused_as_openai_does() {
    let server = OpenAiServer::start().await;
    server.script(Reply::text("never sent"));
    let client = client_with_retries(&server, 0);
    let assistant_calling = serde_json::from_value::<ChatCompletionRequestMessage>(json!({
        "role": "assistant",
        "tool_calls": [{ "id": "call_7", "type": "function", "function": { "name": "error_ratio", "arguments": "{}" } }],
    }))
    .expect("an assistant message with a tool call");

    let stray = client.chat().create(chat(vec![user("Hi"), tool_result("call_7", "12%")])).await;
    let unanswered = client.chat().create(chat(vec![user("Hi"), assistant_calling, user("And?")])).await;

    let stray = api_error(stray.expect_err("a tool message without a call is refused"));
    assert_eq!(stray.status_code.as_u16(), 400);
    assert_eq!(stray.api_error.param.as_deref(), Some("messages.[1].role"));
    let unanswered = api_error(unanswered.expect_err("an unanswered call is refused"));
    assert_eq!(unanswered.status_code.as_u16(), 400);
    assert!(unanswered.api_error.message.ends_with("did not have response messages: call_7"), "{unanswered}");
    assert_eq!(server.remaining_script(), 1, "a refused request takes no scripted reply");
}

#[tokio::test]
async fn a_rate_limit_surfaces_as_an_api_error_when_retries_are_off() {
    let server = OpenAiServer::start().await;
    server.script(Reply::status(429, Some(7)));

    let error = client_with_retries(&server, 0).chat().create(chat(vec![user("Hi")])).await.expect_err("a 429");

    let error = api_error(error);
    assert_eq!(error.status_code.as_u16(), 429);
    assert_eq!(error.api_error.r#type.as_deref(), Some("requests"));
    assert_eq!(error.api_error.code.as_deref(), Some("rate_limit_exceeded"));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_server_error_surfaces_with_its_raw_body_as_the_message() {
    let server = OpenAiServer::start().await;
    server.script(Reply::status(500, None));

    let error = client_with_retries(&server, 0).chat().create(chat(vec![user("Hi")])).await.expect_err("a 500");

    // async-openai does not parse 5xx bodies: the whole JSON text becomes the message.
    let error = api_error(error);
    assert_eq!(error.status_code.as_u16(), 500);
    assert_eq!(error.api_error.r#type, None);
    let body: Value = serde_json::from_str(&error.api_error.message).expect("the raw OpenAI error body");
    assert_eq!(body["error"]["type"], "server_error");
}

#[tokio::test]
async fn the_default_client_retries_a_server_error_three_times_with_backoff() {
    let server = OpenAiServer::start().await;
    for _ in 0..4 {
        server.script(Reply::status(500, None));
    }
    let started = Instant::now();

    let error = default_client(&server).chat().create(chat(vec![user("Hi")])).await.expect_err("four 500s");

    assert_eq!(api_error(error).status_code.as_u16(), 500);
    assert_eq!(server.requests().iter().map(|request| request.status).collect::<Vec<_>>(), vec![500; 4]);
    // 100 + 200 + 400 ms of backoff between the four attempts.
    assert!(started.elapsed() >= Duration::from_millis(700), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_default_client_hides_a_rate_limit_by_retrying_after_retry_after() {
    let server = OpenAiServer::start().await;
    server.script(Reply::status(429, Some(0)));
    server.script(Reply::text("ok"));

    let response = default_client(&server).chat().create(chat(vec![user("Hi")])).await.expect("the retry's answer");

    assert_eq!(response.choices[0].message.content.as_deref(), Some("ok"));
    assert_eq!(server.requests().iter().map(|request| request.status).collect::<Vec<_>>(), vec![429, 200]);
}

#[tokio::test]
async fn the_default_client_waits_out_a_long_retry_after_so_only_an_outer_timeout_bounds_the_call() {
    let server = OpenAiServer::start().await;
    server.script(Reply::status(429, Some(30)));
    let client = default_client(&server);

    let outcome = tokio::time::timeout(Duration::from_millis(300), client.chat().create(chat(vec![user("Hi")]))).await;

    assert!(outcome.is_err(), "the client was still waiting to retry: {outcome:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_exhausted_quota_is_not_retried_by_the_default_client() {
    let server = OpenAiServer::start().await;
    server.script(Reply::quota_exceeded());
    server.script(Reply::text("never sent"));

    let error = default_client(&server).chat().create(chat(vec![user("Hi")])).await.expect_err("a 429");

    let error = api_error(error);
    assert_eq!(error.status_code.as_u16(), 429);
    assert_eq!(error.api_error.code.as_deref(), Some("insufficient_quota"));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.remaining_script(), 1);
}

#[tokio::test]
async fn a_retry_layer_bounded_to_one_retry_sends_the_request_twice() {
    let server = OpenAiServer::start().await;
    server.script(Reply::status(503, None));
    server.script(Reply::status(503, None));
    server.script(Reply::text("never sent"));

    let error = client_with_retries(&server, 1).chat().create(chat(vec![user("Hi")])).await.expect_err("two 503s");

    assert_eq!(api_error(error).status_code.as_u16(), 503);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.remaining_script(), 1);
}

#[tokio::test]
async fn a_reply_slower_than_the_client_timeout_fails_once_with_a_timeout_error() {
    let server = OpenAiServer::start().await;
    server.script(Reply::delay(Duration::from_secs(2), Reply::text("too late")));
    let http = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().expect("a reqwest client");
    let client = Client::with_config(config(&server)).with_http_client(http);
    let started = Instant::now();

    let error = client.chat().create(chat(vec![user("Hi")])).await.expect_err("a timeout");

    assert!(matches!(&error, OpenAIError::Reqwest(error) if error.is_timeout()), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(server.requests().len(), 1, "a timeout is not retried");
}

#[tokio::test]
async fn a_request_is_recorded_while_its_delayed_reply_is_still_pending() {
    let server = OpenAiServer::start().await;
    server.script(Reply::delay(Duration::from_millis(300), Reply::text("later")));
    let client = default_client(&server);
    let call = tokio::spawn(async move { client.chat().create(chat(vec![user("Hi")])).await });

    let requests = server.wait_for_requests(1, Duration::from_secs(2)).await;

    assert!(!call.is_finished(), "the reply is still delayed");
    assert_eq!(requests[0].body["messages"][0]["content"], "Hi");
    let response = call.await.expect("the call task").expect("the delayed answer");
    assert_eq!(response.choices[0].message.content.as_deref(), Some("later"));
}

#[tokio::test]
async fn an_unparseable_body_is_a_deserialize_error_carrying_the_body() {
    let server = OpenAiServer::start().await;
    server.script(Reply::garbage("not json {"));

    let error = default_client(&server).chat().create(chat(vec![user("Hi")])).await.expect_err("garbage");

    assert!(matches!(&error, OpenAIError::JSONDeserialize(_, body) if body == "not json {"), "{error:?}");
    assert_eq!(server.requests().len(), 1, "a 200 is not retried");
}

#[tokio::test]
async fn empty_choices_come_back_as_a_successful_completion_without_choices() {
    let server = OpenAiServer::start().await;
    server.script(Reply::empty_choices());

    let response = default_client(&server).chat().create(chat(vec![user("Hi")])).await.expect("a completion");

    assert!(response.choices.is_empty());
    assert_eq!(response.usage.map(|usage| usage.completion_tokens), Some(0));
}

#[tokio::test]
async fn a_request_beyond_the_script_gets_a_500_saying_no_reply_is_left() {
    let server = OpenAiServer::start().await;

    let error = client_with_retries(&server, 0).chat().create(chat(vec![user("Hi")])).await.expect_err("a 500");

    let error = api_error(error);
    assert_eq!(error.status_code.as_u16(), 500);
    assert!(error.api_error.message.contains("no scripted reply left"), "{error}");
}

#[tokio::test]
async fn streaming_is_refused_with_a_400_that_says_so() {
    let server = OpenAiServer::start().await;
    server.script(Reply::text("never sent"));

    let outcome = default_client(&server).chat().create_stream(chat(vec![user("Hi")])).await;

    let error = api_error(outcome.err().expect("streaming is refused"));
    assert_eq!(error.status_code.as_u16(), 400);
    assert_eq!(error.api_error.param.as_deref(), Some("stream"));
    assert!(error.api_error.message.contains("does not stream"), "{error}");
    assert_eq!(server.chat_requests()[0]["stream"], true);
    assert_eq!(server.remaining_script(), 1);
}

#[tokio::test]
async fn a_wrong_api_key_gets_a_401_and_takes_no_scripted_reply() {
    let server = OpenAiServer::start().await;
    server.script(Reply::text("never sent"));
    let client = Client::with_config(OpenAIConfig::new().with_api_base(server.base_url()).with_api_key("sk-wrong"));

    let error = client.chat().create(chat(vec![user("Hi")])).await.expect_err("a 401");

    let error = api_error(error);
    assert_eq!(error.status_code.as_u16(), 401);
    assert_eq!(error.api_error.code.as_deref(), Some("invalid_api_key"));
    assert_eq!(server.requests()[0].header("authorization"), Some("Bearer sk-wrong"));
    assert_eq!(server.remaining_script(), 1);
}

#[tokio::test]
async fn embeddings_of_similar_texts_are_closer_than_those_of_unrelated_texts() {
    let server = OpenAiServer::start().await;
    let texts = [
        "checkout error ratio is high",
        "the checkout service error ratio went high",
        "quarterly marketing newsletter",
    ];
    let request = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input(texts.to_vec())
        .build()
        .expect("a valid embeddings request");

    let response = default_client(&server).embeddings().create(request).await.expect("embeddings");

    assert_eq!(response.model, "text-embedding-3-small");
    assert_eq!(response.data.iter().map(|embedding| embedding.index).collect::<Vec<_>>(), vec![0, 1, 2]);
    for (embedding, text) in response.data.iter().zip(texts) {
        assert_eq!(embedding.embedding.len(), EMBEDDING_DIMENSIONS);
        assert_eq!(embedding.embedding, bag_of_words_embedding(text));
        assert!((cosine(&embedding.embedding, &embedding.embedding) - 1.0).abs() < 1e-5);
    }
    let [query, similar, unrelated] = [0, 1, 2].map(|index| &response.data[index].embedding);
    assert!(cosine(query, similar) > cosine(query, unrelated) + 0.3);
    assert_eq!(response.usage.prompt_tokens, 15);
    let recorded = &server.requests()[0];
    assert_eq!(recorded.path, EMBEDDINGS_PATH);
    assert_eq!(recorded.body, json!({ "model": "text-embedding-3-small", "input": texts }));
}

#[tokio::test]
async fn embed_with_answers_each_input_with_the_tests_vector() {
    let server = OpenAiServer::start().await;
    // Byte lengths are exact in f32 for such short texts.
    server.embed_with(|text| vec![text.len() as f32, 1.0]);
    let request = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input("disk full")
        .build()
        .expect("a request");

    let response = default_client(&server).embeddings().create(request).await.expect("embeddings");

    assert_eq!(response.data.len(), 1);
    assert_eq!(response.data[0].embedding, vec![9.0, 1.0]);
}

#[tokio::test]
async fn asking_for_dimensions_the_embedder_does_not_make_is_refused() {
    let server = OpenAiServer::start().await;
    let request = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input("disk full")
        .dimensions(256_u32)
        .build()
        .expect("a request");

    let error = default_client(&server).embeddings().create(request).await.expect_err("a 400");

    let error = api_error(error);
    assert_eq!(error.status_code.as_u16(), 400);
    assert_eq!(error.api_error.param.as_deref(), Some("dimensions"));
}

#[tokio::test]
async fn the_model_list_names_the_configured_model_and_the_configured_key_is_accepted() {
    let options = Options { model: "firebreak-small".to_owned(), api_key: Some("sk-fixed".to_owned()) };
    let server = OpenAiServer::start_with(options).await;

    let models = default_client(&server).models().list().await.expect("the model list");

    assert_eq!(server.api_key(), "sk-fixed");
    assert_eq!(models.data.iter().map(|model| model.id.as_str()).collect::<Vec<_>>(), vec!["firebreak-small"]);
}

#[tokio::test]
async fn error_answers_have_openais_body_and_headers_on_the_wire() {
    let server = OpenAiServer::start().await;
    server.script(Reply::status(429, Some(7)));
    let http = reqwest::Client::new();
    let post = |key: &str| {
        http.post(format!("{}/chat/completions", server.base_url()))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(json!({ "model": MODEL, "messages": [{ "role": "user", "content": "Hi" }] }).to_string())
            .send()
    };

    let limited = post(server.api_key()).await.expect("an answer");
    let unknown = http.get(format!("{}/nope", server.base_url())).bearer_auth(server.api_key()).send().await;
    let anonymous = http.get(format!("{}/models", server.base_url())).send().await.expect("an answer");

    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers().get("retry-after").and_then(|value| value.to_str().ok()), Some("7"));
    assert_eq!(limited.headers().get("content-type").and_then(|value| value.to_str().ok()), Some("application/json"));
    let body: Value = serde_json::from_str(&limited.text().await.expect("a body")).expect("JSON");
    assert_eq!(
        body,
        json!({ "error": {
            "message": "Rate limit reached for requests. Please try again later.",
            "type": "requests",
            "param": null,
            "code": "rate_limit_exceeded",
        }})
    );
    let unknown = unknown.expect("an answer");
    assert_eq!(unknown.status().as_u16(), 404);
    let body: Value = serde_json::from_str(&unknown.text().await.expect("a body")).expect("JSON");
    assert_eq!(body["error"]["message"], "Invalid URL (GET /v1/nope)");
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(server.requests().iter().map(|request| request.status).collect::<Vec<_>>(), vec![429, 404, 401]);
}

/// A client speaking Azure OpenAI's dialect to `server`'s deployment `deployment`.
fn azure_client(server: &OpenAiServer, deployment: &str, key: &str) -> Client<AzureConfig> {
    let config = AzureConfig::new()
        .with_api_base(server.azure_endpoint())
        .with_api_version("2024-10-21")
        .with_deployment_id(deployment)
        .with_api_key(key);
    Client::with_config(config)
        .with_http_service(OpenAIRetryLayer::new(0).layer(ReqwestService::new(reqwest::Client::new())))
}

#[tokio::test]
async fn azure_clients_get_the_same_chat_and_embeddings_and_the_request_shape_is_recorded() {
    let server = OpenAiServer::start().await;
    server.script(Reply::text("Roll back deploy 42."));
    let client = azure_client(&server, "gpt-4o-prod", server.api_key());
    let embeddings =
        CreateEmbeddingRequestArgs::default().model("ignored").input("disk full").build().expect("a request");

    let response = client.chat().create(chat(vec![user("Checkout errors spiked.")])).await.expect("the answer");
    let vectors = azure_client(&server, "embeddings", server.api_key())
        .embeddings()
        .create(embeddings)
        .await
        .expect("embeddings");

    assert_eq!(response.choices[0].message.content.as_deref(), Some("Roll back deploy 42."));
    assert_eq!(vectors.data[0].embedding, bag_of_words_embedding("disk full"));
    let requests = server.requests();
    assert_eq!(requests[0].path, "/openai/deployments/gpt-4o-prod/chat/completions");
    assert_eq!(requests[1].path, "/openai/deployments/embeddings/embeddings");
    for request in &requests {
        assert_eq!(request.query.as_deref(), Some("api-version=2024-10-21"));
        assert_eq!(request.header("api-key"), Some(server.api_key()));
        assert_eq!(request.header("authorization"), None);
    }
    assert_eq!(server.chat_requests().len(), 1, "Azure's chat path counts as chat");
    assert_eq!(server.embedding_requests().len(), 1, "and its embeddings path as embeddings");
}

#[tokio::test]
async fn azure_requests_without_the_key_or_the_api_version_are_refused_as_azure_does() {
    let server = OpenAiServer::start().await;
    server.script(Reply::text("never sent"));
    let http = reqwest::Client::new();
    let body = json!({ "model": MODEL, "messages": [{ "role": "user", "content": "Hi" }] }).to_string();
    let path = format!("{}/openai/deployments/gpt-4o-prod/chat/completions", server.azure_endpoint());

    let wrong_key = azure_client(&server, "gpt-4o-prod", "not-the-key").chat().create(chat(vec![user("Hi")])).await;
    let bearer = http.post(format!("{path}?api-version=2024-10-21")).bearer_auth(server.api_key()).body(body.clone());
    let bearer = bearer.header("content-type", "application/json").send().await.expect("an answer");
    let unversioned = http.post(&path).header("api-key", server.api_key()).body(body);
    let unversioned = unversioned.header("content-type", "application/json").send().await.expect("an answer");

    let wrong_key = api_error(wrong_key.expect_err("a 401"));
    assert_eq!((wrong_key.status_code.as_u16(), wrong_key.api_error.code.as_deref()), (401, Some("401")));
    assert_eq!(bearer.status().as_u16(), 401, "Azure's paths want api-key, not a bearer token");
    assert_eq!(unversioned.status().as_u16(), 404);
    assert!(unversioned.text().await.expect("a body").contains("api-version"));
    assert_eq!(server.remaining_script(), 1, "refused requests take no scripted reply");
}
