//! Alerts and changes in the core's own words. An alert group is one notification from a
//! monitoring system (Alertmanager, Grafana, or anything posting the generic shape) about a group
//! of alerts, already parsed by the intake adapter; a change is a deploy, config change or flag
//! flip of a service. What a notification means for an incident — open one, add to one, say that
//! everything has resolved — is the engine's to decide; this module only says what a
//! notification changes compared with what was already known.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::Declaration;
use super::invalid::InvalidValue;
use super::text::clean;

/// Whether an alert is firing or has resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertStatus {
    /// The condition holds.
    Firing,
    /// The condition no longer holds.
    Resolved,
}

impl AlertStatus {
    /// Parses `firing` or `resolved` (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        match text.trim().to_ascii_lowercase().as_str() {
            "firing" => Ok(Self::Firing),
            "resolved" => Ok(Self::Resolved),
            _ => Err(InvalidValue {
                what: "alert status",
                value: text.trim().to_owned(),
                expected: "firing or resolved",
            }),
        }
    }

    /// The lower-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The source's stable id for the alert (Alertmanager's fingerprint of its labels): the same
    /// alert firing again keeps it.
    pub fingerprint: String,
    /// Its name (`alertname`).
    pub name: String,
    /// Firing or resolved.
    pub status: AlertStatus,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its annotations (`summary`, `description`, `runbook_url`, …).
    pub annotations: BTreeMap<String, String>,
    /// When this episode of the alert started: a new episode of the same alert starts later.
    pub starts_at: DateTime<Utc>,
    /// When it resolved, if it has.
    pub ends_at: Option<DateTime<Utc>>,
    /// Where to see it (the rule's graph, a dashboard panel).
    pub link: Option<String>,
}

/// One notification about a group of alerts: what a monitoring system sends at a time, and
/// what the engine handles once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroup {
    /// Which hook it came through (`alertmanager`, `grafana`, `incident`): part of the group's
    /// identity, so two sources never share a group by accident.
    pub source: String,
    /// The source's key for the group: one incident per group at a time.
    pub key: String,
    /// What an incident opened for this group is about.
    pub declaration: Declaration,
    /// The labels the group's alerts share: kept on the incident and matched by handlers.
    pub labels: BTreeMap<String, String>,
    /// The alerts, firing and resolved.
    pub alerts: Vec<Alert>,
}

impl AlertGroup {
    /// The group with every text cleaned of control characters (see [`clean`]).
    pub fn cleaned(mut self) -> Self {
        let owned = |text: &str| clean(text).into_owned();
        self.declaration.title = owned(&self.declaration.title);
        self.declaration.summary = owned(&self.declaration.summary);
        self.labels = self.labels.iter().map(|(name, value)| (owned(name), owned(value))).collect();
        for alert in &mut self.alerts {
            alert.name = owned(&alert.name);
            alert.labels = alert.labels.iter().map(|(name, value)| (owned(name), owned(value))).collect();
            alert.annotations = alert.annotations.iter().map(|(name, value)| (owned(name), owned(value))).collect();
        }
        self
    }

    /// The group's identity across sources.
    pub fn group_id(&self) -> String {
        format!("{}:{}", self.source, self.key)
    }

    /// One id per distinct notification: the same group with the same alerts in the same states
    /// has the same id, whichever replica receives it and however often it is retried.
    pub fn notification_id(&self) -> String {
        let mut alerts: Vec<String> = self
            .alerts
            .iter()
            .map(|alert| format!("{}={}@{}", alert.fingerprint, alert.status, alert.starts_at.timestamp_millis()))
            .collect();
        alerts.sort_unstable();
        let digest = fnv1a(&format!("{}\n{}", self.group_id(), alerts.join("\n")));
        format!("alert:{}:{digest:016x}", self.source)
    }

    /// Whether any of its alerts is firing.
    pub fn any_firing(&self) -> bool {
        self.alerts.iter().any(|alert| alert.status == AlertStatus::Firing)
    }
}

/// A 64-bit FNV-1a hash: stable across builds and platforms, unlike the standard library's.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// What the engine last recorded of one alert of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    /// Firing or resolved.
    pub status: AlertStatus,
    /// When the recorded episode started.
    pub starts_at: DateTime<Utc>,
}

