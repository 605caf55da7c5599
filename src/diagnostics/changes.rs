//! The `changes` tool: what changed recently — deploys, config and flag changes — from an HTTP
//! JSON feed (a deploy log, a CD system's API behind a small adapter), or, with no feed, from the
//! built-in history that `POST /hooks/change` fills. "What changed?" is the first question of
//! most incidents; this answers it for the incident's service and window.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use super::duration::Span;
use super::params::{Args, Params};
use super::template::Template;
use super::web::{self, Fetcher};
use super::{DiagnosticsError, Observation, Tool, ToolError};
use crate::core::ports::Store;

/// Changes listed in the detail, newest first.
const MAX_LISTED: usize = 10;
/// The parameter that, when a tool declares it, limits the changes to one service.
const SERVICE_PARAM: &str = "service";

/// Settings of a `kind = "changes"` tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesSettings {
    /// The feed: a GET returns a JSON array of `{at (RFC 3339), service, kind, description,
    /// author?}`. `{param}` slots are filled with percent-encoded arguments. Declare a
    /// `service` parameter to list only that service's changes. Unset: the built-in history of
    /// changes posted to the intake, which needs the `service` parameter.
    #[serde(default)]
    pub url: Option<String>,
    /// How far back to look (`6h`, `2d`); 6 hours when unset.
    #[serde(default)]
    pub window: Option<String>,
    /// Hosts redirects of the feed may lead to besides its own origin, as for `http` tools.
    #[serde(default)]
    pub allow_redirects_to: Vec<String>,
    /// `ip:port` of the nameserver to resolve names with instead of the system's resolvers.
    #[serde(default)]
    pub nameserver: Option<String>,
}

/// One change as the feed reports it; fields beyond these are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Change {
    at: DateTime<Utc>,
    service: String,
    kind: String,
    description: String,
    #[serde(default)]
    author: Option<String>,
}

/// Changes read from the built-in history per run: as many as it keeps per service.
const HISTORY_READ: usize = 200;

/// Where a `changes` tool reads from.
enum Source {
    /// An HTTP JSON feed, fetched with the redirect rules every web tool follows.
    Feed { url: Template, fetcher: Fetcher },
    /// The built-in history in the state store.
    History(Arc<dyn Store>),
}

/// A configured `changes` tool.
pub(crate) struct ChangesTool {
    source: Source,
    window: Span,
}

impl ChangesTool {
    /// Checks the settings of tool `name` and builds its client, or reads the built-in
    /// `history` when no feed is set.
    pub fn new(
        name: &str,
        settings: &ChangesSettings,
        params: &Params,
        history: Option<&Arc<dyn Store>>,
    ) -> Result<Self, DiagnosticsError> {
        let invalid = |problem: String| DiagnosticsError::InvalidTool { tool: name.to_owned(), problem };
        let window = Span::parse(settings.window.as_deref().unwrap_or("6h"))
            .map_err(|problem| invalid(format!("window: {problem}")))?;
        let source = match (&settings.url, history) {
            (Some(url), _) => Source::Feed {
                url: web::url_template(name, "url", url, params)?,
                fetcher: Fetcher::new(None, settings.nameserver.as_deref(), &settings.allow_redirects_to)
                    .map_err(invalid)?,
            },
            (None, _) if !params.declares(SERVICE_PARAM) => {
                return Err(invalid(
                    "without a url it reads the built-in history, which needs a `service` parameter".to_owned(),
                ));
            }
            (None, Some(store)) => Source::History(store.clone()),
            (None, None) => return Err(invalid("needs a url: no built-in change history here".to_owned())),
        };
        Ok(Self { source, window })
    }
}

#[async_trait]
impl Tool for ChangesTool {
    fn query(&self, args: &Args) -> String {
        match &self.source {
            Source::Feed { url, .. } => web::fill_url(url, args),
            Source::History(_) => format!("built-in change history of {}", args.value(SERVICE_PARAM)),
        }
    }

    async fn run(&self, args: &Args) -> Result<Observation, ToolError> {
        let feed = match &self.source {
            Source::Feed { fetcher, .. } => web::get_json(fetcher, &self.query(args), &[]).await?,
            Source::History(store) => {
                let service = args.value(SERVICE_PARAM).to_ascii_lowercase();
                let kept = store.recent_changes(&service, HISTORY_READ).await.map_err(|failure| {
                    ToolError::Unreachable { target: self.query(args), reason: failure.to_string() }
                })?;
                kept.into_iter().map(Change::from).collect()
            }
        };
        Ok(observe(feed, args.get(SERVICE_PARAM), &self.window, Utc::now()))
    }
}

