//! What an incident opened by alerts is about, from the alerts themselves and `[intake]`: the
//! title from the group's `summary` annotation or its alert name and key labels, the summary
//! from the alerts' descriptions, the service from the first service label present, and the
//! severity from the severity label (the most severe of the alerts').

use std::collections::BTreeMap;

use crate::config::IntakeSettings;
use crate::core::alert::{Alert, AlertStatus};
use crate::core::incident::{Declaration, Severity, Source};

/// Labels.
pub(super) type Labels = BTreeMap<String, String>;

/// The declaration for a group with these common labels and annotations, key labels (those the
/// group is grouped by) and alerts.
pub(super) fn declaration(
    settings: &IntakeSettings,
    common_labels: &Labels,
    common_annotations: &Labels,
    key_labels: &Labels,
    alerts: &[Alert],
) -> Declaration {
    let summary_annotation = common_annotations.get("summary").map(|text| text.trim()).filter(|text| !text.is_empty());
    let title = match summary_annotation {
        Some(summary) => summary.to_owned(),
        None => named_title(common_labels, key_labels, alerts),
    };
    Declaration {
        title,
        summary: descriptions(alerts),
        severity: alerts
            .iter()
            .map(|alert| severity(settings, &alert.labels))
            .min_by_key(|severity| Severity::ALL.iter().position(|known| known == severity))
            .unwrap_or(settings.default_severity),
        service: service(settings, common_labels),
        source: Source::Machine,
    }
}

/// `CheckoutErrors (service=checkout, region=eu)`: the alert name, then the key labels.
fn named_title(common_labels: &Labels, key_labels: &Labels, alerts: &[Alert]) -> String {
    let name = common_labels.get("alertname").or_else(|| alerts.first().map(|alert| &alert.name));
    let keys: Vec<String> = key_labels
        .iter()
        .filter(|(label, _)| label.as_str() != "alertname")
        .map(|(label, value)| format!("{label}={value}"))
        .collect();
    match (name, keys.is_empty()) {
        (Some(name), true) => name.clone(),
        (Some(name), false) => format!("{name} ({})", keys.join(", ")),
        (None, _) => format!("Alerts ({})", keys.join(", ")),
    }
}

/// The distinct descriptions of the firing alerts (of all, when none fires), one a line.
fn descriptions(alerts: &[Alert]) -> String {
    let firing: Vec<&Alert> = alerts.iter().filter(|alert| alert.status == AlertStatus::Firing).collect();
    let chosen = if firing.is_empty() { alerts.iter().collect() } else { firing };
    let mut lines: Vec<&str> = Vec::new();
    for alert in chosen {
        if let Some(text) = alert.annotations.get("description").map(|text| text.trim()).filter(|text| !text.is_empty())
            && !lines.contains(&text)
        {
            lines.push(text);
        }
    }
    lines.join("\n")
}

/// The first service label present, lower-case.
pub(super) fn service(settings: &IntakeSettings, labels: &Labels) -> Option<String> {
    settings
        .service_labels
        .iter()
        .find_map(|label| labels.get(label))
        .map(|value| value.trim().to_ascii_lowercase())
        .filter(|value| !value.is_empty())
}

/// The severity the severity label means: `sev1`–`sev4` as themselves, other words through
/// `[intake] severities`, the default otherwise.
pub(super) fn severity(settings: &IntakeSettings, labels: &Labels) -> Severity {
    let Some(value) = labels.get(&settings.severity_label) else { return settings.default_severity };
    let word = value.trim().to_ascii_lowercase();
    Severity::parse(&word).ok().or_else(|| settings.severities.get(&word).copied()).unwrap_or(settings.default_severity)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect()
    }

    fn alert(severity: &str, description: &str) -> Alert {
        Alert {
            fingerprint: severity.to_owned(),
            name: "CheckoutErrors".to_owned(),
            status: AlertStatus::Firing,
            labels: labels(&[("alertname", "CheckoutErrors"), ("severity", severity)]),
            annotations: labels(&[("description", description)]),
            starts_at: Utc::now(),
            ends_at: None,
            link: None,
        }
    }

    #[test]
    fn the_summary_annotation_is_the_title_and_descriptions_the_summary() {
        let settings = IntakeSettings::default();
        let alerts = [alert("warning", "5xx ratio 12%"), alert("warning", "5xx ratio 12%")];

        let declaration = declaration(
            &settings,
            &labels(&[("service", "Checkout")]),
            &labels(&[("summary", "Checkout returns 5xx")]),
            &Labels::new(),
            &alerts,
        );

        assert_eq!(declaration.title, "Checkout returns 5xx");
        assert_eq!(declaration.summary, "5xx ratio 12%");
        assert_eq!(declaration.service.as_deref(), Some("checkout"));
        assert_eq!((declaration.severity, declaration.source), (Severity::Sev3, Source::Machine));
    }

    #[test]
    fn without_a_summary_the_title_is_the_alert_name_and_key_labels() {
        let settings = IntakeSettings::default();
        let common = labels(&[("alertname", "CheckoutErrors")]);
        let keys = labels(&[("alertname", "CheckoutErrors"), ("region", "eu")]);

        let declaration = declaration(&settings, &common, &Labels::new(), &keys, &[alert("page", "")]);

        assert_eq!(declaration.title, "CheckoutErrors (region=eu)");
        assert_eq!(declaration.service, None);
    }

    #[test]
    fn severity_words_map_through_the_settings_and_the_most_severe_alert_wins() {
        let settings = IntakeSettings::default();

        let declaration = declaration(
            &settings,
            &Labels::new(),
            &Labels::new(),
            &Labels::new(),
            &[alert("warning", ""), alert("critical", ""), alert("bogus", "")],
        );

        assert_eq!(declaration.severity, Severity::Sev1);
        assert_eq!(severity(&settings, &labels(&[("severity", "SEV2")])), Severity::Sev2);
        assert_eq!(severity(&settings, &labels(&[("severity", "bogus")])), Severity::Sev3);
    }
}
