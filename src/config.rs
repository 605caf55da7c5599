//! Settings: `firebreak.toml` (or `--config FILE`), then environment overrides. This is the only
//! module that reads the environment, and nothing here prints a secret.
//!
//! Environment variables, each overriding the file:
//! `FIREBREAK_REDIS_URL` (or `REDIS_URL`), `FIREBREAK_DISCORD_TOKEN` (or `DISCORD_TOKEN`),
//! `FIREBREAK_OPENAI_API_KEY` (or `OPENAI_API_KEY`; `AZURE_OPENAI_API_KEY` for Azure),
//! `FIREBREAK_LLM_BASE_URL` (or `OPENAI_BASE_URL`), `FIREBREAK_LLM_MODEL`,
//! `FIREBREAK_EMBEDDING_MODEL`, `FIREBREAK_BOT_NAME`, `RUST_LOG`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use thiserror::Error;

use crate::advisor::llm::client::{LlmSettings, Provider};
use crate::core::redact::redact_url_credentials;
use crate::core::settings::{DEFAULT_FOLLOW, EngineSettings, FollowPattern};
use crate::diagnostics::DiagnosticsSettings;

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "firebreak.toml";

/// The smallest conversation budget: a few lines and a short running summary.
const MIN_HISTORY_TOKENS: usize = 200;

/// Why settings could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The named file could not be read.
    #[error("cannot read settings file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("invalid settings in {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong, with its location.
        message: String,
    },
    /// A value (from file or environment) is out of range.
    #[error("invalid setting {name}: {message}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// All of Firebreak's settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// State store.
    pub redis: RedisSettings,
    /// Engine tunables.
    pub engine: EngineToml,
    /// Terminal adapter.
    pub console: ConsoleSettings,
    /// Knowledge base of resolved incidents.
    pub knowledge: KnowledgeSettings,
    /// Discord bot.
    pub discord: DiscordSettings,
    /// Tools that gather live evidence, and the handlers that trigger them.
    pub diagnostics: DiagnosticsSettings,
    /// The language model, when one is used.
    pub llm: LlmSettings,
    /// The Prometheus scrape endpoint of `firebreak run`.
    pub metrics: MetricsSettings,
    /// Log filter in `RUST_LOG` syntax.
    pub log: Option<String>,
}

/// `[metrics]`: where `firebreak run` serves its metrics to Prometheus; not served when unset.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Address of the scrape endpoint, e.g. `127.0.0.1:9184`.
    pub listen: Option<SocketAddr>,
}

/// `[redis]`: where incident state lives. Without a URL the state is kept in memory.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`.
    pub url: Option<String>,
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings").field("url", &self.url.as_deref().map(redact_url_credentials)).finish()
    }
}

/// `[engine]`: see `EngineSettings` for what each value does.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct EngineToml {
    /// The bot's name, as addressed with `@name`.
    pub bot_name: String,
    /// Number of the first incident declared.
    pub first_incident_number: u64,
    /// Lock expiry, seconds.
    pub lock_ttl_secs: u64,
    /// Longest wait for a busy incident, seconds.
    pub lock_wait_secs: u64,
    /// How long event ids are remembered, seconds.
    pub dedupe_ttl_secs: u64,
    /// Longest message recorded, characters.
    pub max_message_chars: usize,
    /// Roles allowed to change status and resolve; empty lets everyone.
    pub responder_roles: Vec<String>,
}

impl Default for EngineToml {
    fn default() -> Self {
        let defaults = EngineSettings::default();
        Self {
            bot_name: defaults.bot_name,
            first_incident_number: defaults.first_incident_number,
            lock_ttl_secs: defaults.lock_ttl.as_secs(),
            lock_wait_secs: defaults.lock_wait.as_secs(),
            dedupe_ttl_secs: defaults.dedupe_ttl.as_secs(),
            max_message_chars: defaults.max_message_chars,
            responder_roles: defaults.responder_roles,
        }
    }
}

/// `[knowledge]`: which resolved incidents the bot learns from, and how picky it is.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeSettings {
    /// Include the built-in sample history (a plausible company's 220 incidents).
    pub sample: bool,
    /// JSONL files of resolved incidents loaded at start-up (every line is validated).
    pub files: Vec<PathBuf>,
    /// Similar past incidents retrieved per recommendation (the offline advisor's category vote
    /// counts up to 10).
    pub k: usize,
    /// Similarity (0–1) below which a past incident counts as unrelated; with none related, the
    /// bot abstains.
    pub min_similarity: f32,
    /// How similar incidents are found: `bm25` (words) or `hybrid` (words fused with the
    /// embeddings of `[llm] embedding_model`).
    pub retrieval: Retrieval,
    /// A JSONL file keeping the knowledge base's embeddings between runs (hybrid only).
    pub embedding_cache: Option<PathBuf>,
}

