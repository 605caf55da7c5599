//! The evaluation report as a person sees it: `firebreak eval` writes `report.html` from the
//! sample history, headless Chromium lays it out, and a script measuring the rendered boxes
//! (`report_rendering/layout_check.js`) says whether any chart text overlaps other text, runs past
//! its chart's edge or is shortened, whether a legend covers data, whether a table is wider than
//! the page, and whether a Markdown backtick shows anywhere.

use firebreak_testkit::browser::rendered_dom;
use serde::Deserialize;

use crate::cli::firebreak;

const LAYOUT_CHECK: &str = include_str!("report_rendering/layout_check.js");

/// What the layout check found, as it writes it into the page.
#[derive(Debug, Deserialize)]
struct Findings {
    charts: usize,
    texts: usize,
    marks: usize,
    problems: Vec<String>,
}

/// `report.html` for the sample history, with the layout check appended, in `dir`.
fn checked_report(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.to_str().unwrap();
    let output = firebreak(&["eval", "--dataset", "data/incidents.jsonl", "--out", out], "");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let (body, end) = page.rsplit_once("</body>").expect("the report has a body");
    let checked = dir.join("checked.html");
    std::fs::write(&checked, format!("{body}<script>\n{LAYOUT_CHECK}</script>\n</body>{end}")).unwrap();
    checked
}

/// The findings the check wrote into `dom`, Chromium's serialisation of the page (the last
/// element of that id: the script's own text names it too).
fn findings(dom: &str) -> Findings {
    let (_, rest) = dom.rsplit_once("<pre id=\"layout-check\">").expect("the layout check ran and wrote its findings");
    let (json, _) = rest.split_once("</pre>").unwrap();
    serde_json::from_str(json).unwrap()
}

#[test]
fn in_a_browser_the_report_has_no_overlapping_cut_or_covered_text_and_no_backticks() {
    let dir = tempfile::tempdir().unwrap();
    let page = checked_report(dir.path());

    let found = findings(&rendered_dom(&page));

    assert_eq!(found.charts, 6, "two by source, one by category, staleness, coverage, calibration");
    assert!(found.texts > 6 * 10 && found.marks > 6, "the check measured too little: {found:?}");
    assert!(found.problems.is_empty(), "{} layout problems:\n{}", found.problems.len(), found.problems.join("\n"));
}
