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
        .filter_map(|reply| if let Message::Error { text } = &reply.message { Some(text.as_str()) } else { None })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(message: Message) -> Outbound {
        Outbound { channel: "load-1".into(), message }
    }

    #[test]
    fn the_channel_is_told_not_recorded_only_when_the_store_was_out_of_reach() {
        let not_recorded = reply(Message::Error { text: UserError::StoreUnavailable.to_string() });
        let other_error = reply(Message::Error { text: "There is no incident in this channel.".into() });
        let answer = reply(Message::Text { text: "Check the deploy of 09:10.".into() });

        assert_eq!(outcome_of(&[]), Outcome::Silent);
        assert_eq!(outcome_of(std::slice::from_ref(&answer)), Outcome::Replied);
        assert_eq!(outcome_of(&[answer.clone(), not_recorded]), Outcome::NotRecorded);
        assert_eq!(outcome_of(&[answer, other_error]), Outcome::Failed);
    }

    #[test]
    fn a_request_becomes_the_event_it_names_with_its_event_id() {
        let request = |kind, text: &str| Request {
            id: 7,
            event: "load:7".into(),
            channel: "load-1".into(),
            author: "writer-1".into(),
            kind,
            text: text.into(),
        };

        let question = inbound(&request(Kind::Question, "what next?")).unwrap();
        let declare = inbound(&request(Kind::Declare, "/incident declare Checkout 502s")).unwrap();

        assert_eq!(question.event_id.as_deref(), Some("load:7"));
        assert_eq!(question.input, Input::Question("what next?".into()));
        assert!(matches!(declare.input, Input::Command(Command::Declare(_))));
        assert!(inbound(&request(Kind::Declare, "/incident explode")).is_none());
    }
}
