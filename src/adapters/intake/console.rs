//! Alert intake without a chat platform: each incident an alert opens gets a channel of its own
//! by name only, and the messages of the intake's turns are printed as the console prints them,
//! each line after the channel it is for. `firebreak intake` and `firebreak run` work this way
//! when no Discord token is set.

use std::io::Write;
use std::sync::Mutex;

use async_trait::async_trait;

use super::Deliver;
use crate::adapters::console::render::{Format, outbound};
use crate::core::engine::Engine;
use crate::core::outbound::Outbound;
use crate::core::ports::{ChannelRequest, OpenedChannel, Workspace, WorkspaceError};

/// A workspace whose channels are names: opening one takes the name the engine chose.
#[derive(Debug, Clone, Copy, Default)]
pub struct NamedChannels;

#[async_trait]
impl Workspace for NamedChannels {
    fn opens_channels(&self) -> bool {
        true
    }

    async fn open_channel(&self, request: ChannelRequest<'_>) -> Result<OpenedChannel, WorkspaceError> {
        Ok(OpenedChannel { id: request.name.to_owned(), mention: format!("#{}", request.name) })
    }
}

/// Prints each message to a writer (stdout for the commands), in the console's format.
pub struct Printed<W> {
    out: Mutex<W>,
    format: Format,
    bot_name: String,
}

impl<W: Write + Send> Printed<W> {
    /// Prints to `out` in `format`, signed by `bot_name`.
    pub fn new(out: W, format: Format, bot_name: impl Into<String>) -> Self {
        Self { out: Mutex::new(out), format, bot_name: bot_name.into() }
    }
}

#[async_trait]
impl<W: Write + Send> Deliver for Printed<W> {
    async fn deliver(&self, _engine: &Engine, messages: &[Outbound]) {
        // Plain data behind the lock: a panic elsewhere cannot leave it inconsistent.
        let mut out = self.out.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for message in messages {
            let shown = outbound(message, self.format, &self.bot_name);
            let line = match self.format {
                Format::Text => format!("#{} {shown}", message.channel),
                Format::Json => shown,
            };
            if let Err(error) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                tracing::warn!(%error, "could not print a message");
            }
        }
    }
}
