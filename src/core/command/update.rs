//! `/incident update` (the card's **Post update** button, a form on Discord): a status update for
//! everyone following the incident — what we know, what we're doing, when the next update
//! comes. It shows on the card and restarts the clock of the update reminders.

use super::{Command, CommandSpec, FormSpec, LONG_TEXT_CHARS, OptionKind, OptionValues, option};
use crate::core::action::FormKind;
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::outbound::FormField;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

/// Characters of "next update".
const NEXT_CHARS: u16 = 100;

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident update",
    usage: "/incident update [known: <text>] [doing: <text>] [next: <when>]",
    description: "Post a status update (alone, it opens a form).",
    leading: Some("known"),
    options: &[
        option("known", "What we know", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, false),
        option("doing", "What we're doing", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, false),
        option("next", "When the next update comes", OptionKind::Text { max_chars: NEXT_CHARS }, false),
    ],
    privileged: true,
    reads_only: false,
    parse,
    suggest: None,
};

pub(super) const FORM: FormSpec = FormSpec {
    command: &SPEC,
    title: "Status update",
    fields: &[
        FormField {
            name: "known",
            label: "What we know",
            placeholder: "Impact, scope, what the evidence shows",
            long: true,
            required: false,
            max_chars: LONG_TEXT_CHARS,
        },
        FormField {
            name: "doing",
            label: "What we're doing",
            placeholder: "Mitigation under way, who is on it",
            long: true,
            required: false,
            max_chars: LONG_TEXT_CHARS,
        },
        FormField {
            name: "next",
            label: "Next update",
            placeholder: "e.g. in 30 minutes, or at 15:00 UTC",
            long: false,
            required: false,
            max_chars: NEXT_CHARS,
        },
    ],
};

/// A status update's three parts; at least one is given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusUpdate {
    /// What we know.
    pub known: Option<String>,
    /// What we're doing.
    pub doing: Option<String>,
    /// When the next update comes.
    pub next: Option<String>,
}

impl StatusUpdate {
    /// The update as posted and recorded, one labelled line per part given.
    pub fn text(&self) -> String {
        [("What we know", &self.known), ("What we're doing", &self.doing), ("Next update", &self.next)]
            .into_iter()
            .filter_map(|(label, part)| part.as_ref().map(|part| format!("{label}: {part}")))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    let update =
        StatusUpdate { known: options.take("known"), doing: options.take("doing"), next: options.take("next") };
    if update == StatusUpdate::default() {
        return Ok(Command::Form(FormKind::Update));
    }
    Ok(Command::Update(update))
}

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, update: &StatusUpdate) -> TurnResult {
    let text = update.text();
    turn.check_length(&text)?;
    if !incident.is_open() {
        return Err(UserError::NotNow(replies::already_resolved(incident.id)).into());
    }
    turn.store().append(incident.id, &turn.by_author(EntryKind::Update, &text)).await?;
    let mut outbound = vec![turn.text(replies::update_posted(&incident, &turn.origin.author.name, &text))];
    outbound.extend(turn.refreshed(&incident, Refresh::UPDATE).await);
    Ok(outbound)
}
