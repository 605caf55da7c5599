//! The platform-free core: incidents, timelines, commands and the engine that runs a turn. It
//! imports nothing else from the crate and no vendor crate (no chat platform, database client,
//! model API, search engine or HTTP framework): the outside world reaches it through the
//! traits in [`ports`], which the rest of the crate implements. A test keeps it so.

pub mod action;
pub mod alert;
pub mod card;
pub mod channel_names;
pub mod command;
pub mod engine;
pub mod error;
pub mod inbound;
pub mod incident;
pub mod intent;
pub mod invalid;
pub mod outbound;
pub mod overlap;
pub mod ports;
pub mod postmortem;
pub mod ratings;
pub mod record;
pub mod redact;
pub mod replies;
pub mod settings;
pub mod text;
pub mod timeline;
mod turn;
