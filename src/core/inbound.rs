//! What flows into the engine on each turn, in the core's own words: adapters build one
//! `Inbound` from each platform event and hand it to the engine once.

use chrono::{DateTime, Utc};

use super::action::ActionId;
use super::alert::{AlertGroup, Change};
use super::command::Command;
use super::error::UserError;
use super::incident::IncidentId;
use super::ports::{Anchor, Timer};
use super::timeline::Author;

/// One event from a chat platform, an alert source or the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The platform's id for this event, when it has one: a replayed or duplicate event with
    /// the same id is handled once, whichever replica sees it.
    pub event_id: Option<String>,
    /// The channel it happened in.
    pub channel: String,
    /// The channel's name as people see it, when the platform says (an attached channel's
    /// incident is titled after it).
    pub channel_name: Option<String>,
    /// The channel this one lives in, when it is a thread or a forum post: it belongs to the
    /// parent's incident.
    pub parent: Option<String>,
    /// The chat server (a Discord guild) the channel belongs to, where new incident channels
    /// are opened.
    pub server: Option<String>,
    /// Who caused it.
    pub author: Author,
    /// The author's roles on the platform (ids), for privileged commands and diagnostics.
    pub roles: Vec<String>,
    /// When it happened, by the platform's clock.
    pub at: DateTime<Utc>,
    /// The platform's ordering of its events within the same instant (a Discord message's
    /// snowflake id), so the timeline shows them in the channel's order.
    pub order: Option<u64>,
    /// What happened.
    pub input: Input,
}

impl Inbound {
    /// `input` by `author` in `channel`, now, with no event id, channel name, parent, server,
    /// roles or order.
    pub fn new(channel: impl Into<String>, author: Author, input: Input) -> Self {
        Self {
            event_id: None,
            channel: channel.into(),
            channel_name: None,
            parent: None,
            server: None,
            author,
            roles: Vec::new(),
            at: Utc::now(),
            order: None,
            input,
        }
    }
}

/// The kinds of input the engine understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A plain message typed where the bot is the audience (the console): recorded when the
    /// channel holds an incident, answered with how to declare one otherwise.
    Message(String),
    /// A plain message seen in a channel the bot merely watches (Discord): recorded when the
    /// channel holds an incident, ignored otherwise.
    Overheard(String),
    /// A message addressed to the bot: recorded and answered.
    Question(String),
    /// A command.
    Command(Command),
    /// A command for a named incident, from a control or form that carries it (see
    /// [`super::action`]): it applies to that incident wherever it was used.
    Action {
        /// The incident the control or form belongs to.
        incident: IncidentId,
        /// What it does.
        command: Command,
    },
    /// A timer fell due (read from the store by [`super::engine::Engine::fire_due`]).
    Timer(Timer),
    /// The platform posted an incident's anchored message (its status card, its
    /// announcement): the adapter reports the message's id so later changes edit it.
    Posted {
        /// The incident.
        incident: IncidentId,
        /// Which message it was.
        anchor: Anchor,
        /// The platform's id for it.
        message: String,
    },
    /// A channel was created: if its name matches the followed pattern, it becomes an
    /// incident channel titled after its name.
    ChannelCreated {
        /// The channel's name.
        name: String,
        /// The channel's topic, possibly empty.
        topic: String,
    },
    /// A monitoring system's notification about a group of alerts: opens an incident for the
    /// group, or tells its incident what changed.
    Alert(AlertGroup),
    /// A deploy, config or flag change of a service, kept in its history of changes.
    Change(Change),
}

impl Input {
    /// The kind of input, as metrics label turns.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Message(_) => "message",
            Input::Overheard(_) => "overheard",
            Input::Question(_) => "question",
            Input::Command(_) => "command",
            Input::Action { .. } => "action",
            Input::Timer(_) => "timer",
            Input::Posted { .. } => "posted",
            Input::ChannelCreated { .. } => "channel_created",
            Input::Alert(_) => "alert",
            Input::Change(_) => "change",
        }
    }

    /// The input a control or form of the bot stands for, read from its id (a Discord
    /// `custom_id`) and what came with it: the values chosen, or a form's fields by name. A form
    /// opened by a command names no incident and applies to the channel's, as the command would.
    pub fn from_action(id: &str, values: impl IntoIterator<Item = (String, String)>) -> Result<Self, UserError> {
        let id = ActionId::parse(id)?;
        let command = Command::from_action(&id, values)?;
        Ok(match id.incident {
            Some(incident) => Input::Action { incident, command },
            None => Input::Command(command),
        })
    }
}
