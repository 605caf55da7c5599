//! Settings: `firebreak.toml` (or `--config FILE`), then environment overrides. This is the only
//! module that reads the environment, and nothing here prints a secret.
//!
//! Environment variables, each overriding the file:
//! `FIREBREAK_REDIS_URL` (or `REDIS_URL`), `FIREBREAK_DISCORD_TOKEN` (or `DISCORD_TOKEN`),
//! `FIREBREAK_OPENAI_API_KEY` (or `OPENAI_API_KEY`; `AZURE_OPENAI_API_KEY` for Azure),
//! `FIREBREAK_LLM_BASE_URL` (or `OPENAI_BASE_URL`), `FIREBREAK_LLM_MODEL`,
//! `FIREBREAK_EMBEDDING_MODEL`, `FIREBREAK_BOT_NAME`, `RUST_LOG`; the intake's hook secrets come
//! from the environment only: `FIREBREAK_INTAKE_<HOOK>_SECRET` (`ALERTMANAGER`, `GRAFANA`,
//! `INCIDENT`, `CHANGE`), or `FIREBREAK_INTAKE_SECRET` for every hook without its own.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use thiserror::Error;

use crate::advisor::llm::client::{LlmSettings, Provider};
use crate::core::incident::Severity;
use crate::core::redact::{names_a_secret, redact, redact_url_credentials};
use crate::core::settings::{Announcements, DEFAULT_FOLLOW, EngineSettings, FollowPattern, ResponderRole};
use crate::diagnostics::DiagnosticsSettings;
use crate::store::{RedisOptions, Target};

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
    /// The file is not valid TOML for these settings. The offending line is not quoted and a
    /// secret-bearing key's value is never repeated: the line may hold a token or a password.
    #[error("invalid settings in {}{}: {message}", .path.display(), location(*.line, .key.as_deref()))]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line, from 1, when the parser knows it.
        line: Option<usize>,
        /// The dotted key on that line (`discord.token`), when there is one.
        key: Option<String>,
        /// What was wrong.
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
    /// The alert intake: webhooks, health and metrics over HTTP.
    pub intake: IntakeSettings,
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

/// `[intake]`: the HTTP server that takes alert and change webhooks and answers `/healthz`,
/// `/readyz` and `/metrics`; served by `firebreak run` and `firebreak intake` when `listen` is set.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IntakeSettings {
    /// Address to listen on, e.g. `0.0.0.0:8080`.
    pub listen: Option<SocketAddr>,
    /// The Discord server (guild) alert incidents open their channels in.
    pub guild_id: Option<u64>,
    /// Largest request body accepted, in bytes; larger ones get 413.
    pub max_body_bytes: usize,
    /// Requests per second one source (client address) may send to one hook, sustained.
    pub rate_per_second: u32,
    /// Requests one source may send to one hook at once above the sustained rate; more get 429.
    pub burst: u32,
    /// Labels naming the affected service, the first one present wins.
    pub service_labels: Vec<String>,
    /// The label giving an alert's severity.
    pub severity_label: String,
    /// Values of the severity label (lower-case) and the severity each means; `sev1`–`sev4`
    /// are understood as themselves.
    pub severities: BTreeMap<String, Severity>,
    /// Severity of an alert whose severity label is missing or not in `severities`.
    pub default_severity: Severity,
    /// How each hook authenticates its requests.
    pub hooks: Hooks,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        let severities = [
            ("critical", Severity::Sev1),
            ("page", Severity::Sev2),
            ("error", Severity::Sev2),
            ("warning", Severity::Sev3),
            ("info", Severity::Sev4),
        ]
        .map(|(word, severity)| (word.to_owned(), severity))
        .into();
        Self {
            listen: None,
            guild_id: None,
            max_body_bytes: 1024 * 1024,
            rate_per_second: 20,
            burst: 200,
            service_labels: ["service", "app", "job"].map(str::to_owned).to_vec(),
            severity_label: "severity".to_owned(),
            severities,
            default_severity: Severity::Sev3,
            hooks: Hooks::default(),
        }
    }
}

/// `[intake.hooks.*]`: one entry per hook.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Hooks {
    /// `POST /hooks/alertmanager`.
    pub alertmanager: HookSettings,
    /// `POST /hooks/grafana`.
    pub grafana: HookSettings,
    /// `POST /hooks/incident`.
    pub incident: HookSettings,
    /// `POST /hooks/change`.
    pub change: HookSettings,
}