impl From<crate::core::alert::Change> for Change {
    fn from(kept: crate::core::alert::Change) -> Self {
        Self {
            at: kept.at,
            service: kept.service,
            kind: kept.kind.to_string(),
            description: kept.summary,
            author: kept.who,
        }
    }
}

/// The changes of `feed` to `service` (any, when `None`) within `window` before `now`.
fn observe(feed: Vec<Change>, service: Option<&str>, window: &Span, now: DateTime<Utc>) -> Observation {
    let cutoff = now - TimeDelta::from_std(window.length).unwrap_or(TimeDelta::MAX);
    let in_window = feed.iter().filter(|change| change.at >= cutoff).count();
    let mut recent: Vec<Change> = feed
        .into_iter()
        .filter(|change| change.at >= cutoff)
        .filter(|change| service.is_none_or(|service| change.service.eq_ignore_ascii_case(service)))
        .collect();
    recent.sort_by_key(|change| std::cmp::Reverse(change.at));

    let to = service.map(|service| format!(" to {service}")).unwrap_or_default();
    let span = &window.text;
    let summary = match recent.first() {
        None => {
            let elsewhere = in_window - recent.len();
            let others = if service.is_some() && elsewhere > 0 {
                format!(" ({elsewhere} to other services)")
            } else {
                String::new()
            };
            format!("no changes{to} in the last {span}{others}")
        }
        Some(newest) => format!(
            "{} change{}{to} in the last {span}, newest: {}",
            recent.len(),
            if recent.len() == 1 { "" } else { "s" },
            headline(newest, now)
        ),
    };
    let mut detail: Vec<String> = recent.iter().take(MAX_LISTED).map(line).collect();
    if recent.len() > MAX_LISTED {
        detail.push(format!("… and {} older", recent.len() - MAX_LISTED));
    }
    Observation { summary, detail: detail.join("\n") }
}

/// `deploy checkout-api v2.41 at 14:05 UTC by maya`; the date is added when it is not today.
fn headline(change: &Change, now: DateTime<Utc>) -> String {
    let format = if change.at.date_naive() == now.date_naive() { "%H:%M UTC" } else { "%Y-%m-%d %H:%M UTC" };
    let by = change.author.as_deref().map(|author| format!(" by {author}")).unwrap_or_default();
    format!("{} {} at {}{by}", change.kind, change.description, change.at.format(format))
}

/// One detail line: time, service, kind, description, author.
fn line(change: &Change) -> String {
    let by = change.author.as_deref().map(|author| format!(" ({author})")).unwrap_or_default();
    format!("{} {} {}: {}{by}", change.at.format("%Y-%m-%d %H:%M UTC"), change.service, change.kind, change.description)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn change(minutes_ago: i64, service: &str, description: &str, now: DateTime<Utc>) -> Change {
        Change {
            at: now - TimeDelta::minutes(minutes_ago),
            service: service.to_owned(),
            kind: "deploy".to_owned(),
            description: description.to_owned(),
            author: Some("maya".to_owned()),
        }
    }

    #[test]
    fn changes_are_filtered_by_service_and_window_and_told_newest_first() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 15, 0, 0).unwrap();
        let feed = vec![
            change(300, "checkout", "v2.39", now),
            change(55, "Checkout", "v2.41", now),
            change(120, "checkout", "v2.40", now),
            change(30, "search", "v9", now),
            change(600, "checkout", "v2.30", now),
        ];

        let observation = observe(feed, Some("checkout"), &Span::parse("6h").unwrap(), now);

        assert_eq!(
            observation.summary,
            "3 changes to checkout in the last 6h, newest: deploy v2.41 at 14:05 UTC by maya"
        );
        let order: Vec<&str> = observation.detail.lines().map(|line| line.split(": ").last().unwrap()).collect();
        assert_eq!(order, ["v2.41 (maya)", "v2.40 (maya)", "v2.39 (maya)"]);
    }

    #[test]
    fn no_change_to_the_service_mentions_changes_elsewhere() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 15, 0, 0).unwrap();

        let observation =
            observe(vec![change(5, "search", "v9", now)], Some("checkout"), &Span::parse("1h").unwrap(), now);

        assert_eq!(observation.summary, "no changes to checkout in the last 1h (1 to other services)");
    }

    #[test]
    fn at_most_ten_changes_are_listed_and_the_rest_counted() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 15, 0, 0).unwrap();
        let feed = (0..13).map(|index| change(index, "checkout", &format!("v{index}"), now)).collect();

        let observation = observe(feed, None, &Span::parse("6h").unwrap(), now);

        assert_eq!(observation.detail.lines().count(), 11);
        assert!(observation.detail.ends_with("… and 3 older"));
        assert!(observation.summary.starts_with("13 changes in the last 6h"), "{}", observation.summary);
    }
}
