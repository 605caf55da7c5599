//! `/help`: the registered commands with their usage, and the diagnostics `/diagnose` can run.

use crate::core::command::COMMANDS;
use crate::core::replies;
use crate::diagnostics::Catalog;

/// The help text for a bot called `bot_name` with these diagnostics.
pub(super) fn text(bot_name: &str, diagnostics: &Catalog) -> String {
    let mut lines = vec![replies::HELP_HEADING.to_owned()];
    lines.extend(COMMANDS.iter().map(|spec| format!("- `{}` — {}", spec.usage, spec.description)));
    let tools = diagnostics.tools();
    if !tools.is_empty() {
        lines.push(replies::DIAGNOSTICS_HEADING.to_owned());
        lines.extend(tools.iter().map(|tool| format!("- `{}` — {}", tool.name, tool.description)));
    }
    lines.push(replies::help_footer(bot_name));
    lines.join("\n")
}
