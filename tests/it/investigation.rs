//! Evidence in the turn: handlers run diagnostics when an incident is declared, the first
//! response carries what they found (from a real Prometheus), `/diagnose` runs one tool or
//! refuses it, `/evidence` lists runs, and a question about the live state re-runs the handlers.

use std::sync::Arc;
use std::time::Duration;

use firebreak::advisor::OfflineAdvisor;
use firebreak::core::engine::Engine;
use firebreak::core::settings::EngineSettings;
use firebreak_testkit::{HttpTarget, MetricsTarget, PrometheusServer, Reply};

use crate::support::{command, engine_with, has_error, health_tool, question, text_of};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout returning 502s severity: sev2 service: checkout source: machine";

/// An engine with the sample history, the offline advisor and these diagnostics.
fn engine(diagnostics_toml: &str) -> Engine {
    engine_with(diagnostics_toml, Arc::new(OfflineAdvisor::default()), EngineSettings::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_response_carries_an_error_rate_jump_measured_by_a_real_prometheus() {
    let target = MetricsTarget::start().await;
    target.set_rate("http_requests_total", &[("service", "checkout"), ("code", "200")], 100.0);
    target.set_rate("http_requests_total", &[("service", "checkout"), ("code", "500")], 0.2);
    let address = target.address();
    let prometheus = tokio::task::spawn_blocking(move || PrometheusServer::start(&[address])).await.unwrap();
    let engine = engine(&format!(
        r#"
        [[diagnostics.tools]]
        name = "error_ratio"
        description = "Share of a service's requests answered with 500"
        kind = "prometheus"
        url = "{}"
        query = 'sum(rate(http_requests_total{{service="{{service}}",code="500"}}[4s])) / sum(rate(http_requests_total{{service="{{service}}"}}[4s]))'
        range = "8s"
        step = "1s"
        compare = "10s"
        params = {{ service = "[a-z-]+" }}

        [[diagnostics.handlers]]
        name = "error-ratio-on-declare"
        when = {{ title_regex = "(?i)5\\d\\d|error" }}
        run = [{{ tool = "error_ratio", args = {{ service = "{{service}}" }} }}]
        "#,
        prometheus.url()
    ));
    tokio::time::sleep(Duration::from_secs(9)).await;
    target.set_rate("http_requests_total", &[("service", "checkout"), ("code", "500")], 15.0);
    tokio::time::sleep(Duration::from_secs(8)).await;

    let first_response = text_of(&engine.handle(command(CHANNEL, "maya", DECLARE)).await);
    let evidence = text_of(&engine.handle(command(CHANNEL, "maya", "/evidence")).await);

    let section = first_response.split("Evidence gathered").nth(1).expect("an evidence section");
    assert!(section.contains("✓ error_ratio") && section.contains("now (min"), "{first_response}");
    assert!(section.contains("up from"), "{first_response}");
    assert!(evidence.contains("sum(rate(http_requests_total{service=\"checkout\",code=\"500\"}"), "{evidence}");
}

#[tokio::test]
async fn diagnose_refuses_unknown_tools_and_bad_arguments_before_running_anything() {
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await;
    let engine = engine(&health_tool(&target.url(""), "[a-z-]+", true));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let unknown = engine.handle(command(CHANNEL, "maya", "/diagnose drop_tables")).await;
    let injected = engine.handle(command(CHANNEL, "maya", "/diagnose health service=checkout;reboot")).await;
    let ran = text_of(&engine.handle(command(CHANNEL, "maya", "/diagnose health service=checkout")).await);
    let evidence = text_of(&engine.handle(command(CHANNEL, "maya", "/evidence")).await);

    assert!(has_error(&unknown) && text_of(&unknown).contains("I won't run that"), "{unknown:?}");
    assert!(has_error(&injected) && text_of(&injected).contains("service"), "{injected:?}");
    assert!(ran.contains("health found") && ran.contains("503"), "{ran}");
    assert_eq!(evidence.matches("✓").count(), 2, "declare's run and /diagnose's: {evidence}");
    assert!(!evidence.contains("reboot"), "{evidence}");
}

#[tokio::test]
async fn a_question_about_the_live_state_re_runs_the_handlers_and_says_so() {
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await;
    let engine = engine(&health_tool(&target.url(""), "[a-z-]+", true));
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let replies = engine.handle(question(CHANNEL, "sam", "is checkout still failing?")).await;
    let plain = engine.handle(question(CHANNEL, "sam", "who is the commander?")).await;
    let evidence = text_of(&engine.handle(command(CHANNEL, "sam", "/evidence")).await);

    assert!(text_of(&replies).starts_with("Ran `health` (ok) for fresh evidence."), "{replies:?}");
    assert!(text_of(&replies).contains("Latest evidence:\n- ✓ health"), "{replies:?}");
    assert!(!text_of(&plain).contains("Ran `health`"), "{plain:?}");
    assert!(evidence.contains("(2 runs, newest first)"), "{evidence}");
}

#[tokio::test]
async fn a_failing_tool_never_blocks_the_first_response() {
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(200, "ok").after(Duration::from_secs(5)))]).await;
    let toml = health_tool(&target.url(""), "[a-z-]+", true).replace("params =", "timeout_secs = 1\n        params =");
    let engine = engine(&toml);

    let replies = text_of(&engine.handle(command(CHANNEL, "maya", DECLARE)).await);

    assert!(replies.contains("✗ health failed"), "{replies}");
    assert!(replies.contains("Likely root causes"), "{replies}");
}
