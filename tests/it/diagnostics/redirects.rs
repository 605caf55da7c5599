//! Where the http tool and the changes feed may be redirected, against local HTTP and HTTPS
//! servers and dnsmasq: their own origin always, another host only when listed in
//! `allow_redirects_to`, and never an internal address range the tool's own URL is not in —
//! judged by what the name resolves to. A refusal is failed evidence naming the location.

use firebreak::diagnostics::Catalog;
use firebreak_testkit::{DnsServer, HttpTarget, Reply, TlsTarget};
use serde_json::json;

use super::{call, catalog};

/// The port of a test server.
fn port(target: &HttpTarget) -> u16 {
    target.url("").rsplit(':').next().and_then(|port| port.parse().ok()).expect("the URL ends with its port")
}

/// An `http` tool named `name` GETting `{page}` under `base`, with extra settings.
fn http_tool(name: &str, base: &str, extra: &str) -> String {
    format!(
        r#"
        [[diagnostics.tools]]
        name = "{name}"
        description = "GET a page"
        kind = "http"
        url = "{base}/{{page}}"
        params = {{ page = "[a-z]+" }}
        timeout_secs = 5
        {extra}
        "#
    )
}

/// A server whose pages (path → location) each answer with a redirect.
async fn redirecting(locations: &[(&str, String)]) -> HttpTarget {
    HttpTarget::start(locations.iter().map(|(path, location)| (*path, Reply::redirect(location)))).await
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused_unless_its_host_is_listed() {
    let internal = HttpTarget::start([("/page", Reply::text(200, "internal page"))]).await;
    let public = redirecting(&[("/go", internal.url("/page"))]).await;
    let listed = format!(r#"allow_redirects_to = ["127.0.0.1:{}"]"#, port(&internal));
    let catalog = catalog(&format!(
        "{}{}",
        http_tool("strict", &public.url(""), ""),
        http_tool("listed", &public.url(""), &listed)
    ));

    let strict = catalog.run(&call("strict", &[("page", "go")])).await;
    let followed = catalog.run(&call("listed", &[("page", "go")])).await;

    assert!(!strict.ok, "{strict:?}");
    assert_eq!(
        strict.summary,
        format!(
            "refused to follow the redirect from {} to {}: it leaves http://127.0.0.1:{} and 127.0.0.1 is not in \
             the tool's allow_redirects_to",
            public.url("/go"),
            internal.url("/page"),
            port(&public)
        )
    );
    assert!(!strict.detail.contains("internal page"), "{strict:?}");
    assert!(followed.ok && followed.detail.contains("internal page"), "{followed:?}");
    assert!(followed.summary.contains(&format!("(after 1 redirect, ended at {})", internal.url("/page"))));
}

#[tokio::test]
async fn a_listed_name_is_followed_into_the_tools_own_range_but_not_into_another() {
    let dns = DnsServer::start("test", &["--address=/internal.test/127.0.0.1", "--address=/intranet.test/10.9.8.7"]);
    let internal = HttpTarget::start([("/page", Reply::text(200, "internal page"))]).await;
    let public = redirecting(&[
        ("/inside", format!("http://internal.test:{}/page", port(&internal))),
        ("/intranet", format!("http://intranet.test:{}/page", port(&internal))),
    ])
    .await;
    let settings = format!(
        r#"allow_redirects_to = ["internal.test", "intranet.test"]
        nameserver = "{}""#,
        dns.address()
    );
    let catalog = catalog(&http_tool("probe", &public.url(""), &settings));

    let same_range = catalog.run(&call("probe", &[("page", "inside")])).await;
    let other_range = catalog.run(&call("probe", &[("page", "intranet")])).await;

    assert!(same_range.ok && same_range.detail.contains("internal page"), "{same_range:?}");
    assert!(!other_range.ok, "{other_range:?}");
    assert!(
        other_range.summary.ends_with(
            "intranet.test resolves to 10.9.8.7, a private address, and the tool's own URL is not in that range"
        ),
        "refused before any connection to 10.9.8.7 was tried: {other_range:?}"
    );
}

#[tokio::test]
async fn the_cloud_metadata_address_is_refused_even_when_listed() {
    let public = redirecting(&[("/meta", "http://169.254.169.254/latest/meta-data/iam/".to_owned())]).await;
    let listed = r#"allow_redirects_to = ["169.254.169.254"]"#;
    let catalog = catalog(&format!(
        "{}{}",
        http_tool("strict", &public.url(""), ""),
        http_tool("listed", &public.url(""), listed)
    ));

    let strict = catalog.run(&call("strict", &[("page", "meta")])).await;
    let listed = catalog.run(&call("listed", &[("page", "meta")])).await;

    assert!(
        !strict.ok && strict.summary.contains("169.254.169.254 is not in the tool's allow_redirects_to"),
        "{strict:?}"
    );
    assert!(!listed.ok, "{listed:?}");
    assert!(listed.summary.contains("169.254.169.254 resolves to 169.254.169.254, a link-local address"), "{listed:?}");
}

#[tokio::test]
async fn a_refused_location_is_named_without_its_credentials_and_other_schemes_are_refused() {
    let internal = HttpTarget::start([("/page", Reply::text(200, "internal page"))]).await;
    let public = redirecting(&[
        ("/creds", format!("http://admin:hunter2@127.0.0.1:{}/page", port(&internal))),
        ("/file", "file:///etc/passwd".to_owned()),
    ])
    .await;
    let catalog = catalog(&http_tool("probe", &public.url(""), ""));

    let credentials = catalog.run(&call("probe", &[("page", "creds")])).await;
    let file = catalog.run(&call("probe", &[("page", "file")])).await;

    assert!(!credentials.ok, "{credentials:?}");
    assert!(credentials.summary.contains(&format!("to http://admin:[REDACTED]@127.0.0.1:{}/page", port(&internal))));
    assert!(!credentials.summary.contains("hunter2"), "{credentials:?}");
    assert!(!file.ok && file.summary.ends_with("to file:///etc/passwd: only http and https locations are followed"));
}

#[tokio::test]
async fn an_http_probe_follows_a_redirect_to_https_on_another_host_only_when_it_is_listed() {
    let secure = TlsTarget::start(30).await;
    let location = secure.url("/health").replace("127.0.0.1", "localhost");
    let public = redirecting(&[("/secure", location.clone())]).await;
    let ca_file = format!("ca_file = '{}'", secure.ca_file().display());
    let listed = format!("{ca_file}\nallow_redirects_to = [\"localhost\"]");
    let catalog = catalog(&format!(
        "{}{}",
        http_tool("strict", &public.url(""), &ca_file),
        http_tool("listed", &public.url(""), &listed)
    ));

    let strict = catalog.run(&call("strict", &[("page", "secure")])).await;
    let followed = catalog.run(&call("listed", &[("page", "secure")])).await;

    assert!(!strict.ok && strict.summary.contains("localhost is not in the tool's allow_redirects_to"), "{strict:?}");
    assert!(followed.ok, "{followed:?}");
    assert!(followed.summary.contains(&format!("ended at {location}")), "{followed:?}");
    assert!(followed.detail.contains("issued by CN=Firebreak test CA") && followed.detail.contains("secure hello"));
}

/// A `changes` tool reading the feed at `url`, with extra settings.
fn changes_tool(name: &str, url: &str, extra: &str) -> String {
    format!(
        r#"
        [[diagnostics.tools]]
        name = "{name}"
        description = "Recent changes"
        kind = "changes"
        url = "{url}"
        timeout_secs = 5
        {extra}
        "#
    )
}

#[tokio::test]
async fn a_changes_feed_redirected_to_another_host_is_read_only_when_that_host_is_listed() {
    let feed = HttpTarget::start([("/changes", Reply::json(&json!([])))]).await;
    let moved = redirecting(&[("/changes", feed.url("/changes"))]).await;
    let listed = format!(r#"allow_redirects_to = ["127.0.0.1:{}"]"#, port(&feed));
    let catalog = catalog(&format!(
        "{}{}",
        changes_tool("strict", &moved.url("/changes"), ""),
        changes_tool("listed", &moved.url("/changes"), &listed)
    ));

    let strict = catalog.run(&call("strict", &[])).await;
    let followed = catalog.run(&call("listed", &[])).await;

    assert!(!strict.ok && strict.summary.starts_with("refused to follow the redirect from "), "{strict:?}");
    assert!(followed.ok && followed.summary == "no changes in the last 6h", "{followed:?}");
}

#[test]
fn an_allow_list_entry_that_is_not_a_host_is_refused_at_start_up() {
    let listed = r#"allow_redirects_to = ["https://status.example.com/"]"#;
    let settings = crate::support::diagnostics_settings(&http_tool("probe", "http://127.0.0.1:9", listed));

    let error = Catalog::from_settings(&settings).unwrap_err().to_string();

    assert!(error.contains("allow_redirects_to entry \"https://status.example.com/\" must be a host"), "{error}");
}
