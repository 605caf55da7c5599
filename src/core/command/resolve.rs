//! `/incident resolve` (the card's **Resolve** button, a form on Discord): closes the incident
//! with its root cause and mitigation on record and publishes it to the knowledge base, so the
//! next similar incident can cite it. The card shows the outcome, the channel is renamed or
//! archived, reminders stop.

use std::sync::LazyLock;

use regex::Regex;

use super::{Command, CommandSpec, FormSpec, LONG_TEXT_CHARS, OptionKind, OptionValues, option};
use crate::core::action::FormKind;
use crate::core::error::UserError;
use crate::core::incident::{Incident, Status};
use crate::core::invalid::InvalidValue;
use crate::core::outbound::FormField;
use crate::core::record::IncidentRecord;
use crate::core::redact::redact;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

/// Characters of a category.
const CATEGORY_CHARS: u16 = 40;

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident resolve",
    usage: "/incident resolve root_cause: <text> mitigation: <text> [category: <word>]",
    description: "Close the incident with its cause and fix (alone, it opens a form).",
    leading: None,
    // Optional where typed options exist, so the command alone can open the form; the parser
    // still wants both or neither.
    options: &[
        option("root_cause", "What caused it", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, false),
        option("mitigation", "What stopped the impact", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, false),
        option(
            "category",
            "Root-cause category, e.g. deployment or certificate-expiry",
            OptionKind::Text { max_chars: CATEGORY_CHARS },
            false,
        ),
    ],
    privileged: true,
    reads_only: false,
    parse,
    suggest: None,
};

pub(super) const FORM: FormSpec = FormSpec {
    command: &SPEC,
    title: "Resolve",
    fields: &[
        FormField {
            name: "root_cause",
            label: "Root cause",
            placeholder: "What caused it: the change, the fault, why it spread",
            long: true,
            required: true,
            max_chars: LONG_TEXT_CHARS,
        },
        FormField {
            name: "mitigation",
            label: "Mitigation",
            placeholder: "What stopped the impact",
            long: true,
            required: true,
            max_chars: LONG_TEXT_CHARS,
        },
        FormField {
            name: "category",
            label: "Category (one word)",
            placeholder: "e.g. deployment, config-change, capacity, certificate-expiry",
            long: false,
            required: false,
            max_chars: CATEGORY_CHARS,
        },
    ],
};

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    static CATEGORY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]{0,39}$").expect("static regex is valid"));
    let category = options.take("category").map(|word| word.to_ascii_lowercase());
    let (root_cause, mitigation) = match (options.take("root_cause"), options.take("mitigation")) {
        (Some(root_cause), Some(mitigation)) => (root_cause, mitigation),
        (None, None) if category.is_none() => return Ok(Command::Form(FormKind::Resolve)),
        _ => return Err(super::bad_usage("Resolving needs both a root cause and a mitigation", &SPEC)),
    };
    if let Some(word) = category.as_deref().filter(|word| !CATEGORY.is_match(word)) {
        return Err(InvalidValue {
            what: "category",
            value: word.to_owned(),
            expected: "one lower-case word with dashes, e.g. deployment or certificate-expiry",
        }
        .into());
    }
    Ok(Command::Resolve { root_cause, mitigation, category })
}

pub(super) async fn handle(
    turn: &Turn<'_>,
    incident: Incident,
    root_cause: &str,
    mitigation: &str,
    category: Option<&str>,
) -> TurnResult {
    turn.check_length(root_cause)?;
    turn.check_length(mitigation)?;
    turn.locked(incident.id, |mut incident| async move {
        if !incident.is_open() {
            return Err(UserError::NotNow(replies::already_resolved(incident.id)).into());
        }
        let now = turn.now();
        incident.status = Status::Resolved;
        incident.updated_at = now;
        incident.resolved_at = Some(now);
        incident.root_cause = Some(redact(root_cause).into_owned());
        incident.mitigation = Some(redact(mitigation).into_owned());
        incident.category = category.map(str::to_owned);
        let text = format!("root cause: {root_cause}; mitigation: {mitigation}");
        let entry = turn.by_author(EntryKind::StatusChange { status: Status::Resolved }, &text);
        turn.store().resolve(&incident, &[entry], &IncidentRecord::from_resolved(&incident)).await?;
        let minutes = (now - incident.created_at).num_minutes().max(0);
        let mut outbound = vec![turn.text(replies::resolved(&incident, minutes))];
        outbound.extend(turn.refreshed(&incident, Refresh::STATE).await);
        Ok(outbound)
    })
    .await
}
