//! How likely a root-cause category is right, from what retrieval saw: how many of the closest
//! related incidents share it and how similar the closest of them is. The value is a
//! probability, fitted by logistic regression on the sample history replayed in time order
//! (`firebreak eval` shows how well it holds on any other history: its calibration table and
//! expected calibration error), and the word shown is read from it.

use super::analysis::VOTERS;
use crate::core::ports::{Confidence, ConfidenceLevel};

/// Logistic model: intercept, weight of the share of voters in the category, weight of the
/// closest member's similarity.
const INTERCEPT: f32 = -2.2;
const SHARE_WEIGHT: f32 = 2.4;
const SIMILARITY_WEIGHT: f32 = 1.6;
/// Probabilities from which the words "high" and "medium" are used; below, "low".
const HIGH_FROM: f32 = 0.4;
const MEDIUM_FROM: f32 = 0.25;

/// The confidence of a category `votes` of the voters share, whose closest member is
/// `similarity` similar.
pub(super) fn confidence(votes: usize, similarity: f32) -> Confidence {
    let share = votes.min(VOTERS) as f32 / VOTERS as f32;
    let value = 1.0 / (1.0 + (-(INTERCEPT + SHARE_WEIGHT * share + SIMILARITY_WEIGHT * similarity)).exp());
    Confidence { value, level: level(value) }
}

fn level(value: f32) -> ConfidenceLevel {
    match value {
        v if v >= HIGH_FROM => ConfidenceLevel::High,
        v if v >= MEDIUM_FROM => ConfidenceLevel::Medium,
        _ => ConfidenceLevel::Low,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_votes_and_a_closer_lead_mean_more_confidence() {
        let thin = confidence(1, 0.15);
        let consistent = confidence(6, 0.15);
        let close = confidence(6, 0.8);

        assert!(thin.value < consistent.value && consistent.value < close.value);
        assert_eq!(thin.level, ConfidenceLevel::Low);
        assert_eq!(close.level, ConfidenceLevel::High);
        assert!((0.0..=1.0).contains(&thin.value) && (0.0..=1.0).contains(&close.value));
    }
}
