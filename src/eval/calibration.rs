//! What the advisor's confidence is worth: how coverage trades against accuracy when it answers
//! only above a confidence, and whether its confidence is calibrated (of the answers it gave
//! 0.3, about 3 in 10 named the right category). Read from the advisor's outcomes; absent when
//! the advisor never says how sure it is.

use serde::Serialize;

use super::harness::{Outcome, SystemOutcome};
use crate::core::ports::ConfidenceLevel;

/// Confidence thresholds of the coverage table.
const THRESHOLDS: [f64; 8] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];
/// Width of a calibration bucket.
const BUCKET: f64 = 0.1;

/// The advisor answering only at or above a confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// What the answers are restricted to: `≥ 0.30`, or a level such as `medium or high`.
    pub answers: String,
    /// How many incidents it would answer.
    pub answered: usize,
    /// Their share of all evaluated incidents.
    pub coverage: f64,
    /// Among them: top category right.
    pub category_at_1: f64,
    /// Among them: mean root-cause ROUGE-L of the top answer.
    pub root_cause_rouge_l: f64,
    /// Among them (those with a recorded mitigation): mean mitigation ROUGE-L.
    pub mitigation_rouge_l: f64,
}

/// Answers whose confidence falls in one range (or has one level).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBucket {
    /// The range, e.g. `0.2–0.3`, or the level.
    pub key: String,
    /// Answers in it.
    pub answers: usize,
    /// Their mean confidence.
    pub mean_confidence: f64,
    /// Share whose top category was right.
    pub share_correct: f64,
}

/// Coverage against accuracy, and calibration, of the advisor's confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfidenceReport {
    /// By threshold, then by level.
    pub coverage: Vec<CoverageRow>,
    /// By confidence range, lowest first (empty ranges left out).
    pub buckets: Vec<CalibrationBucket>,
    /// By level, lowest first.
    pub levels: Vec<CalibrationBucket>,
    /// Answer-weighted mean of |share correct − mean confidence| over the ranges.
    pub expected_calibration_error: f64,
}

impl ConfidenceReport {
    /// From the advisor's outcome on every incident (`None` when it never gave a confidence).
    pub fn new(outcomes: &[Outcome]) -> Option<Self> {
        let advisor: Vec<&SystemOutcome> = outcomes.iter().filter_map(|outcome| outcome.systems.first()).collect();
        let rated: Vec<(&SystemOutcome, f64, ConfidenceLevel)> =
            advisor.iter().filter_map(|run| Some((*run, run.confidence?, run.level?))).collect();
        if rated.is_empty() {
            return None;
        }
        let mut coverage: Vec<CoverageRow> = THRESHOLDS
            .iter()
            .map(|&threshold| {
                let kept: Vec<&SystemOutcome> =
                    rated.iter().filter(|(_, value, _)| *value >= threshold).map(|(run, _, _)| *run).collect();
                coverage_row(format!("≥ {threshold:.2}"), &kept, advisor.len())
            })
            .collect();
        for (level, label) in [(ConfidenceLevel::Medium, "medium or high"), (ConfidenceLevel::High, "high")] {
            let kept: Vec<&SystemOutcome> =
                rated.iter().filter(|(_, _, shown)| *shown >= level).map(|(run, _, _)| *run).collect();
            coverage.push(coverage_row(label.to_owned(), &kept, advisor.len()));
        }
        let buckets: Vec<CalibrationBucket> = (0..(1.0 / BUCKET).round() as usize)
            .filter_map(|index| {
                let low = index as f64 * BUCKET;
                let members: Vec<(&SystemOutcome, f64)> = rated
                    .iter()
                    .filter(|(_, value, _)| bucket_of(*value) == index)
                    .map(|(run, value, _)| (*run, *value))
                    .collect();
                (!members.is_empty()).then(|| bucket(format!("{low:.1}–{:.1}", low + BUCKET), &members))
            })
            .collect();
        let levels = [ConfidenceLevel::Low, ConfidenceLevel::Medium, ConfidenceLevel::High]
            .into_iter()
            .filter_map(|level| {
                let members: Vec<(&SystemOutcome, f64)> = rated
                    .iter()
                    .filter(|(_, _, shown)| *shown == level)
                    .map(|(run, value, _)| (*run, *value))
                    .collect();
                (!members.is_empty()).then(|| bucket(level.as_str().to_owned(), &members))
            })
            .collect();
        let expected_calibration_error = buckets
            .iter()
            .map(|b| b.answers as f64 / rated.len() as f64 * (b.share_correct - b.mean_confidence).abs())
            .sum();
        Some(Self { coverage, buckets, levels, expected_calibration_error })
    }
}

