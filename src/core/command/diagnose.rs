//! `/diagnose <tool> [name=value …]`: runs one diagnostic now, keeps what it found as evidence
//! and shows it. Unknown tools and arguments that fail validation are refused before anything
//! runs. While it is typed, the tool names and then each parameter are suggested
//! (`suggestions`).

mod suggestions;

use std::collections::BTreeMap;

use super::{Command, CommandSpec, OptionKind, OptionValues, option, split_word};
use crate::core::error::UserError;
use crate::core::incident::Incident;
use crate::core::outbound::Message;
use crate::core::ports::ToolCall;
use crate::core::replies;
use crate::core::turn::{Turn, TurnResult};

pub(super) const SPEC: CommandSpec = CommandSpec {
    name: "diagnose",
    usage: "/diagnose <tool> [name=value …]",
    description: "Run one diagnostic now and keep what it finds as evidence.",
    leading: Some("tool"),
    options: &[
        option("tool", "The diagnostic to run", OptionKind::Text { max_chars: 100 }, true).suggested(),
        option(
            "args",
            "Its arguments as name=value pairs, e.g. service=checkout",
            OptionKind::Text { max_chars: 1_000 },
            false,
        )
        .suggested(),
    ],
    privileged: true,
    reads_only: false,
    parse,
    suggest: Some(suggestions::suggest),
};

/// The tool may arrive alone (a typed option) or followed by its arguments (free text).
fn parse(options: &mut OptionValues) -> Result<Command, UserError> {
    let tool = options.take("tool").unwrap_or_default();
    let (tool, trailing) = split_word(&tool);
    let pairs = options.take("args").unwrap_or_else(|| trailing.to_owned());
    let mut args = BTreeMap::new();
    for pair in pairs.split_whitespace() {
        match pair.split_once('=') {
            Some((name, value)) if !name.is_empty() => {
                args.insert(name.to_owned(), value.to_owned());
            }
            _ => return Err(super::bad_usage(&format!("`{pair}` is not a name=value argument"), &SPEC)),
        }
    }
    Ok(Command::Diagnose { tool: tool.to_owned(), args })
}

pub(super) async fn handle(
    turn: &Turn<'_>,
    incident: Incident,
    tool: &str,
    args: &BTreeMap<String, String>,
) -> TurnResult {
    let call = ToolCall { tool: tool.to_owned(), args: args.clone() };
    turn.ports.diagnostics.validate(&call).map_err(|refusal| UserError::Refused(refusal.to_string()))?;
    let found = turn.investigate(&incident, std::slice::from_ref(&call)).await?;
    Ok(found.iter().map(|evidence| turn.post(Message::Report(replies::evidence_report(evidence)))).collect())
}
