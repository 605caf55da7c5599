//! A scripted HTTP server for probing tools: each path answers as the test says — a status and
//! body, a JSON document, a redirect, after a delay — and any other path is a 404.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::serve::Served;

/// How one path answers.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    /// `status` with a plain-text `body`.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type", "text/plain".to_owned())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// 200 with `value` as JSON.
    pub fn json(value: &serde_json::Value) -> Self {
        Self { headers: vec![("content-type", "application/json".to_owned())], ..Self::text(200, value.to_string()) }
    }

    /// 302 to `location` (a path or a URL).
    pub fn redirect(location: &str) -> Self {
        Self { headers: vec![("location", location.to_owned())], ..Self::text(302, "") }
    }

    /// The same answer, sent only after `delay`.
    pub fn after(self, delay: Duration) -> Self {
        Self { delay, ..self }
    }
}

/// A running scripted server, stopped when dropped.
pub struct HttpTarget {
    served: Served,
}

impl HttpTarget {
    /// Serves `routes` (path → reply) on a free loopback port.
    pub async fn start<'a>(routes: impl IntoIterator<Item = (&'a str, Reply)>) -> Self {
        let routes: HashMap<String, Reply> = routes.into_iter().map(|(path, reply)| (path.to_owned(), reply)).collect();
        let router = Router::new().fallback(answer).with_state(Arc::new(routes));
        Self { served: Served::start(router).await }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.served.address)
    }
}

async fn answer(State(routes): State<Arc<HashMap<String, Reply>>>, request: Request) -> Response {
    let Some(reply) = routes.get(request.uri().path()) else {
        return (StatusCode::NOT_FOUND, "no such route").into_response();
    };
    tokio::time::sleep(reply.delay).await;
    let status = StatusCode::from_u16(reply.status).expect("tests script valid status codes");
    let mut response = (status, reply.body.clone()).into_response();
    for (name, value) in &reply.headers {
        let value = HeaderValue::from_str(value).expect("tests script valid header values");
        response.headers_mut().insert(HeaderName::from_static(name), value);
    }
    response
}
