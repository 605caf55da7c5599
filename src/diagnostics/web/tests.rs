//! Following redirects against real local servers and a real DNS server (dnsmasq). Every test
//! server listens on loopback, so a tool's own URL is always a loopback one; the case of a
//! public URL redirected to a name resolving to 127.0.0.1 is run here by giving `follow` the
//! origin a public URL would have, with everything else — resolution, refusal, the servers — real.

use firebreak_testkit::{DnsServer, HttpTarget, Reply};

use super::*;

/// The port of a test server's URL.
fn port(url: &str) -> u16 {
    Url::parse(url).unwrap().port().unwrap()
}

#[tokio::test]
async fn a_public_probe_is_not_redirected_to_a_name_that_resolves_to_loopback() {
    let dns = DnsServer::start("test", &["--address=/internal.test/127.0.0.1"]);
    let internal = HttpTarget::start([("/admin", Reply::text(200, "internal admin page"))]).await;
    let location = format!("http://internal.test:{}/admin", port(&internal.url("")));
    let public = HttpTarget::start([("/status", Reply::redirect(&location))]).await;
    let fetcher = Fetcher::new(None, Some(&dns.address()), &["internal.test".to_owned()]).unwrap();
    let start = Url::parse(&public.url("/status")).unwrap();
    let addresses = fetcher.resolve(&start).await.unwrap();
    let as_if_public = Origin::new(&start, &[]);

    let refused = fetcher.follow(start.clone(), addresses.clone(), &as_if_public).await.err().unwrap();
    let followed =
        fetcher.follow(start.clone(), addresses, &Origin::new(&start, &[IpAddr::from([127, 0, 0, 1])])).await;

    assert_eq!(
        refused.to_string(),
        format!(
            "refused to follow the redirect from {start} to {location}: internal.test resolves to 127.0.0.1, \
             a loopback address, and the tool's own URL is not in that range"
        )
    );
    let trip = followed.unwrap_or_else(|error| panic!("a loopback probe may follow it: {error}"));
    assert_eq!(trip.ended_at.as_str(), location);
}

#[tokio::test]
async fn a_name_the_nameserver_does_not_know_is_reported_as_unresolvable() {
    let dns = DnsServer::start("test", &[]);
    let fetcher = Fetcher::new(None, Some(&dns.address()), &[]).unwrap();

    let error = fetcher.get(Url::parse("http://missing.test/").unwrap()).await.err().unwrap();

    assert!(
        error.to_string().starts_with("could not reach http://missing.test/: cannot resolve missing.test"),
        "{error}"
    );
}
