//! "What changed?" answered from evidence: the latest run of each tool that lists changes,
//! with the changes it listed, or how to run one.

use std::collections::BTreeSet;

use super::wording;
use crate::core::ports::{Evidence, ToolInfo};

/// The latest run of each tool in `tools` that lists changes, newest first, from `evidence`
/// (oldest first), or how to run one; `None` when no tool lists changes.
pub(super) fn recent_changes(tools: &[ToolInfo], evidence: &[Evidence]) -> Option<String> {
    let change_tools: Vec<&str> =
        tools.iter().filter(|tool| tool.lists_changes).map(|tool| tool.name.as_str()).collect();
    if change_tools.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    let runs: Vec<String> = evidence
        .iter()
        .rev()
        .filter(|found| change_tools.contains(&found.tool.as_str()))
        .filter(|found| seen.insert(found.tool.as_str()))
        .map(wording::change_run)
        .collect();
    Some(if runs.is_empty() {
        wording::no_change_evidence(&change_tools)
    } else {
        format!("{}\n{}", wording::RECENT_CHANGES, runs.join("\n"))
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;

    fn tool(name: &str, lists_changes: bool) -> ToolInfo {
        ToolInfo { name: name.into(), description: String::new(), parameters: json!({}), lists_changes }
    }

    fn run(tool: &str, minute: u32, summary: &str, detail: &str) -> Evidence {
        Evidence {
            tool: tool.into(),
            query: String::new(),
            started_at: Utc.with_ymd_and_hms(2026, 5, 1, 14, minute, 0).unwrap(),
            duration_ms: 5,
            ok: true,
            summary: summary.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn the_latest_run_of_each_change_tool_is_shown_with_its_changes() {
        let tools = [tool("health", false), tool("deploys", true)];
        let evidence = [
            run("deploys", 1, "1 change", "14:00 checkout deploy: v2.40"),
            run("health", 2, "503", ""),
            run("deploys", 3, "2 changes", "14:02 checkout deploy: v2.41\n14:00 checkout deploy: v2.40"),
        ];

        let answer = recent_changes(&tools, &evidence).unwrap();

        assert!(answer.contains("deploys (14:03): 2 changes\n    14:02 checkout deploy: v2.41"), "{answer}");
        assert!(!answer.contains("1 change\n") && !answer.contains("health"), "{answer}");
    }

    #[test]
    fn without_a_change_tool_there_is_nothing_to_show() {
        assert_eq!(recent_changes(&[tool("health", false)], &[run("health", 2, "503", "")]), None);
    }

    #[test]
    fn a_change_tool_that_never_ran_is_named_with_how_to_run_it() {
        let answer = recent_changes(&[tool("deploys", true)], &[]).unwrap();

        assert!(answer.contains("/diagnose deploys"), "{answer}");
    }
}
