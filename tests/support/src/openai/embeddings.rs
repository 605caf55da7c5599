//! `POST /v1/embeddings`: checks the request as OpenAI would (a model, text input as one string or
//! an array of strings, none empty), embeds each input in order and answers with OpenAI's list of
//! embedding objects. Token-array inputs and base64 output are refused: the bot sends text and
//! reads floats.

use serde_json::{Value, json};

use super::answer::Answer;
use super::chat::words;
use super::embedder::Embedder;
use super::error::ApiError;

/// An embeddings request that passed the checks.
#[derive(Debug)]
pub(crate) struct EmbeddingRequest {
    model: String,
    inputs: Vec<String>,
    dimensions: Option<u64>,
}

impl EmbeddingRequest {
    /// Checks `body` and keeps what an answer needs.
    pub(crate) fn parse(body: &Value) -> Result<Self, ApiError> {
        let model = body["model"].as_str().filter(|model| !model.is_empty()).ok_or_else(ApiError::missing_model)?;
        let inputs = match &body["input"] {
            Value::String(text) => vec![text.clone()],
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            Value::Array(items) if !items.is_empty() => {
                return Err(ApiError::invalid(
                    "this test server embeds text only: send a string or an array of strings, not tokens",
                    "input",
                ));
            }
            _ => return Err(ApiError::invalid("'$.input' is invalid. Please check the API reference.", "input")),
        };
        if inputs.iter().any(String::is_empty) {
            return Err(ApiError::invalid("'$.input' is invalid. Please check the API reference.", "input"));
        }
        match body["encoding_format"].as_str() {
            None | Some("float") => {}
            Some(_) => {
                return Err(ApiError::invalid(
                    "this test server answers embeddings as floats only: leave `encoding_format` out or send \"float\"",
                    "encoding_format",
                ));
            }
        }
        Ok(Self { model: model.to_owned(), inputs, dimensions: body["dimensions"].as_u64() })
    }

    /// Embeds each input with `embed` and answers as OpenAI does, or refuses a `dimensions` the
    /// embedder does not produce.
    pub(crate) fn answer(&self, embed: &Embedder) -> Result<Answer, ApiError> {
        let vectors: Vec<Vec<f32>> = self.inputs.iter().map(|text| embed(text)).collect();
        if let Some(wanted) = self.dimensions
            && let Some(vector) = vectors.iter().find(|vector| vector.len() as u64 != wanted)
        {
            return Err(ApiError::invalid(
                format!(
                    "this test server's embedder makes {} dimensions, the request asked for {wanted}",
                    vector.len()
                ),
                "dimensions",
            ));
        }
        let data: Vec<Value> = vectors
            .iter()
            .enumerate()
            .map(|(index, vector)| json!({ "object": "embedding", "index": index, "embedding": vector }))
            .collect();
        let tokens = words(&json!(self.inputs));
        Ok(Answer::json(&json!({
            "object": "list",
            "data": data,
            "model": self.model,
            "usage": { "prompt_tokens": tokens, "total_tokens": tokens },
        })))
    }
}
