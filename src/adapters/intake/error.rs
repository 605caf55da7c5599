//! Why a hook request was not taken, each with its HTTP status and a one-line JSON explanation
//! for whoever configures the sender: what was wrong and, where it helps, what would be right.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use thiserror::Error;

/// Seconds a sender is asked to wait before retrying an unavailable or rate-limited hook.
const RETRY_AFTER_SECS: u64 = 5;

/// A hook request not taken.
#[derive(Debug, Error)]
pub enum HookError {
    /// No hook or probe at this path.
    #[error(
        "nothing at {0}; the hooks are POST /hooks/alertmanager, /hooks/grafana, /hooks/incident and /hooks/change"
    )]
    NotFound(String),
    /// The body is larger than the intake takes.
    #[error("the body is larger than {0} bytes ([intake] max_body_bytes)")]
    TooLarge(usize),
    /// The body could not be read.
    #[error("could not read the body: {0}")]
    Unreadable(String),
    /// The source sent more than its rate allows.
    #[error("too many requests from this source to this hook; retry in a few seconds")]
    RateLimited,
    /// The request does not prove it comes from whoever holds the hook's secret.
    #[error("{0}")]
    Unauthorized(String),
    /// The body is not a payload of this hook: malformed JSON, a missing or mistyped field.
    #[error("{0}")]
    BadPayload(String),
    /// The engine refused it as it is; its words.
    #[error("{0}")]
    Refused(String),
    /// The store or the chat platform is unavailable right now; nothing was recorded.
    #[error("temporarily unable to record this; nothing was recorded, please retry")]
    Unavailable,
    /// It failed on our side; the logs have a reference.
    #[error("failed on our side; see the bot's logs")]
    Failed,
}

impl HookError {
    /// Why the body could not be taken: too large, or unreadable.
    pub fn from_body(rejection: &BytesRejection, limit: usize) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HookError::TooLarge(limit)
        } else {
            HookError::Unreadable(rejection.body_text())
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            HookError::NotFound(_) => StatusCode::NOT_FOUND,
            HookError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HookError::Unreadable(_) | HookError::BadPayload(_) => StatusCode::BAD_REQUEST,
            HookError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            HookError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            HookError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HookError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            HookError::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for HookError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(json!({ "error": self.to_string() }))).into_response();
        if matches!(self, HookError::RateLimited | HookError::Unavailable) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}
