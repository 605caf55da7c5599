//! Evidence: what one tool run showed, in the form that is stored on the timeline, shown in the
//! channel and given to a model. Every text in it is redacted and bounded here, whatever the
//! tool produced, so no tool can leak a secret or flood a channel by forgetting to.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Observation;
use crate::redact::redact;

/// Longest `detail`, in characters.
pub const MAX_DETAIL_CHARS: usize = 2_000;
/// Longest `summary`, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;
/// Longest `query`, in characters; argv and PromQL are short, a pasted URL might not be.
const MAX_QUERY_CHARS: usize = 1_000;

/// The result of one tool run (or of a call refused or skipped before it ran).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The tool's name, as called.
    pub tool: String,
    /// What was actually asked: the URL, PromQL, argv or DNS name; the call itself when it was
    /// refused or skipped before running.
    pub query: String,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// How long it took, including waiting for a timeout.
    pub duration_ms: u64,
    /// Whether the tool produced an observation (a 503 is an observation; a timeout is not).
    pub ok: bool,
    /// One line for a person: what was found, or why nothing was.
    pub summary: String,
    /// Supporting excerpt, at most [`MAX_DETAIL_CHARS`] characters.
    pub detail: String,
}

impl Evidence {
    /// Evidence of a run (or a refusal) of `tool` asking `query`, redacted and bounded.
    pub(crate) fn record(
        tool: &str,
        query: &str,
        started_at: DateTime<Utc>,
        took: Duration,
        outcome: Result<Observation, String>,
    ) -> Self {
        let (ok, summary, detail) = match outcome {
            Ok(observation) => (true, observation.summary, observation.detail),
            Err(reason) => (false, reason, String::new()),
        };
        Self {
            tool: tool.to_owned(),
            query: bounded(&redact(query), MAX_QUERY_CHARS),
            started_at,
            duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            ok,
            summary: bounded(&redact(&one_line(&summary)), MAX_SUMMARY_CHARS),
            detail: bounded(&redact(&detail), MAX_DETAIL_CHARS),
        }
    }
}

/// `text` on one line: line breaks become `; ` so a summary never splits a chat message.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("; ")
}

/// `text` cut to at most `limit` characters, ending in `…` when something was cut.
fn bounded(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit.saturating_sub(1)) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => format!("{}…", &text[..cut]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(summary: &str, detail: &str) -> Evidence {
        let observation = Observation { summary: summary.to_owned(), detail: detail.to_owned() };
        Evidence::record("probe", "http://x/?token=abc123", Utc::now(), Duration::from_millis(12), Ok(observation))
    }

    #[test]
    fn secrets_in_query_summary_and_detail_are_masked() {
        let evidence = observed("password=hunter2 found", "line 1\nAuthorization: Bearer abcdefghijklmnop1234\n");

        let stored = serde_json::to_string(&evidence).unwrap();

        assert!(!stored.contains("hunter2") && !stored.contains("abcdefghijklmnop1234") && !stored.contains("abc123"));
        assert!(evidence.summary.contains("[REDACTED]"), "{evidence:?}");
    }

    #[test]
    fn a_long_detail_is_cut_to_the_limit_and_marked() {
        let evidence = observed("fine", &"é".repeat(MAX_DETAIL_CHARS * 2));

        assert_eq!(evidence.detail.chars().count(), MAX_DETAIL_CHARS);
        assert!(evidence.detail.ends_with('…'));
    }

    #[test]
    fn text_at_the_limit_is_kept_whole() {
        assert_eq!(bounded("abcd", 4), "abcd");
        assert_eq!(bounded("abcde", 4), "abc…");
        assert_eq!(bounded("", 4), "");
    }

    #[test]
    fn a_multi_line_summary_becomes_one_line() {
        let evidence = observed("first\n\n  second  \n", "");

        assert_eq!(evidence.summary, "first; second");
    }

    #[test]
    fn evidence_survives_a_json_round_trip() {
        let evidence = observed("GET http://x → 503 in 12 ms", "status: 503");

        let back: Evidence = serde_json::from_str(&serde_json::to_string(&evidence).unwrap()).unwrap();

        assert_eq!(back, evidence);
    }
}
