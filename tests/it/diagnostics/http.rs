//! The http tool against a scripted local server and a local HTTPS server: status, latency,
//! redirect chains, bounded bodies, timeouts, refused arguments and certificate expiry.

use std::time::Duration;

use firebreak::diagnostics::{Catalog, MAX_DETAIL_CHARS};
use firebreak_testkit::{HttpTarget, Reply, TlsTarget, free_port};

use super::{call, catalog};

/// A target with one page per behaviour, and a catalog with a `page` tool on it.
async fn pages() -> (HttpTarget, Catalog) {
    let target = HttpTarget::start([
        ("/health", Reply::text(200, "ok")),
        ("/broken", Reply::text(503, "upstream connect error")),
        ("/slow", Reply::text(200, "finally").after(Duration::from_secs(5))),
        ("/hop1", Reply::redirect("/hop2")),
        ("/hop2", Reply::redirect("/hop3")),
        ("/hop3", Reply::text(200, "arrived")),
        ("/loop", Reply::redirect("/loop")),
        ("/big", Reply::text(200, format!("password=hunter2 {}", "x".repeat(100_000)))),
    ])
    .await;
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "page"
        description = "GET a page of the test service"
        kind = "http"
        url = "{}/{{page}}"
        params = {{ page = "[a-z0-9]+" }}
        timeout_secs = 1
        "#,
        target.url("")
    ));
    (target, catalog)
}

#[tokio::test]
async fn status_latency_and_the_body_are_reported_for_healthy_and_failing_pages() {
    let (target, catalog) = pages().await;

    let healthy = catalog.run(&call("page", &[("page", "health")])).await;
    let broken = catalog.run(&call("page", &[("page", "broken")])).await;

    assert!(healthy.ok && broken.ok, "a 503 is an observation, not a tool failure: {broken:?}");
    assert_eq!(healthy.query, target.url("/health"));
    assert!(healthy.summary.starts_with(&format!("GET {} → 200 in ", target.url("/health"))), "{healthy:?}");
    assert!(healthy.summary.ends_with(" ms"), "{healthy:?}");
    assert!(broken.summary.contains("→ 503 in "), "{broken:?}");
    assert!(broken.detail.contains("status: 503 Service Unavailable"), "{broken:?}");
    assert!(broken.detail.contains("body (22 bytes):\nupstream connect error"), "{broken:?}");
}

#[tokio::test]
async fn a_redirect_chain_is_followed_and_where_it_ended_is_told() {
    let (target, catalog) = pages().await;

    let chain = catalog.run(&call("page", &[("page", "hop1")])).await;
    let endless = catalog.run(&call("page", &[("page", "loop")])).await;

    assert!(chain.summary.contains("→ 200 in"), "{chain:?}");
    assert!(chain.summary.contains(&format!("(after 2 redirects, ended at {})", target.url("/hop3"))), "{chain:?}");
    assert!(chain.detail.contains("arrived"), "{chain:?}");
    assert!(endless.summary.contains("→ 302 in"), "{endless:?}");
    assert!(endless.summary.contains("(stopped following after 5 redirects, ended at"), "{endless:?}");
}

#[tokio::test]
async fn a_slow_page_times_out_with_a_clear_message() {
    let (_target, catalog) = pages().await;

    let evidence = catalog.run(&call("page", &[("page", "slow")])).await;

    assert!(!evidence.ok, "{evidence:?}");
    assert_eq!(evidence.summary, "timed out after 1 s and was stopped");
    assert!((1_000..2_500).contains(&evidence.duration_ms), "{evidence:?}");
}

#[tokio::test]
async fn a_large_body_is_cut_and_its_secrets_masked() {
    let (_target, catalog) = pages().await;

    let evidence = catalog.run(&call("page", &[("page", "big")])).await;

    assert!(evidence.ok, "{evidence:?}");
    assert!(evidence.detail.chars().count() <= MAX_DETAIL_CHARS, "{} chars", evidence.detail.chars().count());
    assert!(evidence.detail.contains("body (first part of over 16384 bytes)"), "{evidence:?}");
    assert!(evidence.detail.contains("password=[REDACTED]") && !evidence.detail.contains("hunter2"), "{evidence:?}");
}

#[tokio::test]
async fn an_argument_that_would_leave_the_path_is_refused_before_any_request() {
    let (_target, catalog) = pages().await;

    let traversal = catalog.run(&call("page", &[("page", "../admin")])).await;
    let other_host = catalog.run(&call("page", &[("page", "@evil.example")])).await;

    for evidence in [&traversal, &other_host] {
        assert!(!evidence.ok, "{evidence:?}");
        assert!(evidence.summary.contains("does not match ^([a-z0-9]+)$"), "{evidence:?}");
        assert!(evidence.query.starts_with("page(page="), "nothing was requested: {evidence:?}");
    }
}

#[tokio::test]
async fn a_closed_port_is_reported_as_unreachable() {
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "down"
        description = "Nothing listens here"
        kind = "http"
        url = "http://127.0.0.1:{}/health"
        "#,
        free_port()
    ));

    let evidence = catalog.run(&call("down", &[])).await;

    assert!(!evidence.ok, "{evidence:?}");
    assert!(evidence.summary.starts_with("could not reach http://127.0.0.1:"), "{evidence:?}");
    assert!(evidence.summary.to_lowercase().contains("connection refused"), "{evidence:?}");
}

#[tokio::test]
async fn an_https_page_reports_how_many_days_its_certificate_has_left() {
    let server = TlsTarget::start(30).await;
    let tool = |name: &str, ca_file: &str| {
        format!(
            r#"
            [[diagnostics.tools]]
            name = "{name}"
            description = "The HTTPS test service"
            kind = "http"
            url = "{}"
            {ca_file}
            "#,
            server.url("/health")
        )
    };
    let catalog = catalog(&format!(
        "{}{}",
        tool("trusted", &format!("ca_file = '{}'", server.ca_file().display())),
        tool("untrusted", "")
    ));

    let trusted = catalog.run(&call("trusted", &[])).await;
    let untrusted = catalog.run(&call("untrusted", &[])).await;

    assert!(trusted.ok, "{trusted:?}");
    assert!(trusted.summary.contains("→ 200 in"), "{trusted:?}");
    assert!(
        trusted.summary.contains("certificate expires in 29 days")
            || trusted.summary.contains("certificate expires in 30 days"),
        "{trusted:?}"
    );
    assert!(trusted.detail.contains("issued by CN=Firebreak test CA"), "{trusted:?}");
    assert!(!untrusted.ok, "an unknown CA is refused, not ignored: {untrusted:?}");
    assert!(untrusted.summary.to_lowercase().contains("certificate"), "{untrusted:?}");
}
