//! How alike two texts read, word for word and in order: the F1 of their longest common
//! subsequence of words, the measure ROUGE-L reports, with rouge-score's words (the text
//! lowercased, then runs of `a-z0-9`; everything else separates words and is dropped). The
//! evaluation scores answers with it, and the offline advisor measures with it how closely a
//! past mitigation agrees with the way incidents of its kind were mitigated.

use std::collections::HashMap;

/// Turns texts into word ids, every text through the same table, so equal words get equal ids
/// and a text read once can be compared with many others.
#[derive(Debug, Default)]
pub struct WordIds {
    ids: HashMap<String, u32>,
}

impl WordIds {
    /// The ids of the words of `text`, in order.
    pub fn of(&mut self, text: &str) -> Vec<u32> {
        let lowercased = text.to_lowercase();
        words(&lowercased)
            .map(|word| match self.ids.get(word) {
                Some(id) => *id,
                None => {
                    let id = u32::try_from(self.ids.len()).expect("fewer than 4 billion distinct words");
                    self.ids.insert(word.to_owned(), id);
                    id
                }
            })
            .collect()
    }
}

/// F1 of the longest common subsequence of two word-id lists read through the same
/// [`WordIds`]: 1 for the same words in the same order, 0 when either is empty or they share
/// no word.
pub fn agreement(first: &[u32], second: &[u32]) -> f64 {
    if first.is_empty() || second.is_empty() {
        return 0.0;
    }
    let common = common_subsequence(first, second) as f64;
    let precision = common / first.len() as f64;
    let recall = common / second.len() as f64;
    if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 }
}

/// Words of lowercased text. Lowercasing comes first and is Unicode-aware, so the Kelvin sign
/// becomes `k` and `İ` an `i` plus a combining dot (which then separates).
fn words(lowercased: &str) -> impl Iterator<Item = &str> {
    lowercased.split(|c: char| !matches!(c, 'a'..='z' | '0'..='9')).filter(|word| !word.is_empty())
}

/// Length of the longest common subsequence, 64 table cells at a time (the bit-parallel
/// method of Allison and Dix, as Hyyrö states it): each bit of `row` is one position of the
/// shorter list, and a zero bit marks where the subsequence grew by one.
fn common_subsequence(first: &[u32], second: &[u32]) -> usize {
    let (short, long) = if first.len() <= second.len() { (first, second) } else { (second, first) };
    let blocks = short.len().div_ceil(64);
    // Each distinct word of the shorter list and the bits of the positions it holds, sorted by
    // word for binary search: cheaper than hashing for lists of a few dozen words.
    let mut distinct: Vec<u32> = short.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut positions = vec![0u64; distinct.len() * blocks];
    for (at, word) in short.iter().enumerate() {
        let slot = distinct.binary_search(word).unwrap_or_default();
        positions[slot * blocks + at / 64] |= 1 << (at % 64);
    }
    let mut row = vec![u64::MAX; blocks];
    for word in long {
        let Ok(slot) = distinct.binary_search(word) else { continue };
        let matches = &positions[slot * blocks..(slot + 1) * blocks];
        let mut carry = false;
        for (bits, &matched) in row.iter_mut().zip(matches) {
            let kept = *bits & matched;
            let (sum, overflow_a) = bits.overflowing_add(kept);
            let (sum, overflow_b) = sum.overflowing_add(u64::from(carry));
            carry = overflow_a || overflow_b;
            *bits = sum | (*bits & !matched);
        }
    }
    // Bits past the shorter list stand for no position (a carry may have cleared some).
    let zeros_in = |(block, bits): (usize, &u64)| {
        let used = (short.len() - block * 64).min(64);
        (!bits & (u64::MAX >> (64 - used))).count_ones() as usize
    };
    row.iter().enumerate().map(zeros_in).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_common_subsequence_may_skip_words_on_both_sides() {
        // "a b c d e" and "a x c e y": the subsequence "a c e".
        assert_eq!(common_subsequence(&[1, 2, 3, 4, 5], &[1, 9, 3, 5, 8]), 3);
        assert_eq!(common_subsequence(&[1, 2], &[3, 4]), 0);
        assert_eq!(common_subsequence(&[], &[1]), 0);
    }

    #[test]
    fn agreement_is_the_f1_of_the_subsequence() {
        let mut ids = WordIds::default();
        // "the pod restarted" (3 words) in "the web pod was restarted" (5): precision 1,
        // recall 3/5, F1 = 2 * 0.6 / 1.6 = 0.75, whichever side comes first.
        let (short, long) = (ids.of("The pod restarted"), ids.of("the web POD was restarted"));

        assert!((agreement(&short, &long) - 0.75).abs() < 1e-12);
        assert!((agreement(&long, &short) - 0.75).abs() < 1e-12);
        assert_eq!(agreement(&[], &long), 0.0);
    }

    /// The textbook table, one cell at a time: what the bit-parallel count must equal.
    fn by_table(first: &[u32], second: &[u32]) -> usize {
        let mut table = vec![vec![0usize; second.len() + 1]; first.len() + 1];
        for (i, a) in first.iter().enumerate() {
            for (j, b) in second.iter().enumerate() {
                table[i + 1][j + 1] = if a == b { table[i][j] + 1 } else { table[i][j + 1].max(table[i + 1][j]) };
            }
        }
        table[first.len()][second.len()]
    }

    proptest::proptest! {
        #[test]
        fn the_bit_parallel_count_equals_the_table(
            first in proptest::collection::vec(0u32..6, 0..200),
            second in proptest::collection::vec(0u32..6, 0..200),
        ) {
            proptest::prop_assert_eq!(common_subsequence(&first, &second), by_table(&first, &second));
        }
    }

    #[test]
    fn words_are_lowercase_ascii_words_and_numbers_only() {
        let lowercased = "Café v2.1-RC über_cache 数据".to_lowercase();

        assert_eq!(words(&lowercased).collect::<Vec<_>>(), ["caf", "v2", "1", "rc", "ber", "cache"]);
    }

    #[test]
    fn equal_words_get_equal_ids_across_texts() {
        let mut ids = WordIds::default();

        let (first, second) = (ids.of("drain the node"), ids.of("Node drain"));

        assert_eq!(first, [0, 1, 2]);
        assert_eq!(second, [2, 0]);
    }
}
