//! Evidence: what one tool run showed, turned into the core's [`Evidence`] that is stored on the
//! timeline, shown in the channel and given to a model. Every text in it is redacted and
//! bounded here, whatever the tool produced, so no tool can leak a secret or flood a channel by
//! forgetting to.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Observation;
use crate::core::ports::Evidence;
use crate::core::redact::redact;
use crate::core::text::shortened;

/// Longest `detail`, in characters.
pub const MAX_DETAIL_CHARS: usize = 2_000;
/// Longest `summary`, in characters.
pub const MAX_SUMMARY_CHARS: usize = 300;
/// Longest `query`, in characters; argv and PromQL are short, a pasted URL might not be.
const MAX_QUERY_CHARS: usize = 1_000;

/// Evidence of a run (or a refusal) of `tool` asking `query`, redacted and bounded.
pub(crate) fn record(
    tool: &str,
    query: &str,
    started_at: DateTime<Utc>,
    took: Duration,
    outcome: Result<Observation, String>,
) -> Evidence {
    let (ok, summary, detail) = match outcome {
        Ok(observation) => (true, observation.summary, observation.detail),
        Err(reason) => (false, reason, String::new()),
    };
    Evidence {
        tool: tool.to_owned(),
        query: shortened(&redact(query), MAX_QUERY_CHARS),
        started_at,
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        ok,
        summary: shortened(&redact(&one_line(&summary)), MAX_SUMMARY_CHARS),
        detail: shortened(&redact(&detail), MAX_DETAIL_CHARS),
    }
}

/// `text` on one line: line breaks become `; ` so a summary never splits a chat message.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(summary: &str, detail: &str) -> Evidence {
        let observation = Observation { summary: summary.to_owned(), detail: detail.to_owned() };
        record("probe", "http://x/?token=abc123", Utc::now(), Duration::from_millis(12), Ok(observation))
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
