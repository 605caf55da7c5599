//! What the load driver and its replica processes say to each other, one JSON object a line:
//! the driver writes a [`Request`] to a replica's stdin; the replica, once it has said
//! [`READY`], answers each with a [`Response`] on its stdout, in the order its turns finish.

use serde::{Deserialize, Serialize};

/// The line a replica writes once its engine is built and it takes requests.
pub const READY: &str = "ready";

/// One platform event for a replica's engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The driver's number for this request, echoed in the response.
    pub id: u64,
    /// The platform's event id: the same event sent to several replicas is handled once.
    pub event: String,
    /// The channel it happens in.
    pub channel: String,
    /// Who sends it.
    pub author: String,
    /// What it is.
    pub kind: Kind,
    /// The message, question, or command line.
    pub text: String,
}

/// What a request asks of the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `/incident declare …` in the channel.
    Declare,
    /// A plain message, to be recorded.
    Message,
    /// A question to the bot, to be answered.
    Question,
}

/// How a replica's turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's number.
    pub id: u64,
    /// What the channel was told.
    pub outcome: Outcome,
}

/// What the channel was told by one replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing: a message recorded, or an event another replica handled.
    Silent,
    /// An answer (or the confirmation of a declaration).
    Replied,
    /// "Not recorded, please repeat": the store could not be reached.
    NotRecorded,
    /// Any other error.
    Failed,
}
