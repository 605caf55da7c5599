//! `/incident role <commander|scribe|comms> <person>` (the card's commander picker): hands a role
//! to someone, announced on the timeline and shown on the card.

use super::{Command, CommandSpec, OptionKind, OptionValues, option};
use crate::core::error::UserError;
use crate::core::incident::{Incident, Person, Role};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::{Refresh, Turn, TurnResult};

const ROLES: &[&str] = &["commander", "scribe", "comms"];

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident role",
    usage: "/incident role <commander|scribe|comms> <person>",
    description: "Give a role of the response to someone (hands the commander over).",
    leading: Some("role"),
    // `person` may follow the role as free text, so only the parser insists on it.
    options: &[
        option("role", "The role", OptionKind::Choice(ROLES), true),
        option("person", "Who takes it", OptionKind::Person, false),
    ],
    privileged: true,
    reads_only: false,
    parse,
    suggest: None,
};

/// The role may arrive alone (a typed option) or followed by the person (free text).
fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    let role = options.take("role").unwrap_or_default();
    let (role, trailing) = super::split_word(&role);
    let role = Role::parse(role)?;
    let person = options.take("person").unwrap_or_else(|| trailing.to_owned());
    if person.is_empty() {
        return Err(super::bad_usage("It needs `person`", &SPEC));
    }
    Ok(Command::Role { role, person: Person::parse(&person)? })
}

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, role: Role, person: Person) -> TurnResult {
    turn.locked(incident.id, |mut incident| async move {
        if !incident.is_open() {
            return Err(UserError::NotNow(replies::already_resolved(incident.id)).into());
        }
        if incident.holder(role) == Some(&person) {
            return Err(UserError::NotNow(replies::already_holds(incident.id, role, &person)).into());
        }
        let was = incident.assign(role, person.clone());
        incident.updated_at = turn.now();
        let text = replies::role_changed(&incident, role, &person, was.as_ref());
        let entry = turn.by_author(EntryKind::RoleChange { role, person: person.clone() }, &text);
        turn.store().update(&incident, &[entry]).await?;
        let mut outbound = vec![turn.text(&text)];
        outbound.extend(turn.refreshed(&incident, Refresh::CARD).await);
        Ok(outbound)
    })
    .await
}
