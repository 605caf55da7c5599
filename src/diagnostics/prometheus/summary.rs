//! Query results told for a person: one series becomes its value now, its range over the
//! window and its change against the earlier window; several series become the top few by
//! current value, with their labels.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::diagnostics::Observation;

/// Series listed in the detail when a query returns several.
const TOP_IN_DETAIL: usize = 5;
/// Series named in the summary line when a query returns several.
const TOP_IN_SUMMARY: usize = 3;

/// One series: its labels and `(unix seconds, value)` points, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// What was asked, for the wording: the range and step of a range query, and the earlier
/// window's offset and series when comparing.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Window<'a> {
    pub range: Option<(&'a str, f64)>,
    pub earlier: Option<(&'a str, &'a [Series])>,
}

/// The observation of `current` for the tool `name`.
pub(crate) fn observe(name: &str, current: &[Series], window: &Window<'_>) -> Observation {
    let scope = match window.range {
        Some((range, step)) => format!("range query over the last {range}, step {} s", number(step)),
        None => "instant query".to_owned(),
    };
    let compared = window.earlier.map(|(offset, _)| format!(", compared with {offset} earlier")).unwrap_or_default();
    let mut detail = vec![format!("{scope}{compared}; {} series", current.len())];
    let mut ranked: Vec<&Series> = current.iter().filter(|series| !series.points.is_empty()).collect();
    ranked.sort_by(|a, b| descending(last(a), last(b)));

    let summary = match ranked.as_slice() {
        [] => {
            let when = window.range.map_or("now".to_owned(), |(range, _)| format!("over the last {range}"));
            format!("{name}: no data {when}")
        }
        [only] => {
            detail.push(describe(only, window));
            let mut line = format!("{name}: {} now", number(last(only)));
            if let Some((range, _)) = window.range {
                let (min, max, mean) = stats(only);
                line.push_str(&format!(" (min {min}, max {max}, mean {mean} over {range})"));
            }
            if let Some(change) = change(only, window) {
                line.push_str(&format!("; {change}"));
            }
            line
        }
        several => {
            detail.extend(several.iter().take(TOP_IN_DETAIL).map(|series| describe(series, window)));
            if several.len() > TOP_IN_DETAIL {
                detail.push(format!("… and {} more", several.len() - TOP_IN_DETAIL));
            }
            let top: Vec<String> = several
                .iter()
                .take(TOP_IN_SUMMARY)
                .map(|series| {
                    let change = change(series, window).map(|change| format!(" ({change})")).unwrap_or_default();
                    format!("{} {}{change}", labels(&series.labels), number(last(series)))
                })
                .collect();
            format!("{name}: {} series; highest now: {}", several.len(), top.join(", "))
        }
    };
    Observation { summary, detail: detail.join("\n") }
}

/// One detail line: labels, current value, window statistics, earlier value.
fn describe(series: &Series, window: &Window<'_>) -> String {
    let now = format!("now {}", number(last(series)));
    let mut line = if series.labels.is_empty() { now } else { format!("{}: {now}", labels(&series.labels)) };
    if window.range.is_some() {
        let (min, max, mean) = stats(series);
        line.push_str(&format!(", min {min}, max {max}, mean {mean} ({} points)", series.points.len()));
    }
    if let Some(change) = change(series, window) {
        line.push_str(&format!("; {change}"));
    }
    line
}

/// `up from 0.002 1h earlier`, from the same series' last point in the earlier window.
fn change(series: &Series, window: &Window<'_>) -> Option<String> {
    let (offset, earlier) = window.earlier?;
    let before = earlier.iter().find(|candidate| candidate.labels == series.labels && !candidate.points.is_empty());
    let Some(before) = before.map(last) else { return Some(format!("no data {offset} earlier")) };
    let now = last(series);
    let word = match now.partial_cmp(&before) {
        Some(Ordering::Greater) => "up from",
        Some(Ordering::Less) => "down from",
        Some(Ordering::Equal) => "unchanged from",
        None => "was",
    };
    Some(format!("{word} {} {offset} earlier", number(before)))
}

/// The latest value of a series with at least one point.
fn last(series: &Series) -> f64 {
    series.points.last().map_or(f64::NAN, |(_, value)| *value)
}

/// Min, max and mean of the finite values, formatted; `NaN` when there are none.
fn stats(series: &Series) -> (String, String, String) {
    let finite: Vec<f64> = series.points.iter().map(|(_, value)| *value).filter(|value| value.is_finite()).collect();
    if finite.is_empty() {
        return ("NaN".into(), "NaN".into(), "NaN".into());
    }
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = finite.iter().sum::<f64>() / finite.len() as f64;
    (number(min), number(max), number(mean))
}

/// Larger values first, NaN last.
fn descending(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => b.total_cmp(&a),
    }
}

/// `http_requests_total{code="500", service="checkout"}`, or `{}` for a series without labels.
fn labels(labels: &BTreeMap<String, String>) -> String {
    let name = labels.get("__name__").map_or("", String::as_str);
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(key, _)| key.as_str() != "__name__")
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    format!("{name}{{{}}}", pairs.join(", "))
}

/// A value with three significant digits (whole numbers from 1000 up), without trailing zeros.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return match value {
            f64::INFINITY => "+Inf".to_owned(),
            f64::NEG_INFINITY => "-Inf".to_owned(),
            _ => "NaN".to_owned(),
        };
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(labels: &[(&str, &str)], values: &[f64]) -> Series {
        Series {
            labels: labels.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect(),
            points: values.iter().enumerate().map(|(index, value)| (index as f64, *value)).collect(),
        }
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        let cases = [(0.12149, "0.121"), (0.002, "0.002"), (13.0, "13"), (1234.6, "1235"), (0.0, "0"), (-2.5, "-2.5")];
        for (value, expected) in cases {
            assert_eq!(number(value), expected, "{value}");
        }
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn one_series_is_told_as_now_its_window_and_its_change() {
        let current = [series(&[], &[0.002, 0.05, 0.13, 0.122])];
        let earlier = [series(&[], &[0.002, 0.002])];
        let window = Window { range: Some(("1h", 60.0)), earlier: Some(("1h", &earlier)) };

        let observation = observe("checkout error ratio", &current, &window);

        assert_eq!(
            observation.summary,
            "checkout error ratio: 0.122 now (min 0.002, max 0.13, mean 0.076 over 1h); up from 0.002 1h earlier"
        );
    }

    #[test]
    fn several_series_are_ranked_by_current_value_with_their_labels() {
        let current: Vec<Series> =
            (0..7).map(|index| series(&[("pod", &format!("p{index}"))], &[index as f64])).collect();

        let observation = observe("restarts", &current, &Window::default());

        assert_eq!(observation.summary, r#"restarts: 7 series; highest now: {pod="p6"} 6, {pod="p5"} 5, {pod="p4"} 4"#);
        assert_eq!(observation.detail.lines().filter(|line| line.starts_with("{pod=")).count(), 5);
        assert!(observation.detail.ends_with("… and 2 more"), "{}", observation.detail);
    }

    #[test]
    fn a_series_missing_earlier_says_so_and_no_series_says_no_data() {
        let current = [series(&[("code", "500")], &[1.0])];
        let window = Window { range: None, earlier: Some(("1d", &[])) };

        let observation = observe("errors", &current, &window);
        let empty = observe("errors", &[], &Window { range: Some(("30m", 30.0)), earlier: None });

        assert_eq!(observation.summary, "errors: 1 now; no data 1d earlier");
        assert_eq!(empty.summary, "errors: no data over the last 30m");
    }
}
