//! ROUGE-L as rouge-score computes it without a stemmer: the F1 of the longest common
//! subsequence of the two token lists, with rouge-score's tokenizer (lowercase, keep runs of
//! `a-z0-9`, everything else separates tokens and is dropped).

use std::collections::HashMap;

use super::text::token_ids;

/// rouge-score's `RougeScorer(["rougeL"]).score(target=reference, prediction=hypothesis)`
/// F-measure: 0 when either side has no ASCII word or number.
pub fn rouge_l(hypothesis: &str, reference: &str) -> f64 {
    let hypothesis = hypothesis.to_lowercase();
    let reference = reference.to_lowercase();
    let hypothesis = tokens(&hypothesis);
    let reference = tokens(&reference);
    if hypothesis.is_empty() || reference.is_empty() {
        return 0.0;
    }
    let (hypothesis, reference) = token_ids(&hypothesis, &reference);
    f1(&hypothesis, &reference)
}

/// Texts tokenized once for many ROUGE-L comparisons (finding the best of many candidates):
/// every text read through the same interner, so equal tokens get equal ids.
#[derive(Debug, Default)]
pub struct RougeTokenizer {
    ids: HashMap<String, u32>,
}

impl RougeTokenizer {
    /// The token ids of `text`, as [`rouge_l`] tokenizes it.
    pub fn tokenize(&mut self, text: &str) -> Vec<u32> {
        let lowercased = text.to_lowercase();
        tokens(&lowercased)
            .into_iter()
            .map(|token| match self.ids.get(token) {
                Some(id) => *id,
                None => {
                    let id = self.ids.len() as u32;
                    self.ids.insert(token.to_owned(), id);
                    id
                }
            })
            .collect()
    }
}

/// [`rouge_l`] of two texts tokenized by the same [`RougeTokenizer`].
pub fn rouge_l_tokens(hypothesis: &[u32], reference: &[u32]) -> f64 {
    if hypothesis.is_empty() || reference.is_empty() {
        return 0.0;
    }
    f1(hypothesis, reference)
}

fn f1(hypothesis: &[u32], reference: &[u32]) -> f64 {
    let common = lcs_len(reference, hypothesis) as f64;
    let precision = common / hypothesis.len() as f64;
    let recall = common / reference.len() as f64;
    if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 }
}

/// rouge-score's tokens of lowercased text. Lowercasing comes first and is Unicode-aware, so
/// the Kelvin sign becomes `k` and `İ` an `i` plus a combining dot (which then separates).
fn tokens(lowercased: &str) -> Vec<&str> {
    lowercased.split(|c: char| !matches!(c, 'a'..='z' | '0'..='9')).filter(|token| !token.is_empty()).collect()
}

/// Length of the longest common subsequence, one row of the table at a time.
fn lcs_len(first: &[u32], second: &[u32]) -> usize {
    let mut row = vec![0usize; second.len() + 1];
    for &a in first {
        // `diagonal` holds the previous row's value one column to the left.
        let mut diagonal = 0;
        for (j, &b) in second.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if a == b { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    row[second.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_common_subsequence_may_skip_words_on_both_sides() {
        // "a b c d e" and "a x c e y": the subsequence "a c e".
        assert_eq!(lcs_len(&[1, 2, 3, 4, 5], &[1, 9, 3, 5, 8]), 3);
        assert_eq!(lcs_len(&[1, 2], &[3, 4]), 0);
        assert_eq!(lcs_len(&[], &[1]), 0);
    }

    #[test]
    fn rouge_l_is_the_f1_of_the_subsequence() {
        // Hypothesis "the pod restarted" (3 words), reference "the web pod was restarted" (5):
        // LCS "the pod restarted" = 3, so precision 1, recall 3/5, F1 = 2 * 0.6 / 1.6 = 0.75.
        assert!((rouge_l("the pod restarted", "the web pod was restarted") - 0.75).abs() < 1e-12);
    }

    #[test]
    fn tokens_are_lowercase_ascii_words_and_numbers_only() {
        assert_eq!(tokens(&"Café v2.1-RC über_cache 数据".to_lowercase()), ["caf", "v2", "1", "rc", "ber", "cache"]);
    }

    #[test]
    fn pre_tokenized_texts_score_as_the_texts_do() {
        let mut tokenizer = RougeTokenizer::default();
        let (hypothesis, reference) = ("The pod restarted", "the web POD was restarted twice");

        let scored = rouge_l_tokens(&tokenizer.tokenize(hypothesis), &tokenizer.tokenize(reference));

        assert!((scored - rouge_l(hypothesis, reference)).abs() < 1e-12);
        assert_eq!(rouge_l_tokens(&[], &tokenizer.tokenize(reference)), 0.0);
    }

    #[test]
    fn text_without_ascii_words_scores_zero() {
        assert_eq!(rouge_l("数据库", "数据库"), 0.0);
        assert_eq!(rouge_l("...", "..."), 0.0);
    }
}
