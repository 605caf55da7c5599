//! The terminal as an incident channel: each typed line becomes one turn of the engine, and
//! the bot's messages are printed as text or as one JSON object per message. Buttons are the
//! commands they stand for; timers (update reminders) fire while the chat waits for a line.
//! `firebreak chat` reads lines from stdin; `firebreak demo` replays a scripted conversation
//! through it, letting time pass on a clock of its own instead of waiting.

pub mod render;

use std::io::{self, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use self::render::Format;
use crate::core::command::Utterance;
use crate::core::engine::Engine;
use crate::core::inbound::{Inbound, Input};
use crate::core::outbound::{Message, Outbound};
use crate::core::ports::{ChannelRequest, OpenedChannel, Workspace, WorkspaceError};
use crate::core::replies;
use crate::core::timeline::Author;

/// The console's workspace: it has one channel, so incidents are declared where they are typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct InPlace;

#[async_trait::async_trait]
impl Workspace for InPlace {
    fn opens_channels(&self) -> bool {
        false
    }

    async fn open_channel(&self, _request: ChannelRequest<'_>) -> Result<OpenedChannel, WorkspaceError> {
        Err(WorkspaceError::Failed("the console declares incidents where they are typed".to_owned()))
    }
}

/// A channel in the terminal: turns typed lines into turns of the engine and prints replies.
pub struct Console<'a, W: Write> {
    engine: &'a Engine,
    channel: String,
    format: Format,
    out: W,
    /// How far the console's clock runs ahead of the real one: time a scenario let pass.
    ahead: chrono::Duration,
}

impl<'a, W: Write> Console<'a, W> {
    /// A console channel called `channel`, printing to `out` in `format`.
    pub fn new(engine: &'a Engine, channel: impl Into<String>, format: Format, out: W) -> Self {
        Self { engine, channel: channel.into(), format, out, ahead: chrono::Duration::zero() }
    }

    /// The console's time: the real time, plus what scenarios let pass.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.ahead
    }

    /// Lets `duration` pass on the console's clock, then fires the timers due by then (an
    /// update reminder, say) and prints what they post, which it also returns.
    pub async fn pass(&mut self, duration: Duration) -> io::Result<Vec<Outbound>> {
        self.ahead += chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX);
        self.fire_due().await
    }

    /// Fires the timers due now and prints what they post, which it also returns.
    pub async fn fire_due(&mut self) -> io::Result<Vec<Outbound>> {
        let replies = self.engine.fire_due(self.now()).await;
        self.print(&replies)?;
        Ok(replies)
    }

    fn print(&mut self, replies: &[Outbound]) -> io::Result<()> {
        for reply in replies {
            writeln!(self.out, "{}", render::outbound(reply, self.format, &self.engine.settings().bot_name))?;
        }
        self.out.flush()
    }

    /// The output format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Handles one line typed by `author` (holding `roles`) and prints the bot's replies, which
    /// it also returns.
    pub async fn say(&mut self, author: &Author, roles: &[String], line: &str) -> io::Result<Vec<Outbound>> {
        if line.trim().is_empty() {
            return Ok(Vec::new());
        }
        let replies = match Utterance::parse(line, &self.engine.settings().bot_name) {
            Ok(utterance) => {
                let input = match utterance {
                    Utterance::Command(command) => Input::Command(command),
                    Utterance::Question(question) => Input::Question(question),
                    Utterance::Message(message) => Input::Message(message),
                };
                let mut inbound = Inbound::new(self.channel.clone(), author.clone(), input);
                inbound.roles = roles.to_vec();
                inbound.channel_name = Some(self.channel.clone());
                inbound.at = self.now();
                self.engine.handle(inbound).await
            }
            Err(error) => {
                vec![Outbound { channel: self.channel.clone(), message: Message::Error { text: error.reply() } }]
            }
        };
        self.print(&replies)?;
        Ok(replies)
    }

    /// Prints a line someone else said, as the channel would show it (text format only).
    pub fn echo(&mut self, author: &Author, line: &str) -> io::Result<()> {
        if self.format == Format::Text {
            writeln!(self.out, "{}", render::said(&author.name, line))?;
        }
        Ok(())
    }

    /// Prints a heading, as a transcript's banner (text format only).
    pub fn heading(&mut self, title: &str) -> io::Result<()> {
        self.note(&render::heading(title))
    }

    /// Prints a line of the transcript that nobody said: a banner, time passing (text format
    /// only).
    pub fn note(&mut self, line: &str) -> io::Result<()> {
        if self.format == Format::Text {
            writeln!(self.out, "{line}")?;
        }
        Ok(())
    }

    /// Reads lines from `input` until it ends, each said by `author` holding `roles`, firing
    /// due timers every `timer_poll` meanwhile. A line that is not UTF-8 is refused on its own;
    /// the lines after it are read as usual.
    pub async fn chat(
        &mut self,
        author: &Author,
        roles: &[String],
        mut input: impl AsyncBufRead + Unpin,
    ) -> io::Result<()> {
        let mut bytes = Vec::new();
        let mut poll = tokio::time::interval(self.engine.settings().timer_poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // Cancel-safe: bytes read before a tick stay in `bytes`, and reading goes on.
                read = input.read_until(b'\n', &mut bytes) => {
                    if read? == 0 && bytes.is_empty() {
                        return Ok(());
                    }
                    match std::str::from_utf8(&bytes) {
                        Ok(line) => {
                            let line = line.trim_end_matches(['\n', '\r']).to_owned();
                            self.say(author, roles, &line).await?;
                        }
                        Err(_) => self.refuse(replies::NOT_UTF8)?,
                    }
                    bytes.clear();
                }
                _ = poll.tick() => {
                    self.fire_due().await?;
                }
            }
        }
    }

    /// Prints an error the console itself found in what was typed.
    fn refuse(&mut self, text: &str) -> io::Result<()> {
        let error = Outbound { channel: self.channel.clone(), message: Message::Error { text: text.to_owned() } };
        writeln!(self.out, "{}", render::outbound(&error, self.format, &self.engine.settings().bot_name))?;
        self.out.flush()
    }
}
