//! The changes tool against a local feed: only the incident's service, only the window, newest
//! first, told in one line.

use chrono::{Duration, Utc};
use firebreak_testkit::{HttpTarget, Reply};
use serde_json::json;

use super::{call, catalog};

#[tokio::test]
async fn changes_to_the_service_within_the_window_are_listed_newest_first() {
    let now = Utc::now();
    let at = |minutes: i64| (now - Duration::minutes(minutes)).to_rfc3339();
    let feed = json!([
        { "at": at(300), "service": "checkout", "kind": "flag", "description": "new-cart enabled" },
        { "at": at(30), "service": "checkout", "kind": "deploy", "description": "checkout-api v2.41", "author": "maya" },
        { "at": at(10), "service": "search", "kind": "deploy", "description": "search v9", "author": "sam" },
        { "at": at(480), "service": "checkout", "kind": "deploy", "description": "checkout-api v2.38", "author": "li" },
        { "at": at(120), "service": "checkout", "kind": "config", "description": "pool size 40", "author": "sam" },
    ]);
    let target = HttpTarget::start([("/changes", Reply::json(&feed))]).await;
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "recent_changes"
        description = "Deploys, config and flag changes of a service"
        kind = "changes"
        url = "{}"
        window = "6h"
        params = {{ service = "[a-z-]+" }}
        "#,
        target.url("/changes")
    ));

    let evidence = catalog.run(&call("recent_changes", &[("service", "checkout")])).await;

    assert!(evidence.ok, "{evidence:?}");
    assert!(
        evidence.summary.starts_with("3 changes to checkout in the last 6h, newest: deploy checkout-api v2.41 at "),
        "{evidence:?}"
    );
    assert!(evidence.summary.ends_with(" by maya"), "{evidence:?}");
    let listed: Vec<&str> = evidence.detail.lines().map(|line| line.split_once(": ").unwrap().1).collect();
    assert_eq!(listed, ["checkout-api v2.41 (maya)", "pool size 40 (sam)", "new-cart enabled"]);
}

#[tokio::test]
async fn a_feed_that_is_not_a_list_of_changes_is_reported_not_guessed_at() {
    let target = HttpTarget::start([("/changes", Reply::json(&json!({ "changes": [] })))]).await;
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "recent_changes"
        description = "Recent changes"
        kind = "changes"
        url = "{}"
        "#,
        target.url("/changes")
    ));

    let evidence = catalog.run(&call("recent_changes", &[])).await;

    assert!(!evidence.ok, "{evidence:?}");
    assert!(evidence.summary.contains("not the expected JSON"), "{evidence:?}");
}
