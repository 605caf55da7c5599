//! The JSONL corpus of the knowledge base: a history of resolved incidents, one
//! [`IncidentRecord`] per line, read and validated whole so a bad file is never half used.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::core::record::IncidentRecord;

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