/// How the knowledge base finds similar incidents.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Retrieval {
    /// BM25 over the records' words.
    #[default]
    Bm25,
    /// BM25 fused with an embedding model's ranking (reciprocal rank fusion).
    Hybrid,
}

impl Default for KnowledgeSettings {
    fn default() -> Self {
        Self {
            sample: true,
            files: Vec::new(),
            k: crate::advisor::offline::WANTED_SIMILAR,
            min_similarity: crate::advisor::offline::DEFAULT_MIN_SIMILARITY,
            retrieval: Retrieval::Bm25,
            embedding_cache: None,
        }
    }
}

/// `[discord]`: the bot. The token normally comes from `DISCORD_TOKEN`.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordSettings {
    /// Bot token (secret).
    pub token: Option<String>,
    /// Category under which `/incident declare` creates channels.
    pub category_id: Option<u64>,
    /// Create a thread in this channel instead of a new channel per incident.
    pub threads_in: Option<u64>,
    /// Channels created with a name matching this regex become incident channels.
    pub follow_pattern: Option<String>,
    /// API base other than Discord's (a local Discord-compatible server).
    pub api_base: Option<String>,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            token: None,
            category_id: None,
            threads_in: None,
            follow_pattern: Some(DEFAULT_FOLLOW.to_owned()),
            api_base: None,
        }
    }
}

impl fmt::Debug for DiscordSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscordSettings")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("category_id", &self.category_id)
            .field("threads_in", &self.threads_in)
            .field("follow_pattern", &self.follow_pattern)
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// `[console]`: who you are in `firebreak chat`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// Your name on the timeline.
    pub user: String,
    /// The channel the terminal stands for.
    pub channel: String,
    /// Your roles, checked against `engine.responder_roles`.
    pub roles: Vec<String>,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self { user: "you".to_owned(), channel: "console".to_owned(), roles: Vec::new() }
    }
}

