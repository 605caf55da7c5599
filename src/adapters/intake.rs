//! The alert intake: an HTTP server (axum) that takes webhooks from monitoring systems and deploy
//! pipelines and hands each accepted one to the engine once, as one `Inbound`; on the same
//! listener it answers the probes a deployment needs.
//!
//! | route | what |
//! |---|---|
//! | `POST /hooks/alertmanager` | Alertmanager's webhook (version 4) |
//! | `POST /hooks/grafana` | Grafana unified alerting's webhook contact point |
//! | `POST /hooks/incident` | the generic incident shape (see `generic.rs`) |
//! | `POST /hooks/change` | a deploy, config or flag change (see `change.rs`) |
//! | `GET /healthz` | the process is alive |
//! | `GET /readyz` | the store answers, and whatever else the process needs (the Discord gateway) |
//! | `GET /metrics` | every metric, in Prometheus's text format |
//!
//! A hook request passes, in order: the body cap (413), the source's rate limit (429), the
//! hook's bearer token or HMAC signature (401), and parsing (400, naming the field): invalid
//! input never reaches the engine. The engine's outcome then becomes the status: 200 when it is
//! handled (or was already), 422 when refused, 503 when the store or the chat platform is
//! unavailable — nothing was recorded, so the sender's retry is safe — and 500 on our failure.
//! What the turn posts is delivered before the answer, so a 200 means it is in the channel.

mod auth;
mod change;
mod console;
mod error;
mod generic;
mod health;
mod limit;
mod mapping;
mod notification;
mod payload;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use metrics_exporter_prometheus::PrometheusHandle;
use serde_json::json;
use tokio::net::TcpListener;

pub use self::console::{NamedChannels, Printed};
pub use self::error::HookError;
use self::limit::RateLimiter;
use crate::adapters::console::render::plain;
use crate::config::{HookSettings, IntakeSettings};
use crate::core::engine::Engine;
use crate::core::inbound::{Inbound, Input};
use crate::core::outbound::Outbound;
use crate::core::ports::Outcome;
use crate::core::timeline::Author;
use crate::telemetry;

/// Where the messages of turns no platform event started go (an alert's, a timer's): the chat
/// platform, or the terminal.
#[async_trait]
pub trait Deliver: Send + Sync {
    /// Whether it can post now (the chat platform's client is up).
    fn ready(&self) -> bool {
        true
    }

    /// Posts each message in its channel, reporting to `engine` the messages it keeps in place
    /// (status cards, announcements); failures are logged, the rest still posted.
    async fn deliver(&self, engine: &Engine, outbound: &[Outbound]);
}

/// Something the process needs besides the store before it is ready (the Discord gateway).
#[async_trait]
pub trait Readiness: Send + Sync {
    /// What it is, as `/readyz` names it.
    fn name(&self) -> &'static str;

    /// Whether it is ready now.
    async fn ready(&self) -> bool;
}

/// The webhooks the intake takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hook {
    /// `POST /hooks/alertmanager`.
    Alertmanager,
    /// `POST /hooks/grafana`.
    Grafana,
    /// `POST /hooks/incident`.
    Incident,
    /// `POST /hooks/change`.
    Change,
}

impl Hook {
    /// Every hook, in the order the README lists them.
    pub const ALL: [Hook; 4] = [Hook::Alertmanager, Hook::Grafana, Hook::Incident, Hook::Change];

    /// Its name: the last part of its path, its metrics label and its settings' key.
    pub fn name(self) -> &'static str {
        match self {
            Hook::Alertmanager => "alertmanager",
            Hook::Grafana => "grafana",
            Hook::Incident => "incident",
            Hook::Change => "change",
        }
    }

    /// Who its turns are by, on the timeline.
    fn author(self) -> Author {
        let name = match self {
            Hook::Alertmanager => "Alertmanager",
            Hook::Grafana => "Grafana",
            Hook::Incident => "Webhook",
            Hook::Change => "Change feed",
        };
        Author::new(format!("hook:{}", self.name()), name)
    }

    fn settings(self, settings: &IntakeSettings) -> &HookSettings {
        let hooks = &settings.hooks;
        match self {
            Hook::Alertmanager => &hooks.alertmanager,
            Hook::Grafana => &hooks.grafana,
            Hook::Incident => &hooks.incident,
            Hook::Change => &hooks.change,
        }
    }

    /// The input a body of this hook carries, or why it is not one.
    fn parse(self, body: &[u8], settings: &IntakeSettings) -> Result<Input, HookError> {
        let now = Utc::now();
        match self {
            Hook::Alertmanager => notification::alertmanager(body, settings).map(Input::Alert),
            Hook::Grafana => notification::grafana(body, settings).map(Input::Alert),
            Hook::Incident => generic::parse(body, settings, now).map(Input::Alert),
            Hook::Change => change::parse(body, now).map(Input::Change),
        }
    }
}

