//! The `http` tool: GET a URL and report what a person checking it by hand would — status,
//! latency, where redirects led, how long the TLS certificate has left, and the start of the
//! body. Arguments are percent-encoded into the URL, so they can change a path segment or a
//! query value but never the host, the path structure or the query's shape. Redirects are
//! followed only within the URL's origin and to hosts listed in `allow_redirects_to`, never
//! into internal address ranges the URL itself is not in (see `web`).

use std::path::PathBuf;
use std::time::Instant;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::{Url, header};
use serde::Deserialize;

use super::params::{Args, Params};
use super::template::Template;
use super::web::{self, Fetcher, MAX_REDIRECTS};
use super::{DiagnosticsError, Observation, Tool, ToolError};
/// Body bytes read for the excerpt.
const BODY_LIMIT: usize = 16 * 1024;
/// Body characters shown.
const EXCERPT_CHARS: usize = 1_200;

/// Settings of a `kind = "http"` tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// The URL to GET, `http` or `https`; `{param}` slots are filled with percent-encoded
    /// arguments.
    pub url: String,
    /// A PEM file of extra root certificates to trust, for services behind an internal CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Hosts (`status.example.com`, `host:port`, `*.example.com`) redirects may lead to besides
    /// the URL's own origin.
    #[serde(default)]
    pub allow_redirects_to: Vec<String>,
    /// `ip:port` of the nameserver to resolve names with instead of the system's resolvers.
    #[serde(default)]
    pub nameserver: Option<String>,
}

/// A configured `http` tool.
pub(crate) struct HttpTool {
    url: Template,
    fetcher: Fetcher,
}

impl HttpTool {
    /// Checks the settings of tool `name` and builds its client.
    pub fn new(name: &str, settings: &HttpSettings, params: &Params) -> Result<Self, DiagnosticsError> {
        let url = web::url_template(name, "url", &settings.url, params)?;
        let fetcher =
            Fetcher::new(settings.ca_file.as_deref(), settings.nameserver.as_deref(), &settings.allow_redirects_to)
                .map_err(|problem| DiagnosticsError::InvalidTool { tool: name.to_owned(), problem })?;
        Ok(Self { url, fetcher })
    }
}

#[async_trait]
impl Tool for HttpTool {
    fn query(&self, args: &Args) -> String {
        web::fill_url(&self.url, args)
    }

    async fn run(&self, args: &Args) -> Result<Observation, ToolError> {
        let first = self.query(args);
        let url = Url::parse(&first)
            .map_err(|error| ToolError::BadTarget { target: first.clone(), reason: format!("not a URL: {error}") })?;
        let started = Instant::now();
        let trip = self.fetcher.get(url).await?;
        let latency_ms = started.elapsed().as_millis();
        let (response, url) = (trip.response, trip.ended_at);
        let status = response.status();
        let certificate = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|info| info.peer_certificate())
            .map(Certificate::parse);
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
        let (body, cut) = web::read_capped(response, BODY_LIMIT)
            .await
            .map_err(|error| ToolError::Unreachable { target: url.to_string(), reason: web::failure(&error) })?;

        let mut summary = format!("GET {first} → {} in {latency_ms} ms", status.as_u16());
        let mut detail = vec![format!("status: {status}")];
        if !trip.hops.is_empty() {
            let gave_up = status.is_redirection() && trip.hops.len() == MAX_REDIRECTS;
            let how = if gave_up { "stopped following after" } else { "after" };
            let count = trip.hops.len();
            summary.push_str(&format!(" ({how} {count} redirect{}, ended at {url})", plural(count)));
            detail.push("redirects:".to_owned());
            detail.extend(trip.hops.iter().map(|(status, from)| format!("  {} {from}", status.as_u16())));
            detail.push(format!("  ended at {url}"));
        }
        if let Some(certificate) = &certificate {
            summary.push_str(&format!("; {}", certificate.expiry(Utc::now())));
            detail.push(certificate.describe());
        }
        if let Some(content_type) = content_type {
            detail.push(format!("content-type: {content_type}"));
        }
        detail.push(excerpt(&body, cut));
        Ok(Observation { summary, detail: detail.join("\n") })
    }
}

/// The start of a body as text, saying how much of it that is.
fn excerpt(body: &[u8], cut: bool) -> String {
    if body.is_empty() {
        return "body: empty".to_owned();
    }
    let text = String::from_utf8_lossy(body);
    let shown: String = text.chars().take(EXCERPT_CHARS).collect();
    let all_shown = !cut && shown.len() == text.len();
    let size = if cut { format!("over {BODY_LIMIT} bytes") } else { format!("{} bytes", body.len()) };
    let which = if all_shown { "" } else { "first part of " };
    format!("body ({which}{size}):\n{shown}")
}

