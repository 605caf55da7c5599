//! `/feedback`: a 1–5 rating of the bot's help, the study's production measure.

use super::{Command, CommandSpec, OptionKind, OptionValues, option, split_word};
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::invalid::InvalidValue;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "feedback",
    usage: "/feedback <1-5> [comment]",
    description: "Rate how useful the bot's help was (1 useless – 5 spot on).",
    leading: Some("rating"),
    options: &[
        option("rating", "1 (useless) to 5 (spot on)", OptionKind::Integer { min: 1, max: 5 }, true),
        option("comment", "What helped or what was missing", OptionKind::Text { max_chars: 1_000 }, false),
    ],
    privileged: false,
    reads_only: false,
    parse,
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
    Ok(Command::Feedback { rating, comment })
}

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, rating: u8, comment: &str) -> TurnResult {
    turn.check_length(comment)?;
    let advisor = Some(turn.advisor().name().to_owned());
    let entry = turn.by_author(EntryKind::Feedback { rating, advisor }, comment);
    turn.store().append(incident.id, &entry).await?;
    turn.ports.observer.rated(rating);
    Ok(vec![turn.text(replies::feedback_recorded(&incident, rating))])
}