impl Settings {
    /// Reads `path` (or `firebreak.toml` when present), then applies the process environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// Like `load`, with the environment given as a lookup (for tests).
    pub fn load_with_env(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut settings = match path {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_FILE).exists() => Self::from_file(Path::new(DEFAULT_FILE))?,
            None => Self::default(),
        };
        settings.apply_env(env);
        settings.validate()?;
        Ok(settings)
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|error| ConfigError::Parse { path: path.to_owned(), message: error.to_string() })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) {
        if let Some(url) = env("FIREBREAK_REDIS_URL").or_else(|| env("REDIS_URL")) {
            self.redis.url = Some(url);
        }
        if let Some(token) = env("FIREBREAK_DISCORD_TOKEN").or_else(|| env("DISCORD_TOKEN")) {
            self.discord.token = Some(token);
        }
        let key_variable = match self.llm.provider {
            Provider::OpenAi => "OPENAI_API_KEY",
            Provider::Azure => "AZURE_OPENAI_API_KEY",
        };
        if let Some(key) = env(&format!("FIREBREAK_{key_variable}")).or_else(|| env(key_variable)) {
            self.llm.api_key = Some(key);
        }
        if let Some(base) = env("FIREBREAK_LLM_BASE_URL").or_else(|| env("OPENAI_BASE_URL")) {
            self.llm.base_url = Some(base);
        }
        if let Some(model) = env("FIREBREAK_LLM_MODEL") {
            self.llm.model = model;
        }
        if let Some(model) = env("FIREBREAK_EMBEDDING_MODEL") {
            self.llm.embedding_model = Some(model);
        }
        if let Some(name) = env("FIREBREAK_BOT_NAME") {
            self.engine.bot_name = name;
        }
        if let Some(filter) = env("RUST_LOG") {
            self.log = Some(filter);
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |name, message: &str| Err(ConfigError::Invalid { name, message: message.to_owned() });
        let engine = &self.engine;
        if engine.bot_name.is_empty() || engine.bot_name.contains(char::is_whitespace) {
            return invalid("engine.bot_name", "must be one word");
        }
        if engine.first_incident_number == 0 {
            return invalid("engine.first_incident_number", "must be at least 1");
        }
        if engine.lock_ttl_secs == 0 || engine.lock_wait_secs == 0 {
            return invalid("engine.lock_ttl_secs", "lock durations must be at least 1 second");
        }
        if engine.max_message_chars == 0 {
            return invalid("engine.max_message_chars", "must be at least 1");
        }
        if !(0.0..=1.0).contains(&self.knowledge.min_similarity) {
            return invalid("knowledge.min_similarity", "must be between 0 and 1");
        }
        if self.llm.step_budget == 0 || self.llm.timeout_secs == 0 {
            return invalid("llm.step_budget", "the step budget and timeout must be at least 1");
        }
        if self.llm.history_tokens < MIN_HISTORY_TOKENS {
            return invalid("llm.history_tokens", &format!("must be at least {MIN_HISTORY_TOKENS}"));
        }
        if self.knowledge.k == 0 {
            return invalid("knowledge.k", "must be at least 1");
        }
        if self.knowledge.retrieval == Retrieval::Hybrid && self.llm.embedding_model.is_none() {
            return invalid("knowledge.retrieval", "\"hybrid\" needs an embedding model: set [llm] embedding_model");
        }
        if let Some(Err(error)) = self.discord.follow_pattern.as_deref().map(Regex::new) {
            return invalid("discord.follow_pattern", &format!("is not a valid regex: {error}"));
        }
        Ok(())
    }

    /// The engine's settings.
    pub fn engine_settings(&self) -> EngineSettings {
        let engine = &self.engine;
        EngineSettings {
            bot_name: engine.bot_name.clone(),
            first_incident_number: engine.first_incident_number,
            lock_ttl: Duration::from_secs(engine.lock_ttl_secs),
            lock_wait: Duration::from_secs(engine.lock_wait_secs),
            dedupe_ttl: Duration::from_secs(engine.dedupe_ttl_secs),
            max_message_chars: engine.max_message_chars,
            similar_k: self.knowledge.k,
            responder_roles: engine.responder_roles.clone(),
            // Checked by `validate`; a pattern that does not compile follows nothing.
            follow: self
                .discord
                .follow_pattern
                .as_deref()
                .and_then(|pattern| Regex::new(pattern).ok())
                .map(FollowPattern),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file_and_redis_url_is_honoured() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(&path, "[redis]\nurl = \"redis://file:6379\"\n[engine]\nbot_name = \"pager\"\n").unwrap();

        let from_file = Settings::load_with_env(Some(&path), |_| None).unwrap();
        let overridden =
            Settings::load_with_env(Some(&path), |name| (name == "REDIS_URL").then(|| "redis://env:6380".to_owned()))
                .unwrap();

        assert_eq!(from_file.redis.url.as_deref(), Some("redis://file:6379"));
        assert_eq!(from_file.engine.bot_name, "pager");
        assert_eq!(overridden.redis.url.as_deref(), Some("redis://env:6380"));
    }

    #[test]
    fn the_api_key_comes_from_the_environment_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(&path, "[llm]\napi_key = \"sk-in-a-file\"\n").unwrap();
        assert!(Settings::load_with_env(Some(&path), |_| None).is_err(), "a key in the file is refused");

        std::fs::write(&path, "[llm]\nbase_url = \"http://127.0.0.1:9/v1\"\n").unwrap();
        let settings =
            Settings::load_with_env(Some(&path), |name| (name == "OPENAI_API_KEY").then(|| "sk-from-env".to_owned()))
                .unwrap();
        assert_eq!(settings.llm.api_key.as_deref(), Some("sk-from-env"));
        assert!(!format!("{:?}", settings.llm).contains("sk-from-env"));
    }

    #[test]
    fn the_embedding_model_comes_from_the_file_or_the_environment_and_a_tiny_history_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(&path, "[llm]\nembedding_model = \"text-embedding-3-small\"\nhistory_tokens = 800\n").unwrap();

        let from_file = Settings::load_with_env(Some(&path), |_| None).unwrap();
        let overridden = Settings::load_with_env(Some(&path), |name| {
            (name == "FIREBREAK_EMBEDDING_MODEL").then(|| "all-MiniLM-L6-v2".to_owned())
        })
        .unwrap();

        assert_eq!(from_file.llm.embedding_model.as_deref(), Some("text-embedding-3-small"));
        assert_eq!(from_file.llm.history_tokens, 800);
        assert_eq!(overridden.llm.embedding_model.as_deref(), Some("all-MiniLM-L6-v2"));
        std::fs::write(&path, "[llm]\nhistory_tokens = 50\n").unwrap();
        let error = Settings::load_with_env(Some(&path), |_| None).unwrap_err().to_string();
        assert!(error.contains("llm.history_tokens"), "{error}");
    }

    #[test]
    fn unknown_keys_are_reported_with_the_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[engine]\nbot_nmae = \"x\"\n").unwrap();
        let error = Settings::load_with_env(Some(&path), |_| None).unwrap_err().to_string();
        assert!(error.contains("bad.toml") && error.contains("bot_nmae"), "{error}");
    }

    #[test]
    fn debug_output_hides_the_redis_password_and_the_bot_token() {
        let settings = RedisSettings { url: Some("redis://:topsecret@db:6379".into()) };
        let discord = DiscordSettings { token: Some("MTIzNDU2.bot-token".into()), ..DiscordSettings::default() };
        assert!(!format!("{settings:?}").contains("topsecret"));
        assert!(!format!("{discord:?}").contains("bot-token"));
    }
}
