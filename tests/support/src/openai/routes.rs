//! Every request goes through here: read the body, check the key, route by method and path,
//! answer, and record the request with its status in the same step as a scripted reply is taken,
//! so the record and the script stay in one order. A delayed answer waits after that, so a test
//! sees the request while the client still waits.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::answer::Answer;
use super::chat::ChatRequest;
use super::embeddings::EmbeddingRequest;
use super::error::ApiError;
use super::records::RecordedRequest;
use super::state::{Shared, State as Server};
use super::{CHAT_COMPLETIONS_PATH, EMBEDDINGS_PATH};

/// The most a request body may hold: far more than any prompt the bot sends.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Answers one request.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let headers = header_map(request.headers());
    let (recorded_body, body) = match to_bytes(request.into_body(), MAX_BODY_BYTES).await {
        Ok(bytes) if bytes.is_empty() => (Value::Null, Ok(Value::Null)),
        Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
            Ok(json) => (json.clone(), Ok(json)),
            Err(_) => (Value::String(String::from_utf8_lossy(&bytes).into_owned()), Err(ApiError::unparseable_body())),
        },
        Err(_) => (Value::Null, Err(ApiError::too_large())),
    };
    let answer = shared.update(|server| {
        let answer = answer(server, &method, &path, headers.get(AUTHORIZATION.as_str()).map(String::as_str), body)
            .unwrap_or_else(Answer::from);
        let status = answer.status.as_u16();
        server.requests.push(RecordedRequest { method, path, headers, body: recorded_body, status });
        answer
    });
    tokio::time::sleep(answer.delay).await;
    answer.into_response()
}

/// What the server answers, before it is recorded.
fn answer(
    server: &mut Server,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Result<Value, ApiError>,
) -> Result<Answer, ApiError> {
    match authorization.and_then(|value| value.strip_prefix("Bearer ")) {
        None => return Err(ApiError::missing_key()),
        Some(key) if key != server.api_key => return Err(ApiError::wrong_key()),
        Some(_) => {}
    }
    match (method, path) {
        ("POST", CHAT_COMPLETIONS_PATH) => {
            let request = ChatRequest::parse(&body?)?;
            let Some(reply) = server.script.pop_front() else {
                let number = server.requests.iter().filter(|request| request.path == CHAT_COMPLETIONS_PATH).count() + 1;
                return Err(ApiError::no_scripted_reply(number));
            };
            Ok(reply.answer(&request, &mut server.ids))
        }
        ("POST", EMBEDDINGS_PATH) => EmbeddingRequest::parse(&body?)?.answer(&server.embedder),
        ("GET", "/v1/models") => Ok(Answer::json(&json!({
            "object": "list",
            "data": [{ "id": server.model, "object": "model", "created": 1_700_000_000, "owned_by": "firebreak-testkit" }],
        }))),
        _ => Err(ApiError::invalid_url(method, path)),
    }
}

/// The headers by lower-case name (`http` already lower-cases them); a repeated header keeps its
/// last value, which is enough for the single-valued headers OpenAI clients send.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}
