//! The report as one self-contained HTML page: the same tables as the Markdown, and charts by
//! source, by category, across staleness, and of the advisor's confidence (coverage against
//! accuracy, calibration) as inline SVG. Nothing is fetched when it opens.

use minijinja::{Environment, Value, context};

use super::charts::{ChartError, Series, grouped_bars, lines};
use super::harness::WITHOUT_LOW;
use super::oracle::ORACLE_EARLIER;
use super::report::{Breakdown, EvalReport, SystemSummary};
use super::tables::{READING_NOTE, setup_line, tables};

const TEMPLATE: &str = include_str!("report.html");
/// Categories charted at most (the largest).
const CHARTED_CATEGORIES: usize = 12;

/// Why the page could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// A chart failed.
    #[error(transparent)]
    Chart(#[from] ChartError),
    /// The page template failed.
    #[error("report template: {0}")]
    Template(#[from] minijinja::Error),
}

/// Renders `report` as HTML (values escaped, `code` in backticks shown as code; only the
/// charts' SVG is inserted as is).
pub fn render(report: &EvalReport) -> Result<String, HtmlError> {
    let mut charts = system_charts(report)?;
    charts.extend(confidence_charts(report)?);
    let mut environment = Environment::new();
    environment.add_filter("code", inline_code);
    environment.add_filter("heading", heading);
    environment.add_template("report.html", TEMPLATE)?;
    let page = environment.get_template("report.html")?.render(context! {
        advisor => report.advisor,
        setup => setup_line(report),
        reading_note => READING_NOTE,
        charts => charts.into_iter().map(Value::from_safe_string).collect::<Vec<_>>(),
        tables => tables(report),
    })?;
    Ok(page)
}

/// Scores by source, category and staleness, a bar or line per system. The advisor without its
/// low-confidence answers and the oracle over all earlier incidents stay in the tables only,
/// so the charts remain readable.
fn system_charts(report: &EvalReport) -> Result<Vec<String>, ChartError> {
    let charted: Vec<(usize, &str)> = report
        .systems()
        .into_iter()
        .enumerate()
        .filter(|(_, name)| !name.ends_with(WITHOUT_LOW) && *name != ORACLE_EARLIER)
        .collect();
    let systems: Vec<&str> = charted.iter().map(|(_, name)| *name).collect();
    let indices: Vec<usize> = charted.iter().map(|(index, _)| *index).collect();
    let root_cause = |s: &SystemSummary| s.root_cause.top1.rouge_l;
    let mitigation = |s: &SystemSummary| s.mitigation.top1.rouge_l;
    let series = |title: &'static str, breakdown: &Breakdown, at_most: usize, value: &dyn Fn(&SystemSummary) -> f64| {
        let groups = breakdown
            .groups
            .iter()
            .take(at_most)
            .map(|group| {
                let values = indices.iter().map(|&index| value(&group.systems[index])).collect();
                (format!("{} ({})", group.key, group.incidents), values)
            })
            .collect();
        Series { title, measure: "ROUGE-L", systems: &systems, groups }
    };
    let mut charts = Vec::new();
    if let Some(sources) = report.breakdown("source") {
        charts.push(grouped_bars(&series("Root cause ROUGE-L by source", sources, usize::MAX, &root_cause))?);
        charts.push(grouped_bars(&series("Mitigation ROUGE-L by source", sources, usize::MAX, &mitigation))?);
    }
    if let Some(categories) = report.breakdown("category") {
        let title = "Root cause ROUGE-L by category (largest)";
        charts.push(grouped_bars(&series(title, categories, CHARTED_CATEGORIES, &root_cause))?);
    }
    if let Some(staleness) = report.breakdown("staleness") {
        let title = "Root cause ROUGE-L by age of the newest known incident";
        charts.push(lines(&series(title, staleness, usize::MAX, &root_cause))?);
    }
    Ok(charts)
}

/// Coverage against accuracy by confidence threshold, and the calibration curve.
fn confidence_charts(report: &EvalReport) -> Result<Vec<String>, ChartError> {
    let Some(confidence) = &report.confidence else { return Ok(Vec::new()) };
    let thresholds = confidence.coverage.iter().filter(|row| row.answers.starts_with('≥'));
    let coverage = Series {
        title: "Answering only above a confidence",
        measure: "share or score",
        systems: &["coverage", "category @1", "root cause ROUGE-L", "mitigation ROUGE-L"],
        groups: thresholds
            .map(|row| {
                let values = vec![row.coverage, row.category_at_1, row.root_cause_rouge_l, row.mitigation_rouge_l];
                (row.answers.clone(), values)
            })
            .collect(),
    };
    let calibration = Series {
        title: "Calibration: confidence given against category right",
        measure: "share",
        systems: &["mean confidence", "category right"],
        groups: confidence
            .buckets
            .iter()
            .map(|bucket| {
                (format!("{} ({})", bucket.key, bucket.answers), vec![bucket.mean_confidence, bucket.share_correct])
            })
            .collect(),
    };
    Ok(vec![lines(&coverage)?, lines(&calibration)?])
}

/// Escapes `text` for HTML and shows what Markdown puts in backticks as `<code>`.
fn inline_code(text: &str) -> Value {
    let escaped = escape(text);
    let parts: Vec<&str> = escaped.split('`').collect();
    // With an odd number of backticks the last one has no partner and is shown as it was.
    let unpaired = parts.len().is_multiple_of(2).then(|| parts.len() - 1);
    let mut html = String::with_capacity(escaped.len());
    for (index, part) in parts.iter().enumerate() {
        match (index % 2 == 1, Some(index) == unpaired) {
            (true, false) => html.push_str(&format!("<code>{part}</code>")),
            (true, true) => html.push_str(&format!("`{part}")),
            (false, _) => html.push_str(part),
        }
    }
    Value::from_safe_string(html)
}

/// Escapes a column name for HTML, each word in a `<span>` the page keeps on one line, so a
/// narrow column wraps between words, never inside `ROUGE-L` or `BLEU-4` at the hyphen.
fn heading(text: &str) -> Value {
    let words: Vec<String> = text.split(' ').map(|word| format!("<span>{}</span>", escape(word))).collect();
    Value::from_safe_string(words.join(" "))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_become_code_and_markup_is_escaped() {
        let html = inline_code("Advisor `offline` on `<data>` & a stray ` tick").to_string();

        assert_eq!(html, "Advisor <code>offline</code> on <code>&lt;data&gt;</code> &amp; a stray ` tick");
    }

    #[test]
    fn a_heading_keeps_each_word_whole_and_is_escaped() {
        let html = heading("root cause ROUGE-L <k>").to_string();

        assert_eq!(html, "<span>root</span> <span>cause</span> <span>ROUGE-L</span> <span>&lt;k&gt;</span>");
    }
}
