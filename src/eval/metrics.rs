//! Text-similarity metrics for generated answers against reference answers: BLEU-4, ROUGE-L F1
//! and METEOR, each reproducing the Python implementation papers cite, so our figures can be
//! compared with published ones. `tests/it/metrics.rs` checks every score against a fixture
//! made by those implementations (`scripts/metrics_reference.py`, versions pinned in
//! `scripts/metrics-reference-requirements.txt`).
//!
//! - [`bleu4`] is sacrebleu's `sentence_bleu(hypothesis, [reference]).score / 100` with its
//!   defaults: the `13a` tokenizer (mteval-v13a), exponential smoothing, effective order.
//! - [`rouge_l`] is rouge-score's `RougeScorer(["rougeL"], use_stemmer=False)` F-measure. Its
//!   tokenizer keeps only runs of ASCII letters and digits after lowercasing, so words in other
//!   scripts (and accented letters) do not count at all.
//! - [`meteor`] is NLTK's `meteor_score` (exact, then stem matching; alpha 0.9, beta 3,
//!   gamma 0.5), with three choices NLTK leaves to its caller:
//!   - tokens: the text lowercased, then split with Python's `\w+|[^\w\s]` (a word is a run of
//!     letters, digits and `_`; any other non-space character is a token of its own);
//!   - stemmer: Snowball English (`rust-stemmers`; NLTK's `SnowballStemmer("english")` on the
//!     Python side). The two agree on all 29,417 words of Snowball's English test vocabulary;
//!     on a 109,292-word dictionary they differ on 19 rare words, where NLTK keeps a step-2
//!     `-ize`/`-ate` that Snowball then removes (`realization`: `realiz` here, `realize` there);
//!   - no WordNet synonym stage: no dictionary ships with the crate, and its matches depend on
//!     the WordNet version. Compared against NLTK given a WordNet that knows no synonyms.
//!
//! Python's character classes (`\w`, `\s`, `str.split`) are reproduced, including the ASCII
//! separators U+001C..U+001F that Python counts as whitespace and Rust does not. Unicode tables
//! may differ for characters assigned after the Unicode version of the Python that made the fixture
//! (14.0 for Python 3.11).

mod bleu;
mod meteor;
mod rouge;
mod text;

use serde::{Deserialize, Serialize};

pub use bleu::bleu4;
pub use meteor::meteor;
pub use rouge::rouge_l;

/// Similarity of one hypothesis to one reference, each in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TextScores {
    /// Sentence BLEU with up to 4-grams ([`bleu4`]).
    pub bleu4: f64,
    /// F1 of the longest common subsequence of words ([`rouge_l`]).
    pub rouge_l: f64,
    /// Unigram F-mean with a word-order penalty ([`meteor`]).
    pub meteor: f64,
}

/// All three metrics of `hypothesis` against `reference`.
pub fn score(hypothesis: &str, reference: &str) -> TextScores {
    TextScores {
        bleu4: bleu4(hypothesis, reference),
        rouge_l: rouge_l(hypothesis, reference),
        meteor: meteor(hypothesis, reference),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_identical_to_the_reference_scores_full_marks_where_the_metric_allows() {
        let text = "Rolled back checkout-svc to 7.41.3; the 502s cleared within two minutes.";

        let scores = score(text, text);

        assert!((scores.bleu4 - 1.0).abs() < 1e-12, "{scores:?}");
        assert!((scores.rouge_l - 1.0).abs() < 1e-12, "{scores:?}");
        // METEOR never reaches 1: one chunk still costs gamma * (1 / matches)^beta.
        assert!(scores.meteor > 0.99 && scores.meteor < 1.0, "{scores:?}");
    }

    #[test]
    fn an_answer_sharing_no_word_with_the_reference_scores_zero() {
        assert_eq!(score("alpha beta gamma", "delta epsilon zeta"), TextScores::default());
    }

    #[test]
    fn an_empty_side_scores_zero_rather_than_failing() {
        assert_eq!(score("", "the cache was cold"), TextScores::default());
        assert_eq!(score("the cache was cold", ""), TextScores::default());
        assert_eq!(score("", ""), TextScores::default());
    }
}
