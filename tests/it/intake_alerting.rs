//! End to end through the real alerting path: a test target's error ratio rises, a real
//! Prometheus fires a rule on it and sends it to a real Alertmanager, which posts to Firebreak
//! started the way `firebreak intake` or `firebreak run` starts it; the incident opens with the alert's labels and the
//! handler's evidence in its first response. The target recovers, and the resolution lands on the
//! same incident's timeline. Prometheus also scrapes Firebreak's `/metrics`, which proves the
//! text format. Once through `firebreak intake` run as a process with no chat platform (what
//! incidents post is printed), once into Discord (the local Discord-compatible server).

use std::time::Duration;

use firebreak::config::Settings;
use firebreak::core::incident::{Incident, IncidentId, Source};
use firebreak::core::ports::Store;
use firebreak::core::timeline::{Entry, EntryKind};
use firebreak_testkit::{AlertmanagerServer, DiscordServer, MetricsTarget, PrometheusServer, RedisServer};
use serde_json::Value;

use crate::intake::SECRET;
use crate::support::{diagnostics_settings, redis_store, spawn_app};

/// The issue's bound on how long an alert may take to become an incident.
const WAIT: Duration = Duration::from_secs(60);

/// Fires while more than 5% of checkout's requests fail.
const RULES: &str = r#"groups:
  - name: checkout
    rules:
      - alert: CheckoutErrors
        expr: sum by (service) (rate(checkout_errors_total[5s])) / sum by (service) (rate(checkout_requests_total[5s])) > 0.05
        labels: { severity: page }
        annotations:
          summary: Checkout error ratio above 5%
          description: "{{ $value | humanizePercentage }} of checkout requests fail"
"#;

/// Everything on the alerting path, up and wired to Firebreak's intake (not started yet).
struct AlertingPath {
    redis: RedisServer,
    target: MetricsTarget,
    prometheus: PrometheusServer,
    _alertmanager: AlertmanagerServer,
    intake: String,
}

impl AlertingPath {
    /// A target failing 20% of checkout requests, scraped with Firebreak's intake by a Prometheus
    /// that sends its alerts to an Alertmanager posting to the intake.
    async fn start() -> Self {
        firebreak_testkit::ensure_crypto_provider();
        let redis = RedisServer::start();
        let target = MetricsTarget::start().await;
        target.set_rate("checkout_requests_total", &[("service", "checkout")], 100.0);
        target.set_rate("checkout_errors_total", &[("service", "checkout")], 20.0);
        let intake = format!("127.0.0.1:{}", firebreak_testkit::free_port());
        let alertmanager = AlertmanagerServer::start(&format!("http://{intake}/hooks/alertmanager"), Some(SECRET));
        let prometheus = PrometheusServer::builder()
            .scrape(&[target.address(), intake.clone()])
            .rules(RULES)
            .alertmanager(&alertmanager.address())
            .start();
        Self { redis, target, prometheus, _alertmanager: alertmanager, intake }
    }

