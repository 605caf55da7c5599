//! Scripted incident conversations (`conversations/*.yaml`): who says what, in order, and what
//! the bot's replies must contain. The format is documented in `conversations/README.md`.

use std::path::Path;

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

/// One line of a scripted conversation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Who says it.
    #[serde(rename = "as")]
    pub author: String,
    /// What they type, exactly as in a channel.
    pub say: String,
    /// Their roles, for commands only responders may run.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Phrases (case-insensitive) the bot's replies to this line must contain.
    #[serde(default)]
    pub expect: Vec<String>,
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
    fn unknown_keys_are_rejected_with_their_location() {
        let error = Scenario::parse("title: t\nsteps:\n  - as: a\n    sey: hi\n", "x.yaml").unwrap_err().to_string();
        assert!(error.contains("x.yaml") && error.contains("sey"), "{error}");
    }
}
