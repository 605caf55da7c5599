//! `firebreak stats feedback` in the terminal.

use std::io::{self, Write};

use super::render::Format;
use crate::stats::{FeedbackStats, Tally, USEFUL_RATING};

/// Prints `stats` as a table (text) or one JSON object.
pub fn print(stats: &FeedbackStats, format: Format, out: &mut impl Write) -> io::Result<()> {
    if format == Format::Json {
        return writeln!(out, "{}", serde_json::to_string(stats).map_err(io::Error::other)?);
    }
    writeln!(out, "/feedback ratings over {} incidents", stats.incidents)?;
    writeln!(out, "{:<24} {:>7} {:>6} {:>8}", "", "ratings", "mean", format!("≥{USEFUL_RATING}/5"))?;
    row(out, "all", &stats.overall)?;
    for (name, tally) in &stats.by_source {
        row(out, &format!("source {name}"), tally)?;
    }
    for (name, tally) in &stats.by_advisor {
        row(out, &format!("advisor {name}"), tally)?;
    }
    Ok(())
}

fn row(out: &mut impl Write, label: &str, tally: &Tally) -> io::Result<()> {
    writeln!(out, "{label:<24} {:>7} {:>6.2} {:>7.0}%", tally.count, tally.mean, tally.useful_share * 100.0)
}
