//! How likely a root-cause category is right, from what retrieval saw: the share of the closest
//! related incidents that have it, and their share of all the similarity (so one near-exact
//! analogue counts for more than several loose matches). The value is a probability from a
//! logistic model fitted on the sample history replayed in time order; `firebreak eval` shows
//! how well it holds on any other history (its calibration table and expected calibration
//! error). The word shown is read from it.

use super::analysis::VOTERS;
use crate::core::ports::{Confidence, ConfidenceLevel};

/// Logistic model: intercept, weight of the share of voters in the category, weight of the
/// category's share of the voters' summed similarity.
const INTERCEPT: f32 = -2.77;
const VOTE_WEIGHT: f32 = 4.25;
const SIMILARITY_WEIGHT: f32 = 2.32;
/// Probabilities from which the words "high" and "medium" are used; below, "low".
const HIGH_FROM: f32 = 0.5;
const MEDIUM_FROM: f32 = 0.25;

/// The confidence of a category that `votes` of the voters share, whose members' similarities
/// add up to `similarity` out of the voters' `total_similarity`.
pub(super) fn confidence(votes: usize, similarity: f32, total_similarity: f32) -> Confidence {
    let votes = votes.min(VOTERS) as f32 / VOTERS as f32;
    let similarity = if total_similarity > 0.0 { (similarity / total_similarity).clamp(0.0, 1.0) } else { 0.0 };
    let value = 1.0 / (1.0 + (-(INTERCEPT + VOTE_WEIGHT * votes + SIMILARITY_WEIGHT * similarity)).exp());
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
    fn more_votes_and_more_of_the_similarity_mean_more_confidence() {
        let thin = confidence(1, 0.15, 1.5);
        let consistent = confidence(6, 1.0, 1.5);
        let unanimous = confidence(10, 2.0, 2.0);

        assert!(thin.value < consistent.value && consistent.value < unanimous.value);
        assert_eq!(thin.level, ConfidenceLevel::Low);
        assert_eq!(unanimous.level, ConfidenceLevel::High);
        assert!((0.0..=1.0).contains(&thin.value) && (0.0..=1.0).contains(&unanimous.value));
    }

    #[test]
    fn one_near_exact_analogue_counts_for_more_than_one_loose_match() {
        let analogue = confidence(1, 0.5, 0.9);
        let loose = confidence(1, 0.2, 0.9);

        assert!(analogue.value > loose.value);
        assert_eq!(analogue.level, ConfidenceLevel::Medium);
    }
}
