//! Alertmanager's webhook payload (version 4) and Grafana unified alerting's (version 1, the same
//! shape with a few fields more), parsed into one [`AlertGroup`]: the group key, the common labels
//! kept on the incident, each alert with its fingerprint, status, labels, annotations and start,
//! and what an incident for the group is about (see `mapping.rs`).

use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::mapping::{self, Labels};
use super::payload::{decode, invalid};
use super::{Hook, HookError};
use crate::config::IntakeSettings;
use crate::core::alert::{Alert, AlertGroup, AlertStatus};

/// Longest group key taken: it names a key in the store.
const MAX_GROUP_KEY: usize = 1_024;

/// A notification as both senders post it; fields beyond these are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    version: String,
    group_key: String,
    #[serde(default)]
    group_labels: Labels,
    #[serde(default)]
    common_labels: Labels,
    #[serde(default)]
    common_annotations: Labels,
    alerts: Vec<WireAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAlert {
    status: AlertStatus,
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    starts_at: DateTime<Utc>,
    #[serde(default)]
    ends_at: Option<DateTime<Utc>>,
    #[serde(default, rename = "generatorURL")]
    generator_url: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
}

/// Alertmanager's webhook payload, version 4.
pub(super) fn alertmanager(body: &[u8], settings: &IntakeSettings) -> Result<AlertGroup, HookError> {
    parse(Hook::Alertmanager, "4", body, settings)
}

/// Grafana's webhook contact point payload, version 1.
pub(super) fn grafana(body: &[u8], settings: &IntakeSettings) -> Result<AlertGroup, HookError> {
    parse(Hook::Grafana, "1", body, settings)
}

fn parse(hook: Hook, version: &str, body: &[u8], settings: &IntakeSettings) -> Result<AlertGroup, HookError> {
    let notification: Notification = decode(body)?;
    if notification.version != version {
        return Err(invalid(
            "version",
            format!("this hook takes version {version:?} of the payload, not {:?}", notification.version),
        ));
    }
    let key = notification.group_key.trim();
    if key.is_empty() || key.chars().count() > MAX_GROUP_KEY {
        return Err(invalid("groupKey", format!("must be 1 to {MAX_GROUP_KEY} characters")));
    }
    if notification.alerts.is_empty() {
        return Err(invalid("alerts", "lists no alert"));
    }
    let alerts: Vec<Alert> = notification.alerts.into_iter().map(alert).collect();
    let declaration = mapping::declaration(
        settings,
        &notification.common_labels,
        &notification.common_annotations,
        &notification.group_labels,
        &alerts,
    );
    Ok(AlertGroup {
        source: hook.name().to_owned(),
        key: key.to_owned(),
        declaration,
        labels: notification.common_labels,
        alerts,
    })
}

fn alert(wire: WireAlert) -> Alert {
    let fingerprint = wire.fingerprint.filter(|given| !given.is_empty()).unwrap_or_else(|| fingerprint(&wire.labels));
    Alert {
        fingerprint,
        name: wire.labels.get("alertname").cloned().unwrap_or_else(|| "alert".to_owned()),
        status: wire.status,
        // A firing alert carries the zero time (year 1), or a guess at when it will expire.
        ends_at: wire.ends_at.filter(|at| wire.status == AlertStatus::Resolved && at.year() > 1),
        labels: wire.labels,
        annotations: wire.annotations,
        starts_at: wire.starts_at,
        link: wire.generator_url.filter(|url| !url.is_empty()),
    }
}

/// A fingerprint for senders too old to send one: a hash of the labels, which identify an alert.
fn fingerprint(labels: &Labels) -> String {
    let mut hash = Sha256::new();
    for (name, value) in labels {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(value.as_bytes());
        hash.update([0]);
    }
    hash.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRING: &str = r#"{
      "version": "4", "groupKey": "{}:{alertname=\"CheckoutErrors\"}", "truncatedAlerts": 0,
      "status": "firing", "receiver": "firebreak",
      "groupLabels": {"alertname": "CheckoutErrors"},
      "commonLabels": {"alertname": "CheckoutErrors", "service": "checkout", "severity": "page"},
      "commonAnnotations": {"summary": "Checkout 5xx ratio above 5%"},
      "externalURL": "http://alertmanager:9093",
      "alerts": [{
        "status": "firing",
        "labels": {"alertname": "CheckoutErrors", "service": "checkout", "severity": "page", "instance": "a:9"},
        "annotations": {"description": "12% of checkout requests fail"},
        "startsAt": "2026-05-01T14:05:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=x", "fingerprint": "c0ffee"
      }]
    }"#;

    #[test]
    fn an_alertmanager_notification_becomes_one_group_with_its_alerts() {
        let group = alertmanager(FIRING.as_bytes(), &IntakeSettings::default()).unwrap();

        assert_eq!(group.group_id(), "alertmanager:{}:{alertname=\"CheckoutErrors\"}");
        assert_eq!(group.declaration.title, "Checkout 5xx ratio above 5%");
        assert_eq!(group.declaration.service.as_deref(), Some("checkout"));
        assert_eq!(group.labels["severity"], "page");
        let alert = &group.alerts[0];
        assert_eq!(
            (alert.fingerprint.as_str(), alert.name.as_str(), alert.status),
            ("c0ffee", "CheckoutErrors", AlertStatus::Firing)
        );
        assert_eq!(alert.ends_at, None);
        assert!(alert.link.as_deref().is_some_and(|link| link.contains("prometheus")));
    }

    #[test]
    fn the_wrong_version_an_empty_group_key_and_no_alerts_are_refused_by_field() {
        let settings = IntakeSettings::default();
        let grafana_shaped = FIRING.replace(r#""version": "4""#, r#""version": "1""#);
        let no_key = FIRING.replace(r#""groupKey": "{}:{alertname=\"CheckoutErrors\"}""#, r#""groupKey": " ""#);
        let no_alerts = r#"{"version": "4", "groupKey": "g", "alerts": []}"#;

        let errors = [
            alertmanager(grafana_shaped.as_bytes(), &settings).unwrap_err().to_string(),
            alertmanager(no_key.as_bytes(), &settings).unwrap_err().to_string(),
            alertmanager(no_alerts.as_bytes(), &settings).unwrap_err().to_string(),
        ];

        assert!(errors[0].starts_with("version:"), "{}", errors[0]);
        assert!(errors[1].starts_with("groupKey:"), "{}", errors[1]);
        assert!(errors[2].starts_with("alerts:"), "{}", errors[2]);
        assert!(grafana(grafana_shaped.as_bytes(), &settings).is_ok());
    }

    #[test]
    fn an_alert_without_a_fingerprint_gets_one_from_its_labels() {
        let without = FIRING.replace(r#", "fingerprint": "c0ffee""#, "");

        let first = alertmanager(without.as_bytes(), &IntakeSettings::default()).unwrap();
        let again = alertmanager(without.as_bytes(), &IntakeSettings::default()).unwrap();

        assert_eq!(first.alerts[0].fingerprint.len(), 16);
        assert_eq!(first.alerts[0].fingerprint, again.alerts[0].fingerprint);
    }
}
