//! The incident record schema of the knowledge base (one JSON object per JSONL line), its
//! validation, and the conversion of a resolved incident into a record.
//!
//! Fields: `id, title, summary, source (machine|customer|unknown), service, category, severity,
//! created_at, resolved_at, root_cause, mitigation`, optional `url, tags, dataset`. Times are
//! RFC 3339 or plain dates (`2021-06-08`). A history that does not know something may leave
//! `severity`, `created_at` and `resolved_at` out or null, and `summary` or `mitigation` null;
//! `id`, `title`, `service`, `category` and `root_cause` are always required.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::core::incident::{Incident, Severity, Source};

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

/// A bad line of a JSONL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// Parses a whole JSONL corpus. Either every record is valid and ids are unique, or every bad
/// line is reported and nothing is returned. Blank lines are skipped.
pub fn parse_jsonl(text: &str) -> Result<Vec<IncidentRecord>, Vec<LineError>> {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = index + 1;
        let parsed = serde_json::from_str::<IncidentRecord>(line)
            .map_err(|error| error.to_string())
            .and_then(|record| record.validate().map(|()| record));
        match parsed {
            Ok(record) if !seen.insert(record.id.clone()) => {
                errors.push(LineError { line: line_number, problem: format!("duplicate id `{}`", record.id) });
            }
            Ok(record) => records.push(record),
            Err(problem) => errors.push(LineError { line: line_number, problem }),
        }
    }
    if errors.is_empty() { Ok(records) } else { Err(errors) }
}

/// Bad lines listed in full before the rest are only counted.
const LISTED_ERRORS: usize = 20;

/// Why a JSONL file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Some lines are invalid; none of the file was used.
    #[error("{path} has {} invalid line(s); nothing from it was used:\n{}", errors.len(), list_errors(errors))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every bad line.
        errors: Vec<LineError>,
    },
}

fn list_errors(errors: &[LineError]) -> String {
    let mut listed: Vec<String> = errors.iter().take(LISTED_ERRORS).map(ToString::to_string).collect();
    if errors.len() > LISTED_ERRORS {
        listed.push(format!("… and {} more", errors.len() - LISTED_ERRORS));
    }
    listed.join("\n")
}

/// Reads and validates a JSONL file whole (see `parse_jsonl`).
pub fn read_jsonl(path: &Path) -> Result<Vec<IncidentRecord>, CorpusError> {
    let text = std::fs::read_to_string(path).map_err(|source| CorpusError::Read { path: path.to_owned(), source })?;
    parse_jsonl(&text).map_err(|errors| CorpusError::Invalid { path: path.to_owned(), errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"A-1","title":"t","summary":"s","source":"machine","service":"dns","category":"dns","severity":"sev2","created_at":"2021-06-08","resolved_at":"2021-06-08T10:00:00Z","root_cause":"r","mitigation":"m"}"#;

    #[test]
    fn plain_dates_nulls_and_missing_optional_fields_are_accepted() {
        let with_nulls = GOOD
            .replace(r#""severity":"sev2""#, r#""severity":null"#)
            .replace(r#""created_at":"2021-06-08""#, r#""created_at":null"#)
            .replace(r#""mitigation":"m""#, r#""mitigation":null"#)
            .replace(r#","resolved_at":"2021-06-08T10:00:00Z""#, "");
        let records = parse_jsonl(&format!("{GOOD}\n\n{}", with_nulls.replace("A-1", "A-2"))).unwrap();
        assert_eq!(records[0].created_at.unwrap().to_rfc3339(), "2021-06-08T00:00:00+00:00");
        assert_eq!((records[1].severity, records[1].created_at, records[1].resolved_at), (None, None, None));
        assert_eq!(records[1].mitigation, "");
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = [
            GOOD.to_owned(),
            "{not json".to_owned(),
            GOOD.to_owned(),
            GOOD.replace("A-1", "A-3").replace(r#""root_cause":"r""#, r#""root_cause":" ""#),
            GOOD.replace("A-1", "A-4").replace("machine", "robot"),
        ]
        .join("\n");
        let errors = parse_jsonl(&text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(errors[1].problem.contains("duplicate id"));
        assert!(errors[2].problem.contains("root_cause"));
        assert!(errors[3].problem.contains("robot"));
    }

    #[test]
    fn resolution_before_start_is_rejected() {
        let text = GOOD.replace("2021-06-08T10:00:00Z", "2021-06-07T10:00:00Z");
        assert!(parse_jsonl(&text).unwrap_err()[0].problem.contains("before created_at"));
    }
}
