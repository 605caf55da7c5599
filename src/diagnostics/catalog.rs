//! The catalog: every configured tool and handler, checked once at start-up, and the one place
//! calls are validated, run under their timeouts and budget, and turned into [`Evidence`].
//! Running never fails and never panics: a refusal, an error and a timeout are evidence too,
//! saying what went wrong.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures_util::future::join_all;

use super::changes::ChangesTool;
use super::command::CommandTool;
use super::dns::DnsTool;
use super::evidence::record;
use super::handlers::{Handler, fact_named};
use super::http::HttpTool;
use super::params::{Args, Params, check_name};
use super::prometheus::PrometheusTool;
use super::{DiagnosticsError, DiagnosticsSettings, Tool, ToolKind, ToolSettings};
use crate::core::ports::{Diagnostics, Evidence, IncidentFacts, Refusal, Store, ToolCall, ToolInfo};
use crate::telemetry;

/// One configured tool, ready to run.
struct Registered {
    name: String,
    description: String,
    params: Params,
    timeout: Duration,
    /// Whether it is a `changes` tool.
    lists_changes: bool,
    tool: Box<dyn Tool>,
}

/// Every configured tool and handler, validated.
pub struct Catalog {
    tools: Vec<Registered>,
    handlers: Vec<Handler>,
    max_runs_per_turn: usize,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tools: Vec<&str> = self.tools.iter().map(|tool| tool.name.as_str()).collect();
        f.debug_struct("Catalog").field("tools", &tools).field("handlers", &self.handlers.len()).finish()
    }
}

impl Catalog {
    /// Checks `settings` and builds every tool, refusing the first problem found: duplicate or
    /// malformed names, regexes that do not compile, templates using undeclared parameters,
    /// unusable kind settings (URL, program, durations, nameserver), handlers calling unknown
    /// tools or arguments, and zero limits.
    pub fn from_settings(settings: &DiagnosticsSettings) -> Result<Self, DiagnosticsError> {
        Self::build(settings, None)
    }

    /// Like [`from_settings`](Self::from_settings), with `changes` tools that set no feed
    /// reading the built-in change history kept in `store`.
    pub fn with_change_history(
        settings: &DiagnosticsSettings,
        store: Arc<dyn Store>,
    ) -> Result<Self, DiagnosticsError> {
        Self::build(settings, Some(&store))
    }

    fn build(settings: &DiagnosticsSettings, history: Option<&Arc<dyn Store>>) -> Result<Self, DiagnosticsError> {
        if settings.max_runs_per_turn == 0 {
            return Err(DiagnosticsError::InvalidLimit("max_runs_per_turn must be at least 1".to_owned()));
        }
        if settings.default_timeout_secs == 0 {
            return Err(DiagnosticsError::InvalidLimit("default_timeout_secs must be at least 1".to_owned()));
        }
        let mut seen = HashSet::new();
        let mut tools = Vec::with_capacity(settings.tools.len());
        for tool in &settings.tools {
            if !seen.insert(tool.name.as_str()) {
                return Err(DiagnosticsError::DuplicateTool(tool.name.clone()));
            }
            tools.push(register(tool, settings.default_timeout_secs, history)?);
        }
        let params_of = |name: &str| tools.iter().find(|tool| tool.name == name).map(|tool| &tool.params);
        let handlers =
            settings.handlers.iter().map(|handler| Handler::compile(handler, params_of)).collect::<Result<_, _>>()?;
        Ok(Self { tools, handlers, max_runs_per_turn: settings.max_runs_per_turn })
    }

    /// Runs `call` under its tool's timeout. Never fails: a refused call, a tool error and a
    /// timeout come back as evidence with `ok: false` and a message saying what happened.
    pub async fn run(&self, call: &ToolCall) -> Evidence {
        let started_at = Utc::now();
        let clock = Instant::now();
        let (tool, args) = match self.prepare(call) {
            Ok(prepared) => prepared,
            Err(refused) => {
                return record(&call.tool, &call.to_string(), started_at, clock.elapsed(), Err(refused.to_string()));
            }
        };
        let query = tool.tool.query(&args);
        let outcome = match tokio::time::timeout(tool.timeout, tool.tool.run(&args)).await {
            Ok(Ok(observation)) => Ok(observation),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("timed out after {} s and was stopped", tool.timeout.as_secs())),
        };
        let evidence = record(&tool.name, &query, started_at, clock.elapsed(), outcome);
        telemetry::record_tool_run(&evidence.tool, evidence.ok);
        if !evidence.ok {
            // The evidence is redacted; the raw reason might quote a secret from the target.
            tracing::info!(tool = %evidence.tool, reason = %evidence.summary, "diagnostic tool run failed");
        }
        evidence
    }

    fn prepare(&self, call: &ToolCall) -> Result<(&Registered, Args), DiagnosticsError> {
        let tool =
            self.tools.iter().find(|tool| tool.name == call.tool).ok_or_else(|| DiagnosticsError::UnknownTool {
                tool: call.tool.clone(),
                available: if self.tools.is_empty() {
                    "none are configured".to_owned()
                } else {
                    self.tools.iter().map(|tool| tool.name.as_str()).collect::<Vec<_>>().join(", ")
                },
            })?;
        Ok((tool, tool.params.check(&call.args)?))
    }
}

