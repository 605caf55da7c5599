//! The report as tables of formatted cells, shared by the Markdown and HTML renderings so both
//! say exactly the same.

use serde::Serialize;

use super::calibration::ConfidenceReport;
use super::harness::Scores;
use super::protocol::Protocol;
use super::report::{EvalReport, Group, SystemSummary};

/// Breakdowns shown in full (every metric), after the overall table.
const FULL: &[&str] = &["source"];
/// Breakdowns shown compactly (ROUGE-L and category match per system).
const COMPACT: &[&str] = &["category", "dataset", "staleness", "year"];

/// How to read the numbers, under the setup line.
pub const READING_NOTE: &str = "Scores are 0–1 means over the incidents; an abstention scores 0, and the \
    \"where it answered\" table sets every system on only the incidents the advisor answered. The advisor's \
    category is its own first hypothesis. The \"medium+ only\" row counts its low-confidence answers as \
    abstentions; bm25-top1 is retrieval alone (the best lexical match); the oracle rows pick, with hindsight, the \
    past incident whose text scores best (ROUGE-L) among the retrieved k and among all earlier incidents: upper \
    bounds for any advisor that recommends a past incident's text. best@k is the best of the first k candidates, \
    metric by metric; the random baseline's category match is its exact expectation.";

/// A titled table of formatted cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Heading above it.
    pub title: String,
    /// Column names.
    pub headers: Vec<String>,
    /// Cells, row by row.
    pub rows: Vec<Vec<String>>,
}

/// One line saying what was run on what.
pub fn setup_line(report: &EvalReport) -> String {
    let protocol = match report.options.protocol {
        Protocol::Chronological => {
            "chronological: each incident against only the incidents created before it".to_owned()
        }
        Protocol::TrainUntil { train_until } => {
            format!("knowledge up to {train_until}, every later incident tested against it")
        }
    };
    let limit = report.options.limit.map(|n| format!(", the {n} most recent")).unwrap_or_default();
    format!(
        "Advisor `{}` on `{}` ({protocol}); k = {}; {} records, {} evaluated{limit}, {} undated and {} with no \
         earlier incident left out; {} advisor errors.",
        report.advisor,
        report.dataset,
        report.options.k,
        report.records,
        report.evaluated,
        report.undated,
        report.without_history,
        report.advisor_errors
    )
}

/// Every table of the report: overall, the full breakdowns, then the compact ones.
pub fn tables(report: &EvalReport) -> Vec<Table> {
    let mut tables = vec![full_table("Overall".into(), std::slice::from_ref(&report.overall), report)];
    for dimension in FULL {
        if let Some(breakdown) = report.breakdown(dimension) {
            tables.push(full_table(format!("By {dimension}"), &breakdown.groups, report));
        }
    }
    let answered = &report.where_answered.groups;
    if answered.first().is_some_and(|all| all.incidents > 0 && all.incidents < report.evaluated) {
        tables.push(full_table(format!("Where `{}` answered, by source", report.advisor), answered, report));
    }
    if let Some(confidence) = &report.confidence {
        tables.extend(confidence_tables(confidence, &report.advisor));
    }
    for dimension in COMPACT {
        if let Some(breakdown) = report.breakdown(dimension) {
            tables.push(compact_table(format!("By {dimension}"), &breakdown.groups));
        }
    }
    tables
}

/// Coverage against accuracy, then calibration by range and by level.
fn confidence_tables(confidence: &ConfidenceReport, advisor: &str) -> [Table; 2] {
    let coverage = Table {
        title: format!("Answering only above a confidence (`{advisor}`)"),
        headers: ["answers", "n", "coverage", "category @1", "root cause ROUGE-L", "mitigation ROUGE-L"]
            .map(String::from)
            .to_vec(),
        rows: confidence
            .coverage
            .iter()
            .map(|row| {
                vec![
                    row.answers.clone(),
                    row.answered.to_string(),
                    percent(row.coverage),
                    number(row.category_at_1),
                    number(row.root_cause_rouge_l),
                    number(row.mitigation_rouge_l),
                ]
            })
            .collect(),
    };
    let calibration = Table {
        title: format!(
            "Calibration of the category confidence (expected calibration error {:.3})",
            confidence.expected_calibration_error
        ),
        headers: ["confidence", "answers", "mean confidence", "category right"].map(String::from).to_vec(),
        rows: confidence
            .buckets
            .iter()
            .chain(&confidence.levels)
            .map(|bucket| {
                vec![
                    bucket.key.clone(),
                    bucket.answers.to_string(),
                    number(bucket.mean_confidence),
                    number(bucket.share_correct),
                ]
            })
            .collect(),
    };
    [coverage, calibration]
}

fn full_table(title: String, groups: &[Group], report: &EvalReport) -> Table {
    let k = report.options.k;
    let mut headers: Vec<String> = ["group", "n", "system", "abstained"].map(String::from).to_vec();
    for target in ["root cause", "mitigation"] {
        for metric in metric_names(report.semantic) {
            headers.push(format!("{target} {metric}"));
        }
        headers.push(format!("{target} ROUGE-L best@{k}"));
    }
    headers.extend(["category @1".to_owned(), format!("category @{k}")]);
    let rows = rows(groups, |system| {
        let mut cells = vec![percent(system.abstained)];
        for target in [&system.root_cause, &system.mitigation] {
            cells.extend(metric_values(&target.top1, report.semantic));
            cells.push(number(target.best_of_k.rouge_l));
        }
        cells.extend([number(system.category_at_1), number(system.category_at_k)]);
        cells
    });
    Table { title, headers, rows }
}

fn compact_table(title: String, groups: &[Group]) -> Table {
    let headers = ["group", "n", "system", "root cause ROUGE-L", "mitigation ROUGE-L", "category @1"];
    let rows = rows(groups, |system| {
        vec![
            number(system.root_cause.top1.rouge_l),
            number(system.mitigation.top1.rouge_l),
            number(system.category_at_1),
        ]
    });
    Table { title, headers: headers.map(String::from).to_vec(), rows }
}

/// A row per group and system; the group's name and size only on its first row.
fn rows(groups: &[Group], cells: impl Fn(&SystemSummary) -> Vec<String>) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for group in groups {
        for (index, system) in group.systems.iter().enumerate() {
            let (key, size) = if index == 0 {
                (group.key.clone(), group.incidents.to_string())
            } else {
                (String::new(), String::new())
            };
            let mut row = vec![key, size, system.system.clone()];
            row.extend(cells(system));
            rows.push(row);
        }
    }
    rows
}

fn metric_names(semantic: bool) -> Vec<&'static str> {
    let mut names = vec!["BLEU-4", "ROUGE-L", "METEOR"];
    if semantic {
        names.push("semantic");
    }
    names
}

fn metric_values(scores: &Scores, semantic: bool) -> Vec<String> {
    let mut values = vec![number(scores.bleu4), number(scores.rouge_l), number(scores.meteor)];
    if semantic {
        values.push(scores.semantic.map_or_else(|| "–".into(), number));
    }
    values
}

fn number(value: f64) -> String {
    format!("{value:.3}")
}

fn percent(value: f64) -> String {
    format!("{:.0}%", value * 100.0)
}
