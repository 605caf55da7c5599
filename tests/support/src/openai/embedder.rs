//! The default embedding: a bag of words hashed into a few dimensions and scaled to unit length.
//! It is deterministic and needs no model, and texts that share words get close vectors, which is
//! all a retrieval test needs from an embedding.

use std::sync::Arc;

/// What answers `POST /v1/embeddings`: one vector per input text.
pub(crate) type Embedder = Arc<dyn Fn(&str) -> Vec<f32> + Send + Sync>;

/// The length of a [`bag_of_words_embedding`].
pub const EMBEDDING_DIMENSIONS: usize = 64;

/// The default embedding of `text`: each lower-cased alphanumeric word adds +1 or −1 to one of
/// [`EMBEDDING_DIMENSIONS`] dimensions, both picked by a hash of the word, and the sum is scaled
/// to unit length (a text without words gives the zero vector). The signs keep words that share
/// a dimension from adding up, so texts with no word in common come out near orthogonal.
pub fn bag_of_words_embedding(text: &str) -> Vec<f32> {
    let mut vector = vec![0.0_f32; EMBEDDING_DIMENSIONS];
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty()) {
        let hash = fnv1a(&word.to_lowercase());
        // Widening a u64 remainder below 64 into usize loses nothing.
        let dimension = (hash % EMBEDDING_DIMENSIONS as u64) as usize;
        vector[dimension] += if hash >> 63 == 0 { 1.0 } else { -1.0 };
    }
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}

/// FNV-1a: stable across runs and platforms, unlike std's randomly seeded hasher.
fn fnv1a(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn the_same_text_always_gets_the_same_unit_vector() {
        let first = bag_of_words_embedding("Checkout latency is high");
        let second = bag_of_words_embedding("Checkout latency is high");
        assert_eq!(first, second);
        assert_eq!(first.len(), EMBEDDING_DIMENSIONS);
        assert!((cosine(&first, &first) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn case_and_punctuation_do_not_change_the_vector() {
        assert_eq!(bag_of_words_embedding("Checkout, LATENCY!"), bag_of_words_embedding("checkout latency"));
    }

    #[test]
    fn texts_sharing_words_are_closer_than_texts_sharing_none() {
        let query = bag_of_words_embedding("checkout service error ratio high");
        let similar = bag_of_words_embedding("error ratio of the checkout service is high");
        let unrelated = bag_of_words_embedding("quarterly marketing newsletter draft");
        // All five query words recur among eight: 5 / sqrt(5 * 8) ≈ 0.79 unless words collide.
        assert!(cosine(&query, &similar) > 0.7, "{}", cosine(&query, &similar));
        assert!(cosine(&query, &unrelated) < 0.5, "{}", cosine(&query, &unrelated));
    }

    #[test]
    fn a_text_without_words_gets_the_zero_vector() {
        assert_eq!(bag_of_words_embedding(" ,.; "), vec![0.0; EMBEDDING_DIMENSIONS]);
    }
}
