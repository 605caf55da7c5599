//! ROUGE-L as rouge-score computes it without a stemmer: the F1 of the longest common
//! subsequence of the two token lists ([`crate::core::overlap`]), with rouge-score's tokenizer
//! (lowercase, keep runs of `a-z0-9`, everything else separates tokens and is dropped).

use crate::core::overlap::{WordIds, agreement};

/// rouge-score's `RougeScorer(["rougeL"]).score(target=reference, prediction=hypothesis)`
/// F-measure: 0 when either side has no ASCII word or number.
pub fn rouge_l(hypothesis: &str, reference: &str) -> f64 {
    let mut ids = WordIds::default();
    agreement(&ids.of(hypothesis), &ids.of(reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rouge_l_is_the_f1_of_the_subsequence() {
        // Hypothesis "the pod restarted" (3 words), reference "the web pod was restarted" (5):
        // LCS "the pod restarted" = 3, so precision 1, recall 3/5, F1 = 2 * 0.6 / 1.6 = 0.75.
        assert!((rouge_l("the pod restarted", "the web pod was restarted") - 0.75).abs() < 1e-12);
    }

    #[test]
    fn text_without_ascii_words_scores_zero() {
        assert_eq!(rouge_l("数据库", "数据库"), 0.0);
        assert_eq!(rouge_l("...", "..."), 0.0);
    }
}
