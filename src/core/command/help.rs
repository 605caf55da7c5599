//! `/help`: the registered commands with their usage, and the diagnostics `/diagnose` can run.

use super::{COMMANDS, Command, CommandSpec};
use crate::core::replies;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "help",
    usage: "/help",
    description: "List the commands.",
    leading: None,
    options: &[],
    privileged: false,
    reads_only: true,
    parse: |_| Ok(Command::Help),
    suggest: None,
};

pub(super) fn handle(turn: &Turn<'_>) -> TurnResult {
    let mut lines = vec![replies::HELP_HEADING.to_owned()];
    lines.extend(COMMANDS.iter().map(|spec| format!("- `{}` — {}", spec.usage, spec.description)));
    let tools = turn.ports.diagnostics.tools();
    if !tools.is_empty() {
        lines.push(replies::DIAGNOSTICS_HEADING.to_owned());
        lines.extend(tools.iter().map(|tool| format!("- `{}` — {}", tool.name, tool.description)));
    }
    lines.push(replies::help_footer(&turn.settings.bot_name));
    Ok(vec![turn.text(lines.join("\n"))])
}
