//! The HTTP plumbing shared by the tools that speak HTTP (http, prometheus, changes): one way to
//! reach a service — resolving its name, following its redirects only where `redirects` allows,
//! connecting only to addresses that were checked — and to read a body without trusting its size.

mod redirects;

use std::error::Error as _;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Client, Response, StatusCode, Url, header, redirect};
use serde::de::DeserializeOwned;

use self::redirects::{Origin, RedirectPolicy};
use super::error::with_causes;
use super::params::{Args, Params};
use super::template::Template;
use super::{DiagnosticsError, ToolError};
use crate::core::redact::redact_url_credentials;

/// Most bytes read from a JSON API answer; a Prometheus range query over many series is the
/// largest thing expected, and a runaway answer must not exhaust memory.
const JSON_LIMIT: usize = 8 * 1024 * 1024;

/// Everything but RFC 3986's unreserved characters is encoded, so an argument stays inside the
/// path segment or query value it was put in: it can never add a `/`, `?`, `&`, `#` or `@`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Parses the URL template in setting `field` of tool `tool`, refusing undeclared slots and
/// anything that cannot become an `http://` or `https://` URL with a host.
pub(crate) fn url_template(
    tool: &str,
    field: &'static str,
    text: &str,
    params: &Params,
) -> Result<Template, DiagnosticsError> {
    let template = Template::parse(text);
    template.require_declared(tool, field, params)?;
    // A sample filling shows whether the template can yield a usable URL at all.
    let sample = template.render(|_| "x".to_owned());
    match Url::parse(&sample) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Ok(template),
        _ => Err(DiagnosticsError::InvalidTool {
            tool: tool.to_owned(),
            problem: format!(
                "{field} {:?} must be an http:// or https:// URL with a host",
                redact_url_credentials(text)
            ),
        }),
    }
}

/// The URL of `template` with each slot replaced by its percent-encoded argument.
pub(crate) fn fill_url(template: &Template, args: &Args) -> String {
    template.render(|name| utf8_percent_encode(args.value(name), COMPONENT).to_string())
}

/// Redirects followed before giving up and reporting where the chain stood.
pub(crate) const MAX_REDIRECTS: usize = 5;

/// How one tool reaches HTTP services: which extra roots it trusts, how it resolves names, and
/// where its redirects may lead. Each request gets a client pinned to the addresses that were
/// checked, so a name cannot resolve to one address for the check and another for the request.
pub(crate) struct Fetcher {
    roots: Vec<reqwest::Certificate>,
    nameserver: Option<SocketAddr>,
    policy: RedirectPolicy,
}

/// Where a GET led: the last response, its URL, and each redirect on the way.
pub(crate) struct Trip {
    /// The last response, perhaps a redirect not followed because the chain was too long.
    pub response: Response,
    /// The URL that gave it.
    pub ended_at: Url,
    /// Each redirect followed: its status and the URL that gave it.
    pub hops: Vec<(StatusCode, Url)>,
}

