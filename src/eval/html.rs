//! The report as one self-contained HTML page: the same tables as the Markdown, and charts by
//! source, by category and across staleness as inline SVG. Nothing is fetched when it opens.

use minijinja::{Environment, Value, context};

use super::charts::{ChartError, Series, grouped_bars, lines};
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

/// Renders `report` as HTML (values escaped; only the charts' SVG is inserted as is).
pub fn render(report: &EvalReport) -> Result<String, HtmlError> {
    let systems = report.systems();
    let root_cause = |s: &SystemSummary| s.root_cause.top1.rouge_l;
    let mut charts = Vec::new();
    if let Some(sources) = report.breakdown("source") {
        charts.push(grouped_bars(&series("Root cause ROUGE-L by source", &systems, sources, usize::MAX, root_cause))?);
        let mitigation = |s: &SystemSummary| s.mitigation.top1.rouge_l;
        charts.push(grouped_bars(&series("Mitigation ROUGE-L by source", &systems, sources, usize::MAX, mitigation))?);
    }
    if let Some(categories) = report.breakdown("category") {
        let title = "Root cause ROUGE-L by category (largest)";
        charts.push(grouped_bars(&series(title, &systems, categories, CHARTED_CATEGORIES, root_cause))?);
    }
    if let Some(staleness) = report.breakdown("staleness") {
        let title = "Root cause ROUGE-L by age of the newest known incident";
        charts.push(lines(&series(title, &systems, staleness, usize::MAX, root_cause))?);
    }
    let mut environment = Environment::new();
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

fn series<'a>(
    title: &'a str,
    systems: &'a [&'a str],
    breakdown: &Breakdown,
    at_most: usize,
    value: impl Fn(&SystemSummary) -> f64,
) -> Series<'a> {
    let groups = breakdown
        .groups
        .iter()
        .take(at_most)
        .map(|group| (format!("{} ({})", group.key, group.incidents), group.systems.iter().map(&value).collect()))
        .collect();
    Series { title, measure: "ROUGE-L", systems, groups }
}
