//! The HTTP plumbing shared by the tools that speak HTTP (http, prometheus, changes): one way to
//! build a client and to read a body without trusting its size.

use std::error::Error as _;
use std::path::Path;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Client, Response, Url, redirect};
use serde::de::DeserializeOwned;

use super::error::with_causes;
use super::params::{Args, Params};
use super::template::Template;
use super::{DiagnosticsError, ToolError};

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
            problem: format!("{field} {text:?} must be an http:// or https:// URL with a host"),
        }),
    }
}

/// The URL of `template` with each slot replaced by its percent-encoded argument.
pub(crate) fn fill_url(template: &Template, args: &Args) -> String {
    template.render(|name| utf8_percent_encode(args.value(name), COMPONENT).to_string())
}

/// How a client treats redirects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Redirects {
    /// Returned to the caller, who follows and reports them.
    Report,
    /// Followed silently, up to five.
    Follow,
}

/// A client for one tool: rustls with the bundled web roots plus `ca_file` (an internal CA),
/// the peer certificate kept for expiry checks, and no proxy — a diagnostic must reach the
/// service itself, not measure a proxy in front of it.
pub(crate) fn client(ca_file: Option<&Path>, redirects: Redirects) -> Result<Client, String> {
    let mut builder = Client::builder()
        .user_agent(concat!("firebreak-diagnostics/", env!("CARGO_PKG_VERSION")))
        .no_proxy()
        .tls_info(true)
        .redirect(match redirects {
            Redirects::Report => redirect::Policy::none(),
            Redirects::Follow => redirect::Policy::limited(5),
        });
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|error| format!("cannot read ca_file {}: {error}", path.display()))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|error| format!("ca_file {} holds no usable PEM certificate: {error}", path.display()))?;
        if certificates.is_empty() {
            return Err(format!("ca_file {} holds no PEM certificate", path.display()));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|error| format!("cannot build an HTTP client: {}", with_causes(&error)))
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

/// GETs `url` with `query` pairs and decodes the JSON answer as `T`, whatever the status:
/// JSON APIs such as Prometheus explain a refused query in a 4xx body.
pub(crate) async fn get_json<T: DeserializeOwned>(
    client: &Client,
    url: &str,
    query: &[(&str, String)],
) -> Result<T, ToolError> {
    let unreachable =
        |error: reqwest::Error| ToolError::Unreachable { target: url.to_owned(), reason: failure(&error) };
    let response = client.get(url).query(query).send().await.map_err(unreachable)?;
    let status = response.status();
    let (body, cut) = read_capped(response, JSON_LIMIT).await.map_err(unreachable)?;
    let bad = |reason: String| ToolError::BadResponse { target: url.to_owned(), reason };
    if cut {
        return Err(bad(format!("the answer is larger than {} MiB", JSON_LIMIT / (1024 * 1024))));
    }
    serde_json::from_slice(&body).map_err(|error| {
        let start = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        bad(format!("status {status}, not the expected JSON ({error}): {start}"))
    })
}
