//! Embeddings through the same provider as the chat model, when `[llm] embedding_model` is set:
//! texts become vectors whose cosine tells how close their meanings are. Texts are redacted
//! before they leave, sent in batches, and each request has the chat requests' timeout, retries,
//! logging and metrics.

use super::client::{ApiClient, LlmSettings};
use crate::core::ports::AdvisorError;
use crate::core::redact::redact_for_model;
use crate::knowledge::dense::{EmbeddingError, TextEmbedder};

/// Texts sent in one request: well under OpenAI's 2,048 inputs a request, and small enough that
/// a local server answers each batch well within the timeout.
const BATCH: usize = 64;

/// An embedding model on the configured provider.
pub struct Embedder {
    client: ApiClient,
    model: String,
}

impl Embedder {
    /// The embedder the settings describe; `None` when no embedding model is configured.
    pub fn from_settings(settings: &LlmSettings) -> Result<Option<Embedder>, AdvisorError> {
        settings
            .embedding_model
            .as_deref()
            .map(|model| Ok(Embedder { client: ApiClient::new(settings, model)?, model: model.to_owned() }))
            .transpose()
    }

    /// One vector per text, in order. A text empty after redaction gets the zero vector, which
    /// is similar to nothing (providers refuse empty input).
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, AdvisorError> {
        let redacted: Vec<String> = texts.iter().map(|text| redact_for_model(text)).collect();
        let nonempty: Vec<&String> = redacted.iter().filter(|text| !text.trim().is_empty()).collect();
        let mut vectors = Vec::with_capacity(nonempty.len());
        for batch in nonempty.chunks(BATCH) {
            vectors.extend(self.client.embed(batch.iter().map(|text| (*text).clone()).collect()).await?);
        }
        let dimensions = vectors.first().map_or(0, Vec::len);
        let mut embedded = vectors.into_iter();
        Ok(redacted
            .iter()
            .map(
                |text| {
                    if text.trim().is_empty() { vec![0.0; dimensions] } else { embedded.next().unwrap_or_default() }
                },
            )
            .collect())
    }

    /// The cosine of the angle between `a` and `b`: 1 for the same direction, 0 for unrelated
    /// (or when either is the zero vector or their lengths differ).
    pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
        if a.len() != b.len() {
            return 0.0;
        }
        let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let norms = a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|y| y * y).sum::<f32>().sqrt();
        if norms == 0.0 { 0.0 } else { dot / norms }
    }
}

/// The knowledge base's dense retrieval asks the same provider.
#[async_trait::async_trait]
impl TextEmbedder for Embedder {
    fn model(&self) -> &str {
        &self.model
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        Embedder::embed(self, texts).await.map_err(|failure| EmbeddingError::Unavailable(failure.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_is_one_for_the_same_direction_zero_for_orthogonal_and_for_the_zero_vector() {
        assert!((Embedder::cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(Embedder::cosine(&[1.0, 0.0], &[0.0, 3.0]), 0.0);
        assert!((Embedder::cosine(&[1.0, 0.0], &[-1.0, 0.0]) + 1.0).abs() < 1e-6);
        assert_eq!(Embedder::cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
        assert_eq!(Embedder::cosine(&[1.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn no_embedding_model_means_no_embedder() {
        assert!(Embedder::from_settings(&LlmSettings::default()).unwrap().is_none());
    }
}
