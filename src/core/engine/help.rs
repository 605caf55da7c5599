//! `/help`: the registered commands with their usage.

use crate::core::command::COMMANDS;
use crate::core::replies;

/// The help text for a bot called `bot_name`.
pub(super) fn text(bot_name: &str) -> String {
    let mut lines = vec![replies::HELP_HEADING.to_owned()];
    lines.extend(COMMANDS.iter().map(|spec| format!("- `{}` — {}", spec.usage, spec.description)));
    lines.push(replies::help_footer(bot_name));
    lines.join("\n")
}
