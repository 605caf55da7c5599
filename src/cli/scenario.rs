//! Scripted incident conversations (`conversations/*.yaml`): who says what, in order, how much
//! time passes between, and what the bot's replies must contain. The format is documented in
//! `conversations/README.md`.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use super::stand_in::StandInSpec;
use crate::diagnostics::DiagnosticsSettings;

/// Where a scenario's diagnostics settings name the stand-in's base URL.
pub const STAND_IN_MARKER: &str = "$STAND_IN";

/// The conversation `firebreak demo` replays when no file is named, built into the binary.
pub const DEFAULT: &str = include_str!("../../conversations/01-checkout-502s.yaml");

/// A scripted conversation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Shown as the transcript's heading.
    pub title: String,
    /// What the scenario shows; not printed.
    #[serde(default)]
    pub description: String,
    /// The channel the conversation happens in.
    #[serde(default = "default_channel")]
    pub channel: String,
    /// A local service the demo starts for the diagnostics to probe.
    #[serde(default)]
    pub stand_in: Option<StandInSpec>,
    /// `[diagnostics]` settings for this conversation, in YAML; `$STAND_IN` stands for the
    /// stand-in's base URL.
    #[serde(default)]
    pub diagnostics: Option<serde_yaml_ng::Value>,
    /// The lines, in order.
    pub steps: Vec<Step>,
}

/// One step of a scripted conversation: a line someone says, or time passing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Who says it.
    #[serde(rename = "as", default)]
    pub author: Option<String>,
    /// What they type, exactly as in a channel.
    #[serde(default)]
    pub say: Option<String>,
    /// Time that passes instead (`90s`, `31m`, `2h`): the timers due by then fire (update
    /// reminders), on the conversation's own clock, without waiting.
    #[serde(default)]
    pub pass: Option<String>,
    /// Their roles, for commands only responders may run.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Phrases (case-insensitive) the bot's replies to this step must contain.
    #[serde(default)]
    pub expect: Vec<String>,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// `author` says `line`.
    Say {
        /// Who.
        author: &'a str,
        /// What.
        line: &'a str,
    },
    /// Time passes.
    Pass(Duration),
}

impl Step {
    /// What the step does; a step is either a line with its author or time passing.
    pub fn action(&self) -> Result<Action<'_>, String> {
        match (&self.author, &self.say, &self.pass) {
            (Some(author), Some(line), None) => Ok(Action::Say { author, line }),
            (None, None, Some(pass)) => parse_duration(pass).map(Action::Pass),
            (_, _, Some(_)) => Err("`pass` stands alone, without `as` or `say`".to_owned()),
            _ => Err("a step needs `as` and `say`, or `pass`".to_owned()),
        }
    }
}

/// `90s`, `31m`, `2h` as a duration.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        _ => return Err(format!("`{text}` is not a duration like 90s, 31m or 2h")),
    };
    number
        .parse::<u64>()
        .map(|count| Duration::from_secs(count * seconds))
        .map_err(|_| format!("`{text}` is not a duration like 90s, 31m or 2h"))
}

fn default_channel() -> String {
    "demo".to_owned()
}

/// Why a scenario could not be loaded.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The YAML does not describe a scenario.
    #[error("invalid scenario {origin}: {message}")]
    Invalid {
        /// Where it came from.
        origin: String,
        /// What was wrong, with its location.
        message: String,
    },
}

impl Scenario {
    /// Parses YAML text; `origin` names it in errors.
    pub fn parse(yaml: &str, origin: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = serde_yaml_ng::from_str(yaml)
            .map_err(|error| ScenarioError::Invalid { origin: origin.to_owned(), message: error.to_string() })?;
        if scenario.steps.is_empty() {
            return Err(ScenarioError::Invalid { origin: origin.to_owned(), message: "no steps".to_owned() });
        }
        for (index, step) in scenario.steps.iter().enumerate() {
            step.action().map_err(|problem| ScenarioError::Invalid {
                origin: origin.to_owned(),
                message: format!("step {}: {problem}", index + 1),
            })?;
        }
        Ok(scenario)
    }

    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let shown = path.display().to_string();
        let yaml =
            std::fs::read_to_string(path).map_err(|source| ScenarioError::Read { path: shown.clone(), source })?;
        Self::parse(&yaml, &shown)
    }

    /// The scenario's diagnostics settings, with `$STAND_IN` replaced by `stand_in_url`.
    pub fn diagnostics(&self, stand_in_url: &str) -> Result<Option<DiagnosticsSettings>, ScenarioError> {
        let Some(value) = &self.diagnostics else { return Ok(None) };
        let invalid = |error: serde_yaml_ng::Error| ScenarioError::Invalid {
            origin: format!("{} (diagnostics)", self.title),
            message: error.to_string(),
        };
        let text = serde_yaml_ng::to_string(value).map_err(invalid)?.replace(STAND_IN_MARKER, stand_in_url);
        serde_yaml_ng::from_str(&text).map(Some).map_err(invalid)
    }

    /// The built-in demo conversation.
    pub fn builtin() -> Self {
        // The embedded file is checked by a test; it cannot be invalid in a released binary.
        Self::parse(DEFAULT, "built-in demo").expect("the built-in demo scenario is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_demo_parses() {
        let scenario = Scenario::builtin();
        assert!(scenario.steps.len() >= 5);
    }

    #[test]
    fn a_step_is_a_line_or_time_passing_never_both() {
        let scenario = Scenario::parse("title: t\nsteps:\n  - as: a\n    say: hi\n  - pass: 31m\n", "x.yaml").unwrap();
        assert_eq!(scenario.steps[1].action(), Ok(Action::Pass(Duration::from_secs(31 * 60))));

        for bad in ["  - as: a\n    pass: 5m\n", "  - say: hi\n", "  - pass: soon\n"] {
            let error = Scenario::parse(&format!("title: t\nsteps:\n{bad}"), "x.yaml").unwrap_err().to_string();
            assert!(error.contains("step 1"), "{error}");
        }
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_location() {
        let error = Scenario::parse("title: t\nsteps:\n  - as: a\n    sey: hi\n", "x.yaml").unwrap_err().to_string();
        assert!(error.contains("x.yaml") && error.contains("sey"), "{error}");
    }
}
