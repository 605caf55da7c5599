//! Where a probe may be redirected. A diagnostic of a public service must not become a way to
//! read internal ones: a `Location` is followed only to the probe's own origin, or to a host the
//! tool lists in `allow_redirects_to`; and never to an address in a loopback, link-local,
//! private (RFC 1918, shared, unique-local) or unspecified range — judged by the addresses the
//! name resolves to, not by the name — unless the tool's own URL is in that range too.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;

/// The kind of network an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `169.254.0.0/16`, `fe80::/10` — where cloud metadata services answer.
    LinkLocal,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), shared address space (`100.64/10`) and
    /// IPv6 unique-local (`fc00::/7`) and site-local addresses.
    Private,
    /// `0.0.0.0/8`, `::` — which reach the local host on many systems.
    Unspecified,
    /// Everything else.
    Public,
}

impl Range {
    /// The range of `ip`; IPv4 addresses written as IPv6 (mapped, or NAT64's well-known
    /// prefix) count as the IPv4 address they carry.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(ip) => Self::of_v4(ip),
            IpAddr::V6(ip) => match embedded_v4(ip) {
                Some(v4) => Self::of_v4(v4),
                None => Self::of_v6(ip),
            },
        }
    }

    fn of_v4(ip: Ipv4Addr) -> Self {
        let [first, second, ..] = ip.octets();
        if ip.is_loopback() {
            Self::Loopback
        } else if ip.is_link_local() {
            Self::LinkLocal
        } else if ip.is_private() || first == 100 && (64..128).contains(&second) {
            Self::Private
        } else if first == 0 {
            Self::Unspecified
        } else {
            Self::Public
        }
    }

    fn of_v6(ip: Ipv6Addr) -> Self {
        let first = ip.segments()[0];
        if ip.is_loopback() {
            Self::Loopback
        } else if ip.is_unspecified() {
            Self::Unspecified
        } else if first & 0xffc0 == 0xfe80 {
            Self::LinkLocal
        } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
            Self::Private
        } else {
            Self::Public
        }
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Loopback => "a loopback address",
            Self::LinkLocal => "a link-local address",
            Self::Private => "a private address",
            Self::Unspecified => "an unspecified address",
            Self::Public => "a public address",
        })
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`)
/// IPv6 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let nat64 = ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    ip.to_ipv4_mapped().or_else(|| nat64.then(|| Ipv4Addr::from(ip.to_bits() as u32)))
}

/// Where a probe started: its origin, and the ranges its addresses are in (which its
/// redirects may therefore use).
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
    ranges: Vec<Range>,
}

impl Origin {
    /// The origin of `url`, which resolved to `addresses`.
    pub fn new(url: &Url, addresses: &[IpAddr]) -> Self {
        Self {
            scheme: url.scheme().to_owned(),
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            port: url.port_or_known_default(),
            ranges: addresses.iter().map(|ip| Range::of(*ip)).filter(|range| *range != Range::Public).collect(),
        }
    }

    fn holds(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str().is_some_and(|host| host.eq_ignore_ascii_case(&self.host))
            && url.port_or_known_default() == self.port
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// The hosts a tool's redirects may go to besides its own origin.
#[derive(Debug, Clone, Default)]
pub(crate) struct RedirectPolicy {
    /// `host`, `host:port` or `*.domain`, lowercase.
    allowed: Vec<String>,
}

impl RedirectPolicy {
    /// The policy of `allow_redirects_to`, refusing entries that are not a host, `host:port`
    /// or `*.domain`.
    pub fn new(allow_redirects_to: &[String]) -> Result<Self, String> {
        let mut allowed = Vec::with_capacity(allow_redirects_to.len());
        for entry in allow_redirects_to {
            let host = entry.strip_prefix("*.").unwrap_or(entry);
            let usable = Url::parse(&format!("http://{host}/"))
                .is_ok_and(|url| url.has_host() && url.username().is_empty() && url.password().is_none())
                && !host.contains(['/', '?', '#', '@']);
            if !usable {
                return Err(format!("allow_redirects_to entry {entry:?} must be a host, host:port or *.domain"));
            }
            allowed.push(entry.to_ascii_lowercase());
        }
        Ok(Self { allowed })
    }

    /// Refuses `next` unless it is an http(s) URL in `origin` or on a listed host.
    pub fn check_target(&self, origin: &Origin, next: &Url) -> Result<(), String> {
        if !matches!(next.scheme(), "http" | "https") {
            return Err("only http and https locations are followed".to_owned());
        }
        if origin.holds(next) || self.lists(next) {
            return Ok(());
        }
        let host = next.host_str().unwrap_or_default();
        Err(format!("it leaves {origin} and {host} is not in the tool's allow_redirects_to"))
    }

    /// Refuses `addresses` (what `next` resolved to) if any lies in a range that is not public
    /// and not one the origin's own addresses are in.
    pub fn check_addresses(&self, origin: &Origin, next: &Url, addresses: &[IpAddr]) -> Result<(), String> {
        let host = next.host_str().unwrap_or_default();
        for ip in addresses {
            let range = Range::of(*ip);
            if range != Range::Public && !origin.ranges.contains(&range) {
                return Err(format!("{host} resolves to {ip}, {range}, and the tool's own URL is not in that range"));
            }
        }
        Ok(())
    }

    fn lists(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
        let with_port = url.port_or_known_default().map(|port| format!("{host}:{port}"));
        self.allowed.iter().any(|entry| match entry.strip_prefix("*.") {
            Some(domain) => host.ends_with(&format!(".{domain}")),
            None => *entry == host || with_port.as_deref() == Some(entry.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_are_sorted_into_their_ranges() {
        let cases = [
            ("127.0.0.1", Range::Loopback),
            ("::1", Range::Loopback),
            ("::ffff:127.0.0.1", Range::Loopback),
            ("64:ff9b::7f00:1", Range::Loopback),
            ("169.254.169.254", Range::LinkLocal),
            ("fe80::1", Range::LinkLocal),
            ("10.1.2.3", Range::Private),
            ("172.20.0.1", Range::Private),
            ("192.168.1.1", Range::Private),
            ("100.100.1.1", Range::Private),
            ("fd00::7", Range::Private),
            ("0.0.0.0", Range::Unspecified),
            ("::", Range::Unspecified),
            ("93.184.216.34", Range::Public),
            ("2606:4700::1111", Range::Public),
            ("172.32.0.1", Range::Public),
        ];
        for (address, range) in cases {
            assert_eq!(Range::of(ip(address)), range, "{address}");
        }
    }

    #[test]
    fn only_the_origin_and_listed_hosts_are_followed() {
        let policy = RedirectPolicy::new(&["status.example.com".to_owned(), "*.cdn.example.net".to_owned()]).unwrap();
        let start = Url::parse("https://api.example.com/health").unwrap();
        let origin = Origin::new(&start, &[ip("93.184.216.34")]);
        let target = |url: &str| policy.check_target(&origin, &Url::parse(url).unwrap());

        assert!(target("https://api.example.com/elsewhere").is_ok());
        assert!(target("https://status.example.com/").is_ok());
        assert!(target("https://eu.cdn.example.net/x").is_ok());
        assert!(target("http://api.example.com/health").is_err(), "another scheme is another origin");
        assert!(target("https://api.example.com:8443/").is_err(), "another port is another origin");
        assert!(target("https://evil.example/").unwrap_err().contains("allow_redirects_to"));
        assert!(target("file:///etc/passwd").is_err());
    }

    #[test]
    fn internal_addresses_are_refused_unless_the_origin_is_in_the_same_range() {
        let policy = RedirectPolicy::default();
        let next = Url::parse("http://internal.test/").unwrap();
        let public = Origin::new(&Url::parse("https://api.example.com/").unwrap(), &[ip("93.184.216.34")]);
        let loopback = Origin::new(&Url::parse("http://127.0.0.1:9/").unwrap(), &[ip("127.0.0.1")]);

        let refused = policy.check_addresses(&public, &next, &[ip("127.0.0.1")]).unwrap_err();

        assert_eq!(
            refused,
            "internal.test resolves to 127.0.0.1, a loopback address, and the tool's own URL is not in that range"
        );
        assert!(policy.check_addresses(&loopback, &next, &[ip("127.0.0.1")]).is_ok());
        assert!(policy.check_addresses(&loopback, &next, &[ip("10.0.0.1")]).is_err(), "private is another range");
        assert!(policy.check_addresses(&public, &next, &[ip("93.184.216.35"), ip("169.254.169.254")]).is_err());
        assert!(policy.check_addresses(&public, &next, &[ip("93.184.216.35")]).is_ok());
    }

    #[test]
    fn an_allow_list_entry_must_be_a_host() {
        for entry in ["https://x.example/", "user@x.example", "x.example/path", ""] {
            assert!(RedirectPolicy::new(&[entry.to_owned()]).is_err(), "{entry:?}");
        }
        assert!(RedirectPolicy::new(&["x.example:8443".to_owned(), "10.0.0.5".to_owned()]).is_ok());
    }
}
