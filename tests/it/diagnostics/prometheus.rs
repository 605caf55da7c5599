//! The prometheus tool against a real Prometheus scraping a target every second: the checkout
//! error ratio sits near 0.2 % for a while, then jumps to about 13 %, and the evidence must say
//! so — now against ten seconds earlier — in numbers a person can read.

use std::sync::LazyLock;
use std::time::Duration;

use firebreak_testkit::{MetricsTarget, PrometheusServer};
use regex::Regex;

use super::{call, catalog};

const REQUESTS: &str = "http_requests_total";
const ERROR_RATIO: &str = r#"sum(rate(http_requests_total{service="{service}",code="500"}[4s])) / sum(rate(http_requests_total{service="{service}"}[4s]))"#;

static NOW_AND_EARLIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^error_ratio: ([0-9.]+) now \(min ([0-9.]+), max ([0-9.]+), mean [0-9.]+ over 8s\); up from ([0-9.]+) 10s earlier$")
        .unwrap()
});

fn settings(url: &str) -> String {
    format!(
        r#"
        [[diagnostics.tools]]
        name = "error_ratio"
        description = "Share of a service's requests answered with 500"
        kind = "prometheus"
        url = "{url}"
        query = '{ERROR_RATIO}'
        range = "8s"
        step = "1s"
        compare = "10s"
        params = {{ service = "[a-z-]+" }}

        [[diagnostics.tools]]
        name = "rate_by_code"
        description = "Requests per second of a service by status code"
        kind = "prometheus"
        url = "{url}"
        query = 'sum by (code) (rate(http_requests_total{{service="{{service}}"}}[4s]))'
        params = {{ service = "[a-z-]+" }}
        "#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jump_in_the_error_ratio_shows_against_the_earlier_window() {
    let target = MetricsTarget::start().await;
    target.set_rate(REQUESTS, &[("service", "checkout"), ("code", "200")], 100.0);
    target.set_rate(REQUESTS, &[("service", "checkout"), ("code", "500")], 0.2);
    let address = target.address();
    let prometheus = tokio::task::spawn_blocking(move || PrometheusServer::start(&[address])).await.unwrap();
    let catalog = catalog(&settings(&prometheus.url()));
    tokio::time::sleep(Duration::from_secs(9)).await;

    target.set_rate(REQUESTS, &[("service", "checkout"), ("code", "500")], 15.0);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let ratio = catalog.run(&call("error_ratio", &[("service", "checkout")])).await;
    let by_code = catalog.run(&call("rate_by_code", &[("service", "checkout")])).await;

    assert!(ratio.ok, "{ratio:?}");
    assert_eq!(ratio.query, ERROR_RATIO.replace("{service}", "checkout"));
    let numbers = NOW_AND_EARLIER.captures(&ratio.summary).unwrap_or_else(|| panic!("unexpected summary: {ratio:?}"));
    let [now, min, max, earlier] = [1, 2, 3, 4].map(|group| numbers[group].parse::<f64>().unwrap());
    assert!((0.09..0.16).contains(&now), "about 15/115 now: {ratio:?}");
    assert!(earlier < 0.02 && min < 0.02, "about 0.2/100 before the jump: {ratio:?}");
    assert!(max >= now, "{ratio:?}");
    assert!(ratio.detail.contains("range query over the last 8s, step 1 s, compared with 10s earlier"), "{ratio:?}");

    assert!(by_code.ok, "{by_code:?}");
    assert!(by_code.summary.starts_with(r#"rate_by_code: 2 series; highest now: {code="200"} "#), "{by_code:?}");
    assert!(by_code.summary.contains(r#", {code="500"} "#), "{by_code:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_prometheus_refuses_is_reported_with_its_reason() {
    let prometheus = tokio::task::spawn_blocking(|| PrometheusServer::start(&[])).await.unwrap();
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "broken"
        description = "A query with a syntax error"
        kind = "prometheus"
        url = "{}"
        query = "sum(rate(http_requests_total[5m])"
        "#,
        prometheus.url()
    ));

    let evidence = catalog.run(&call("broken", &[])).await;

    assert!(!evidence.ok, "{evidence:?}");
    assert!(evidence.summary.contains("the query was refused (bad_data)"), "{evidence:?}");
}
