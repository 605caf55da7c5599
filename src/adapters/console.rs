//! The terminal as an incident channel: `firebreak chat` reads lines from stdin, `firebreak
//! demo` replays a scripted conversation. Both print the bot's messages as text or as one JSON
//! object per message.

pub mod evaluation;
pub mod feedback;
pub mod kb;
pub mod render;
pub mod scenario;
pub mod stand_in;

use std::io::{self, Write};

use chrono::Utc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use self::render::Format;
use self::scenario::Scenario;
use crate::core::command::Utterance;
use crate::core::engine::Engine;
use crate::core::timeline::Author;
use crate::core::turn::{Inbound, Input, Message, Outbound};

/// A channel in the terminal: turns typed lines into turns of the engine and prints replies.
pub struct Console<'a, W: Write> {
    engine: &'a Engine,
    channel: String,
    format: Format,
    out: W,
}

impl<'a, W: Write> Console<'a, W> {
    /// A console channel called `channel`, printing to `out` in `format`.
    pub fn new(engine: &'a Engine, channel: impl Into<String>, format: Format, out: W) -> Self {
        Self { engine, channel: channel.into(), format, out }
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
                let inbound = Inbound {
                    event_id: None,
                    channel: self.channel.clone(),
                    author: author.clone(),
                    roles: roles.to_vec(),
                    at: Utc::now(),
                    input,
                };
                self.engine.handle(inbound).await
            }
            Err(error) => {
                vec![Outbound { channel: self.channel.clone(), message: Message::Error { text: error.to_string() } }]
            }
        };
        for reply in &replies {
            writeln!(self.out, "{}", render::outbound(reply, self.format, &self.engine.settings().bot_name))?;
        }
        self.out.flush()?;
        Ok(replies)
    }

    /// Prints a line someone else said, as the channel would show it (text format only).
    fn echo(&mut self, author: &Author, line: &str) -> io::Result<()> {
        if self.format == Format::Text {
            writeln!(self.out, "{}", render::said(&author.name, line))?;
        }
        Ok(())
    }

    /// Reads lines from `input` until it ends, each said by `author` holding `roles`.
    pub async fn chat(
        &mut self,
        author: &Author,
        roles: &[String],
        input: impl AsyncBufRead + Unpin,
    ) -> io::Result<()> {
        let mut lines = input.lines();
        while let Some(line) = lines.next_line().await? {
            self.say(author, roles, &line).await?;
        }
        Ok(())
    }

    /// Replays `scenario` step by step, printing both sides. Returns the unmet expectations,
    /// one line each (empty when every step's `expect` was met).
    pub async fn replay(&mut self, scenario: &Scenario) -> io::Result<Vec<String>> {
        if self.format == Format::Text {
            writeln!(self.out, "{}", render::heading(&scenario.title))?;
        }
        let mut unmet = Vec::new();
        for (index, step) in scenario.steps.iter().enumerate() {
            let author = Author::new(format!("demo:{}", step.author), step.author.clone());
            self.echo(&author, &step.say)?;
            let replies = self.say(&author, &step.roles, &step.say).await?;
            let said: String = replies.iter().map(|reply| render::plain(&reply.message)).collect::<Vec<_>>().join("\n");
            let said = said.to_lowercase();
            unmet.extend(step.expect.iter().filter(|expected| !said.contains(&expected.to_lowercase())).map(
                |expected| format!("step {} ({}): expected a reply containing {expected:?}", index + 1, step.say),
            ));
        }
        Ok(unmet)
    }
}
