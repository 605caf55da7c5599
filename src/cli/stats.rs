//! `firebreak stats feedback`: the ratings in production (typed `/feedback` and the buttons under
//! every answer), the study's own measure: how many, their mean, and the share rated 3/5 or
//! better (what the study counted as useful), overall, by who reported the incident and by the
//! advisor that helped. A person's rating of an answer counts once, as last given.

use std::collections::BTreeMap;

use std::io::{self, Write};

use serde::Serialize;

use crate::adapters::console::render::Format;
use crate::core::ports::{Store, StoreError};
use crate::core::ratings::counted;

/// Ratings at least this good count as useful, as in the study.
pub const USEFUL_RATING: u8 = 3;
/// Advisor recorded for ratings given before the advisor was recorded with them.
pub const UNRECORDED: &str = "unrecorded";

/// Ratings of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Ratings given.
    pub count: usize,
    /// Their mean (0 when none).
    pub mean: f64,
    /// Share rated at least [`USEFUL_RATING`] (0 when none).
    pub useful_share: f64,
    #[serde(skip)]
    sum: u64,
    #[serde(skip)]
    useful: usize,
}

impl Tally {
    fn add(&mut self, rating: u8) {
        self.count += 1;
        self.sum += u64::from(rating);
        self.useful += usize::from(rating >= USEFUL_RATING);
        self.mean = self.sum as f64 / self.count as f64;
        self.useful_share = self.useful as f64 / self.count as f64;
    }
}

/// Every rating in the store, tallied.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedbackStats {
    /// Incidents looked at.
    pub incidents: usize,
    /// All ratings.
    pub overall: Tally,
    /// By `machine` / `customer`.
    pub by_source: BTreeMap<String, Tally>,
    /// By advisor name.
    pub by_advisor: BTreeMap<String, Tally>,
}

/// Reads every incident's timeline in `store` and tallies its ratings.
pub async fn feedback_stats(store: &dyn Store) -> Result<FeedbackStats, StoreError> {
    let mut stats = FeedbackStats::default();
    for id in store.all_incidents().await? {
        let Some(incident) = store.incident(id).await? else { continue };
        stats.incidents += 1;
        for counted in counted(&store.timeline(id).await?) {
            stats.overall.add(counted.rating);
            stats.by_source.entry(incident.source.to_string()).or_default().add(counted.rating);
            let advisor = counted.advisor.unwrap_or_else(|| UNRECORDED.to_owned());
            stats.by_advisor.entry(advisor).or_default().add(counted.rating);
        }
    }
    Ok(stats)
}

/// Prints `stats` as a table (text) or one JSON object.
pub fn print(stats: &FeedbackStats, format: Format, out: &mut impl Write) -> io::Result<()> {
    if format == Format::Json {
        return writeln!(out, "{}", serde_json::to_string(stats).map_err(io::Error::other)?);
    }
    if stats.overall.count == 0 {
        return writeln!(
            out,
            "No /feedback ratings yet across {} incidents: there is no mean to show.",
            stats.incidents
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tally_counts_three_and_better_as_useful() {
        let mut tally = Tally::default();
        for rating in [1, 3, 5, 2] {
            tally.add(rating);
        }
        assert_eq!(tally.count, 4);
        assert!((tally.mean - 2.75).abs() < 1e-12);
        assert!((tally.useful_share - 0.5).abs() < 1e-12);
    }

    #[test]
    fn no_ratings_say_so_instead_of_a_mean_of_zero() {
        let mut out = Vec::new();

        print(&FeedbackStats { incidents: 3, ..FeedbackStats::default() }, Format::Text, &mut out).unwrap();

        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("No /feedback ratings yet across 3 incidents"), "{text}");
        assert!(!text.contains("0.00"), "{text}");
    }
}
