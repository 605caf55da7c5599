//! The model connection: settings (`[llm]`), an async-openai client for OpenAI, Azure OpenAI or
//! an OpenAI-compatible server, with its retries and time bounded, and one chat completion at a
//! time reduced to what the advisor needs: text, tool calls, token use.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use async_openai::Client;
use async_openai::config::{AzureConfig, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::types::chat::{ChatCompletionMessageToolCalls, CreateChatCompletionRequest};
use serde::Deserialize;
use serde_json::{Value, json};
use tower::Layer;

use crate::advisor::AdvisorError;

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
            azure_api_version: "2024-10-21".to_owned(),
            temperature: 0.2,
            max_tokens: 800,
            timeout_secs: 30,
            retries: 1,
            step_budget: 3,
            max_result_chars: 1_500,
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
    /// Tokens of the prompt.
    pub prompt_tokens: u32,
    /// Tokens of the answer.
    pub completion_tokens: u32,
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

/// An async-openai client for one of the providers.
pub enum ChatClient {
    /// OpenAI or a compatible server.
    OpenAi(Client<OpenAIConfig>),
    /// Azure OpenAI.
    Azure(Client<AzureConfig>),
}

fn unavailable(error: impl fmt::Display) -> AdvisorError {
    AdvisorError::Unavailable(error.to_string())
}

impl ChatClient {
    /// A client for the settings, with their timeout and retry bound.
    pub fn new(settings: &LlmSettings) -> Result<Self, AdvisorError> {
        // Installed once per process; a second install is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest_openai::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .build()
            .map_err(unavailable)?;
        let service = OpenAIRetryLayer::new(settings.retries).layer(ReqwestService::new(http));
        let key = settings.api_key.clone().unwrap_or_default();
        Ok(match settings.provider {
            Provider::OpenAi => {
                // Both set explicitly: async-openai would otherwise read them from the process
                // environment, which only the settings may do.
                let base = settings.base_url.clone().unwrap_or_else(|| OPENAI_API_BASE.to_owned());
                let config = OpenAIConfig::new().with_api_key(key).with_api_base(base);
                ChatClient::OpenAi(Client::with_config(config).with_http_service(service))
            }
            Provider::Azure => {
                let base = settings.base_url.clone().ok_or_else(|| unavailable("Azure needs [llm] base_url"))?;
                let config = AzureConfig::new()
                    .with_api_base(base)
                    .with_api_version(settings.azure_api_version.clone())
                    .with_deployment_id(settings.model.clone())
                    .with_api_key(key);
                ChatClient::Azure(Client::with_config(config).with_http_service(service))
            }
        })
    }

    /// One chat completion of `messages`, offering `tools`.
    pub async fn complete(
        &self,
        settings: &LlmSettings,
        messages: &[Value],
        tools: Option<Offer<'_>>,
    ) -> Result<Completion, AdvisorError> {
        let mut body = json!({
            "model": settings.model,
            "messages": messages,
            "temperature": settings.temperature,
            // `max_tokens`, not `max_completion_tokens`: compatible servers honour the former.
            "max_tokens": settings.max_tokens,
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
        // Every attempt has its own timeout; this bounds retries and Retry-After waits too.
        let bound = Duration::from_secs(settings.timeout_secs.saturating_mul(settings.retries as u64 + 1) + 1);
        let response = match self {
            ChatClient::OpenAi(client) => tokio::time::timeout(bound, client.chat().create(request)).await,
            ChatClient::Azure(client) => tokio::time::timeout(bound, client.chat().create(request)).await,
        }
        .map_err(|_| unavailable(format!("no answer within {} s", bound.as_secs())))?
        .map_err(|error: OpenAIError| unavailable(error))?;
        let usage = response.usage.as_ref();
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
        Ok(Completion {
            text: choice.message.content.unwrap_or_default(),
            calls,
            prompt_tokens: usage.map_or(0, |usage| usage.prompt_tokens),
            completion_tokens: usage.map_or(0, |usage| usage.completion_tokens),
        })
    }
}
