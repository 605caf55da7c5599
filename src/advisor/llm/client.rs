//! The model connection: settings (`[llm]`), an async-openai client for OpenAI, Azure OpenAI or
//! an OpenAI-compatible server, with its retries and time bounded, and one chat completion (or
//! one batch of embeddings) at a time reduced to what the advisor needs: text, tool calls, token
//! use, vectors.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_openai::Client;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::types::chat::{ChatCompletionMessageToolCalls, CreateChatCompletionRequest};
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput};
use serde::Deserialize;
use serde_json::{Value, json};
use tower::Layer;
use tracing::info;

use crate::core::ports::AdvisorError;
use crate::telemetry;

/// OpenAI's own API, used when no base URL is set.
const OPENAI_API_BASE: &str = "https://api.openai.com/v1";

/// Which API dialect to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// OpenAI, or any OpenAI-compatible server at `base_url` (vLLM, Ollama, llama.cpp).
    #[default]
    OpenAi,
    /// Azure OpenAI: `base_url` is the resource endpoint, with a deployment and API version.
    Azure,
}

/// `[llm]`: the model. The API key comes from the environment only (`OPENAI_API_KEY`, or
/// `AZURE_OPENAI_API_KEY` for Azure); the LLM advisor is used when a key or a base URL is set.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmSettings {
    /// API dialect.
    pub provider: Provider,
    /// API base, e.g. `http://127.0.0.1:8000/v1`; OpenAI's when unset.
    pub base_url: Option<String>,
    /// Model (or Azure deployment) name.
    pub model: String,
    /// Embedding model (or Azure deployment) on the same provider; embeddings are off when unset.
    pub embedding_model: Option<String>,
    /// Azure API version.
    pub azure_api_version: String,
    /// Sampling temperature; low, for repeatable advice.
    pub temperature: f32,
    /// Longest answer, in tokens.
    pub max_tokens: u32,
    /// Seconds one request may take.
    pub timeout_secs: u64,
    /// Retries of a request that got 429, a 5xx or a dropped connection.
    pub retries: usize,
    /// Rounds of tool calls in one answer before the model must answer.
    pub step_budget: usize,
    /// Characters of one tool result given back to the model.
    pub max_result_chars: usize,
    /// Tokens of conversation a follow-up or summary shows the model: the newest timeline lines
    /// verbatim, older ones folded into a running summary kept with the incident. Estimated as a
    /// quarter of the characters, the usual ratio for English with OpenAI's tokenizers.
    pub history_tokens: usize,
    /// Whose team the bot serves, for the system prompt.
    pub organisation: Option<String>,
    /// Folder of prompt templates; the built-in copies when unset and `prompts/` is absent.
    pub prompts_dir: Option<PathBuf>,
    /// The API key (environment only, never read from the file).
    #[serde(skip)]
    pub api_key: Option<String>,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            provider: Provider::OpenAi,
            base_url: None,
            model: "gpt-4o-mini".to_owned(),
            embedding_model: None,
            azure_api_version: "2024-10-21".to_owned(),
            temperature: 0.2,
            max_tokens: 800,
            timeout_secs: 30,
            retries: 1,
            step_budget: 3,
            max_result_chars: 1_500,
            history_tokens: 2_000,
            organisation: None,
            prompts_dir: None,
            api_key: None,
        }
    }
}

impl fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmSettings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("embedding_model", &self.embedding_model)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl LlmSettings {
    /// Whether an LLM is configured at all.
    pub fn enabled(&self) -> bool {
        self.api_key.is_some() || self.base_url.is_some()
    }
}

/// Tools offered with a request.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    /// Function tool definitions.
    pub tools: &'a [Value],
    /// A tool the model must call now (`tool_choice` naming it); otherwise it chooses.
    pub required: Option<&'a str>,
}

/// A tool call the model asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedCall {
    /// The call's id, echoed in the tool result.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// Its arguments, JSON text as the model wrote it.
    pub arguments: String,
}

/// What one chat completion returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The answer's text (empty when it only called tools).
    pub text: String,
    /// Tool calls, if any.
    pub calls: Vec<RequestedCall>,
}

impl Completion {
    /// The assistant message to send back before the tool results. Content is an empty string
    /// rather than absent: some compatible servers reject an absent one.
    pub fn assistant_message(&self) -> Value {
        let calls: Vec<Value> = self
            .calls
            .iter()
            .map(|call| {
                json!({ "id": call.id, "type": "function",
                "function": { "name": call.name, "arguments": call.arguments } })
            })
            .collect();
        json!({ "role": "assistant", "content": self.text, "tool_calls": calls })
    }
}

/// An async-openai client for one of the providers and one model, with the settings' timeout
/// and retry bound. Every request is logged and recorded as metrics (see `telemetry`).
pub struct ApiClient {
    client: Client<Box<dyn Config>>,
    /// The model every request names.
    model: String,
    /// The longest one call may take, retries and `Retry-After` waits included.
    bound: Duration,
}

fn unavailable(error: impl fmt::Display) -> AdvisorError {
    AdvisorError::Unavailable(error.to_string())
}

