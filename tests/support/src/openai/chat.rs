//! The chat completions request as the server accepts it: the checks OpenAI makes before a model
//! sees anything (a model, messages with known roles, `tool_choice` only beside `tools`, each
//! `tool` message answering a call of the assistant message just before, every call answered),
//! plus this server's one refusal, streaming. What passes is reduced to what an answer needs.

use serde_json::Value;

use super::error::ApiError;

/// The roles OpenAI accepts in `messages`.
const ROLES: [&str; 6] = ["system", "developer", "user", "assistant", "tool", "function"];

/// A chat completions request that passed the checks.
#[derive(Debug)]
pub(crate) struct ChatRequest {
    /// The model it named; the answer echoes it.
    pub(crate) model: String,
    /// Its size in words, standing in for prompt tokens.
    pub(crate) prompt_tokens: u32,
}

impl ChatRequest {
    /// Checks `body` as OpenAI would and keeps what an answer needs.
    pub(crate) fn parse(body: &Value) -> Result<Self, ApiError> {
        let model = body["model"].as_str().filter(|model| !model.is_empty()).ok_or_else(ApiError::missing_model)?;
        let Some(messages) = body["messages"].as_array() else {
            return Err(ApiError::invalid("'messages' is a required property", "messages"));
        };
        if messages.is_empty() {
            return Err(ApiError::invalid("[] is too short - 'messages'", "messages"));
        }
        if body["stream"] == Value::Bool(true) {
            return Err(ApiError::invalid(
                "this test server does not stream chat completions: send `stream: false` or leave it out",
                "stream",
            ));
        }
        let has_tools = body["tools"].as_array().is_some_and(|tools| !tools.is_empty());
        if !body["tool_choice"].is_null() && !has_tools {
            return Err(ApiError::invalid(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
                "tool_choice",
            ));
        }
        check_roles(messages)?;
        check_tool_messages(messages)?;
        Ok(Self { model: model.to_owned(), prompt_tokens: words(&body["messages"]) })
    }
}

/// Every message has one of OpenAI's roles.
fn check_roles(messages: &[Value]) -> Result<(), ApiError> {
    for (index, message) in messages.iter().enumerate() {
        let role = message["role"].as_str().unwrap_or_default();
        if !ROLES.contains(&role) {
            return Err(ApiError::invalid(
                format!(
                    "Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', \
                     'tool', and 'developer'."
                ),
                format!("messages[{index}].role"),
            ));
        }
    }
    Ok(())
}

/// The tool calls of an assistant message that `tool` messages are answering.
struct OpenCalls {
    /// Where the assistant message is.
    index: usize,
    /// The ids no `tool` message has answered yet.
    unanswered: Vec<String>,
}

/// Each `tool` message answers an unanswered call of the assistant message before the run of
/// `tool` messages it is in, and no call is left unanswered: what OpenAI insists on, and what a
/// tool-calling loop most easily gets wrong.
fn check_tool_messages(messages: &[Value]) -> Result<(), ApiError> {
    let mut open: Option<OpenCalls> = None;
    for (index, message) in messages.iter().enumerate() {
        if message["role"] == "tool" {
            let Some(calls) = open.as_mut() else {
                return Err(ApiError::invalid(
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with \
                     'tool_calls'.",
                    format!("messages.[{index}].role"),
                ));
            };
            let id = message["tool_call_id"].as_str().unwrap_or_default();
            let Some(at) = calls.unanswered.iter().position(|unanswered| unanswered == id) else {
                return Err(ApiError::invalid(
                    format!(
                        "Invalid parameter: 'tool_call_id' of '{id}' not found in 'tool_calls' of previous message."
                    ),
                    format!("messages.[{index}].tool_call_id"),
                ));
            };
            calls.unanswered.remove(at);
            continue;
        }
        if let Some(calls) = open.take() {
            unanswered(&calls)?;
        }
        if message["role"] == "assistant" {
            let ids: Vec<String> = message["tool_calls"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|call| call["id"].as_str().unwrap_or_default().to_owned())
                .collect();
            open = (!ids.is_empty()).then_some(OpenCalls { index, unanswered: ids });
        }
    }
    open.as_ref().map_or(Ok(()), unanswered)
}

/// An error naming the calls of `calls` that got no `tool` message.
fn unanswered(calls: &OpenCalls) -> Result<(), ApiError> {
    if calls.unanswered.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        format!(
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each \
             'tool_call_id'. The following tool_call_ids did not have response messages: {}",
            calls.unanswered.join(", ")
        ),
        format!("messages.[{}].role", calls.index),
    ))
}

/// The words in every string inside `value`, roles and ids included: a rough stand-in for
/// tokens that grows with what the client sends.
pub(crate) fn words(value: &Value) -> u32 {
    let count = match value {
        Value::String(text) => text.split_whitespace().count(),
        Value::Array(items) => return items.iter().map(words).fold(0, u32::saturating_add),
        Value::Object(fields) => return fields.values().map(words).fold(0, u32::saturating_add),
        _ => 0,
    };
    u32::try_from(count).unwrap_or(u32::MAX)
}
