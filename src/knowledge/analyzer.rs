//! How text becomes search terms: split on anything that is not a letter or digit, lower-cased,
//! very long tokens and English stop words dropped, the rest reduced to their Snowball stem, so
//! "certificates expiring" finds "certificate expired".

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Tokens this long or longer (in bytes) are hashes, keys or base64, never words worth matching.
const LONGEST_TOKEN: usize = 40;

/// Lucene's English stop words: too common to say anything about an incident.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Every analysed term of `text`, in order, repeats included (what term frequencies count).
pub(crate) fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty() && token.len() < LONGEST_TOKEN)
        .map(str::to_lowercase)
        .filter(|token| !STOP_WORDS.contains(&token.as_str()))
        .map(|token| STEMMER.stem(&token).into_owned())
        .collect()
}

/// The distinct analysed terms of `text`, in order of first use.
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    tokens(text).into_iter().filter(|term| seen.insert(term.clone())).collect()
}

/// Whether a term carries a digit: times, versions, counts and tracking ids ("14", "502s",
/// "inc4711"). They are rare, so rarity weights would make them dominate how similar two
/// incidents look, while they rarely say what kind of failure it was.
pub(crate) fn has_digit(term: &str) -> bool {
    term.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_cased_stemmed_and_stripped_of_stop_words_and_punctuation() {
        assert_eq!(
            tokens("The Certificates EXPIRED; renewal-job failed!"),
            ["certif", "expir", "renew", "job", "fail"]
        );
    }

    #[test]
    fn terms_are_distinct_and_keep_their_first_order() {
        assert_eq!(terms("deploy failed, deploy rolled back"), ["deploy", "fail", "roll", "back"]);
    }

    #[test]
    fn very_long_tokens_are_dropped_and_digits_are_recognised() {
        let key = "a".repeat(LONGEST_TOKEN);
        assert_eq!(tokens(&format!("key {key} leaked")), ["key", "leak"]);
        assert!(has_digit("502s") && has_digit("14") && !has_digit("checkout"));
    }
}
