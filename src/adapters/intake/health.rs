//! The production probes on the intake's listener: `/healthz` (the process answers), `/readyz`
//! (the store answers within a second or two, and so does everything else the process needs,
//! such as the Discord gateway) and `/metrics` (every metric in Prometheus's text format, with
//! the open incidents counted by the store as it is scraped).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tracing::warn;

use super::Intake;
use crate::telemetry;

/// How long a readiness check may take before it counts as not ready.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`.
pub(super) async fn alive() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 when every check passes, 503 naming the ones that do not.
pub(super) async fn ready(State(intake): State<Arc<Intake>>) -> Response {
    let mut checks = Map::new();
    let store = tokio::time::timeout(CHECK_TIMEOUT, intake.engine.ports().store.open_incidents()).await;
    let store_ready = matches!(store, Ok(Ok(_)));
    checks.insert("store".to_owned(), Value::from(if store_ready { "ok" } else { "unavailable" }));
    let mut ready = store_ready;
    for dependency in &intake.readiness {
        let up = tokio::time::timeout(CHECK_TIMEOUT, dependency.ready()).await.unwrap_or(false);
        checks.insert(dependency.name().to_owned(), Value::from(if up { "ok" } else { "not ready" }));
        ready &= up;
    }
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "ready": ready, "checks": checks }))).into_response()
}

/// `GET /metrics`.
pub(super) async fn metrics(State(intake): State<Arc<Intake>>) -> Response {
    match tokio::time::timeout(CHECK_TIMEOUT, intake.engine.ports().store.open_incidents()).await {
        Ok(Ok(open)) => telemetry::record_open_incidents(open.len()),
        Ok(Err(error)) => warn!(%error, "cannot count the open incidents for /metrics"),
        Err(_) => warn!("the store took too long to count the open incidents for /metrics"),
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], intake.metrics.render()).into_response()
}
