//! OpenAI's error answers: an HTTP status with `{"error": {"message", "type", "param", "code"}}`,
//! worded as OpenAI words them where the server refuses what OpenAI refuses.

use axum::http::StatusCode;
use serde_json::{Value, json};

/// A request the server refuses, or a scripted failure.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    message: String,
    kind: &'static str,
    param: Option<String>,
    code: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>, kind: &'static str) -> Self {
        Self { status, message: message.into(), kind, param: None, code: None }
    }

    fn param(self, param: impl Into<String>) -> Self {
        Self { param: Some(param.into()), ..self }
    }

    fn code(self, code: &'static str) -> Self {
        Self { code: Some(code), ..self }
    }

    /// 400 `invalid_request_error` about `param`.
    pub(crate) fn invalid(message: impl Into<String>, param: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message, "invalid_request_error").param(param)
    }

    /// 400 for a body that is not JSON.
    pub(crate) fn unparseable_body() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload, \
             but what was sent was not valid JSON.",
            "invalid_request_error",
        )
    }

    /// 413 for a body over the server's limit.
    pub(crate) fn too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "The request body is too large.", "invalid_request_error")
    }

    /// 400 for a request without a model.
    pub(crate) fn missing_model() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "you must provide a model parameter", "invalid_request_error")
    }

    /// 401 for a request without `Authorization: Bearer …`.
    pub(crate) fn missing_key() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "You didn't provide an API key. You need to provide your API key in an Authorization header \
             using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "invalid_request_error",
        )
    }

    /// 401 for a key the server does not accept.
    pub(crate) fn wrong_key() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Incorrect API key provided.", "invalid_request_error")
            .code("invalid_api_key")
    }

    /// 401 as Azure OpenAI answers a request without the right `api-key` header.
    pub(crate) fn azure_access_denied() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid \
             key for an active subscription and use a correct regional API endpoint for your resource.",
            "invalid_request_error",
        )
        .code("401")
    }

    /// 404 as Azure OpenAI answers a deployment path without an `api-version` query.
    pub(crate) fn azure_missing_api_version() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Resource not found: the api-version query parameter is missing.",
            "invalid_request_error",
        )
        .code("404")
    }

    /// 404 for a method and path the server does not serve.
    pub(crate) fn invalid_url(method: &str, path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("Invalid URL ({method} {path})"), "invalid_request_error")
    }

    /// 500 for a chat request that came when the script had run dry.
    pub(crate) fn no_scripted_reply(request_number: usize) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "no scripted reply left for chat completions request #{request_number}: \
                 the test scripted fewer replies than the client asked for"
            ),
            "server_error",
        )
    }

    /// What the test scripted with `Reply::status`: OpenAI's body for that status.
    pub(crate) fn scripted(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::new(status, "Scripted bad request.", "invalid_request_error"),
            401 => Self::wrong_key(),
            404 => {
                Self::new(status, "The model does not exist or you do not have access to it.", "invalid_request_error")
                    .code("model_not_found")
            }
            429 => Self::new(status, "Rate limit reached for requests. Please try again later.", "requests")
                .code("rate_limit_exceeded"),
            500 => Self::new(
                status,
                "The server had an error while processing your request. Sorry about that!",
                "server_error",
            ),
            503 => Self::new(status, "The server is overloaded or not ready yet.", "server_error"),
            _ if status.is_server_error() => Self::new(status, format!("Scripted {status}."), "server_error"),
            _ => Self::new(status, format!("Scripted {status}."), "invalid_request_error"),
        }
    }

    /// 429 `insufficient_quota`: out of credit, which retrying does not cure.
    pub(crate) fn insufficient_quota() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
        )
        .code("insufficient_quota")
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> Value {
        json!({
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        })
    }
}
