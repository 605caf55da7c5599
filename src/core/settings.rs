//! The engine's tunables, with defaults fit for chat. `config` fills them from
//! `firebreak.toml` and the environment; tests build them directly.

use std::collections::HashMap;
use std::time::Duration;

use regex::Regex;

use super::incident::Severity;

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

/// Where an incident is announced to people outside the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcements {
    /// The channel every incident gets one post in, edited as it changes.
    pub channel: String,
    /// The role (id) notified when an incident of a severity is declared: the only pings the
    /// bot ever sends.
    pub pings: HashMap<Severity, String>,
}

/// How many renames and topic changes the platform allows one channel in a window (Discord:
/// 2 per 10 minutes); more are coalesced into one when the window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelEditLimit {
    /// Edits per window.
    pub edits: u32,
    /// The window.
    pub per: Duration,
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
    /// How long an open incident of each severity may go without a status update before the
    /// commander is reminded; severities not listed are never reminded.
    pub update_intervals: HashMap<Severity, Duration>,
    /// Where incidents are announced, if anywhere.
    pub announcements: Option<Announcements>,
    /// Whether a resolved incident's channel is renamed `resolved-…` (otherwise it is only
    /// archived, where the platform can).
    pub rename_resolved: bool,
    /// The platform's budget for renaming a channel and changing its topic.
    pub channel_edits: ChannelEditLimit,
    /// How often adapters look for due timers (update reminders, deferred channel edits).
    pub timer_poll: Duration,
}

impl EngineSettings {
    /// The responder roles as a refusal names them, comma-separated.
    pub fn responder_role_names(&self) -> String {
        self.responder_roles.iter().map(ResponderRole::display).collect::<Vec<_>>().join(", ")
    }

    /// How long an open incident of `severity` may go without an update, if it is reminded.
    pub fn update_interval(&self, severity: Severity) -> Option<Duration> {
        self.update_intervals.get(&severity).copied().filter(|interval| !interval.is_zero())
    }
}

/// The default update intervals: sev1 every 15 minutes, sev2 every 30, sev3 every hour, sev4
/// never.
pub fn default_update_intervals() -> HashMap<Severity, Duration> {
    let minutes = |count: u64| Duration::from_secs(count * 60);
    HashMap::from([(Severity::Sev1, minutes(15)), (Severity::Sev2, minutes(30)), (Severity::Sev3, minutes(60))])
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
            update_intervals: default_update_intervals(),
            announcements: None,
            rename_resolved: true,
            channel_edits: ChannelEditLimit { edits: 2, per: Duration::from_secs(600) },
            timer_poll: Duration::from_secs(5),
        }
    }
}
