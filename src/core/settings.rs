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

/// A role allowed to run privileged commands and diagnostics. Matched by id — names are not
/// unique and can be renamed — with the name, when configured, shown in refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponderRole {
    /// The platform's role id (on the console, the role as typed).
    pub id: String,
    /// What people call it.
    pub name: Option<String>,
}

impl ResponderRole {
    /// A role with this id and no display name.
    pub fn id(id: impl Into<String>) -> Self {
        Self { id: id.into(), name: None }
    }

    /// How a refusal names it: its name when known, its id otherwise.
    pub fn display(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

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
    /// Roles allowed to run privileged commands (status changes, resolution) and any
    /// diagnostic; empty means everyone may.
    pub responder_roles: Vec<ResponderRole>,
    /// Whether the answers to read-only commands (`/rca`, `/summary`, `/timeline`…) are shown
    /// only to whoever asked; decisions and refusals are decided regardless.
    pub private_reads: bool,
    /// Channels created with a name matching this become incident channels.
    pub follow: Option<FollowPattern>,
}

impl EngineSettings {
    /// The responder roles as a refusal names them, comma-separated.
    pub fn responder_role_names(&self) -> String {
        self.responder_roles.iter().map(ResponderRole::display).collect::<Vec<_>>().join(", ")
    }
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
            private_reads: false,
            follow: Some(FollowPattern(Regex::new(DEFAULT_FOLLOW).expect("the default pattern is valid"))),
        }
    }
}
