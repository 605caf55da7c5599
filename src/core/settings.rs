//! The engine's tunables, with defaults fit for chat. `config` fills them from
//! `firebreak.toml` and the environment; tests build them directly.

use std::time::Duration;

use regex::Regex;

/// Channels the bot follows unless told otherwise: `incident-…`.
pub const DEFAULT_FOLLOW: &str = "^incident-";

/// A channel-name pattern the bot follows: channels created with a matching name become
/// incident channels (the bot's own `inc-<n>-…` channels excepted).
#[derive(Debug, Clone)]
pub struct FollowPattern(pub Regex);

impl PartialEq for FollowPattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for FollowPattern {}

/// Tunables of the engine, with defaults fit for chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// The bot's name: what `@name` addresses and what its timeline entries are signed with.
    pub bot_name: String,
    /// Number of the first incident declared (`INC-<n>`); later ones count up from it.
    pub first_incident_number: u64,
    /// How long a turn may hold an incident's lock before it expires on its own.
    pub lock_ttl: Duration,
    /// How long a turn waits for another turn of the same incident before giving up.
    pub lock_wait: Duration,
    /// How long a platform event id is remembered for deduplication.
    pub dedupe_ttl: Duration,
    /// Longest message, in characters, that is recorded.
    pub max_message_chars: usize,
    /// Similar past incidents retrieved for the advisor.
    pub similar_k: usize,
    /// Roles allowed to run privileged commands (status changes, resolution); empty means
    /// everyone may.
    pub responder_roles: Vec<String>,
    /// Channels created with a name matching this become incident channels.
    pub follow: Option<FollowPattern>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            bot_name: "firebreak".to_owned(),
            first_incident_number: 2001,
            lock_ttl: Duration::from_secs(120),
            lock_wait: Duration::from_secs(15),
            dedupe_ttl: Duration::from_secs(24 * 3600),
            max_message_chars: 16_000,
            similar_k: 5,
            responder_roles: Vec::new(),
            follow: Some(FollowPattern(Regex::new(DEFAULT_FOLLOW).expect("the default pattern is valid"))),
        }
    }
}
