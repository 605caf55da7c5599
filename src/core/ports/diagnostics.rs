//! The diagnostics port: read-only tools that gather live evidence while an incident is open,
//! the handlers that say which tools an incident calls for, and the evidence they produce.
//! Validation, allow-lists, bounds and redaction of what a tool saw belong to the
//! implementation; the engine only asks, stores and announces.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A request to run one tool with named arguments, from a handler, a person or a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    /// The tool's name.
    pub tool: String,
    /// Parameter name → value.
    #[serde(default)]
    pub args: BTreeMap<String, String>,
}

impl ToolCall {
    /// A call of `tool` with `args`.
    pub fn new<K: Into<String>, V: Into<String>>(tool: &str, args: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { tool: tool.to_owned(), args: args.into_iter().map(|(key, value)| (key.into(), value.into())).collect() }
    }
}

/// `tool(arg="value", …)`, how a call is shown when it did not get as far as running.
impl fmt::Display for ToolCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.tool)?;
        for (index, (name, value)) in self.args.iter().enumerate() {
            let separator = if index == 0 { "" } else { ", " };
            write!(f, "{separator}{name}={value:?}")?;
        }
        write!(f, ")")
    }
}

/// A tool as listed for help text and a model's tool list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolInfo {
    /// What calls name it by.
    pub name: String,
    /// What it tells you.
    pub description: String,
    /// A JSON schema of its arguments: an object of required strings, each with its pattern.
    pub parameters: Value,
    /// Whether it lists recent changes (deploys, config and flag changes): what "what changed?"
    /// is answered from.
    pub lists_changes: bool,
}

/// The result of one tool run (or of a call refused or skipped before it ran), redacted and
/// bounded: the form that is stored, shown in the channel and given to a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The tool's name, as called.
    pub tool: String,
    /// What was actually asked: the URL, PromQL, argv or DNS name; the call itself when it was
    /// refused or skipped before running.
    pub query: String,
    /// When the run started.
    pub started_at: DateTime<Utc>,
    /// How long it took, including waiting for a timeout.
    pub duration_ms: u64,
    /// Whether the tool produced an observation (a 503 is an observation; a timeout is not).
    pub ok: bool,
    /// One line for a person: what was found, or why nothing was.
    pub summary: String,
    /// Supporting excerpt, bounded.
    pub detail: String,
}

/// What handlers may know about an incident.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFacts {
    /// The incident's title.
    pub title: String,
    /// Its summary, if any (empty when none).
    pub summary: String,
    /// The affected service, when known.
    pub service: Option<String>,
    /// Where it came from: `machine` (an alert) or `customer`.
    pub source: String,
    /// Labels, e.g. from the alert.
    pub labels: BTreeMap<String, String>,
}

/// Why a call was refused before anything ran (unknown tool, missing or invalid argument).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// Tools that gather live evidence, and the handlers that call them.
#[async_trait::async_trait]
pub trait Diagnostics: Send + Sync {
    /// The tools on offer, with their parameter schemas, in configured order.
    fn tools(&self) -> Vec<ToolInfo>;

    /// Checks `call` without running it.
    fn validate(&self, call: &ToolCall) -> Result<(), Refusal>;

    /// Runs `calls` concurrently, each bounded in time and size, within the per-turn budget.
    /// Never fails: refusals, errors and timeouts come back as failed evidence.
    async fn run_all(&self, calls: &[ToolCall]) -> Vec<Evidence>;

    /// The calls the configured handlers want for an incident with these facts.
    fn triggered(&self, incident: &IncidentFacts) -> Vec<ToolCall>;

    /// The calls that list recent changes for an incident with these facts, for "what
    /// changed?": the handlers' calls of such tools, then one call of each other such tool
    /// whose parameters the facts fill by name. Empty when no tool lists changes.
    fn changes(&self, incident: &IncidentFacts) -> Vec<ToolCall>;
}