    /// Firebreak's settings: state in Redis, the intake on its address, and a handler that
    /// measures the error ratio in Prometheus when the alert opens an incident.
    fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        settings.redis.url = Some(self.redis.url());
        settings.intake.listen = Some(self.intake.parse().unwrap());
        settings.intake.hooks.alertmanager.secret = Some(SECRET.to_owned());
        settings.diagnostics = diagnostics_settings(&self.diagnostics());
        settings
    }

    /// The same settings as a `firebreak.toml` (the hook's secret comes from the environment).
    fn config_file(&self) -> String {
        format!(
            "[redis]\nurl = \"{}\"\n\n[intake]\nlisten = \"{}\"\n{}",
            self.redis.url(),
            self.intake,
            self.diagnostics()
        )
    }

    /// The `[diagnostics]` section: the error-ratio tool and the handler that runs it.
    fn diagnostics(&self) -> String {
        format!(
            r#"
            [[diagnostics.tools]]
            name = "error_ratio"
            description = "Share of a service's requests that fail"
            kind = "prometheus"
            url = "{}"
            query = 'sum(rate(checkout_errors_total{{service="{{service}}"}}[5s])) / sum(rate(checkout_requests_total{{service="{{service}}"}}[5s]))'
            params = {{ service = "[a-z]+" }}

            [[diagnostics.handlers]]
            name = "checkout-errors"
            when = {{ labels = {{ alertname = "CheckoutErrors" }} }}
            run = [{{ tool = "error_ratio", args = {{ service = "{{labels.service}}" }} }}]
            "#,
            self.prometheus.url()
        )
    }

    /// The target stops failing.
    fn recover(&self) {
        self.target.set_rate("checkout_errors_total", &[("service", "checkout")], 0.0);
    }

    /// Whether Prometheus scrapes the intake's `/metrics` successfully and has its webhook
    /// counts, as PromQL sees them.
    async fn scraped_metrics(&self) -> bool {
        let up = self.query(&format!("up{{instance=\"{}\"}}", self.intake)).await;
        let hooks = self.query("firebreak_webhook_requests_total{hook=\"alertmanager\",status=\"200\"}").await;
        up.first().is_some_and(|sample| sample["value"][1] == "1") && !hooks.is_empty()
    }

    async fn query(&self, promql: &str) -> Vec<Value> {
        let url = format!("{}/api/v1/query", self.prometheus.url());
        let response = reqwest::Client::new().get(url).query(&[("query", promql)]).send().await.unwrap();
        let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        body["data"]["result"].as_array().cloned().unwrap_or_default()
    }
}

/// Polls `check` every half second until it gives something or `WAIT` passes.
async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what} within {} s", WAIT.as_secs());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The first incident in `store`, once there is one.
async fn first_incident(store: &dyn Store) -> Incident {
    eventually("an incident is opened", || async { store.incident(IncidentId::from_number(2001)).await.ok().flatten() })
        .await
}

/// The incident's timeline once it has an entry matching `wanted`.
async fn timeline_with(store: &dyn Store, id: IncidentId, what: &str, wanted: impl Fn(&Entry) -> bool) -> Vec<Entry> {
    eventually(what, || async {
        let timeline = store.timeline(id).await.ok()?;
        timeline.iter().any(&wanted).then_some(timeline)
    })
    .await
}