/// The recorded state of an incident's alerts, by fingerprint.
pub type AlertStates = BTreeMap<String, AlertState>;

/// How one alert of a notification differs from what was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Seen for the first time, firing.
    Fired,
    /// Firing again after it had resolved.
    FiredAgain,
    /// Resolved.
    Resolved,
}

/// What `alert` changes, given what was recorded of it; `None` for a repeat or for news older
/// than what was recorded (a retry overtaken by a later notification).
pub fn transition(known: Option<&AlertState>, alert: &Alert) -> Option<Transition> {
    match (known, alert.status) {
        (None, AlertStatus::Firing) => Some(Transition::Fired),
        (None, AlertStatus::Resolved) => Some(Transition::Resolved),
        (Some(known), AlertStatus::Firing)
            if known.status == AlertStatus::Resolved && alert.starts_at > known.starts_at =>
        {
            Some(Transition::FiredAgain)
        }
        (Some(known), AlertStatus::Resolved)
            if known.status == AlertStatus::Firing && alert.starts_at >= known.starts_at =>
        {
            Some(Transition::Resolved)
        }
        _ => None,
    }
}

/// The alerts of `alerts` that change what `known` records, with how.
pub fn changes<'a>(known: &AlertStates, alerts: &'a [Alert]) -> Vec<(&'a Alert, Transition)> {
    alerts.iter().filter_map(|alert| Some((alert, transition(known.get(&alert.fingerprint), alert)?))).collect()
}

/// Whether `alerts` start an episode that the incident recorded in `known` did not see: an alert
/// it never saw firing, or one that started again since. Such a notification, for a resolved
/// incident, opens a new one; a repeat of the old episode does not.
pub fn starts_new_episode(known: &AlertStates, alerts: &[Alert]) -> bool {
    alerts.iter().any(|alert| {
        alert.status == AlertStatus::Firing
            && known.get(&alert.fingerprint).is_none_or(|known| alert.starts_at > known.starts_at)
    })
}

/// `known` with the states `changes` lead to.
pub fn apply(known: &AlertStates, changes: &[(&Alert, Transition)]) -> AlertStates {
    let mut states = known.clone();
    for (alert, _) in changes {
        states.insert(alert.fingerprint.clone(), AlertState { status: alert.status, starts_at: alert.starts_at });
    }
    states
}

/// What kind of change happened to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// A new version was rolled out (or rolled back).
    Deploy,
    /// Configuration changed.
    Config,
    /// A feature flag was flipped.
    Flag,
}

impl ChangeKind {
    /// Parses `deploy`, `config` or `flag` (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        match text.trim().to_ascii_lowercase().as_str() {
            "deploy" => Ok(Self::Deploy),
            "config" => Ok(Self::Config),
            "flag" => Ok(Self::Flag),
            _ => Err(InvalidValue {
                what: "change kind",
                value: text.trim().to_owned(),
                expected: "deploy, config or flag",
            }),
        }
    }

    /// The lower-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::Config => "config",
            Self::Flag => "flag",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change to a service, as a deploy pipeline or flag system reports it: what "what changed?"