/// What was learnt from a server's leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Certificate {
    Read { subject: String, issuer: String, not_after: DateTime<Utc> },
    Unreadable(String),
}

impl Certificate {
    fn parse(der: &[u8]) -> Self {
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, certificate)) => match DateTime::from_timestamp(certificate.validity().not_after.timestamp(), 0) {
                Some(not_after) => Self::Read {
                    subject: certificate.subject().to_string(),
                    issuer: certificate.issuer().to_string(),
                    not_after,
                },
                None => Self::Unreadable("its expiry date is out of range".to_owned()),
            },
            Err(error) => Self::Unreadable(error.to_string()),
        }
    }

    /// `certificate expires in 29 days (2026-07-01)`, or that it has expired.
    fn expiry(&self, now: DateTime<Utc>) -> String {
        match self {
            Self::Read { not_after, .. } => {
                let days = (*not_after - now).num_days();
                let date = not_after.format("%Y-%m-%d");
                match days {
                    ..0 => format!("certificate EXPIRED {} day{} ago ({date})", -days, plural(-days as usize)),
                    0 => format!("certificate expires within a day ({date})"),
                    _ => format!("certificate expires in {days} day{} ({date})", plural(days as usize)),
                }
            }
            Self::Unreadable(reason) => format!("certificate unreadable: {reason}"),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Read { subject, issuer, not_after } => {
                format!("certificate: {subject}, issued by {issuer}, valid until {}", not_after.to_rfc3339())
            }
            Self::Unreadable(reason) => format!("certificate: unreadable ({reason})"),
        }
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn params(declared: &[(&str, &str)]) -> Params {
        let declared = declared.iter().map(|(name, pattern)| (name.to_string(), pattern.to_string())).collect();
        Params::compile("probe", &declared).unwrap()
    }

    fn tool(url: &str, params: &Params) -> Result<HttpTool, DiagnosticsError> {
        let settings =
            HttpSettings { url: url.to_owned(), ca_file: None, allow_redirects_to: Vec::new(), nameserver: None };
        HttpTool::new("probe", &settings, params)
    }

    #[test]
    fn arguments_are_percent_encoded_into_their_slot() {
        let params = params(&[("q", "(?s).+")]);
        let http = tool("http://127.0.0.1:9/search/{q}?term={q}", &params).unwrap();
        let args = params.check(&[("q".to_owned(), "a/b?c=d&e#f g".to_owned())].into()).unwrap();

        let url = http.query(&args);

        assert_eq!(url, "http://127.0.0.1:9/search/a%2Fb%3Fc%3Dd%26e%23f%20g?term=a%2Fb%3Fc%3Dd%26e%23f%20g");
    }

    #[test]
    fn only_http_and_https_urls_with_a_host_are_accepted() {
        for url in ["file:///etc/passwd", "ftp://host/x", "not a url", "http://"] {
            assert!(matches!(tool(url, &params(&[])), Err(DiagnosticsError::InvalidTool { .. })), "{url} was accepted");
        }
        assert!(tool("https://{host}.internal/healthz", &params(&[("host", "[a-z]+")])).is_ok());
        let refused = tool("ftp://probe:hunter2@files.internal/", &params(&[])).err().unwrap().to_string();
        assert!(
            refused.contains("ftp://probe:[REDACTED]@files.internal/") && !refused.contains("hunter2"),
            "{refused}"
        );
    }

    #[test]
    fn certificate_expiry_is_told_in_days_and_an_expired_one_is_flagged() {
        let not_after = Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap();
        let certificate = Certificate::Read { subject: "CN=x".into(), issuer: "CN=ca".into(), not_after };

        let soon = certificate.expiry(Utc.with_ymd_and_hms(2026, 6, 1, 11, 0, 0).unwrap());
        let late = certificate.expiry(Utc.with_ymd_and_hms(2026, 7, 4, 13, 0, 0).unwrap());

        assert_eq!(soon, "certificate expires in 30 days (2026-07-01)");
        assert_eq!(late, "certificate EXPIRED 3 days ago (2026-07-01)");
    }

    #[test]
    fn a_body_excerpt_says_when_it_is_only_the_start() {
        assert_eq!(excerpt(b"ok", false), "body (2 bytes):\nok");
        assert!(excerpt("x".repeat(5_000).as_bytes(), false).starts_with("body (first part of 5000 bytes)"));
        assert!(excerpt(b"xyz", true).starts_with("body (first part of over 16384 bytes)"));
    }
}
