//! What the server sends back for one request: a status, a body (JSON, or whatever a test
//! scripted as garbage), an optional `Retry-After` and how long to wait before sending.

use std::time::Duration;

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::ApiError;

/// One answer, not yet sent.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    body: String,
    retry_after: Option<u64>,
    pub(crate) delay: Duration,
}

impl Answer {
    /// 200 with `value`.
    pub(crate) fn json(value: &Value) -> Self {
        Self::raw(value.to_string())
    }

    /// 200 with `body` as it is, JSON or not.
    pub(crate) fn raw(body: String) -> Self {
        Self { status: StatusCode::OK, body, retry_after: None, delay: Duration::ZERO }
    }

    /// The same answer with `Retry-After: <seconds>` when given.
    pub(crate) fn retry_after(self, seconds: Option<u64>) -> Self {
        Self { retry_after: seconds, ..self }
    }

    /// The same answer, sent `delay` later than it would have been.
    pub(crate) fn after(self, delay: Duration) -> Self {
        Self { delay: self.delay + delay, ..self }
    }
}

impl From<ApiError> for Answer {
    fn from(error: ApiError) -> Self {
        Self { status: error.status, ..Self::json(&error.body()) }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        // Garbage is labelled JSON too: that is how a broken upstream looks to a client.
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
