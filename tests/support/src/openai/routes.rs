//! Every request goes through here: read the body, check the key, route by method and path,
//! answer, and record the request with its status in the same step as a scripted reply is taken,
//! so the record and the script stay in one order. A delayed answer waits after that, so a test
//! sees the request while the client still waits.
//!
//! Two dialects are served: OpenAI's (`/v1/...`, `Authorization: Bearer <key>`) and Azure
//! OpenAI's (`/openai/deployments/<deployment>/...?api-version=<version>`, `api-key: <key>`),
//! the same chat completions and embeddings behind both.

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
/// Where Azure OpenAI's per-deployment paths start.
const AZURE_DEPLOYMENTS: &str = "/openai/deployments/";

/// What a path asks for, in either dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// Chat completions.
    Chat,
    /// Embeddings.
    Embeddings,
    /// The model list (OpenAI's dialect only).
    Models,
    /// Anything else.
    Unknown,
}

impl Endpoint {
    /// The endpoint of `path`, and whether it is in Azure's dialect.
    pub(crate) fn of(path: &str) -> (Self, bool) {
        if let Some(rest) = path.strip_prefix(AZURE_DEPLOYMENTS) {
            let endpoint = match rest.split_once('/') {
                Some((deployment, "chat/completions")) if !deployment.is_empty() => Self::Chat,
                Some((deployment, "embeddings")) if !deployment.is_empty() => Self::Embeddings,
                _ => Self::Unknown,
            };
            return (endpoint, true);
        }
        let endpoint = match path {
            CHAT_COMPLETIONS_PATH => Self::Chat,
            EMBEDDINGS_PATH => Self::Embeddings,
            "/v1/models" => Self::Models,
            _ => Self::Unknown,
        };
        (endpoint, false)
    }
}

/// Answers one request.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
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
        let asked = Asked { method: &method, path: &path, query: query.as_deref(), headers: &headers };
        let answer = answer(server, &asked, body).unwrap_or_else(Answer::from);
        let status = answer.status.as_u16();
        server.requests.push(RecordedRequest { method, path, query, headers, body: recorded_body, status });
        answer
    });
    tokio::time::sleep(answer.delay).await;
    answer.into_response()
}

/// What a request asked for, before its body.
struct Asked<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a BTreeMap<String, String>,
}

/// What the server answers, before it is recorded.
fn answer(server: &mut Server, asked: &Asked<'_>, body: Result<Value, ApiError>) -> Result<Answer, ApiError> {
    let (endpoint, azure) = Endpoint::of(asked.path);
    if azure {
        check_azure(server, asked)?;
    } else {
        check_bearer(server, asked.headers.get(AUTHORIZATION.as_str()).map(String::as_str))?;
    }
    match (asked.method, endpoint) {
        ("POST", Endpoint::Chat) => {
            let request = ChatRequest::parse(&body?)?;
            let Some(reply) = server.script.pop_front() else {
                let number = server.requests.iter().filter(|request| request.is_chat()).count() + 1;
                return Err(ApiError::no_scripted_reply(number));
            };
            Ok(reply.answer(&request, &mut server.ids))
        }
        ("POST", Endpoint::Embeddings) => EmbeddingRequest::parse(&body?)?.answer(&server.embedder),
        ("GET", Endpoint::Models) => Ok(Answer::json(&json!({
            "object": "list",
            "data": [{ "id": server.model, "object": "model", "created": 1_700_000_000, "owned_by": "firebreak-testkit" }],
        }))),
        _ => Err(ApiError::invalid_url(asked.method, asked.path)),
    }
}

/// OpenAI's dialect: `Authorization: Bearer <key>`.
fn check_bearer(server: &Server, authorization: Option<&str>) -> Result<(), ApiError> {
    match authorization.and_then(|value| value.strip_prefix("Bearer ")) {
        None => Err(ApiError::missing_key()),
        Some(key) if key != server.api_key => Err(ApiError::wrong_key()),
        Some(_) => Ok(()),
    }
}

/// Azure's dialect: `api-key: <key>` and an `api-version` in the query, as Azure insists.
fn check_azure(server: &Server, asked: &Asked<'_>) -> Result<(), ApiError> {
    if asked.headers.get("api-key") != Some(&server.api_key) {
        return Err(ApiError::azure_access_denied());
    }
    let versioned = asked
        .query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .any(|pair| pair.strip_prefix("api-version=").is_some_and(|version| !version.is_empty()));
    if versioned { Ok(()) } else { Err(ApiError::azure_missing_api_version()) }
}

/// The headers by lower-case name (`http` already lower-cases them); a repeated header keeps its
/// last value, which is enough for the single-valued headers OpenAI clients send.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect()
}