/// How a hook checks that a request comes from whoever holds its secret.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HookAuth {
    /// `Authorization: Bearer <secret>`.
    #[default]
    Bearer,
    /// An HMAC-SHA256 of the body keyed with the secret, hex in `signature_header` (optionally
    /// `sha256=`-prefixed); with `timestamp_header`, of `<timestamp>:<body>`, as Grafana signs.
    Hmac,
}

/// `[intake.hooks.NAME]`.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct HookSettings {
    /// Bearer token or HMAC signature.
    pub auth: HookAuth,
    /// The header carrying the signature (HMAC only); `X-Grafana-Alerting-Signature` for
    /// Grafana, `X-Firebreak-Signature` for the others, when unset.
    pub signature_header: Option<String>,
    /// The header carrying the timestamp signed with the body (HMAC only), if the sender adds one.
    pub timestamp_header: Option<String>,
    /// The token or HMAC key, from the environment only; a hook without one refuses every
    /// request.
    #[serde(skip)]
    pub secret: Option<String>,
}

impl fmt::Debug for HookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookSettings")
            .field("auth", &self.auth)
            .field("signature_header", &self.signature_header)
            .field("timestamp_header", &self.timestamp_header)
            .field("secret", &self.secret.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

/// `[redis]`: where incident state lives. Without a URL the state is kept in memory.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]` (`rediss://` for TLS), a Redis Cluster as
    /// `redis+cluster://host:port,host:port,…`, or a Sentinel-managed primary as
    /// `redis+sentinel://host:port,host:port,…/name[/db]`.
    pub url: Option<String>,
    /// A certificate authority (PEM file) to trust for TLS instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// Replicas that must hold each write before the bot counts it as recorded; set it to 1
    /// on a Cluster or Sentinel deployment whose primaries have replicas, so that a failover
    /// never loses an acknowledged message. 0 (the default) trusts the primary alone.
    pub wait_replicas: u32,
    /// How long a write waits for those replicas, milliseconds.
    pub wait_timeout_ms: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        let defaults = RedisOptions::new("");
        Self {
            url: None,
            ca_file: None,
            wait_replicas: defaults.wait_replicas,
            wait_timeout_ms: u64::try_from(defaults.wait_timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl RedisSettings {
    /// What the Redis store needs to connect, when a URL is set.
    pub fn store_options(&self) -> Option<RedisOptions> {
        let url = self.url.clone()?;
        Some(RedisOptions {
            url,
            ca_file: self.ca_file.clone(),
            wait_replicas: self.wait_replicas,
            wait_timeout: Duration::from_millis(self.wait_timeout_ms),
        })
    }
}

impl fmt::Debug for RedisSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSettings")
            .field("url", &self.url.as_deref().map(redact_url_credentials))
            .field("ca_file", &self.ca_file)
            .field("wait_replicas", &self.wait_replicas)
            .field("wait_timeout_ms", &self.wait_timeout_ms)
            .finish()
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
    pub responder_roles: Vec<RoleToml>,
    /// Seconds an open incident of each severity may go without a status update before the
    /// commander is reminded, e.g. `{ sev1 = 900, sev2 = 1800 }`; severities left out (or 0)
    /// are never reminded. Setting it replaces the defaults whole.
    pub update_interval_secs: HashMap<Severity, u64>,
    /// How often due timers (reminders, deferred channel edits) are looked for, milliseconds.
    pub timer_poll_ms: u64,
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
            responder_roles: Vec::new(),
            update_interval_secs: defaults
                .update_intervals
                .iter()
                .map(|(severity, interval)| (*severity, interval.as_secs()))
                .collect(),
            timer_poll_ms: u64::try_from(defaults.timer_poll.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// What happens to a resolved incident's channel on Discord.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnResolve {
    /// Renamed `resolved-<name>` (and a thread archived).
    #[default]
    Rename,
    /// Moved to `archive_category_id` (and a thread archived), keeping its name.
    Archive,
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
    /// API base other than Discord's (a local Discord-compatible server); requests go through
    /// it as a proxy, with serenity's rate limiter off.
    pub api_base: Option<String>,
    /// Send the REST requests meant for discord.com to this address instead, over TLS, keeping
    /// serenity's rate limiter on (a local Discord-compatible server that models rate limits).
    pub api_address: Option<SocketAddr>,
    /// An extra certificate authority (PEM file) to trust for the REST API, for `api_address`.
    pub ca_file: Option<PathBuf>,
    /// Show the answers to read-only commands (`/rca`, `/summary`, `/timeline`, `/evidence`,
    /// `/similar`, `/mitigation`, `/help`) only to whoever asked.
    pub private_reads: bool,
    /// A channel where every incident gets one post, edited as it changes.
    pub announcements_channel: Option<u64>,
    /// Role ids notified by an announcement, by severity, e.g. `{ sev1 = "112233…" }`: the only
    /// pings the bot ever sends.
    pub announcement_pings: HashMap<Severity, String>,
    /// What happens to a resolved incident's channel: `rename` (default) or `archive`.
    pub on_resolve: OnResolve,
    /// The category resolved incident channels move to with `on_resolve = "archive"`.
    pub archive_category_id: Option<u64>,
}

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            token: None,
            category_id: None,
            threads_in: None,
            follow_pattern: Some(DEFAULT_FOLLOW.to_owned()),
            api_base: None,
            api_address: None,
            ca_file: None,
            private_reads: false,
            announcements_channel: None,
            announcement_pings: HashMap::new(),
            on_resolve: OnResolve::default(),
            archive_category_id: None,
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
            .field("api_address", &self.api_address)
            .field("ca_file", &self.ca_file)
            .field("private_reads", &self.private_reads)
            .field("announcements_channel", &self.announcements_channel)
            .field("announcement_pings", &self.announcement_pings)
            .field("on_resolve", &self.on_resolve)
            .field("archive_category_id", &self.archive_category_id)
            .finish()
    }
}

/// A responder role in `[engine] responder_roles`: its id (a Discord role id; on the console,
/// the role as typed), or `{ id = "…", name = "sre" }` to have refusals name it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum RoleToml {
    /// Just the id.
    Id(String),
    /// The id and what people call the role.
    Named {
        /// The role's id.
        id: String,
        /// Its name, for messages.
        name: String,
    },
}

