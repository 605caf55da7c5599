//! What the server lets a test inspect: each request as the client sent it, with the status
//! the server answered.

use std::collections::BTreeMap;

use serde_json::Value;

/// One request a client made.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The full path, e.g. `/v1/chat/completions`.
    pub path: String,
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

    /// `POST /v1/chat/completions -> 200`, for failure messages.
    pub(crate) fn summary(&self) -> String {
        format!("{} {} -> {}", self.method, self.path, self.status)
    }
}