impl ApiClient {
    /// A client for `model` — for Azure, the deployment serving it, which is part of the URL —
    /// with the settings' endpoint, key, timeout and retry bound.
    pub fn new(settings: &LlmSettings, model: &str) -> Result<Self, AdvisorError> {
        // Installed once per process; a second install is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest_openai::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .build()
            .map_err(unavailable)?;
        let service = OpenAIRetryLayer::new(settings.retries).layer(ReqwestService::new(http));
        let key = settings.api_key.clone().unwrap_or_default();
        let config: Box<dyn Config> = match settings.provider {
            // Both set explicitly: async-openai would otherwise read them from the process
            // environment, which only the settings may do.
            Provider::OpenAi => Box::new(
                OpenAIConfig::new()
                    .with_api_key(key)
                    .with_api_base(settings.base_url.clone().unwrap_or_else(|| OPENAI_API_BASE.to_owned())),
            ),
            Provider::Azure => Box::new(
                AzureConfig::new()
                    .with_api_base(settings.base_url.clone().ok_or_else(|| unavailable("Azure needs [llm] base_url"))?)
                    .with_api_version(settings.azure_api_version.clone())
                    .with_deployment_id(model)
                    .with_api_key(key),
            ),
        };
        // Every attempt has its own timeout; this bounds retries and Retry-After waits too.
        let bound = Duration::from_secs(settings.timeout_secs.saturating_mul(settings.retries as u64 + 1) + 1);
        Ok(Self { client: Client::with_config(config).with_http_service(service), model: model.to_owned(), bound })
    }

    /// `call`'s result within the bound, timed, logged and recorded as metrics under `task`
    /// with the token use `usage` reads from it (prompt, completion).
    async fn bounded<T>(
        &self,
        task: &str,
        call: impl Future<Output = Result<T, OpenAIError>>,
        usage: impl FnOnce(&T) -> (u32, u32),
    ) -> Result<T, AdvisorError> {
        let started = Instant::now();
        let result = match tokio::time::timeout(self.bound, call).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(unavailable(error)),
            Err(_) => Err(unavailable(format!("no answer within {} s", self.bound.as_secs()))),
        };
        let tokens = result.as_ref().ok().map(usage);
        telemetry::record_llm_request(task, started.elapsed(), tokens);
        let (prompt_tokens, completion_tokens) = tokens.unwrap_or_default();
        info!(
            task,
            model = %self.model,
            latency_ms = started.elapsed().as_millis() as u64,
            ok = result.is_ok(),
            prompt_tokens,
            completion_tokens,
            "LLM call"
        );
        result
    }

    /// One chat completion of `messages`, offering `tools`, answering in at most `max_tokens`
    /// with the settings' temperature; `task` names it in logs and metrics.
    pub async fn complete(
        &self,
        settings: &LlmSettings,
        task: &str,
        messages: &[Value],
        tools: Option<Offer<'_>>,
        max_tokens: u32,
    ) -> Result<Completion, AdvisorError> {
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": settings.temperature,
            // `max_tokens`, not `max_completion_tokens`: compatible servers honour the former.
            "max_tokens": max_tokens,
        });
        if let Some(offer) = tools {
            body["tools"] = json!(offer.tools);
            // Explicit even for "auto": some compatible servers treat a missing choice as "none".
            body["tool_choice"] = match offer.required {
                Some(name) => json!({ "type": "function", "function": { "name": name } }),
                None => json!("auto"),
            };
        }
        let request: CreateChatCompletionRequest = serde_json::from_value(body).map_err(unavailable)?;
        let response = self
            .bounded(task, self.client.chat().create(request), |response| {
                response.usage.as_ref().map_or((0, 0), |usage| (usage.prompt_tokens, usage.completion_tokens))
            })
            .await?;
        let choice = response.choices.into_iter().next().ok_or_else(|| unavailable("the model returned no choices"))?;
        let calls = choice
            .message
            .tool_calls
            .unwrap_or_default()
            .into_iter()
            .filter_map(|call| match call {
                ChatCompletionMessageToolCalls::Function(call) => {
                    Some(RequestedCall { id: call.id, name: call.function.name, arguments: call.function.arguments })
                }
                ChatCompletionMessageToolCalls::Custom(_) => None,
            })
            .collect();
        Ok(Completion { text: choice.message.content.unwrap_or_default(), calls })
    }

    /// The embeddings of `inputs` (none empty), in their order, in one request.
    pub async fn embed(&self, inputs: Vec<String>) -> Result<Vec<Vec<f32>>, AdvisorError> {
        let expected = inputs.len();
        let request = CreateEmbeddingRequest {
            model: self.model.clone(),
            input: EmbeddingInput::StringArray(inputs),
            ..CreateEmbeddingRequest::default()
        };
        let response = self
            .bounded("embed", self.client.embeddings().create(request), |response| (response.usage.prompt_tokens, 0))
            .await?;
        let mut data = response.data;
        if data.len() != expected {
            return Err(unavailable(format!("asked for {expected} embeddings, got {}", data.len())));
        }
        data.sort_by_key(|embedding| embedding.index);
        Ok(data.into_iter().map(|embedding| embedding.embedding).collect())
    }
}
