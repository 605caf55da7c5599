//! `/incident detach`: the channel stops being an incident channel. The incident keeps its
//! record and timeline; nothing said in the channel afterwards is recorded.

use super::{Command, CommandSpec};
use crate::core::incident::Incident;
use crate::core::replies;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "incident detach",
    usage: "/incident detach",
    description: "Stop treating this channel as an incident channel (the incident's record is kept).",
    leading: None,
    options: &[],
    privileged: true,
    reads_only: false,
    parse: |_| Ok(Command::Detach),
    suggest: None,
};

pub(super) async fn handle(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    turn.store().release_channel(&incident.channel, incident.id).await?;
    Ok(vec![turn.text(replies::detached(&incident))])
}
