//! Adapters: translate a platform's events into the core's `Inbound`s and render the
//! `Outbound`s back in the platform's form.

pub mod console;
pub mod discord;
pub mod intake;
