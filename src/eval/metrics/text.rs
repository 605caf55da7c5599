//! Text primitives the metrics share: Python's idea of whitespace, which the reference
//! tokenizers rely on, and small integer ids for tokens so that n-grams and subsequences
//! compare as numbers.

use std::collections::HashMap;

/// Whether Python's `str.isspace()` holds: Unicode White_Space plus the information separators
/// U+001C..U+001F, which Python's `str.split()` and `str.rstrip()` also treat as spaces.
pub(super) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `text.split()`: the runs between whitespace, never empty.
pub(super) fn python_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_space).filter(|token| !token.is_empty())
}

/// Ids for the tokens of two texts: equal tokens get equal ids, and ids start at 0.
pub(super) fn token_ids<'a>(first: &[&'a str], second: &[&'a str]) -> (Vec<u32>, Vec<u32>) {
    let mut ids: HashMap<&'a str, u32> = HashMap::with_capacity(first.len() + second.len());
    let mut id_of = |token: &'a str| {
        let next = ids.len() as u32;
        *ids.entry(token).or_insert(next)
    };
    let first = first.iter().map(|token| id_of(token)).collect();
    let second = second.iter().map(|token| id_of(token)).collect();
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_splits_on_information_separators_and_unicode_spaces() {
        let tokens: Vec<&str> = python_split(" a\u{1c}b\u{a0}c\u{3000}d\t\ne ").collect();

        assert_eq!(tokens, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn equal_tokens_share_an_id_across_both_texts() {
        let (first, second) = token_ids(&["the", "pod", "the"], &["pod", "node"]);

        assert_eq!(first, [0, 1, 0]);
        assert_eq!(second, [1, 2]);
    }
}
