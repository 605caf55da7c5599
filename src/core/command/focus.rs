//! `/rca`, `/mitigation` and `/similar`: one piece of the current recommendation each, asked
//! of the advisor with the incident's gathered context. The three differ only in their words
//! and the piece they ask for, so they share this file.

use super::{Command, CommandSpec, Parser};
use crate::core::card::rated;
use crate::core::incident::Incident;
use crate::core::outbound::Message;
use crate::core::ports::Focus;
use crate::core::turn::{Turn, TurnHelpers, TurnResult};

/// A focus command's spec: no options, nothing privileged.
const fn spec(name: &'static str, usage: &'static str, description: &'static str, parse: Parser) -> CommandSpec {
    CommandSpec {
        name,
        usage,
        description,
        leading: None,
        options: &[],
        privileged: false,
        reads_only: true,
        parse,
        suggest: None,
    }
}

pub(super) const ROOT_CAUSE: CommandSpec =
    spec("rca", "/rca", "Show the likely root causes, with the past incidents behind them.", |_| {
        Ok(Command::RootCause)
    });

pub(super) const MITIGATION: CommandSpec =
    spec("mitigation", "/mitigation", "Show mitigation steps that worked for similar past incidents.", |_| {
        Ok(Command::Mitigation)
    });

pub(super) const SIMILAR: CommandSpec =
    spec("similar", "/similar", "List similar resolved incidents and what fixed them.", |_| Ok(Command::Similar));

/// The advisor's `focus` piece of the recommendation for `incident`.
pub(super) async fn handle(turn: &Turn<'_>, incident: Incident, focus: Focus) -> TurnResult {
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let report = turn.advisor().focus(gathered.context(&incident, &helpers), focus).await?;
    Ok(vec![turn.post(rated(&incident, &turn.answer_id(), Message::Report(report)))])
}
