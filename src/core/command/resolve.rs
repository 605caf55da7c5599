//! `/incident resolve`: closes the incident with its root cause and mitigation on record and
//! publishes it to the knowledge base, so the next similar incident can cite it.

use std::sync::LazyLock;

use chrono::Utc;
use regex::Regex;

use super::{Command, CommandSpec, LONG_TEXT_CHARS, OptionKind, OptionValues, option};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Status};
use crate::core::invalid::InvalidValue;
use crate::core::record::IncidentRecord;
use crate::core::redact::redact;
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident resolve",
    usage: "/incident resolve root_cause: <text> mitigation: <text> [category: <word>]",
    description: "Close the incident with its root cause and mitigation, so future incidents can learn from it.",
    leading: None,
    options: &[
        option("root_cause", "What caused it", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, true),
        option("mitigation", "What stopped the impact", OptionKind::Text { max_chars: LONG_TEXT_CHARS }, true),
        option(
            "category",
            "Root-cause category, e.g. deployment or certificate-expiry",
            OptionKind::Text { max_chars: 40 },
            false,
        ),
    ],
    privileged: true,
    reads_only: false,
    parse,
};

fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    static CATEGORY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9-]{0,39}$").expect("static regex is valid"));
    let (Some(root_cause), Some(mitigation)) = (options.take("root_cause"), options.take("mitigation")) else {
        return Err(super::bad_usage("Resolving needs both a root cause and a mitigation", &SPEC));
    };
    let category = options.take("category").map(|word| word.to_ascii_lowercase());
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
        let now = Utc::now();
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
        Ok(vec![turn.text(replies::resolved(&incident, minutes))])
    })
    .await
}