/// The intake: its settings, the engine its turns run on, and where their messages go.
pub struct Intake {
    engine: Arc<Engine>,
    settings: IntakeSettings,
    delivery: Arc<dyn Deliver>,
    readiness: Vec<Arc<dyn Readiness>>,
    limiter: RateLimiter,
    metrics: PrometheusHandle,
}

impl Intake {
    /// An intake running turns on `engine`, delivering their messages through `delivery`, and
    /// ready when the store and everything in `readiness` are.
    pub fn new(
        engine: Arc<Engine>,
        settings: IntakeSettings,
        delivery: Arc<dyn Deliver>,
        readiness: Vec<Arc<dyn Readiness>>,
    ) -> Self {
        let limiter = RateLimiter::new(settings.rate_per_second, settings.burst);
        Self { engine, settings, delivery, readiness, limiter, metrics: telemetry::prometheus() }
    }

    /// Every route, over this intake.
    pub fn router(self) -> Router {
        let limit = self.settings.max_body_bytes;
        let hook = |which: Hook| {
            post(
                move |State(intake): State<Arc<Intake>>,
                      ConnectInfo(peer): ConnectInfo<SocketAddr>,
                      headers: HeaderMap,
                      body: Result<Bytes, BytesRejection>| async move {
                    intake.receive(which, peer, &headers, body).await
                },
            )
        };
        let mut router = Router::new();
        for which in Hook::ALL {
            router = router.route(&format!("/hooks/{}", which.name()), hook(which));
        }
        router
            .route("/healthz", get(health::alive))
            .route("/readyz", get(health::ready))
            .route("/metrics", get(health::metrics))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(limit))
            .with_state(Arc::new(self))
    }

    /// One hook request, from its body to the answer.
    async fn receive(
        &self,
        hook: Hook,
        peer: SocketAddr,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Response {
        let answer = match self.accept(hook, peer, headers, body).await {
            Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok" }))).into_response(),
            Err(error) => error.into_response(),
        };
        telemetry::record_webhook(hook.name(), answer.status().as_u16());
        answer
    }

    async fn accept(
        &self,
        hook: Hook,
        peer: SocketAddr,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<(), HookError> {
        let body = body.map_err(|rejection| HookError::from_body(&rejection, self.settings.max_body_bytes))?;
        self.limiter.check(hook, peer.ip())?;
        auth::verify(hook, hook.settings(&self.settings), headers, &body)?;
        let input = hook.parse(&body, &self.settings)?;
        let mut inbound = Inbound::new(format!("hook:{}", hook.name()), hook.author(), input);
        inbound.server = self.settings.guild_id.map(|guild| guild.to_string());
        let handled = self.engine.handle_for_sender(inbound).await;
        match handled.outcome {
            Outcome::Done => {
                self.delivery.deliver(&self.engine, &handled.outbound).await;
                Ok(())
            }
            Outcome::Refused => {
                let said: Vec<String> = handled.outbound.iter().map(|reply| plain(&reply.message)).collect();
                Err(HookError::Refused(said.join("\n")))
            }
            Outcome::Unavailable => Err(HookError::Unavailable),
            Outcome::Failed => Err(HookError::Failed),
        }
    }
}

async fn not_found(uri: Uri) -> HookError {
    HookError::NotFound(uri.path().to_owned())
}

/// Serves `intake` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: TcpListener,
    intake: Intake,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = intake.router().into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
