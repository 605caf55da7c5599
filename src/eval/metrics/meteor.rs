//! METEOR as NLTK scores one hypothesis against one reference: words are aligned first by
//! exact match, then by Snowball stem; precision and recall of the aligned words give a
//! recall-weighted F-mean, reduced by a penalty for how many contiguous chunks the alignment
//! falls into.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use rust_stemmers::{Algorithm, Stemmer};

/// Share of precision in the F-mean's harmonic denominator: 0.9 makes it lean on recall.
const ALPHA: f64 = 0.9;
/// Shape of the fragmentation penalty.
const BETA: f64 = 3.0;
/// Largest share of the score the fragmentation penalty can take.
const GAMMA: f64 = 0.5;

/// Python's `\w+|[^\w\s]`: Python's `\w` is exactly letters, numbers and `_` (Rust's also takes
/// marks and joiners), and its `\s` also takes U+001C..U+001F.
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s\x{1C}-\x{1F}]").expect("valid pattern"));
static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// NLTK's `meteor_score([reference_tokens], hypothesis_tokens)` with the Snowball English
/// stemmer and no synonyms, on tokens of the lowercased texts. 0 when either side has no
/// token or nothing aligns; below 1 even for identical texts, since one chunk is still a chunk.
pub fn meteor(hypothesis: &str, reference: &str) -> f64 {
    let hypothesis = hypothesis.to_lowercase();
    let reference = reference.to_lowercase();
    let hypothesis = tokens(&hypothesis);
    let reference = tokens(&reference);

    let matches = align(&hypothesis, &reference);
    if matches.is_empty() {
        return 0.0;
    }
    let matched = matches.len() as f64;
    let precision = matched / hypothesis.len() as f64;
    let recall = matched / reference.len() as f64;
    let f_mean = precision * recall / (ALPHA * precision + (1.0 - ALPHA) * recall);
    let fragmentation = chunks(&matches) as f64 / matched;
    (1.0 - GAMMA * fragmentation.powf(BETA)) * f_mean
}

fn tokens(lowercased: &str) -> Vec<&str> {
    TOKEN.find_iter(lowercased).map(|token| token.as_str()).collect()
}

/// Words with their positions in the token list they came from.
type Placed<'a> = Vec<(usize, &'a str)>;

/// Aligned (hypothesis position, reference position) pairs, by hypothesis position: exact
/// matches first, then stem matches among the words left over.
fn align(hypothesis: &[&str], reference: &[&str]) -> Vec<(usize, usize)> {
    let mut matches = Vec::new();
    let hypothesis: Placed = hypothesis.iter().copied().enumerate().collect();
    let reference: Placed = reference.iter().copied().enumerate().collect();
    let (hypothesis, reference) = match_equal(&hypothesis, &reference, &mut matches);

    let (hypothesis, reference) = (stems(&hypothesis), stems(&reference));
    match_equal(&borrowed(&hypothesis), &borrowed(&reference), &mut matches);

    matches.sort_unstable_by_key(|&(at, _)| at);
    matches
}

/// Snowball stems, skipping the stemmer for words of one or two characters, which it (like
/// NLTK's) returns unchanged.
fn stems<'a>(words: &[(usize, &'a str)]) -> Vec<(usize, Cow<'a, str>)> {
    let stem = |word: &'a str| if word.chars().nth(2).is_none() { Cow::Borrowed(word) } else { STEMMER.stem(word) };
    words.iter().map(|&(at, word)| (at, stem(word))).collect()
}

fn borrowed<'a>(words: &'a [(usize, Cow<'_, str>)]) -> Placed<'a> {
    words.iter().map(|(at, word)| (*at, word.as_ref())).collect()
}

/// Pairs equal words, taking hypothesis words from last to first and giving each the last
/// reference occurrence still free (the order NLTK matches in: it decides which of repeated
/// words pair up, and so the chunks). Returns the words left unpaired on each side, in order.
fn match_equal<'a>(
    hypothesis: &[(usize, &'a str)],
    reference: &[(usize, &'a str)],
    matches: &mut Vec<(usize, usize)>,
) -> (Placed<'a>, Placed<'a>) {
    let mut free: HashMap<&str, Vec<usize>> = HashMap::with_capacity(reference.len());
    for (slot, (_, word)) in reference.iter().enumerate() {
        free.entry(word).or_default().push(slot);
    }
    let mut reference_taken = vec![false; reference.len()];
    let mut hypothesis_left = Vec::with_capacity(hypothesis.len());
    for &(at, word) in hypothesis.iter().rev() {
        match free.get_mut(word).and_then(Vec::pop) {
            Some(slot) => {
                reference_taken[slot] = true;
                matches.push((at, reference[slot].0));
            }
            None => hypothesis_left.push((at, word)),
        }
    }
    hypothesis_left.reverse();
    let reference_left = reference.iter().zip(&reference_taken).filter(|(_, taken)| !**taken).map(|(word, _)| *word);
    (hypothesis_left, reference_left.collect())
}

/// The fewest runs of matches that are adjacent in both texts, over matches sorted by
/// hypothesis position.
fn chunks(matches: &[(usize, usize)]) -> usize {
    1 + matches.windows(2).filter(|pair| pair[1] != (pair[0].0 + 1, pair[0].1 + 1)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_python_words_and_single_other_characters() {
        assert_eq!(
            tokens("it's v2.1-rc 👩\u{200d}💻 max_conns"),
            ["it", "'", "s", "v2", ".", "1", "-", "rc", "👩", "\u{200d}", "💻", "max_conns"]
        );
    }

    #[test]
    fn repeated_words_pair_from_the_end_of_both_texts() {
        // Hypothesis "a b a": the last "a" takes the reference's last "a" (position 2).
        let matches = align(&["a", "b", "a"], &["a", "c", "a"]);

        assert_eq!(matches, [(0, 0), (2, 2)]);
    }

    #[test]
    fn words_with_one_stem_align_after_exact_matches() {
        let matches = align(&["services", "restarted"], &["restart", "service"]);

        assert_eq!(matches, [(0, 1), (1, 0)]);
    }

    #[test]
    fn chunks_break_where_either_side_jumps() {
        assert_eq!(chunks(&[(0, 0), (1, 1), (2, 2)]), 1);
        assert_eq!(chunks(&[(0, 0), (1, 2), (2, 3), (4, 4)]), 3);
    }

    #[test]
    fn a_swapped_pair_of_words_is_scored_by_hand() {
        // Two of two words match in two chunks: P = R = F = 1, penalty 0.5 * (2/2)^3.
        assert!((meteor("pod restart", "restart pod") - 0.5).abs() < 1e-12);
        // Three of three in one chunk: penalty 0.5 * (1/3)^3.
        let expected = 1.0 - 0.5 * (1.0f64 / 3.0).powi(3);
        assert!((meteor("Restart the pod", "restart the pod") - expected).abs() < 1e-12);
    }

    #[test]
    fn nothing_aligned_or_an_empty_side_scores_zero() {
        assert_eq!(meteor("alpha beta", "gamma delta"), 0.0);
        assert_eq!(meteor("", "gamma"), 0.0);
        assert_eq!(meteor("gamma", "  "), 0.0);
    }
}