#[async_trait::async_trait]
impl Diagnostics for Catalog {
    /// The tools, in the order they were configured.
    fn tools(&self) -> Vec<ToolInfo> {
        self.tools
            .iter()
            .map(|tool| ToolInfo {
                name: tool.name.clone(),
                description: tool.description.clone(),
                parameters: tool.params.schema(),
                lists_changes: tool.lists_changes,
            })
            .collect()
    }

    /// Checks `call` without running it: the tool exists, every parameter is given, nothing
    /// else is, and each value fully matches its regex and is free of control characters and
    /// bare dot segments. A kind's own refusals (a command argument that would read as an
    /// option) come when it runs, still before anything is started.
    fn validate(&self, call: &ToolCall) -> Result<(), Refusal> {
        self.prepare(call).map(|_| ()).map_err(|refused| Refusal(refused.to_string()))
    }

    /// Runs `calls` concurrently, each under its own timeout, and returns their evidence in
    /// call order. Only the first `max_runs_per_turn` run; the rest come back as skipped.
    async fn run_all(&self, calls: &[ToolCall]) -> Vec<Evidence> {
        let (now, later) = calls.split_at(calls.len().min(self.max_runs_per_turn));
        let mut evidence = join_all(now.iter().map(|call| self.run(call))).await;
        let limit = self.max_runs_per_turn;
        evidence.extend(later.iter().map(|call| {
            let reason = format!("skipped: at most {limit} tool runs per turn (diagnostics.max_runs_per_turn)");
            record(&call.tool, &call.to_string(), Utc::now(), Duration::ZERO, Err(reason))
        }));
        evidence
    }

    /// The calls of every handler matching `incident`, in configuration order, with the
    /// incident's facts filled in. They are validated when run.
    fn triggered(&self, incident: &IncidentFacts) -> Vec<ToolCall> {
        self.handlers
            .iter()
            .filter(|handler| handler.matches(incident))
            .flat_map(|handler| handler.calls(incident))
            .collect()
    }

    /// The handlers' calls of `changes` tools keep their arguments; every other `changes` tool
    /// is called when the incident's facts fill each of its parameters by name (a `service`
    /// parameter gets the incident's service), and left out otherwise rather than guessed at.
    fn changes(&self, incident: &IncidentFacts) -> Vec<ToolCall> {
        let lists_changes = |name: &str| self.tools.iter().any(|tool| tool.name == name && tool.lists_changes);
        let mut calls: Vec<ToolCall> =
            self.triggered(incident).into_iter().filter(|call| lists_changes(&call.tool)).collect();
        for tool in self.tools.iter().filter(|tool| tool.lists_changes) {
            if calls.iter().any(|call| call.tool == tool.name) {
                continue;
            }
            let args: Option<_> = tool
                .params
                .declared()
                .map(|name| fact_named(incident, name).map(|value| (name.to_owned(), value)))
                .collect();
            if let Some(args) = args {
                calls.push(ToolCall { tool: tool.name.clone(), args });
            }
        }
        calls
    }
}

/// Checks one tool's settings and builds it.
fn register(
    settings: &ToolSettings,
    default_timeout_secs: u64,
    history: Option<&Arc<dyn Store>>,
) -> Result<Registered, DiagnosticsError> {
    let name = settings.name.as_str();
    check_name("tool", name)?;
    let params = Params::compile(name, &settings.params)?;
    let timeout_secs = settings.timeout_secs.unwrap_or(default_timeout_secs);
    if timeout_secs == 0 {
        return Err(DiagnosticsError::InvalidTool {
            tool: name.to_owned(),
            problem: "timeout_secs must be at least 1".to_owned(),
        });
    }
    let tool: Box<dyn Tool> = match &settings.kind {
        ToolKind::Http(kind) => Box::new(HttpTool::new(name, kind, &params)?),
        ToolKind::Prometheus(kind) => Box::new(PrometheusTool::new(name, kind, &params)?),
        ToolKind::Command(kind) => Box::new(CommandTool::new(name, kind, &params)?),
        ToolKind::Dns(kind) => Box::new(DnsTool::new(name, kind, &params)?),
        ToolKind::Changes(kind) => Box::new(ChangesTool::new(name, kind, &params, history)?),
    };
    Ok(Registered {
        name: name.to_owned(),
        description: settings.description.clone(),
        params,
        timeout: Duration::from_secs(timeout_secs),
        lists_changes: matches!(settings.kind, ToolKind::Changes(_)),
        tool,
    })
}

#[cfg(test)]
mod tests;
