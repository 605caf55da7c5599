//! Which incidents are tested and what each may see. Chronological by default: every dated
//! incident is advised from the incidents created strictly before it. With a training cut-off,
//! the knowledge base is the incidents up to that date and every later one is tested against it.
//! Either way the incident under test and later ones stay hidden.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::core::record::IncidentRecord;

/// How the history is split into what the advisor knows and what it is tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum Protocol {
    /// Each incident against all incidents created before it.
    Chronological,
    /// Incidents created on or before `train_until` are known; later ones are tested.
    TrainUntil {
        /// Last day (UTC, inclusive) of the knowledge base.
        train_until: NaiveDate,
    },
}

/// One incident to advise on, with how much of the history it may see.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Case<'a> {
    /// The incident under test.
    pub record: &'a IncidentRecord,
    /// Only incidents created strictly before this are visible.
    pub cutoff: DateTime<Utc>,
    /// How many of the time-ordered records are visible (they are a prefix).
    pub visible: usize,
}

/// The history in time order and the cases drawn from it.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    /// Dated records, oldest first; every case's visible records are a prefix of these.
    pub history: Vec<&'a IncidentRecord>,
    /// Incidents to test, oldest first.
    pub cases: Vec<Case<'a>>,
    /// Records without a creation time: they cannot be placed in time, so they are left out.
    pub undated: usize,
    /// Dated records not tested because nothing was visible to them (the oldest ones).
    pub without_history: usize,
}

impl Protocol {
    /// Splits `records`; with `limit`, only the most recent `limit` cases are kept (they see the
    /// most history).
    pub fn split<'a>(&self, records: &'a [IncidentRecord], limit: Option<usize>) -> Split<'a> {
        let mut history: Vec<&IncidentRecord> = records.iter().filter(|record| record.created_at.is_some()).collect();
        history.sort_by_key(|record| record.created_at);
        let created = |record: &IncidentRecord| record.created_at.expect("only dated records are kept");
        let visible_before = |cutoff: DateTime<Utc>| history.partition_point(|record| created(record) < cutoff);

        let candidates: Vec<Case> = match *self {
            Self::Chronological => history
                .iter()
                .map(|record| {
                    let cutoff = created(record);
                    Case { record, cutoff, visible: visible_before(cutoff) }
                })
                .collect(),
            Self::TrainUntil { train_until } => {
                let cutoff = day_after(train_until);
                let visible = visible_before(cutoff);
                history[visible..].iter().map(|record| Case { record, cutoff, visible }).collect()
            }
        };
        let tested = if matches!(self, Self::Chronological) { history.len() } else { candidates.len() };
        let mut cases: Vec<Case> = candidates.into_iter().filter(|case| case.visible > 0).collect();
        let without_history = tested - cases.len();
        if let Some(limit) = limit {
            cases.drain(..cases.len().saturating_sub(limit));
        }
        Split { undated: records.len() - history.len(), history, cases, without_history }
    }
}

/// Midnight UTC at the start of the day after `day`: the first instant after it.
fn day_after(day: NaiveDate) -> DateTime<Utc> {
    let next = day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX);
    next.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;

    fn dated(id: &str, day: &str) -> IncidentRecord {
        let mut record = KnowledgeBase::sample_records().remove(0);
        record.id = id.into();
        record.created_at = Some(format!("{day}T12:00:00Z").parse().unwrap());
        record
    }

    fn ids<'a>(split: &Split<'a>) -> Vec<(&'a str, usize)> {
        split.cases.iter().map(|case| (case.record.id.as_str(), case.visible)).collect()
    }

    #[test]
    fn chronological_cases_see_only_strictly_earlier_incidents() {
        let mut undated = dated("U", "2024-01-01");
        undated.created_at = None;
        let records = [
            dated("C", "2024-03-01"),
            dated("A", "2024-01-01"),
            dated("B1", "2024-02-01"),
            dated("B2", "2024-02-01"),
            undated,
        ];
        let split = Protocol::Chronological.split(&records, None);
        // A sees nothing; B1 and B2 share a timestamp, so neither sees the other.
        assert_eq!(ids(&split), [("B1", 1), ("B2", 1), ("C", 3)]);
        assert_eq!((split.undated, split.without_history), (1, 1));
    }

    #[test]
    fn a_training_cut_off_tests_everything_after_it_against_everything_up_to_it() {
        let records =
            [dated("A", "2024-01-01"), dated("B", "2024-02-01"), dated("C", "2024-02-02"), dated("D", "2024-03-01")];
        let train_until = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
        let split = Protocol::TrainUntil { train_until }.split(&records, None);
        assert_eq!(ids(&split), [("C", 2), ("D", 2)]);
        assert_eq!(split.cases[0].cutoff.to_rfc3339(), "2024-02-02T00:00:00+00:00");
    }

    #[test]
    fn a_limit_keeps_the_most_recent_cases() {
        let records = [dated("A", "2024-01-01"), dated("B", "2024-02-01"), dated("C", "2024-03-01")];
        let split = Protocol::Chronological.split(&records, Some(1));
        assert_eq!(ids(&split), [("C", 2)]);
    }

    #[test]
    fn a_cut_off_before_all_history_leaves_nothing_to_test() {
        let records = [dated("A", "2024-01-01")];
        let train_until = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
        let split = Protocol::TrainUntil { train_until }.split(&records, None);
        assert!(split.cases.is_empty());
        assert_eq!(split.without_history, 1);
    }
}