impl Fetcher {
    /// A fetcher trusting the bundled web roots plus `ca_file` (an internal CA), resolving
    /// names through `nameserver` (`ip:port`, for split-horizon DNS) or the system, and
    /// following redirects to its origin and the hosts of `allow_redirects_to`.
    pub fn new(
        ca_file: Option<&Path>,
        nameserver: Option<&str>,
        allow_redirects_to: &[String],
    ) -> Result<Self, String> {
        let mut roots = Vec::new();
        if let Some(path) = ca_file {
            let pem =
                std::fs::read(path).map_err(|error| format!("cannot read ca_file {}: {error}", path.display()))?;
            roots = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|error| format!("ca_file {} holds no usable PEM certificate: {error}", path.display()))?;
            if roots.is_empty() {
                return Err(format!("ca_file {} holds no PEM certificate", path.display()));
            }
        }
        let nameserver = nameserver
            .map(|text| text.parse().map_err(|_| format!("nameserver {text:?} must be ip:port")))
            .transpose()?;
        let policy = RedirectPolicy::new(allow_redirects_to)?;
        let fetcher = Self { roots, nameserver, policy };
        // Building one client now reports an unusable TLS setup at start-up, not at the first run.
        fetcher.client(None)?;
        Ok(fetcher)
    }

    /// GETs `url`, following up to [`MAX_REDIRECTS`] redirects by hand so each hop can be
    /// checked and reported; the last response is kept even if it is yet another redirect.
    /// A redirect the policy refuses fails the whole GET, naming where it pointed.
    pub async fn get(&self, url: Url) -> Result<Trip, ToolError> {
        let addresses = self.resolve(&url).await?;
        let origin = Origin::new(&url, &addresses);
        self.follow(url, addresses, &origin).await
    }

    async fn follow(&self, mut url: Url, mut addresses: Vec<IpAddr>, origin: &Origin) -> Result<Trip, ToolError> {
        let mut hops = Vec::new();
        loop {
            let response = self.send(&url, &addresses).await?;
            let next = response
                .headers()
                .get(header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .filter(|_| response.status().is_redirection())
                .and_then(|location| url.join(location).ok());
            let Some(next) = next.filter(|_| hops.len() < MAX_REDIRECTS) else {
                return Ok(Trip { response, ended_at: url, hops });
            };
            let refused = |reason: String| ToolError::RedirectRefused {
                from: url.to_string(),
                location: next.to_string(),
                reason,
            };
            self.policy.check_target(origin, &next).map_err(refused)?;
            let next_addresses = self.resolve(&next).await?;
            self.policy.check_addresses(origin, &next, &next_addresses).map_err(refused)?;
            hops.push((response.status(), url));
            (url, addresses) = (next, next_addresses);
        }
    }

    /// The addresses `url`'s host stands for: itself when it is an address, else what the
    /// tool's nameserver or the system resolver says.
    async fn resolve(&self, url: &Url) -> Result<Vec<IpAddr>, ToolError> {
        let failed = |reason: String| ToolError::Unreachable { target: url.to_string(), reason };
        if let Some(ip) = literal_ip(url) {
            return Ok(vec![ip]);
        }
        let Some(name) = url.host_str() else { return Err(failed("the URL has no host".to_owned())) };
        let addresses: Vec<IpAddr> = match self.nameserver {
            Some(server) => {
                let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
                let config = ResolverConfig::from_parts(None, Vec::new(), servers);
                let resolver = TokioResolver::builder_with_config(config, TokioConnectionProvider::default()).build();
                let lookup = resolver.lookup_ip(name).await;
                lookup
                    .map_err(|error| failed(format!("cannot resolve {name}: {}", with_causes(&error))))?
                    .iter()
                    .collect()
            }
            None => tokio::net::lookup_host((name, url.port_or_known_default().unwrap_or(80)))
                .await
                .map_err(|error| failed(format!("cannot resolve {name}: {error}")))?
                .map(|address| address.ip())
                .collect(),
        };
        if addresses.is_empty() {
            return Err(failed(format!("{name} has no addresses")));
        }
        Ok(addresses)
    }

    /// One GET of `url`, connecting only to `addresses`.
    async fn send(&self, url: &Url, addresses: &[IpAddr]) -> Result<Response, ToolError> {
        let unreachable = |reason: String| ToolError::Unreachable { target: url.to_string(), reason };
        let pinned = url.host_str().filter(|_| literal_ip(url).is_none()).map(|name| (name, addresses));
        let client = self.client(pinned).map_err(unreachable)?;
        client.get(url.clone()).send().await.map_err(|error| unreachable(failure(&error)))
    }

    /// A client that follows no redirect itself, trusts the extra roots, keeps the peer
    /// certificate for expiry checks, uses no proxy — a diagnostic must reach the service
    /// itself, not measure a proxy in front of it — and connects to `name` only at its
    /// checked addresses.
    fn client(&self, pinned: Option<(&str, &[IpAddr])>) -> Result<Client, String> {
        let mut builder = Client::builder()
            .user_agent(concat!("firebreak-diagnostics/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .tls_info(true)
            .redirect(redirect::Policy::none());
        for root in &self.roots {
            builder = builder.add_root_certificate(root.clone());
        }
        if let Some((name, addresses)) = pinned {
            // Port 0: the URL's own port is used.
            let sockets: Vec<SocketAddr> = addresses.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            builder = builder.resolve_to_addrs(name, &sockets);
        }
        builder.build().map_err(|error| format!("cannot build an HTTP client: {}", with_causes(&error)))
    }
}

/// The address `url`'s host is written as, if it is one (`127.0.0.1`, `[::1]`).
fn literal_ip(url: &Url) -> Option<IpAddr> {
    url.host_str()?.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Why a request failed, from the causes under reqwest's own message: that message only
/// repeats the URL ("error sending request for url (…)"), the causes say what happened
/// ("tcp connect error: Connection refused").
pub(crate) fn failure(error: &reqwest::Error) -> String {
    error.source().map_or_else(|| error.to_string(), with_causes)
}

/// Reads at most `limit` bytes of `response`'s body; the flag says whether more was left.
pub(crate) async fn read_capped(mut response: Response, limit: usize) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// GETs `url` with `query` pairs through `fetcher` and decodes the JSON answer as `T`, whatever
/// the status: JSON APIs such as Prometheus explain a refused query in a 4xx body.
pub(crate) async fn get_json<T: DeserializeOwned>(
    fetcher: &Fetcher,
    url: &str,
    query: &[(&str, String)],
) -> Result<T, ToolError> {
    let mut parsed = Url::parse(url)
        .map_err(|error| ToolError::BadTarget { target: url.to_owned(), reason: format!("not a URL: {error}") })?;
    if !query.is_empty() {
        parsed.query_pairs_mut().extend_pairs(query.iter().map(|(name, value)| (*name, value.as_str())));
    }
    let trip = fetcher.get(parsed).await?;
    let status = trip.response.status();
    let (body, cut) = read_capped(trip.response, JSON_LIMIT)
        .await
        .map_err(|error| ToolError::Unreachable { target: url.to_owned(), reason: failure(&error) })?;
    let bad = |reason: String| ToolError::BadResponse { target: url.to_owned(), reason };
    if cut {
        return Err(bad(format!("the answer is larger than {} MiB", JSON_LIMIT / (1024 * 1024))));
    }
    serde_json::from_slice(&body).map_err(|error| {
        let start = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        bad(format!("status {status}, not the expected JSON ({error}): {start}"))
    })
}

#[cfg(test)]
mod tests;
