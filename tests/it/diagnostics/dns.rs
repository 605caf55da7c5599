//! The dns tool against a private dnsmasq: records of each type, a name with only some types,
//! and a name that does not exist.

use firebreak::diagnostics::Catalog;
use firebreak_testkit::DnsServer;

use super::{call, catalog};

fn server() -> DnsServer {
    DnsServer::start(
        "test",
        &[
            "--host-record=web.shop.test,127.0.0.7,fd00::7",
            "--cname=www.shop.test,web.shop.test",
            "--mx-host=shop.test,mail.shop.test,10",
            "--txt-record=shop.test,v=spf1 -all",
            "--address=/checkout.test/127.0.0.9",
        ],
    )
}

fn resolver(server: &DnsServer) -> Catalog {
    let tool = |name: &str, types: &str| {
        format!(
            r#"
            [[diagnostics.tools]]
            name = "{name}"
            description = "DNS records of a test name"
            kind = "dns"
            host = "{{host}}"
            {types}
            nameserver = "{}"
            params = {{ host = '[a-z0-9.-]+\.test' }}
            timeout_secs = 5
            "#,
            server.address()
        )
    };
    catalog(&format!(
        "{}{}{}",
        tool("addresses", ""),
        tool("mail", r#"record_types = ["MX", "TXT"]"#),
        tool("alias", r#"record_types = ["CNAME"]"#)
    ))
}

#[tokio::test]
async fn addresses_mail_text_and_alias_records_are_reported() {
    let server = server();
    let catalog = resolver(&server);

    let addresses = catalog.run(&call("addresses", &[("host", "web.shop.test")])).await;
    let mail = catalog.run(&call("mail", &[("host", "shop.test")])).await;
    let alias = catalog.run(&call("alias", &[("host", "www.shop.test")])).await;

    assert!(addresses.ok && mail.ok && alias.ok, "{addresses:?} {mail:?} {alias:?}");
    assert_eq!(addresses.query, "web.shop.test");
    assert!(addresses.summary.starts_with("web.shop.test: A 127.0.0.7; AAAA fd00::7; resolved in "), "{addresses:?}");
    assert!(mail.summary.contains("MX 10 mail.shop.test."), "{mail:?}");
    assert!(mail.summary.contains("TXT v=spf1 -all"), "{mail:?}");
    assert!(alias.summary.contains("CNAME web.shop.test."), "{alias:?}");
    assert!(addresses.detail.starts_with(&format!("asked {}", server.address())), "{addresses:?}");
}

#[tokio::test]
async fn a_name_with_only_an_ipv4_address_exists_and_a_missing_name_is_nxdomain() {
    let server = server();
    let catalog = resolver(&server);

    let ipv4_only = catalog.run(&call("addresses", &[("host", "checkout.test")])).await;
    let missing = catalog.run(&call("addresses", &[("host", "missing.test")])).await;

    assert!(ipv4_only.summary.starts_with("checkout.test: A 127.0.0.9; AAAA none;"), "{ipv4_only:?}");
    assert!(missing.ok, "NXDOMAIN is an answer, not a failure: {missing:?}");
    assert!(missing.summary.starts_with("missing.test does not exist (NXDOMAIN); answered in "), "{missing:?}");
}
