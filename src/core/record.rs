//! The incident record: what the knowledge base knows of one resolved incident, as imported
//! from a JSONL history, published when an incident is resolved, and folded by every replica.
//! Its validation and the conversion of a resolved incident into a record live here too.
//!
//! Fields: `id, title, summary, source (machine|customer|unknown), service, category, severity,
//! created_at, resolved_at, root_cause, mitigation`, optional `url, tags, dataset`. Times are
//! RFC 3339 or plain dates (`2021-06-08`). A history that does not know something may leave
//! `severity`, `created_at` and `resolved_at` out or null, and `summary` or `mitigation` null;
//! `id`, `title`, `service`, `category` and `root_cause` are always required.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::incident::{Incident, Severity, Source};

/// Who reported an incident, as histories record it (`unknown` when they don't).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordSource {
    /// Raised by a monitor.
    Machine,
    /// Reported by a person.
    Customer,
    /// Not recorded.
    Unknown,
}

impl RecordSource {
    /// The lower-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Machine => "machine",
            Self::Customer => "customer",
            Self::Unknown => "unknown",
        }
    }
}

impl From<Source> for RecordSource {
    fn from(source: Source) -> Self {
        match source {
            Source::Machine => Self::Machine,
            Source::Customer => Self::Customer,
            Source::Unknown => Self::Unknown,
        }
    }
}

/// One resolved incident of the knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRecord {
    /// Unique within the knowledge base, e.g. `INC-1042`.
    pub id: String,
    /// One-line description.
    pub title: String,
    /// Impact and detection (empty when unknown).
    #[serde(deserialize_with = "text_or_null")]
    pub summary: String,
    /// Who reported it.
    pub source: RecordSource,
    /// Affected service.
    pub service: String,
    /// Root-cause category, e.g. `deployment`, `certificate-expiry`.
    pub category: String,
    /// How bad it was, when known.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// When it started, when known.
    #[serde(default, deserialize_with = "flexible_time")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was resolved, when known.
    #[serde(default, deserialize_with = "flexible_time")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// What caused it.
    pub root_cause: String,
    /// What stopped the impact (empty when unknown).
    #[serde(deserialize_with = "text_or_null")]
    pub mitigation: String,
    /// Link to the write-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Free labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Which history it came from, when several are combined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
}

/// Category given to a resolved incident when the resolver named none.
pub const UNCATEGORISED: &str = "uncategorised";

impl IncidentRecord {
    /// The record a resolved incident contributes to the knowledge base.
    pub fn from_resolved(incident: &Incident) -> Self {
        Self {
            id: incident.id.to_string(),
            title: incident.title.clone(),
            summary: incident.summary.clone(),
            source: incident.source.into(),
            service: incident.service.clone().unwrap_or_else(|| "unknown".to_owned()),
            category: incident.category.clone().unwrap_or_else(|| UNCATEGORISED.to_owned()),
            severity: Some(incident.severity),
            created_at: Some(incident.created_at),
            resolved_at: incident.resolved_at,
            root_cause: incident.root_cause.clone().unwrap_or_default(),
            mitigation: incident.mitigation.clone().unwrap_or_default(),
            url: None,
            tags: Vec::new(),
            dataset: None,
        }
    }

    /// Checks what serde cannot: required text present, times in order.
    pub fn validate(&self) -> Result<(), String> {
        let required = [
            ("id", &self.id),
            ("title", &self.title),
            ("service", &self.service),
            ("category", &self.category),
            ("root_cause", &self.root_cause),
        ];
        if let Some((name, _)) = required.iter().find(|(_, value)| value.trim().is_empty()) {
            return Err(format!("`{name}` is empty"));
        }
        if let (Some(created), Some(resolved)) = (self.created_at, self.resolved_at)
            && resolved < created
        {
            return Err(format!("resolved_at {resolved} is before created_at {created}"));
        }
        Ok(())
    }
}

/// Accepts a string or null (read as empty).
fn text_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// Accepts RFC 3339 times, plain dates (midnight UTC) and null.
fn flexible_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else { return Ok(None) };
    if let Ok(time) = DateTime::parse_from_rfc3339(&text) {
        return Ok(Some(time.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(|date| Some(date.and_time(chrono::NaiveTime::MIN).and_utc()))
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is neither an RFC 3339 time nor a YYYY-MM-DD date")))
}