/// is answered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The service changed, lower-case.
    pub service: String,
    /// Deploy, config or flag.
    pub kind: ChangeKind,
    /// What changed, e.g. `checkout-api v2.41`.
    pub summary: String,
    /// Who changed it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl Change {
    /// The change with its texts cleaned of control characters (see [`clean`]).
    pub fn cleaned(mut self) -> Self {
        self.summary = clean(&self.summary).into_owned();
        self.service = clean(&self.service).into_owned();
        self.who = self.who.map(|who| clean(&who).into_owned());
        self
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::core::incident::{Severity, Source};

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 14, minute, 0).unwrap()
    }

    fn alert(fingerprint: &str, status: AlertStatus, started: u32) -> Alert {
        Alert {
            fingerprint: fingerprint.to_owned(),
            name: "CheckoutErrors".to_owned(),
            status,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            starts_at: at(started),
            ends_at: None,
            link: None,
        }
    }

    fn known(entries: &[(&str, AlertStatus, u32)]) -> AlertStates {
        entries
            .iter()
            .map(|(fingerprint, status, started)| {
                ((*fingerprint).to_owned(), AlertState { status: *status, starts_at: at(*started) })
            })
            .collect()
    }

    fn group(alerts: Vec<Alert>) -> AlertGroup {
        AlertGroup {
            source: "alertmanager".to_owned(),
            key: "{}:{alertname=\"CheckoutErrors\"}".to_owned(),
            declaration: Declaration {
                title: "Checkout errors".to_owned(),
                summary: String::new(),
                severity: Severity::Sev2,
                service: Some("checkout".to_owned()),
                source: Source::Machine,
            },
            labels: BTreeMap::new(),
            alerts,
        }
    }

    #[test]
    fn new_alerts_fire_repeats_change_nothing_and_resolutions_resolve() {
        let recorded = known(&[("a", AlertStatus::Firing, 5)]);
        let alerts = [alert("a", AlertStatus::Firing, 5), alert("b", AlertStatus::Firing, 7)];

        assert_eq!(
            changes(&recorded, &alerts).iter().map(|(a, t)| (a.fingerprint.as_str(), *t)).collect::<Vec<_>>(),
            [("b", Transition::Fired)]
        );
        assert_eq!(transition(recorded.get("a"), &alert("a", AlertStatus::Resolved, 5)), Some(Transition::Resolved));
    }

    #[test]
    fn an_alert_fires_again_only_in_a_later_episode_and_old_news_is_ignored() {
        let resolved = known(&[("a", AlertStatus::Resolved, 5)]);

        assert_eq!(transition(resolved.get("a"), &alert("a", AlertStatus::Firing, 9)), Some(Transition::FiredAgain));
        assert_eq!(transition(resolved.get("a"), &alert("a", AlertStatus::Firing, 5)), None, "a retry of the firing");
        let firing = known(&[("a", AlertStatus::Firing, 9)]);
        assert_eq!(transition(firing.get("a"), &alert("a", AlertStatus::Resolved, 5)), None, "an older episode");
    }

    #[test]
    fn a_closed_incident_sees_a_new_episode_only_when_an_alert_starts_again() {
        let recorded = known(&[("a", AlertStatus::Firing, 5)]);

        assert!(!starts_new_episode(&recorded, &[alert("a", AlertStatus::Firing, 5)]));
        assert!(starts_new_episode(&recorded, &[alert("a", AlertStatus::Firing, 30)]));
        assert!(starts_new_episode(&recorded, &[alert("b", AlertStatus::Firing, 5)]));
        assert!(!starts_new_episode(&recorded, &[alert("b", AlertStatus::Resolved, 5)]));
    }

    #[test]
    fn the_notification_id_ignores_alert_order_and_tells_states_apart() {
        let firing = group(vec![alert("a", AlertStatus::Firing, 5), alert("b", AlertStatus::Firing, 6)]);
        let reordered = group(vec![alert("b", AlertStatus::Firing, 6), alert("a", AlertStatus::Firing, 5)]);
        let resolved = group(vec![alert("a", AlertStatus::Resolved, 5), alert("b", AlertStatus::Firing, 6)]);

        assert_eq!(firing.notification_id(), reordered.notification_id());
        assert_ne!(firing.notification_id(), resolved.notification_id());
        assert!(firing.notification_id().starts_with("alert:alertmanager:"));
    }

    #[test]
    fn applying_changes_records_the_new_states() {
        let recorded = known(&[("a", AlertStatus::Firing, 5)]);
        let alerts = [alert("a", AlertStatus::Resolved, 5), alert("b", AlertStatus::Firing, 7)];

        let states = apply(&recorded, &changes(&recorded, &alerts));

        assert_eq!(states, known(&[("a", AlertStatus::Resolved, 5), ("b", AlertStatus::Firing, 7)]));
    }

    #[test]
    fn change_kinds_and_alert_statuses_parse_their_words_only() {
        assert_eq!(ChangeKind::parse(" Deploy ").unwrap(), ChangeKind::Deploy);
        assert!(ChangeKind::parse("reboot").unwrap_err().to_string().contains("deploy, config or flag"));
        assert_eq!(AlertStatus::parse("RESOLVED").unwrap(), AlertStatus::Resolved);
        assert!(AlertStatus::parse("ok").is_err());
    }
}
