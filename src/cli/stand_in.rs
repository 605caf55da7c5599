//! The stand-in service a scripted conversation may ask for: a small HTTP server on a free
//! loopback port, answering the routes the scenario lists, so the demo's diagnostics probe
//! something real (a failing health check, a feed of recent deploys) with no outside service.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What the stand-in serves, by path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandInSpec {
    /// Path (`/healthz`) → how it answers.
    pub routes: BTreeMap<String, Route>,
}

/// How one path answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// HTTP status; 200 when unset.
    #[serde(default = "ok")]
    pub status: u16,
    /// Plain-text body.
    #[serde(default)]
    pub body: String,
    /// A change feed instead of a body: JSON `[{at, service, kind, description, author}]`, with
    /// each `at` that many minutes before the request.
    #[serde(default)]
    pub changes: Vec<RecentChange>,
}

/// One entry of a change feed, timed relative to now so the demo always looks recent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecentChange {
    /// How long ago it happened.
    pub minutes_ago: i64,
    /// The service changed.
    pub service: String,
    /// `deploy`, `config`, `flag`…
    pub kind: String,
    /// What changed.
    pub description: String,
    /// Who changed it.
    #[serde(default)]
    pub author: Option<String>,
}

fn ok() -> u16 {
    200
}

/// A running stand-in; it stops when dropped.
pub struct StandIn {
    address: SocketAddr,
    server: JoinHandle<()>,
}

impl StandIn {
    /// Starts serving `spec` on a free loopback port.
    pub async fn start(spec: &StandInSpec) -> std::io::Result<Self> {
        let mut router = Router::new();
        for (path, route) in &spec.routes {
            let route = route.clone();
            router = router.route(path, get(move || answer(route.clone())));
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "demo stand-in stopped");
            }
        });
        Ok(Self { address, server })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(route: Route) -> Response {
    let status = StatusCode::from_u16(route.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if route.changes.is_empty() {
        return (status, route.body).into_response();
    }
    let now = Utc::now();
    let feed: Vec<serde_json::Value> = route
        .changes
        .iter()
        .map(|change| {
            serde_json::json!({
                "at": (now - TimeDelta::minutes(change.minutes_ago)).to_rfc3339(),
                "service": change.service,
                "kind": change.kind,
                "description": change.description,
                "author": change.author,
            })
        })
        .collect();
    (status, axum::Json(feed)).into_response()
}
