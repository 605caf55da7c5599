//! `/feedback` (the 1–5 buttons under every answer): a rating of the bot's help, the study's
//! production measure, recorded with the advisor rated and, from the buttons, the answer. A
//! person's later rating of the same answer replaces their earlier one (see
//! [`crate::core::ratings`]).

use super::{Command, CommandSpec, OptionKind, OptionValues, option, split_word};
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::invalid::InvalidValue;
use crate::core::ratings::counted;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "feedback",
    usage: "/feedback <1-5> [comment] [answer: <id>]",
    description: "Rate how useful the bot's help was (1 useless – 5 spot on).",
    leading: Some("rating"),
    options: &[
        option("rating", "1 (useless) to 5 (spot on)", OptionKind::Integer { min: 1, max: 5 }, true),
        option("comment", "What helped or what was missing", OptionKind::Text { max_chars: 1_000 }, false),
        option("answer", "The answer rated, as shown under it", OptionKind::Text { max_chars: 16 }, false),
    ],
    privileged: false,
    reads_only: false,
    parse,
    suggest: None,
};

/// The rating may arrive alone (a typed option) or followed by the comment (free text).
fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    let rating = options.take("rating").unwrap_or_default();
    let (rating, trailing) = split_word(&rating);
    let rating = match rating.parse::<u8>() {
        Ok(value @ 1..=5) => value,
        _ => {
            return Err(InvalidValue {
                what: "rating",
                value: rating.to_owned(),
                expected: "a whole number from 1 (useless) to 5 (spot on)",
            }
            .into());
        }
    };
    let comment = options.take("comment").unwrap_or_else(|| trailing.to_owned());
    Ok(Command::Feedback { rating, comment, answer: options.take("answer") })
}

pub(super) async fn handle(
    turn: &Turn<'_>,
    incident: Incident,
    rating: u8,
    comment: &str,
    answer: Option<&str>,
) -> TurnResult {
    turn.check_length(comment)?;
    let earlier = match answer {
        Some(answer) => {
            let who = &turn.origin.author.id;
            let timeline = turn.timeline(incident.id).await?;
            counted(&timeline)
                .into_iter()
                .find(|counted| counted.answer.as_deref() == Some(answer) && counted.by == *who)
                .map(|counted| counted.rating)
        }
        None => None,
    };
    let advisor = Some(turn.advisor().name().to_owned());
    let kind = EntryKind::Feedback { rating, advisor, answer: answer.map(str::to_owned) };
    turn.store().append(incident.id, &turn.by_author(kind, comment)).await?;
    turn.ports.observer.rated(rating);
    Ok(vec![turn.text(match earlier {
        Some(was) => replies::rating_changed(&incident, rating, was),
        None => replies::feedback_recorded(&incident, rating),
    })])
}
