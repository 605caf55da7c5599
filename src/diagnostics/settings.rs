//! The `[diagnostics]` section of `firebreak.toml` as plain data: tools (`[[diagnostics.tools]]`),
//! handlers that run them when an incident matches (`[[diagnostics.handlers]]`), and the limits
//! of one turn. Nothing is checked here; [`crate::diagnostics::Catalog::from_settings`] refuses
//! anything unusable at start-up.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::core::ports::ToolCall;

use super::{ChangesSettings, CommandSettings, DnsSettings, HttpSettings, PrometheusSettings};

/// Everything under `[diagnostics]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiagnosticsSettings {
    /// The tools people, handlers and models may call.
    pub tools: Vec<ToolSettings>,
    /// Tool calls made on their own when an incident matches.
    pub handlers: Vec<HandlerSettings>,
    /// Most tool runs in one turn; calls past it are reported as skipped, not run.
    pub max_runs_per_turn: usize,
    /// Seconds a tool may run when it sets no `timeout_secs` of its own.
    pub default_timeout_secs: u64,
}

impl Default for DiagnosticsSettings {
    fn default() -> Self {
        Self { tools: Vec::new(), handlers: Vec::new(), max_runs_per_turn: 8, default_timeout_secs: 10 }
    }
}

/// One `[[diagnostics.tools]]` entry: the fields every tool has, plus those of its `kind`.
///
/// Unknown fields are refused: the common ones are taken here and everything else must be a
/// field of the kind, whose settings deny unknown fields (serde cannot deny them on a struct
/// that flattens another).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolSettings {
    /// What calls name it by: 1-64 characters of a-z, 0-9, `_`, `-`, starting with a letter.
    pub name: String,
    /// What it tells you, for help text and a model's tool list.
    pub description: String,
    /// Parameter name → regex every argument for it must fully match. All are required.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Seconds a run may take before it is stopped; `default_timeout_secs` when unset.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// What it does, chosen by `kind = "http" | "prometheus" | "command" | "dns" | "changes"`.
    #[serde(flatten)]
    pub kind: ToolKind,
}

/// The kind of a tool and its kind-specific settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ToolKind {
    /// GET a URL: status, latency, redirects, certificate expiry, body excerpt.
    Http(HttpSettings),
    /// A PromQL query against a Prometheus-compatible API, summarised.
    Prometheus(PrometheusSettings),
    /// An allow-listed program run with an argv template, never through a shell.
    Command(CommandSettings),
    /// DNS records of a name.
    Dns(DnsSettings),
    /// Recent deploys, config and flag changes from an HTTP JSON feed.
    Changes(ChangesSettings),
}

/// One `[[diagnostics.handlers]]` entry: when an incident matches `when`, make the calls in `run`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlerSettings {
    /// Names the handler in errors and logs.
    pub name: String,
    /// Which incidents it applies to; every condition given must hold.
    #[serde(default)]
    pub when: Condition,
    /// The calls to make. Argument values may use `{title}`, `{summary}`, `{service}`,
    /// `{source}` and `{labels.NAME}`, filled from the incident.
    pub run: Vec<ToolCall>,
}

/// Conditions on an incident; an empty match applies to every incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Condition {
    /// A regex that must match somewhere in the title or summary (add `(?i)` to ignore case).
    pub title_regex: Option<String>,
    /// The incident's service, compared ignoring case.
    pub service: Option<String>,
    /// The incident's source (`machine` or `customer`).
    pub source: Option<String>,
    /// Labels the incident must carry with exactly these values.
    pub labels: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct File {
        diagnostics: DiagnosticsSettings,
    }

    fn parse(text: &str) -> Result<DiagnosticsSettings, toml::de::Error> {
        toml::from_str::<File>(text).map(|file| file.diagnostics)
    }

    #[test]
    fn a_tool_entry_reads_its_common_fields_and_those_of_its_kind() {
        let text = r#"
            [diagnostics]
            max_runs_per_turn = 3
            [[diagnostics.tools]]
            name = "health"
            description = "Health endpoint"
            kind = "http"
            url = "http://127.0.0.1:9/{path}"
            params = { path = "healthz|readyz" }
            timeout_secs = 4
        "#;

        let settings = parse(text).unwrap();

        assert_eq!(settings.max_runs_per_turn, 3);
        assert_eq!(settings.default_timeout_secs, 10);
        let tool = &settings.tools[0];
        assert_eq!((tool.name.as_str(), tool.timeout_secs), ("health", Some(4)));
        assert_eq!(tool.params["path"], "healthz|readyz");
        let ToolKind::Http(http) = &tool.kind else { panic!("expected an http tool: {tool:?}") };
        assert_eq!(http.url, "http://127.0.0.1:9/{path}");
    }

    #[test]
    fn a_misspelled_kind_setting_is_refused() {
        let text = r#"
            [[diagnostics.tools]]
            name = "health"
            description = "Health endpoint"
            kind = "http"
            uri = "http://127.0.0.1:9/"
        "#;

        let error = parse(text).unwrap_err().to_string();

        assert!(error.contains("uri"), "{error}");
    }

    #[test]
    fn an_unknown_kind_is_refused_with_the_known_ones() {
        let text = r#"
            [[diagnostics.tools]]
            name = "shell"
            description = "anything"
            kind = "shell"
        "#;

        let error = parse(text).unwrap_err().to_string();

        assert!(error.contains("shell") && error.contains("prometheus"), "{error}");
    }

    #[test]
    fn a_handler_reads_its_conditions_and_calls() {
        let text = r#"
            [[diagnostics.handlers]]
            name = "checkout errors"
            when = { service = "checkout", title_regex = "(?i)5xx", labels = { team = "payments" } }
            run = [{ tool = "error_ratio", args = { service = "{service}" } }]
        "#;

        let handler = &parse(text).unwrap().handlers[0];

        assert_eq!(handler.when.service.as_deref(), Some("checkout"));
        assert_eq!(handler.when.labels["team"], "payments");
        assert_eq!(handler.run, vec![ToolCall::new("error_ratio", [("service", "{service}")])]);
    }

    #[test]
    fn a_call_shows_its_tool_and_quoted_arguments() {
        let call = ToolCall::new("dns", [("name", "a b"), ("kind", "A")]);

        assert_eq!(call.to_string(), r#"dns(kind="A", name="a b")"#);
    }
}