fn is_alert(entry: &Entry, firing: bool) -> bool {
    let status = if firing { "firing" } else { "resolved" };
    matches!(&entry.kind, EntryKind::Alert { status: found } if found.as_str() == status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_alert_from_prometheus_through_alertmanager_opens_an_incident_on_the_console_intake_and_its_resolution_lands_on_its_timeline()
 {
    let path = AlertingPath::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("firebreak.toml");
    std::fs::write(&config, path.config_file()).unwrap();
    let intake = tokio::process::Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(["intake", "--config", config.to_str().unwrap()])
        .env("FIREBREAK_INTAKE_ALERTMANAGER_SECRET", SECRET)
        .env_remove("DISCORD_TOKEN")
        .env_remove("FIREBREAK_DISCORD_TOKEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let store = redis_store(&path.redis.url()).await;

    let incident = first_incident(store.as_ref()).await;
    let opened = timeline_with(store.as_ref(), incident.id, "a first response", |entry| {
        matches!(entry.kind, EntryKind::Recommendation { .. })
    })
    .await;
    path.recover();
    let resolved = timeline_with(store.as_ref(), incident.id, "the resolution", |entry| is_alert(entry, false)).await;
    eventually("Prometheus scrapes /metrics", || async { path.scraped_metrics().await.then_some(()) }).await;

    assert_eq!((incident.source, incident.service.as_deref()), (Source::Machine, Some("checkout")));
    assert_eq!(incident.title, "Checkout error ratio above 5%");
    assert_eq!(
        (incident.labels["alertname"].as_str(), incident.labels["severity"].as_str()),
        ("CheckoutErrors", "page")
    );
    assert!(incident.channel.starts_with("inc-2001-checkout-error-ratio"), "{}", incident.channel);
    let firing = opened.iter().find(|entry| is_alert(entry, true)).expect("the firing alert is on the timeline");
    assert!(firing.text.contains("service=checkout"), "{}", firing.text);
    assert!(
        opened
            .iter()
            .any(|entry| matches!(&entry.kind, EntryKind::Evidence { tool, ok: true } if tool == "error_ratio"))
    );
    let response = &opened.iter().find(|entry| matches!(entry.kind, EntryKind::Recommendation { .. })).unwrap().text;
    assert!(response.contains("Evidence gathered") && response.contains("error_ratio"), "{response}");
    assert!(resolved.iter().any(|entry| entry.text == firebreak::core::replies::ALERTS_ALL_RESOLVED_NOTE));
    assert_eq!(store.all_incidents().await.unwrap(), [incident.id], "the resolution joined the same incident");
    let pid = intake.id().expect("the intake is running").to_string();
    let stopped = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let output = intake.wait_with_output().await.unwrap();
    assert!(stopped.success() && output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("firebreak: Alertmanager opened INC-2001 — Checkout error ratio above 5%"), "{printed}");
    assert!(printed.contains("Every alert of INC-2001 has resolved"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_alert_from_prometheus_through_alertmanager_opens_a_discord_channel_with_its_labels_and_evidence() {
    let path = AlertingPath::start().await;
    let discord = DiscordServer::start().await;
    let mut settings = path.settings();
    settings.discord.token = Some(discord.token().to_owned());
    settings.discord.api_base = Some(discord.base_url());
    settings.intake.guild_id = Some(discord.guild_id());
    let app = spawn_app(settings).await;
    discord.wait_ready(1, Duration::from_secs(10)).await;
    let readiness = eventually("the gateway counts as ready", || async {
        let response = reqwest::get(format!("http://{}/readyz", path.intake)).await.ok()?;
        (response.status() == 200).then_some(response.text().await.ok()?)
    })
    .await;

    let channel = discord
        .wait_for(WAIT, |server| {
            server.channels().into_iter().find(|c| c["name"].as_str().is_some_and(|name| name.starts_with("inc-2001-")))
        })
        .await
        .expect("the alert's incident channel is created");
    let id: u64 = channel["id"].as_str().unwrap().parse().unwrap();
    let first_response = discord
        .wait_for(WAIT, |server| {
            let posted = posted_text(server, id);
            posted.contains("Evidence gathered").then_some(posted)
        })
        .await
        .expect("the first response is posted in the channel");
    path.recover();
    let resolution = discord
        .wait_for(WAIT, |server| {
            let posted = posted_text(server, id);
            posted.contains("Every alert of INC-2001 has resolved").then_some(posted)
        })
        .await;

    assert!(readiness.contains(r#""discord":"ok""#) && readiness.contains(r#""store":"ok""#), "{readiness}");
    assert!(channel["name"].as_str().unwrap().starts_with("inc-2001-checkout-error-ratio"), "{channel}");
    assert!(first_response.contains("- alertname=CheckoutErrors") && first_response.contains("- service=checkout"));
    assert!(first_response.contains("error_ratio"), "{first_response}");
    let resolution = resolution.expect("the resolution is posted in the same channel");
    assert!(resolution.contains("CheckoutErrors resolved"), "{resolution}");
    app.stop().await;
}

/// Everything the bot posted in `channel`: contents and embeds, in order.
fn posted_text(discord: &DiscordServer, channel: u64) -> String {
    let bot = discord.bot_user_id().to_string();
    discord
        .channel_messages(channel)
        .into_iter()
        .filter(|message| message["author"]["id"] == bot.as_str())
        .map(|message| {
            let mut text = message["content"].as_str().unwrap_or_default().to_owned();
            for embed in message["embeds"].as_array().into_iter().flatten() {
                text.push_str(&format!("\n{}", embed["title"].as_str().unwrap_or_default()));
                for field in embed["fields"].as_array().into_iter().flatten() {
                    let (name, value) = (field["name"].as_str().unwrap_or(""), field["value"].as_str().unwrap_or(""));
                    text.push_str(&format!("\n{name}\n{value}"));
                }
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}
