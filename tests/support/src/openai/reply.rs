//! Scripted chat replies and how each becomes OpenAI's chat completion JSON (or error, or
//! garbage) for the request it answers.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::answer::Answer;
use super::chat::{ChatRequest, words};
use super::error::ApiError;
use super::state::Ids;

/// How the server answers one chat completions request.
#[derive(Clone, Debug)]
pub struct Reply {
    kind: Kind,
    delay: Duration,
}

#[derive(Clone, Debug)]
enum Kind {
    Text(String),
    ToolCalls(Vec<(String, String)>),
    Error { status: StatusCode, retry_after: Option<u64> },
    QuotaExceeded,
    Garbage(String),
    EmptyChoices,
}

impl Reply {
    fn new(kind: Kind) -> Self {
        Self { kind, delay: Duration::ZERO }
    }

    /// An assistant message with `content`, `finish_reason: "stop"`, and usage counted in words.
    pub fn text(content: impl Into<String>) -> Self {
        Self::new(Kind::Text(content.into()))
    }

    /// An assistant message calling functions, in order: `content: null`, `tool_calls` with ids
    /// `call_1`, `call_2`, … (counted over the server's life), `type: "function"` and the
    /// arguments as a JSON string, and `finish_reason: "tool_calls"`.
    pub fn tool_calls<N: Into<String>>(calls: impl IntoIterator<Item = (N, Value)>) -> Self {
        Self::new(Kind::ToolCalls(
            calls.into_iter().map(|(name, arguments)| (name.into(), arguments.to_string())).collect(),
        ))
    }

    /// As [`tool_calls`](Self::tool_calls), with each `arguments` string sent as it is, so a
    /// test can send what a weak model does: arguments that are not JSON, or miss a field.
    pub fn tool_calls_raw<N: Into<String>, A: Into<String>>(calls: impl IntoIterator<Item = (N, A)>) -> Self {
        Self::new(Kind::ToolCalls(calls.into_iter().map(|(name, arguments)| (name.into(), arguments.into())).collect()))
    }

    /// An error with OpenAI's body for `status` (429 `rate_limit_exceeded`, 500 and 503
    /// `server_error`, …) and `Retry-After: <seconds>` when given.
    ///
    /// # Panics
    /// If `status` is not an error status (400–599).
    pub fn status(status: u16, retry_after: Option<u64>) -> Self {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(|status| status.is_client_error() || status.is_server_error())
            .unwrap_or_else(|| panic!("Reply::status wants an error status (400-599), not {status}"));
        Self::new(Kind::Error { status, retry_after })
    }

    /// 429 with type and code `insufficient_quota`: the account is out of credit. async-openai
    /// does not retry it, unlike other 429s.
    pub fn quota_exceeded() -> Self {
        Self::new(Kind::QuotaExceeded)
    }

    /// 200 with `body` as it is, labelled JSON: what a broken proxy or server sends.
    pub fn garbage(body: impl Into<String>) -> Self {
        Self::new(Kind::Garbage(body.into()))
    }

    /// 200 with a well-formed chat completion whose `choices` is empty.
    pub fn empty_choices() -> Self {
        Self::new(Kind::EmptyChoices)
    }

    /// `inner`, sent only after `delay` (added to any delay `inner` already has): for client
    /// timeouts.
    pub fn delay(delay: Duration, inner: Reply) -> Self {
        Self { delay: inner.delay + delay, ..inner }
    }

    /// The answer to `request`, taking response and tool call ids from `ids`.
    pub(crate) fn answer(&self, request: &ChatRequest, ids: &mut Ids) -> Answer {
        let answer = match &self.kind {
            Kind::Text(content) => {
                let message = json!({ "role": "assistant", "content": content, "refusal": null, "annotations": [] });
                completion(request, ids, vec![choice(message, "stop")], words(&json!(content)))
            }
            Kind::ToolCalls(calls) => {
                let tool_calls: Vec<Value> = calls
                    .iter()
                    .map(|(name, arguments)| {
                        json!({
                            "id": ids.next_tool_call(),
                            "type": "function",
                            "function": { "name": name, "arguments": arguments },
                        })
                    })
                    .collect();
                let tokens =
                    words(&json!(calls.iter().flat_map(|(name, arguments)| [name, arguments]).collect::<Vec<_>>()));
                let message = json!({
                    "role": "assistant",
                    "content": null,
                    "tool_calls": tool_calls,
                    "refusal": null,
                    "annotations": [],
                });
                completion(request, ids, vec![choice(message, "tool_calls")], tokens)
            }
            Kind::EmptyChoices => completion(request, ids, Vec::new(), 0),
            Kind::Error { status, retry_after } => Answer::from(ApiError::scripted(*status)).retry_after(*retry_after),
            Kind::QuotaExceeded => Answer::from(ApiError::insufficient_quota()),
            Kind::Garbage(body) => Answer::raw(body.clone()),
        };
        answer.after(self.delay)
    }
}

/// One choice of a completion.
fn choice(message: Value, finish_reason: &str) -> Value {
    json!({ "index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason })
}

/// A chat completion object as OpenAI writes it.
fn completion(request: &ChatRequest, ids: &mut Ids, choices: Vec<Value>, completion_tokens: u32) -> Answer {
    let created = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.as_secs());
    Answer::json(&json!({
        "id": ids.next_completion(),
        "object": "chat.completion",
        "created": created,
        "model": request.model,
        "choices": choices,
        "usage": {
            "prompt_tokens": request.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": request.prompt_tokens.saturating_add(completion_tokens),
            "prompt_tokens_details": { "cached_tokens": 0, "audio_tokens": 0 },
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_testkit",
    }))
}