fn bucket_of(value: f64) -> usize {
    ((value / BUCKET).floor() as usize).min((1.0 / BUCKET).round() as usize - 1)
}

fn coverage_row(answers: String, kept: &[&SystemOutcome], evaluated: usize) -> CoverageRow {
    let mitigations: Vec<f64> =
        kept.iter().filter_map(|run| run.mitigation.as_ref().map(|scores| scores.top1.rouge_l)).collect();
    CoverageRow {
        answers,
        answered: kept.len(),
        coverage: if evaluated == 0 { 0.0 } else { kept.len() as f64 / evaluated as f64 },
        category_at_1: mean(kept.iter().map(|run| run.category_at_1)),
        root_cause_rouge_l: mean(kept.iter().map(|run| run.root_cause.top1.rouge_l)),
        mitigation_rouge_l: mean(mitigations.into_iter()),
    }
}

fn bucket(key: String, members: &[(&SystemOutcome, f64)]) -> CalibrationBucket {
    CalibrationBucket {
        key,
        answers: members.len(),
        mean_confidence: mean(members.iter().map(|(_, value)| *value)),
        share_correct: mean(members.iter().map(|(run, _)| run.category_at_1)),
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), value| (sum + value, count + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RecordSource;
    use crate::eval::harness::{Scores, TargetScores};

    fn outcome(confidence: f64, level: ConfidenceLevel, right: bool) -> Outcome {
        let scores = TargetScores { top1: Scores { rouge_l: 0.5, ..Scores::default() }, ..TargetScores::default() };
        Outcome {
            id: "X".into(),
            source: RecordSource::Machine,
            category: "dns".into(),
            dataset: None,
            created_at: "2024-05-01T00:00:00Z".parse().unwrap(),
            staleness_days: 1.0,
            systems: vec![SystemOutcome {
                system: "offline".into(),
                abstained: false,
                root_cause: scores,
                mitigation: None,
                category_at_1: f64::from(u8::from(right)),
                category_at_k: 1.0,
                confidence: Some(confidence),
                level: Some(level),
            }],
        }
    }

    #[test]
    fn a_perfectly_calibrated_advisor_has_no_calibration_error_and_coverage_shrinks_with_the_threshold() {
        // Of the answers given 0.25, one in four is right; of those given 0.75, three in four.
        let mut outcomes: Vec<Outcome> = (0..4).map(|i| outcome(0.25, ConfidenceLevel::Low, i == 0)).collect();
        outcomes.extend((0..4).map(|i| outcome(0.75, ConfidenceLevel::High, i != 0)));

        let report = ConfidenceReport::new(&outcomes).unwrap();

        assert!(report.expected_calibration_error.abs() < 1e-12, "{report:?}");
        let at = |answers: &str| report.coverage.iter().find(|row| row.answers == answers).unwrap();
        assert_eq!((at("≥ 0.00").answered, at("≥ 0.30").answered, at("high").answered), (8, 4, 4));
        assert!((at("≥ 0.30").category_at_1 - 0.75).abs() < 1e-12);
        let levels: Vec<(&str, usize)> = report.levels.iter().map(|b| (b.key.as_str(), b.answers)).collect();
        assert_eq!(levels, [("low", 4), ("high", 4)]);
    }

    #[test]
    fn an_overconfident_advisor_shows_its_gap() {
        let outcomes: Vec<Outcome> = (0..10).map(|i| outcome(0.9, ConfidenceLevel::High, i < 3)).collect();

        let report = ConfidenceReport::new(&outcomes).unwrap();

        assert_eq!(report.buckets.len(), 1);
        assert_eq!(report.buckets[0].key, "0.9–1.0");
        assert!((report.expected_calibration_error - 0.6).abs() < 1e-9);
    }

    #[test]
    fn an_advisor_that_never_says_how_sure_it_is_has_no_confidence_report() {
        let mut silent = outcome(0.5, ConfidenceLevel::Medium, true);
        silent.systems[0].confidence = None;
        silent.systems[0].level = None;

        assert!(ConfidenceReport::new(&[silent]).is_none());
    }
}
