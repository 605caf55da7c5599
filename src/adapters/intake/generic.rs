//! The generic incident hook, for any sender that is neither Alertmanager nor Grafana: one JSON
//! object per incident event, unknown fields refused so a typo never silently drops data.
//!
//! ```json
//! {
//!   "title": "Payments queue backing up",
//!   "summary": "12k messages waiting, growing",
//!   "severity": "sev2",
//!   "service": "payments",
//!   "source": "machine",
//!   "labels": { "team": "payments", "queue": "settlements" },
//!   "dedupe_key": "payments-queue-depth",
//!   "status": "firing",
//!   "link": "https://grafana.example.com/d/queues"
//! }
//! ```
//!
//! Only `title` is required. Events with the same `dedupe_key` (by default the title and
//! service) belong to one incident while it is open; `status: resolved` says the condition is
//! over; a later `firing` event after the incident is resolved opens a new one.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::mapping::Labels;
use super::payload::{decode, invalid};
use super::{Hook, HookError};
use crate::config::IntakeSettings;
use crate::core::alert::{Alert, AlertGroup, AlertStatus};
use crate::core::incident::{Declaration, Severity, Source};

/// Longest dedupe key taken: it names a key in the store.
const MAX_KEY: usize = 512;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Event {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    source: Option<Source>,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    dedupe_key: Option<String>,
    #[serde(default)]
    status: Option<AlertStatus>,
    #[serde(default)]
    link: Option<String>,
}

/// The generic hook's body, received at `now`, as a group of one alert.
pub(super) fn parse(body: &[u8], settings: &IntakeSettings, now: DateTime<Utc>) -> Result<AlertGroup, HookError> {
    let event: Event = decode(body)?;
    let title = event.title.trim().to_owned();
    if title.is_empty() {
        return Err(invalid("title", "is empty"));
    }
    let service =
        event.service.map(|service| service.trim().to_ascii_lowercase()).filter(|service| !service.is_empty());
    let key = match event.dedupe_key.map(|key| key.trim().to_owned()) {
        Some(key) if key.is_empty() || key.chars().count() > MAX_KEY => {
            return Err(invalid("dedupe_key", format!("must be 1 to {MAX_KEY} characters")));
        }
        Some(key) => key,
        None => format!("{title}|{}", service.as_deref().unwrap_or("")),
    };
    let summary = event.summary.trim().to_owned();
    let annotations: Labels =
        [("summary".to_owned(), summary.clone())].into_iter().filter(|(_, text)| !text.is_empty()).collect();
    let alert = Alert {
        fingerprint: key.clone(),
        name: title.clone(),
        status: event.status.unwrap_or(AlertStatus::Firing),
        labels: event.labels.clone(),
        annotations,
        // Each event is news as of its arrival: a firing event after a resolved one starts again.
        starts_at: now,
        ends_at: None,
        link: event.link.filter(|link| !link.is_empty()),
    };
    Ok(AlertGroup {
        source: Hook::Incident.name().to_owned(),
        key,
        declaration: Declaration {
            title,
            summary,
            severity: event.severity.unwrap_or(settings.default_severity),
            service,
            source: event.source.unwrap_or(Source::Machine),
        },
        labels: event.labels,
        alerts: vec![alert],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_title_is_required_and_the_key_defaults_to_title_and_service() {
        let group =
            parse(br#"{"title": "Queue backing up", "service": "Payments"}"#, &IntakeSettings::default(), Utc::now())
                .unwrap();

        assert_eq!(group.key, "Queue backing up|payments");
        assert_eq!((group.declaration.severity, group.declaration.source), (Severity::Sev3, Source::Machine));
        assert_eq!(group.alerts[0].status, AlertStatus::Firing);
    }

    #[test]
    fn unknown_fields_bad_words_and_an_empty_title_are_refused_by_name() {
        let settings = IntakeSettings::default();
        let errors: Vec<String> = [
            r#"{"title": "x", "sevrity": "sev2"}"#,
            r#"{"title": "x", "severity": "sev9"}"#,
            r#"{"title": " "}"#,
            r#"{"title": "x", "labels": {"team": 7}}"#,
        ]
        .iter()
        .map(|body| parse(body.as_bytes(), &settings, Utc::now()).unwrap_err().to_string())
        .collect();

        assert!(errors[0].contains("sevrity"), "{}", errors[0]);
        assert!(errors[1].starts_with("severity:"), "{}", errors[1]);
        assert!(errors[2].starts_with("title:"), "{}", errors[2]);
        assert!(errors[3].starts_with("labels.team:"), "{}", errors[3]);
    }
}
