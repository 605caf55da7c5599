//! The engine: one turn per inbound event. It decides everything a turn decides, once: whether
//! the event was seen already (by any replica), which incident the channel holds, whether the
//! author may do what they ask, whether a new channel follows the bot's pattern. It records the
//! input, gathers what the decision needs, records its answers and returns what the adapter
//! should post. Each command's handling lives in its own file under `command/`; questions in
//! `engine/question.rs`; alerts and changes in `engine/alert.rs`.

mod alert;
mod question;

use std::time::Instant;

use rand::Rng;
use tracing::{Instrument, error, info_span, warn};

use super::channel_names::{is_own_channel, title_from_channel_name};
use super::command::{self, Command};
use super::error::UserError;
use super::inbound::{Inbound, Input};
use super::incident::{Declaration, Severity, Source};
use super::outbound::{Message, Outbound};
use super::ports::{Outcome, Ports, StoreError};
use super::redact::redact;
use super::replies;
use super::settings::EngineSettings;
use super::turn::{Origin, Turn, TurnError, TurnResult, require};

/// Whether a reply is for everyone in the channel or only for the person who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone in the channel sees it.
    Public,
    /// Only the person who asked sees it (a Discord ephemeral response).
    Private,
}

/// What an adapter may know about a turn before it runs, without the engine touching the
/// store: enough to acknowledge a platform event at once (Discord wants an answer within 3 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Who the replies are for.
    pub visibility: Visibility,
    /// Whether the input is a command only responders may run.
    pub privileged: bool,
    /// Whether the turn will open a channel of its own for a new incident.
    pub opens_channel: bool,
}

/// Runs turns against its ports; cheap to share between tasks.
pub struct Engine {
    ports: Ports,
    settings: EngineSettings,
}

impl Engine {
    /// An engine over these ports.
    pub fn new(ports: Ports, settings: EngineSettings) -> Self {
        Self { ports, settings }
    }

    /// The engine's settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The ports the engine reaches the world through.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// What `inbound`'s turn will be like, decided without the store.
    pub fn plan(&self, inbound: &Inbound) -> Plan {
        let command = match &inbound.input {
            Input::Command(command) => Some(command),
            _ => None,
        };
        Plan {
            visibility: Visibility::Public,
            privileged: command.is_some_and(Command::is_privileged),
            opens_channel: matches!(command, Some(Command::Declare(_))) && self.ports.workspace.opens_channels(),
        }
    }

    /// Handles one inbound event and returns the messages to post. Never fails: problems
    /// become an error message for the channel, and internal ones are logged with a reference.
    pub async fn handle(&self, inbound: Inbound) -> Vec<Outbound> {
        self.handle_for_sender(inbound).await.outbound
    }

    /// Like [`handle`](Self::handle), also saying how the turn ended, for adapters that owe the
    /// sender an answer (a webhook's HTTP status: retry later, or do not send that again).
    pub async fn handle_for_sender(&self, inbound: Inbound) -> Handled {
        let span = info_span!("turn", channel = %inbound.channel, author = %inbound.author.name);
        let started = Instant::now();
        let result = self.turn(&inbound).instrument(span).await;
        let outcome = result.as_ref().map_or_else(outcome_of, |_| Outcome::Done);
        self.ports.observer.turn(inbound.input.kind(), outcome, started.elapsed());
        let outbound = match result {
            Ok(outbound) => outbound,
            Err(failure) => vec![self.explain(&inbound.channel, failure)],
        };
        Handled { outbound, outcome }
    }

    fn explain(&self, channel: &str, failure: TurnError) -> Outbound {
        let text = match failure {
            TurnError::User(user) => user.to_string(),
            TurnError::Store(StoreError::Unavailable(reason)) => {
                warn!(%reason, "state store unavailable");
                UserError::StoreUnavailable.to_string()
            }
            internal => {
                let reference = format!("{:08x}", rand::rng().random::<u32>());
                error!(%reference, error = %redact(&internal.to_string()), "turn failed");
                replies::internal_error(&reference)
            }
        };
        Outbound { channel: channel.to_owned(), message: Message::Error { text } }
    }

    async fn turn(&self, inbound: &Inbound) -> TurnResult {
        if let Input::Command(command) = &inbound.input {
            self.check_role(command, &inbound.roles)?;
        }
        let store = self.ports.store.as_ref();
        let incident = store.incident_in_channel(&inbound.channel).await?;
        if incident.is_none() && matches!(inbound.input, Input::Overheard(_)) {
            // Chatter outside incident channels is none of the bot's business.
            return Ok(Vec::new());
        }
        if let Some(event_id) = &inbound.event_id
            && !store.first_sighting(event_id, self.settings.dedupe_ttl).await?
        {
            self.ports.observer.duplicate(inbound.input.kind());
            return Ok(Vec::new());
        }
        let origin = Origin {
            channel: &inbound.channel,
            channel_name: inbound.channel_name.as_deref(),
            server: inbound.server.as_deref(),
            author: &inbound.author,
            at: inbound.at,
        };
        let turn = Turn { ports: &self.ports, settings: &self.settings, origin };
        match &inbound.input {
            Input::Message(text) | Input::Overheard(text) => turn.record_message(&require(incident)?, text).await,
            Input::Question(text) => question::handle(&turn, require(incident)?, text).await,
            Input::Command(command) => command::run(&turn, incident, command).await,
            Input::ChannelCreated { name, topic } => {
                if incident.is_some() || !self.follows(name) {
                    return Ok(Vec::new());
                }
                command::declare_here(&turn, None, followed_channel_declaration(name, topic)).await
            }
            Input::Alert(group) => alert::handle(&turn, group).await,
            Input::Change(change) => alert::record_change(&turn, change).await,
        }
    }

    fn check_role(&self, command: &Command, roles: &[String]) -> Result<(), UserError> {
        let allowed = &self.settings.responder_roles;
        if !command.is_privileged() || allowed.is_empty() || roles.iter().any(|role| allowed.contains(role)) {
            return Ok(());
        }
        Err(UserError::Forbidden { roles: allowed.join(", ") })
    }

    /// Whether a channel created with this name becomes an incident channel: it matches the
    /// followed pattern and is not one the bot named itself.
    fn follows(&self, name: &str) -> bool {
        self.settings.follow.as_ref().is_some_and(|pattern| pattern.0.is_match(name)) && !is_own_channel(name)
    }
}

/// What a turn posts and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The messages to post.
    pub outbound: Vec<Outbound>,
    /// How the turn ended.
    pub outcome: Outcome,
}

/// How a failed turn ended: whether sending the event again later could succeed.
fn outcome_of(failure: &TurnError) -> Outcome {
    match failure {
        TurnError::Store(StoreError::Unavailable(_))
        | TurnError::User(UserError::Busy(_) | UserError::StoreUnavailable | UserError::ChannelFailed(_)) => {
            Outcome::Unavailable
        }
        TurnError::User(_) => Outcome::Refused,
        TurnError::Store(_) | TurnError::Advisor(_) | TurnError::Knowledge(_) => Outcome::Failed,
    }
}

/// The declaration for a channel followed because of its name: the name, in words, is the title.
fn followed_channel_declaration(name: &str, topic: &str) -> Declaration {
    Declaration {
        title: title_from_channel_name(name),
        summary: topic.to_owned(),
        severity: Severity::Sev3,
        service: None,
        source: Source::Customer,
    }
}
