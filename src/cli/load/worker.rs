//! A replica process of the load harness (`firebreak load-worker`): an engine built the way
//! `firebreak run` builds it, fed the driver's requests from stdin, each turn run as its own
//! task so that, as on a real replica, a slow answer never holds up the messages behind it.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use super::protocol::{Kind, Outcome, READY, Request, Response};
use crate::core::command::Command;
use crate::core::engine::Engine;
use crate::core::error::UserError;
use crate::core::inbound::{Inbound, Input};
use crate::core::outbound::{Message, Outbound};
use crate::core::timeline::Author;

/// Says it is ready, then answers every request read from `input` on `output` until `input`
/// ends and every turn begun has finished.
///
/// # Errors
/// When `input` or `output` fails, or a line is not a request.
pub async fn serve(
    engine: Arc<Engine>,
    input: impl AsyncBufRead + Unpin,
    mut output: impl AsyncWrite + Unpin + Send + 'static,
) -> io::Result<()> {
    output.write_all(format!("{READY}\n").as_bytes()).await?;
    output.flush().await?;
    let (responses, mut finished) = mpsc::unbounded_channel::<Response>();
    let writer = tokio::spawn(async move {
        while let Some(response) = finished.recv().await {
            let line = serde_json::to_string(&response).map_err(io::Error::other)?;
            output.write_all(format!("{line}\n").as_bytes()).await?;
            output.flush().await?;
        }
        Ok::<_, io::Error>(())
    });
    let mut lines = input.lines();
    while let Some(line) = lines.next_line().await? {
        let request: Request =
            serde_json::from_str(&line).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))?;
        let (engine, responses) = (engine.clone(), responses.clone());
        tokio::spawn(async move {
            let outcome = match inbound(&request) {
                Some(inbound) => outcome_of(&engine.handle(inbound).await),
                None => Outcome::Failed,
            };
            // The writer is gone only when the driver stopped reading: nobody to tell.
            let _ = responses.send(Response { id: request.id, outcome });
        });
    }
    drop(responses);
    writer.await.map_err(io::Error::other)?
}

/// The engine's event for `request`; none for a command line that does not parse.
fn inbound(request: &Request) -> Option<Inbound> {
    let input = match request.kind {
        Kind::Declare => Input::Command(Command::parse(&request.text).ok()?),
        Kind::Message => Input::Message(request.text.clone()),
        Kind::Question => Input::Question(request.text.clone()),
    };
    let mut inbound = Inbound::new(&request.channel, Author::new(&request.author, &request.author), input);
    inbound.event_id = Some(request.event.clone());
    Some(inbound)
}

/// What the channel was told, from the turn's replies.
fn outcome_of(replies: &[Outbound]) -> Outcome {
    let not_recorded = UserError::StoreUnavailable.to_string();
    let errors: Vec<&str> = replies
        .iter()
        .filter_map(|reply| match &reply.message {
            Message::Error { text } => Some(text.as_str()),
            Message::Text { .. } | Message::Report(_) => None,
        })
        .collect();
    if errors.contains(&not_recorded.as_str()) {
        Outcome::NotRecorded
    } else if !errors.is_empty() {
        Outcome::Failed
    } else if replies.is_empty() {
        Outcome::Silent
    } else {
        Outcome::Replied
    }
}
