//! What the server lets a test inspect: each request as the client sent it, with the status
//! the server answered.

use std::collections::BTreeMap;

use serde_json::Value;

use super::routes::Endpoint;

/// One request a client made.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path without the query, e.g. `/v1/chat/completions`, or Azure's
    /// `/openai/deployments/<deployment>/chat/completions`.
    pub path: String,
    /// The query string as sent, e.g. `api-version=2024-10-21`; `None` without one.
    pub query: Option<String>,
    /// Every header, by lower-case name, e.g. `authorization` → `Bearer sk-…`.
    pub headers: BTreeMap<String, String>,
    /// The JSON body; the raw text as a string when it was not JSON; `Null` when empty.
    pub body: Value,
    /// The HTTP status the server answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// The value of header `name` (any case), if the client sent it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// Whether it asked for chat completions, in either dialect.
    pub fn is_chat(&self) -> bool {
        Endpoint::of(&self.path).0 == Endpoint::Chat
    }

    /// `POST /v1/chat/completions -> 200`, for failure messages.
    pub(crate) fn summary(&self) -> String {
        format!("{} {} -> {}", self.method, self.path, self.status)
    }
}