impl RoleToml {
    fn role(&self) -> ResponderRole {
        match self {
            RoleToml::Id(id) => ResponderRole::id(id.clone()),
            RoleToml::Named { id, name } => ResponderRole { id: id.clone(), name: Some(name.clone()) },
        }
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
        toml::from_str(&text).map_err(|error| parse_error(path, &text, &error))
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
        let shared = env("FIREBREAK_INTAKE_SECRET");
        let hooks = &mut self.intake.hooks;
        for (name, hook) in [
            ("ALERTMANAGER", &mut hooks.alertmanager),
            ("GRAFANA", &mut hooks.grafana),
            ("INCIDENT", &mut hooks.incident),
            ("CHANGE", &mut hooks.change),
        ] {
            hook.secret = env(&format!("FIREBREAK_INTAKE_{name}_SECRET")).or_else(|| shared.clone());
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
        if let Some(Err(error)) = self.redis.url.as_deref().map(Target::parse) {
            return invalid("redis.url", &error.to_string());
        }
        if self.redis.wait_replicas > 0 && self.redis.wait_timeout_ms == 0 {
            return invalid("redis.wait_timeout_ms", "must be at least 1 when redis.wait_replicas is set");
        }
        if self.knowledge.retrieval == Retrieval::Hybrid && self.llm.embedding_model.is_none() {
            return invalid("knowledge.retrieval", "\"hybrid\" needs an embedding model: set [llm] embedding_model");
        }
        if let Some(Err(error)) = self.discord.follow_pattern.as_deref().map(Regex::new) {
            return invalid("discord.follow_pattern", &format!("is not a valid regex: {error}"));
        }
        let intake = &self.intake;
        if intake.max_body_bytes == 0 || intake.rate_per_second == 0 || intake.burst == 0 {
            return invalid("intake.max_body_bytes", "the body limit, rate and burst must be at least 1");
        }
        if intake.service_labels.is_empty() || intake.severity_label.is_empty() {
            return invalid("intake.service_labels", "name at least one service label and the severity label");
        }
        if engine.timer_poll_ms < 100 {
            return invalid("engine.timer_poll_ms", "must be at least 100");
        }
        if self.discord.on_resolve == OnResolve::Archive && self.discord.archive_category_id.is_none() {
            return invalid("discord.on_resolve", "\"archive\" needs discord.archive_category_id");
        }
        if !self.discord.announcement_pings.is_empty() && self.discord.announcements_channel.is_none() {
            return invalid("discord.announcement_pings", "needs discord.announcements_channel");
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
            responder_roles: engine.responder_roles.iter().map(RoleToml::role).collect(),
            private_reads: self.discord.private_reads,
            // Checked by `validate`; a pattern that does not compile follows nothing.
            follow: self
                .discord
                .follow_pattern
                .as_deref()
                .and_then(|pattern| Regex::new(pattern).ok())
                .map(FollowPattern),
            update_intervals: engine
                .update_interval_secs
                .iter()
                .map(|(severity, seconds)| (*severity, Duration::from_secs(*seconds)))
                .collect(),
            announcements: self.discord.announcements_channel.map(|channel| Announcements {
                channel: channel.to_string(),
                pings: self.discord.announcement_pings.clone(),
            }),
            rename_resolved: self.discord.on_resolve == OnResolve::Rename,
            timer_poll: Duration::from_millis(engine.timer_poll_ms),
            ..EngineSettings::default()
        }
    }
}

/// `error` as a [`ConfigError::Parse`]: its line and key found in `text`, and its message
/// without the value when the key may hold a secret (or cannot be told).
fn parse_error(path: &Path, text: &str, error: &toml::de::Error) -> ConfigError {
    let line = error.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    let key = line.and_then(|line| key_at(text, line));
    let message = if key.as_deref().is_none_or(secret_bearing) {
        without_value(error.message())
    } else {
        error.message().to_owned()
    };
    ConfigError::Parse { path: path.to_owned(), line, key, message: redact(&message).into_owned() }
}

/// `, line 4, key `discord.token`` — as much of it as is known.
fn location(line: Option<usize>, key: Option<&str>) -> String {
    match (line, key) {
        (Some(line), Some(key)) => format!(", line {line}, key `{key}`"),
        (Some(line), None) => format!(", line {line}"),
        (None, _) => String::new(),
    }
}

/// A table header (`[discord]`, `[[diagnostics.tools]]`) or a `key =` line.
static HEADER_OR_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:\[\[?\s*(?P<table>[^\]]+?)\s*\]|(?P<key>[A-Za-z0-9_.-]+|"[^"]*"|'[^']*')\s*=)"#)
        .expect("the TOML line pattern is valid")
});

