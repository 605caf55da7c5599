//! The platform-free core: incidents, timelines, commands and the engine that runs a turn. It
//! never names a chat platform, a database client, a model API or an HTTP framework; those
//! reach it through the ports in `store`, `advisor` and friends.

pub mod command;
pub mod engine;
pub mod error;
pub mod incident;
pub mod replies;
pub mod timeline;
pub mod turn;
