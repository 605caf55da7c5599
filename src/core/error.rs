//! The two kinds of failure a turn can meet: a `UserError`, whose `Display` is the reply the
//! engineer reads in the channel, and everything else, which is logged and shown only as a
//! reference the team can search the logs for.

use thiserror::Error;

use super::incident::IncidentId;
use super::invalid::InvalidValue;
use super::ports::WorkspaceError;
use super::redact::redact;

/// A failure the person in the channel can act on. Its text is the chat reply.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    /// The text started with `/` but names no command.
    #[error("I don't know the command `{0}`. Type `/help` for the list.")]
    UnknownCommand(String),
    /// A command's words did not fit its usage.
    #[error("{problem}. Usage: `{usage}`")]
    BadUsage {
        /// What was wrong.
        problem: String,
        /// The command's usage line.
        usage: &'static str,
    },
    /// A value (severity, status, rating…) was not one of the accepted ones.
    #[error(transparent)]
    InvalidValue(#[from] InvalidValue),
    /// The command needs an incident but this channel has none.
    #[error("This channel has no incident yet. Declare one with `/incident declare <title>`.")]
    NoIncident,
    /// `/incident declare` in a channel whose incident is still open.
    #[error("This channel already tracks {0}, which is still open. Resolve it first or declare in a new channel.")]
    AlreadyDeclared(IncidentId),
    /// The command does not apply to an incident in its current state.
    #[error("{0}")]
    NotNow(String),
    /// The message is larger than the engine accepts.
    #[error(
        "That message is {length} characters long; I keep messages up to {limit}. Please shorten it or attach a file."
    )]
    TooLong {
        /// Characters received.
        length: usize,
        /// Characters accepted.
        limit: usize,
    },
    /// An incident title longer than the engine accepts.
    #[error("That title is {length} characters long; titles are kept to {limit}. Put the details in `summary:`.")]
    TitleTooLong {
        /// Characters received.
        length: usize,
        /// Characters accepted.
        limit: usize,
    },
    /// Another turn of this incident holds the lock for longer than we are willing to wait.
    #[error("I'm still busy with the previous request on {0}. Please try again in a moment.")]
    Busy(IncidentId),
    /// A diagnostic was refused before it ran (unknown tool, bad argument).
    #[error("I won't run that: {0}")]
    Refused(String),
    /// The command needs a responder role the author does not have.
    #[error("Only responders can do that: it needs one of these roles: {roles}.")]
    Forbidden {
        /// The roles that would allow it, comma-separated.
        roles: String,
    },
    /// `/incident declare` came from outside a server, where no channel can be opened.
    #[error("Incidents can only be declared inside a server.")]
    NotInServer,
    /// The platform would not open the incident's channel.
    #[error(
        "I couldn't create the incident channel ({0}). Check that I may manage channels, or use /incident attach in an existing channel."
    )]
    ChannelFailed(String),
    /// The state store cannot be reached; nothing of this turn was recorded.
    #[error(
        "I can't reach the incident store right now, so this was not recorded. Everything recorded before is safe; please repeat it in a moment."
    )]
    StoreUnavailable,
}

impl UserError {
    /// The reply the person reads: the error's words with every secret in them masked (a
    /// refusal may quote what was typed, and what was typed may be a token).
    pub fn reply(&self) -> String {
        redact(&self.to_string()).into_owned()
    }
}

impl From<WorkspaceError> for UserError {
    fn from(failure: WorkspaceError) -> Self {
        match failure {
            WorkspaceError::NotInServer => UserError::NotInServer,
            WorkspaceError::Failed(reason) => UserError::ChannelFailed(reason),
        }
    }
}
