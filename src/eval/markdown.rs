//! The report as Markdown, printed on stdout by `firebreak eval` and written beside the JSON.

use std::fmt::Write as _;

use super::report::EvalReport;
use super::tables::{READING_NOTE, Table, setup_line, tables};

/// Renders `report` as Markdown: the setup, then every table.
pub fn render(report: &EvalReport) -> String {
    let mut out = format!("# Evaluation of the `{}` advisor\n\n{}\n", report.advisor, setup_line(report));
    let _ = write!(out, "\n{READING_NOTE}\n");
    for table in tables(report) {
        out.push('\n');
        out.push_str(&markdown_table(&table));
    }
    out
}

fn markdown_table(table: &Table) -> String {
    let mut out = format!("## {}\n\n", table.title);
    let line = |cells: &[String]| {
        format!("| {} |\n", cells.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | "))
    };
    out.push_str(&line(&table.headers));
    let _ = writeln!(out, "|{}", "---|".repeat(table.headers.len()));
    for row in &table.rows {
        out.push_str(&line(row));
    }
    out
}