/// The dotted key set on `line` (from 1) of `text`, under the table it is in; the table itself
/// when the line is a header.
fn key_at(text: &str, line: usize) -> Option<String> {
    let mut table: Option<String> = None;
    for (number, content) in text.lines().enumerate().take(line) {
        let Some(captures) = HEADER_OR_KEY.captures(content) else { continue };
        if let Some(header) = captures.name("table") {
            table = Some(header.as_str().to_owned());
        }
        if number + 1 < line {
            continue;
        }
        return match captures.name("key") {
            Some(key) => {
                let key = key.as_str().trim_matches(['"', '\'']);
                Some(table.map_or_else(|| key.to_owned(), |table| format!("{table}.{key}")))
            }
            None => table,
        };
    }
    None
}

/// Whether a key's value may be a secret: its name says so (`token`, `password`, `api_key`),
/// or it is a URL, which may carry credentials.
fn secret_bearing(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    names_a_secret(&last) || ["url", "uri", "dsn", "base", "endpoint"].iter().any(|suffix| last.ends_with(suffix))
}

/// A serde message without the value it quotes (`invalid type: string "…", expected u64`);
/// messages naming fields or describing syntax quote no value and are kept.
fn without_value(message: &str) -> String {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'"#).expect("the quote pattern is valid"));
    let quotes_a_value = ["invalid type", "invalid value", "invalid length", "unknown variant"]
        .iter()
        .any(|start| message.starts_with(start));
    if quotes_a_value { QUOTED.replace(message, "[value not shown]").into_owned() } else { message.to_owned() }
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

    /// The error loading `text` as `firebreak.toml` from a fresh directory.
    fn load_error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(&path, text).unwrap();
        Settings::load_with_env(Some(&path), |_| None).unwrap_err().to_string()
    }

    const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";

    #[test]
    fn a_broken_file_names_the_file_line_and_key_but_never_a_secret_value() {
        let redis = "[redis]\nurl = \"redis://:hunter2redis@db-1:6379\"\n";
        let cases = [
            (format!("{redis}[discord]\ntoken = \"{TOKEN}\ncategory_id = 1\n"), 4, "discord.token"),
            (format!("{redis}[discord]\ntoken = 12345678901234567890123\n"), 4, "discord.token"),
            (format!("{redis}[discord]\ntoken = [\"{TOKEN}\"]\n"), 4, "discord.token"),
            ("[redis]\nurl = redis://:hunter2redis@db-1:6379\n".to_owned(), 2, "redis.url"),
            (format!("[llm]\napi_key = \"sk-proj-{TOKEN}\"\n"), 2, "llm.api_key"),
            (format!("{redis}[engine]\nbot_name = \"{TOKEN}\" extra\n"), 4, "engine.bot_name"),
        ];
        for (text, line, key) in cases {
            let error = load_error(&text);
            assert!(
                error.contains("firebreak.toml, line ") && error.contains(&format!("line {line}, key `{key}`")),
                "{error}"
            );
            assert!(!error.contains("hunter2redis") && !error.contains("aBcDeFgHiJkLmNoPqRsTuVwXyZ"), "{error}");
            assert!(!error.contains("12345678901234567890123"), "{error}");
        }
    }

    #[test]
    fn the_value_of_an_ordinary_key_is_shown_to_help_fix_it() {
        let error = load_error("[engine]\nbot_name = \"pager\"\nlock_ttl_secs = \"ten\"\n");

        assert!(
            error.ends_with(r#"line 3, key `engine.lock_ttl_secs`: invalid type: string "ten", expected u64"#),
            "{error}"
        );
    }

    #[test]
    fn debug_output_hides_the_redis_password_and_the_bot_token() {
        let settings = RedisSettings { url: Some("redis://:topsecret@db:6379".into()), ..RedisSettings::default() };
        let discord = DiscordSettings { token: Some("MTIzNDU2.bot-token".into()), ..DiscordSettings::default() };
        assert!(!format!("{settings:?}").contains("topsecret"));
        assert!(!format!("{discord:?}").contains("bot-token"));
    }

    #[test]
    fn redis_settings_name_a_cluster_or_sentinel_and_a_bad_url_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(
            &path,
            "[redis]\nurl = \"redis+cluster://10.0.0.1:7000,10.0.0.2:7000\"\nwait_replicas = 1\nca_file = \"ca.pem\"\n",
        )
        .unwrap();

        let options = Settings::load_with_env(Some(&path), |_| None).unwrap().redis.store_options().unwrap();
        std::fs::write(&path, "[redis]\nurl = \"redis+sentinel://:hunter2@s1:26379,s2:26379\"\n").unwrap();
        let error = Settings::load_with_env(Some(&path), |_| None).unwrap_err().to_string();

        assert_eq!(options.url, "redis+cluster://10.0.0.1:7000,10.0.0.2:7000");
        assert_eq!((options.wait_replicas, options.ca_file.as_deref()), (1, Some(Path::new("ca.pem"))));
        assert!(error.contains("redis.url") && error.contains("name the primary"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn the_example_settings_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("firebreak.example.toml");

        let settings = Settings::load_with_env(Some(&path), |_| None).unwrap();

        assert_eq!(settings.discord.follow_pattern.as_deref(), Some(DEFAULT_FOLLOW));
    }

    #[test]
    fn update_intervals_and_announcements_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(
            &path,
            "[engine]\nupdate_interval_secs = { sev1 = 60 }\n[discord]\nannouncements_channel = 42\nannouncement_pings = { sev1 = \"7\" }\n",
        )
        .unwrap();

        let engine = Settings::load_with_env(Some(&path), |_| None).unwrap().engine_settings();

        assert_eq!(engine.update_interval(Severity::Sev1), Some(Duration::from_secs(60)));
        assert_eq!(engine.update_interval(Severity::Sev2), None, "a table given replaces the defaults");
        let announcements = engine.announcements.unwrap();
        assert_eq!(
            (announcements.channel.as_str(), announcements.pings.get(&Severity::Sev1).map(String::as_str)),
            ("42", Some("7"))
        );
        std::fs::write(&path, "[discord]\non_resolve = \"archive\"\n").unwrap();
        let error = Settings::load_with_env(Some(&path), |_| None).unwrap_err().to_string();
        assert!(error.contains("archive_category_id"), "{error}");
    }

    #[test]
    fn responder_roles_are_ids_with_an_optional_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.toml");
        std::fs::write(&path, "[engine]\nresponder_roles = [\"111\", { id = \"222\", name = \"sre\" }]\n").unwrap();

        let roles = Settings::load_with_env(Some(&path), |_| None).unwrap().engine_settings().responder_roles;

        assert_eq!(roles, [ResponderRole::id("111"), ResponderRole { id: "222".into(), name: Some("sre".into()) }]);
    }
}
