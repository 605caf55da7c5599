//! Runs the alerting spawners end to end: an Alertmanager posting firing and resolved alerts to
//! a webhook (with a bearer token when configured), and a Prometheus scraping a target,
//! firing an alerting rule on what it scraped and sending it through that Alertmanager. The
//! webhook is a small axum receiver in the test that hands every notification to the test.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use firebreak_testkit::{AlertmanagerServer, MetricsTarget, PrometheusServer};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// How long a notification may take to arrive: a few group intervals and evaluation rounds.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// One webhook call as the receiver saw it.
#[derive(Debug)]
struct Notification {
    authorization: Option<String>,
    body: Value,
}

/// A webhook receiver on a free loopback port: its URL, and the notifications it gets.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Notification>) {
    let (sender, notifications) = mpsc::unbounded_channel();
    let router = Router::new().route(
        "/alerts",
        post(move |headers: HeaderMap, body: String| {
            let sender = sender.clone();
            async move {
                let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
                let body = serde_json::from_str(&body).expect("Alertmanager posts JSON");
                let _ = sender.send(Notification { authorization: authorization.map(str::to_owned), body });
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
    let url = format!("http://{}/alerts", listener.local_addr().expect("a bound listener has an address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, notifications)
}

/// The next notification whose `status` is `status` (`firing` or `resolved`); repeats of other
/// notifications are skipped.
async fn next_with_status(notifications: &mut mpsc::UnboundedReceiver<Notification>, status: &str) -> Notification {
    let wait = async {
        loop {
            let notification = notifications.recv().await.expect("the receiver is running");
            if notification.body["status"] == status {
                return notification;
            }
        }
    };
    tokio::time::timeout(DELIVERY_TIMEOUT, wait)
        .await
        .unwrap_or_else(|_| panic!("no {status} notification within {} s", DELIVERY_TIMEOUT.as_secs()))
}

/// Posts `alerts` to Alertmanager's API, as Prometheus would.
async fn post_alerts(alertmanager: &AlertmanagerServer, alerts: &Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v2/alerts", alertmanager.url()))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(alerts.to_string())
        .send()
        .await
        .expect("post alerts to Alertmanager");
    assert_eq!(response.status(), 200, "Alertmanager accepts the alerts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_posts_firing_then_resolved_alerts_with_its_bearer_token() {
    firebreak_testkit::ensure_crypto_provider();
    let (url, mut notifications) = receiver().await;
    let alertmanager = AlertmanagerServer::start(&url, Some("hook-token"));
    let alert = json!({"alertname": "CheckoutErrors", "service": "checkout", "severity": "page"});

    post_alerts(&alertmanager, &json!([{"labels": alert, "annotations": {"summary": "5xx on checkout"}}])).await;
    let firing = next_with_status(&mut notifications, "firing").await;
    let ended = chrono::Utc::now().to_rfc3339();
    post_alerts(&alertmanager, &json!([{"labels": alert, "endsAt": ended}])).await;
    let resolved = next_with_status(&mut notifications, "resolved").await;

    assert_eq!(firing.authorization.as_deref(), Some("Bearer hook-token"));
    assert_eq!(firing.body["alerts"][0]["labels"]["alertname"], "CheckoutErrors");
    assert_eq!(firing.body["alerts"][0]["annotations"]["summary"], "5xx on checkout");
    assert_eq!(resolved.body["alerts"][0]["status"], "resolved");
    assert_eq!(resolved.authorization.as_deref(), Some("Bearer hook-token"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_fires_a_rule_on_a_scraped_target_and_alertmanager_delivers_it() {
    let (url, mut notifications) = receiver().await;
    let target = MetricsTarget::start().await;
    target.set_rate("checkout_errors_total", &[("service", "checkout")], 5.0);
    let alertmanager = AlertmanagerServer::start(&url, None);
    let rules = "groups:\n  - name: checkout\n    rules:\n      - alert: CheckoutErrors\n        \
                 expr: rate(checkout_errors_total[5s]) > 1\n        labels: { severity: page }\n";

    let _prometheus = PrometheusServer::builder()
        .scrape(&[target.address()])
        .rules(rules)
        .alertmanager(&alertmanager.address())
        .start();
    let firing = next_with_status(&mut notifications, "firing").await;

    let labels = &firing.body["alerts"][0]["labels"];
    assert_eq!(labels["alertname"], "CheckoutErrors");
    assert_eq!(labels["severity"], "page");
    assert_eq!(labels["service"], "checkout", "the series came from the scraped target");
    assert_eq!(labels["job"], "target");
    assert_eq!(firing.authorization, None, "no bearer token was configured");
}
