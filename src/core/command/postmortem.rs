//! `/postmortem`: a postmortem draft of the incident as a Markdown document — the advisor writes
//! the narrative, the rest comes from the record (see [`crate::core::postmortem`]).

use super::{Command, CommandSpec};
use crate::core::incident::Incident;
use crate::core::outbound::{Document, Message};
use crate::core::postmortem::file_name;
use crate::core::replies;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "postmortem",
    usage: "/postmortem",
    description: "Draft the incident's postmortem as a Markdown file.",
    leading: None,
    options: &[],
    privileged: false,
    reads_only: true,
    parse: |_| Ok(Command::Postmortem),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    let content = turn.postmortem(&incident).await?;
    let document = Document { name: file_name(incident.id), caption: replies::postmortem_attached(&incident), content };
    Ok(vec![turn.post(Message::File(document))])
}
