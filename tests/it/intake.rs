//! The alert intake over real HTTP, served in process on a free loopback port with the engine
//! behind it: what each hook takes and refuses, and what the engine makes of an alert group
//! over its life (opened with its labels, evidence and a first response; updated; all resolved
//! suggests resolving). Messages the turns post are recorded instead of printed.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use firebreak::adapters::intake::{self, Deliver, Intake, NamedChannels};
use firebreak::config::{HookAuth, IntakeSettings};
use firebreak::core::engine::Engine;
use firebreak::core::incident::{IncidentId, Severity, Source, Status};
use firebreak::core::outbound::Outbound;
use firebreak::core::ports::{Ports, Store};
use firebreak::core::settings::EngineSettings;
use firebreak::core::timeline::EntryKind;
use firebreak::diagnostics::Catalog;
use firebreak::store::MemoryStore;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::support::{command, diagnostics_settings, ports_with_sample, text_of};

/// The secret every hook of a test intake takes.
pub const SECRET: &str = "hook-secret";

/// A handler that runs the built-in `changes` tool for the alert's service when an alert with
/// a `service` label opens an incident.
pub const CHANGES_ON_ALERT: &str = r#"
    [[diagnostics.tools]]
    name = "changes"
    description = "Recent deploys, config and flag changes of a service"
    kind = "changes"
    params = { service = "[a-z0-9-]+" }

    [[diagnostics.handlers]]
    name = "what-changed"
    when = { source = "machine" }
    run = [{ tool = "changes", args = { service = "{labels.service}" } }]
"#;

/// The messages an intake's turns posted, in order.
#[derive(Default)]
pub struct Delivered(Mutex<Vec<Outbound>>);

#[async_trait]
impl Deliver for Delivered {
    async fn deliver(&self, _engine: &Engine, outbound: &[Outbound]) {
        self.0.lock().unwrap().extend_from_slice(outbound);
    }
}

impl Delivered {
    /// Everything posted so far.
    pub fn all(&self) -> Vec<Outbound> {
        self.0.lock().unwrap().clone()
    }

    /// The text of everything posted in `channel`.
    pub fn text_in(&self, channel: &str) -> String {
        text_of(&self.all().into_iter().filter(|reply| reply.channel == channel).collect::<Vec<_>>())
    }
}

/// An intake served on a free loopback port; stopped when dropped.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// What its turns posted.
    pub delivered: Arc<Delivered>,
    /// The engine behind it, for commands people would type.
    pub engine: Arc<Engine>,
    _stop: oneshot::Sender<()>,
}

/// What a test intake is built from; tests change what they need.
pub struct Builder {
    store: Arc<dyn Store>,
    settings: IntakeSettings,
    diagnostics: String,
}

/// An intake over a fresh memory store, every hook taking a bearer [`SECRET`], no diagnostics.
pub fn intake() -> Builder {
    intake_on(Arc::new(MemoryStore::new()))
}

/// Like [`intake`], over `store`.
pub fn intake_on(store: Arc<dyn Store>) -> Builder {
    let mut settings = IntakeSettings::default();
    for hook in [
        &mut settings.hooks.alertmanager,
        &mut settings.hooks.grafana,
        &mut settings.hooks.incident,
        &mut settings.hooks.change,
    ] {
        hook.secret = Some(SECRET.to_owned());
    }
    Builder { store, settings, diagnostics: "[diagnostics]".to_owned() }
}

impl Builder {
    /// Changes the intake's settings.
    pub fn settings(mut self, change: impl FnOnce(&mut IntakeSettings)) -> Self {
        change(&mut self.settings);
        self
    }

    /// Declares these diagnostics (a `[diagnostics]` snippet), reading changes from the store.
    pub fn diagnostics(mut self, toml_text: &str) -> Self {
        self.diagnostics = toml_text.to_owned();
        self
    }

    /// Serves it.
    pub async fn start(self) -> Running {
        firebreak_testkit::ensure_crypto_provider();
        let catalog = Catalog::with_change_history(&diagnostics_settings(&self.diagnostics), self.store.clone())
            .expect("test diagnostics are valid");
        let ports = Ports {
            diagnostics: Arc::new(catalog),
            workspace: Arc::new(NamedChannels),
            ..ports_with_sample(self.store)
        };
        let engine = Arc::new(Engine::new(ports, EngineSettings::default()));
        let delivered = Arc::new(Delivered::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let served = Intake::new(engine.clone(), self.settings, delivered.clone(), Vec::new());
        tokio::spawn(intake::serve(listener, served, async {
            let _ = stopped.await;
        }));
        Running { url, delivered, engine, _stop: stop }
    }
}

impl Running {
    /// POSTs `body` to `/hooks/{hook}` with the bearer [`SECRET`].
    pub async fn post(&self, hook: &str, body: &str) -> (u16, Value) {
        self.post_with(hook, body, &[("authorization", &format!("Bearer {SECRET}"))]).await
    }

    /// POSTs `body` to `/hooks/{hook}` with these headers only.
    pub async fn post_with(&self, hook: &str, body: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/hooks/{hook}", self.url))
            .header("content-type", "application/json")
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.unwrap()).await
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.url)).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    fn store(&self) -> &dyn Store {
        self.engine.ports().store.as_ref()
    }
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A fixture file from `tests/fixtures/intake/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/intake/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The Alertmanager fixture with its alerts replaced by `alerts`: `(fingerprint, status,
/// minute it started)`, all of `CheckoutErrors` on checkout.
pub fn alertmanager(alerts: &[(&str, &str, u32)]) -> String {
    let mut notification: Value = serde_json::from_str(&fixture("alertmanager-firing.json")).unwrap();
    let template = notification["alerts"][0].clone();
    let listed: Vec<Value> = alerts
        .iter()
        .map(|(fingerprint, status, minute)| {
            let mut alert = template.clone();
            alert["fingerprint"] = json!(fingerprint);
            alert["status"] = json!(status);
            alert["labels"]["instance"] = json!(format!("checkout-{fingerprint}:8080"));
            alert["startsAt"] = json!(format!("2026-05-01T14:{minute:02}:00Z"));
            alert
        })
        .collect();
    let all_resolved = alerts.iter().all(|(_, status, _)| *status == "resolved");
    notification["status"] = json!(if all_resolved { "resolved" } else { "firing" });
    notification["alerts"] = Value::Array(listed);
    notification.to_string()
}

/// The one channel the intake posted in whose name starts with `prefix`.
fn channel_named(running: &Running, prefix: &str) -> String {
    let channels: Vec<String> = running.delivered.all().into_iter().map(|reply| reply.channel).collect();
    channels
        .iter()
        .find(|channel| channel.starts_with(prefix))
        .unwrap_or_else(|| panic!("no channel {prefix}…: {channels:?}"))
        .clone()
}

/// The texts of the timeline entries of `id` of kind alert.
async fn alert_entries(store: &dyn Store, id: IncidentId) -> Vec<String> {
    let timeline = store.timeline(id).await.unwrap();
    timeline.into_iter().filter(|entry| matches!(entry.kind, EntryKind::Alert { .. })).map(|entry| entry.text).collect()
}

#[tokio::test]
async fn an_alertmanager_notification_opens_an_incident_in_its_own_channel_with_labels_evidence_and_a_first_response() {
    let running = intake().diagnostics(CHANGES_ON_ALERT).start().await;
    let (status, _) = running.post("change", &fixture("change.json")).await;
    assert_eq!(status, 200);

    let (status, body) = running.post("alertmanager", &fixture("alertmanager-firing.json")).await;

    assert_eq!((status, body), (200, json!({ "status": "ok" })));
    let channel = channel_named(&running, "inc-2001-checkout-error-ratio");
    let posted = running.delivered.text_in(&channel);
    assert!(
        posted.contains("Alertmanager opened INC-2001 — Checkout error ratio above 5% (sev2, checkout"),
        "{posted}"
    );
    assert!(posted.contains("- instance=checkout-1:8080") && posted.contains("- team=payments"), "{posted}");
    assert!(posted.contains("12% of checkout requests fail"), "{posted}");
    assert!(posted.contains("Evidence gathered") && posted.contains("checkout-api v2.41"), "{posted}");
    assert!(posted.contains("Likely root causes"), "{posted}");
    let incident = running.store().incident_in_channel(&channel).await.unwrap().unwrap();
    assert_eq!(
        (incident.source, incident.severity, incident.service.as_deref()),
        (Source::Machine, Severity::Sev2, Some("checkout"))
    );
    assert_eq!(incident.labels["team"], "payments");
}

#[tokio::test]
async fn later_notifications_add_what_changed_and_when_all_resolved_the_bot_suggests_resolving_but_never_resolves() {
    let running = intake().start().await;
    let id = IncidentId::from_number(2001);
    running.post("alertmanager", &alertmanager(&[("a", "firing", 5)])).await;

    let (second, _) = running.post("alertmanager", &alertmanager(&[("a", "firing", 5), ("b", "firing", 7)])).await;
    let (third, _) = running.post("alertmanager", &alertmanager(&[("a", "resolved", 5), ("b", "firing", 7)])).await;
    let (last, _) = running.post("alertmanager", &alertmanager(&[("a", "resolved", 5), ("b", "resolved", 7)])).await;

    assert_eq!((second, third, last), (200, 200, 200));
    let incidents = running.store().all_incidents().await.unwrap();
    assert_eq!(incidents, [id], "one incident for the group");
    let entries = alert_entries(running.store(), id).await;
    assert_eq!(entries.len(), 4, "a firing, b firing, a resolved, b resolved: {entries:#?}");
    assert!(entries[1].starts_with("CheckoutErrors firing {instance=checkout-b:8080"), "{}", entries[1]);
    assert!(entries[3].starts_with("CheckoutErrors resolved {instance=checkout-b:8080"), "{}", entries[3]);
    let channel = channel_named(&running, "inc-2001-");
    let posted = running.delivered.text_in(&channel);
    assert!(
        posted.contains("Alertmanager on INC-2001:\n- CheckoutErrors firing {instance=checkout-b:8080"),
        "{posted}"
    );
    assert!(
        posted.contains("Every alert of INC-2001 has resolved") && posted.contains("/incident resolve"),
        "{posted}"
    );
    assert_eq!(running.store().incident(id).await.unwrap().unwrap().status, Status::Investigating);
}

#[tokio::test]
async fn a_repeated_notification_changes_nothing_and_a_resolution_without_an_incident_opens_none() {
    let running = intake().start().await;
    let firing = alertmanager(&[("a", "firing", 5)]);

    running.post("alertmanager", &firing).await;
    let (repeat, _) = running.post("alertmanager", &firing).await;
    let other_group = alertmanager(&[("z", "resolved", 9)]).replace("CheckoutErrors\\\"}", "Other\\\"}");
    let (orphan, _) = running.post("alertmanager", &other_group).await;

    assert_eq!((repeat, orphan), (200, 200));
    assert_eq!(running.store().all_incidents().await.unwrap().len(), 1);
    assert_eq!(alert_entries(running.store(), IncidentId::from_number(2001)).await.len(), 1);
}

#[tokio::test]
async fn a_grafana_notification_signed_with_hmac_and_a_timestamp_opens_an_incident() {
    let running = intake()
        .settings(|settings| {
            settings.hooks.grafana.auth = HookAuth::Hmac;
            settings.hooks.grafana.timestamp_header = Some("X-Grafana-Alerting-Timestamp".to_owned());
        })
        .start()
        .await;
    let body = fixture("grafana-firing.json");
    let now = chrono::Utc::now().timestamp().to_string();
    let signature = hmac_hex(&format!("{now}:{body}"));

    let (unsigned, _) = running.post("grafana", &body).await;
    let (signed, _) = running
        .post_with(
            "grafana",
            &body,
            &[("X-Grafana-Alerting-Signature", &signature), ("X-Grafana-Alerting-Timestamp", &now)],
        )
        .await;

    assert_eq!((unsigned, signed), (401, 200));
    let channel = channel_named(&running, "inc-2001-search-p99-latency");
    let incident = running.store().incident_in_channel(&channel).await.unwrap().unwrap();
    assert_eq!((incident.severity, incident.service.as_deref()), (Severity::Sev1, Some("search")));
    assert!(running.delivered.text_in(&channel).contains("- grafana_folder=Search"));
}

#[tokio::test]
async fn a_generic_incident_joins_its_open_incident_by_dedupe_key_and_opens_a_new_one_after_resolution() {
    let running = intake().start().await;
    let event = fixture("incident.json");

    running.post("incident", &event).await;
    running.post("incident", &event).await;
    let channel = channel_named(&running, "inc-2001-payments-queue");
    let resolve = "/incident resolve root_cause: consumer stuck mitigation: restarted the consumer";
    running.engine.handle(command(&channel, "maya", resolve)).await;
    let (reopened, _) = running.post("incident", &event).await;

    assert_eq!(reopened, 200);
    let incidents = running.store().all_incidents().await.unwrap();
    assert_eq!(incidents.len(), 2, "the second event joined the first incident; the third opened another");
    let second = running.store().incident(incidents[1]).await.unwrap().unwrap();
    assert_eq!((second.severity, second.labels["queue"].as_str()), (Severity::Sev2, "settlements"));
    assert!(second.is_open());
}

#[tokio::test]
async fn secrets_in_an_alert_are_masked_before_they_are_stored_or_posted() {
    let running = intake().start().await;
    let event = json!({
        "title": "Orders DB refusing connections",
        "summary": "app cannot log in with password=hunter2",
        "service": "orders",
        "labels": { "dsn": "postgres://app:hunter2@db-1/orders" },
    });

    let (status, _) = running.post("incident", &event.to_string()).await;

    assert_eq!(status, 200);
    let posted = running.delivered.text_in(&channel_named(&running, "inc-2001-"));
    let incident = running.store().incident(IncidentId::from_number(2001)).await.unwrap().unwrap();
    let timeline = running.store().timeline(incident.id).await.unwrap();
    let stored = format!("{incident:?} {timeline:?}");
    assert!(!posted.contains("hunter2") && posted.contains("[REDACTED]"), "{posted}");
    assert!(!stored.contains("hunter2"), "{stored}");
}

#[tokio::test]
async fn tokens_and_signatures_are_refused_when_missing_or_wrong_and_taken_when_right() {
    let running = intake().settings(|settings| settings.hooks.change.auth = HookAuth::Hmac).start().await;
    let alert = fixture("alertmanager-firing.json");
    let change = fixture("change.json");

    let (no_token, refusal) = running.post_with("alertmanager", &alert, &[]).await;
    let (wrong_token, _) = running.post_with("alertmanager", &alert, &[("authorization", "Bearer guess")]).await;
    let (no_signature, _) = running.post_with("change", &change, &[]).await;
    let (wrong_signature, _) =
        running.post_with("change", &change, &[("X-Firebreak-Signature", &"0".repeat(64))]).await;
    let untouched = running.store().all_incidents().await.unwrap();
    let (right_token, _) = running.post("alertmanager", &alert).await;
    let (right_signature, _) = running
        .post_with("change", &change, &[("X-Firebreak-Signature", &format!("sha256={}", hmac_hex(&change)))])
        .await;

    assert_eq!((no_token, wrong_token, no_signature, wrong_signature), (401, 401, 401, 401));
    assert!(refusal["error"].as_str().unwrap().contains("Authorization: Bearer"), "{refusal}");
    assert!(untouched.is_empty(), "nothing refused reached the engine");
    assert_eq!((right_token, right_signature), (200, 200));
    assert_eq!(running.store().recent_changes("checkout", 5).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_hook_without_a_secret_refuses_everything() {
    let running = intake().settings(|settings| settings.hooks.incident.secret = None).start().await;

    let (status, body) = running.post("incident", &fixture("incident.json")).await;

    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("FIREBREAK_INTAKE_INCIDENT_SECRET"), "{body}");
}

#[tokio::test]
async fn payloads_of_the_wrong_shape_get_400_naming_the_field_and_nothing_is_recorded() {
    let running = intake().settings(|settings| settings.max_body_bytes = 64 * 1024).start().await;
    let mut mistyped: Value = serde_json::from_str(&fixture("alertmanager-firing.json")).unwrap();
    mistyped["alerts"][0]["startsAt"] = json!(1_714_572_300);
    let mut without_alerts: Value = serde_json::from_str(&fixture("alertmanager-firing.json")).unwrap();
    without_alerts.as_object_mut().unwrap().remove("alerts");
    let oversized = format!(r#"{{"title": "{}"}}"#, "x".repeat(65 * 1024));

    let (wrong_type, wrong_type_body) = running.post("alertmanager", &mistyped.to_string()).await;
    let (missing, missing_body) = running.post("alertmanager", &without_alerts.to_string()).await;
    let (malformed, malformed_body) = running.post("alertmanager", "{\"version\": \"4\",").await;
    let (too_large, too_large_body) = running.post("incident", &oversized).await;

    assert_eq!((wrong_type, missing, malformed, too_large), (400, 400, 400, 413));
    assert!(
        wrong_type_body["error"].as_str().unwrap().starts_with("alerts[0].startsAt: invalid type"),
        "{wrong_type_body}"
    );
    assert!(missing_body["error"].as_str().unwrap().contains("missing field `alerts`"), "{missing_body}");
    assert!(malformed_body["error"].as_str().unwrap().starts_with("malformed JSON"), "{malformed_body}");
    assert!(too_large_body["error"].as_str().unwrap().contains("65536 bytes"), "{too_large_body}");
    assert!(running.store().all_incidents().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_hooks_get_404_and_a_source_over_its_rate_gets_429() {
    let running = intake()
        .settings(|settings| {
            settings.rate_per_second = 1;
            settings.burst = 2;
        })
        .start()
        .await;
    let change = fixture("change.json");

    let (unknown, body) = running.post("pagerduty", &change).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(running.post("change", &change).await.0);
    }

    assert_eq!(unknown, 404);
    assert!(body["error"].as_str().unwrap().contains("/hooks/alertmanager"), "{body}");
    assert_eq!(statuses, [200, 200, 429]);
}

#[tokio::test]
async fn health_and_readiness_answer_and_metrics_count_hooks_turns_and_openings_in_prometheus_text() {
    let running = intake().start().await;
    running.post("alertmanager", &fixture("alertmanager-firing.json")).await;
    running.post_with("alertmanager", "{}", &[]).await;

    let (alive, _) = running.get("/healthz").await;
    let (ready, readiness) = running.get("/readyz").await;
    let (scraped, metrics) = running.get("/metrics").await;

    assert_eq!((alive, ready, scraped), (200, 200, 200));
    assert_eq!(
        serde_json::from_str::<Value>(&readiness).unwrap(),
        json!({ "ready": true, "checks": { "store": "ok" } })
    );
    for expected in [
        "firebreak_webhook_requests_total{hook=\"alertmanager\",status=\"200\"}",
        "firebreak_webhook_requests_total{hook=\"alertmanager\",status=\"401\"}",
        "firebreak_turn_seconds_count{kind=\"alert\",outcome=\"done\"}",
        "firebreak_incidents_opened_total{source=\"machine\"}",
        "firebreak_open_incidents",
        "# TYPE firebreak_turn_seconds summary",
    ] {
        assert!(metrics.contains(expected), "{expected} missing from:\n{metrics}");
    }
    let sample = regex::Regex::new(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? ([-+0-9.eE]+|NaN|[+-]Inf)$").unwrap();
    for line in metrics.lines().filter(|line| !line.is_empty() && !line.starts_with('#')) {
        assert!(sample.is_match(line), "not a Prometheus sample line: {line}");
    }
}

/// The hex HMAC-SHA256 of `text` under [`SECRET`].
fn hmac_hex(text: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[tokio::test]
async fn the_intake_command_serves_the_hooks_alone_prints_what_incidents_post_and_stops_cleanly_on_sigterm() {
    firebreak_testkit::ensure_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("firebreak.toml");
    let address = format!("127.0.0.1:{}", firebreak_testkit::free_port());
    std::fs::write(&config, format!("[intake]\nlisten = \"{address}\"\n")).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(["intake", "--config", config.to_str().unwrap()])
        .env("FIREBREAK_INTAKE_SECRET", SECRET)
        .env_remove("REDIS_URL")
        .env_remove("FIREBREAK_REDIS_URL")
        .env_remove("DISCORD_TOKEN")
        .env_remove("FIREBREAK_DISCORD_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut alive = false;
    for _ in 0..100 {
        alive = client.get(format!("http://{address}/healthz")).send().await.is_ok_and(|r| r.status() == 200);
        if alive {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let posted = client
        .post(format!("http://{address}/hooks/incident"))
        .bearer_auth(SECRET)
        .body(fixture("incident.json"))
        .send()
        .await
        .unwrap()
        .status();
    let stopped = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(alive && stopped.success());
    assert_eq!(posted, 200);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("#inc-2001-payments-queue-backing-up firebreak: Webhook opened INC-2001"), "{printed}");
    assert!(printed.contains("Likely root causes"), "{printed}");
}

#[test]
fn a_changes_tool_without_a_feed_needs_a_service_parameter_and_a_store_to_read() {
    let without_service =
        diagnostics_settings("[[diagnostics.tools]]\nname = \"changes\"\ndescription = \"d\"\nkind = \"changes\"\n");
    let with_service = diagnostics_settings(CHANGES_ON_ALERT);

    let no_parameter = Catalog::with_change_history(&without_service, Arc::new(MemoryStore::new())).unwrap_err();
    let no_store = Catalog::from_settings(&with_service).unwrap_err();

    assert!(no_parameter.to_string().contains("needs a `service` parameter"), "{no_parameter}");
    assert!(no_store.to_string().contains("needs a url"), "{no_store}");
    assert!(Catalog::with_change_history(&with_service, Arc::new(MemoryStore::new())).is_ok());
}
