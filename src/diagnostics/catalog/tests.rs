//! The catalog's promises, with real programs as tools: start-up validation, call checks,
//! handler triggering, concurrency, timeouts, the per-turn budget and redaction.

use std::time::Instant;

use serde::Deserialize;
use serde_json::json;

use super::*;

#[derive(Deserialize)]
struct File {
    diagnostics: DiagnosticsSettings,
}

fn settings(text: &str) -> DiagnosticsSettings {
    toml::from_str::<File>(text).expect("test settings parse").diagnostics
}

fn catalog(text: &str) -> Result<Catalog, DiagnosticsError> {
    Catalog::from_settings(&settings(text))
}

const ECHO: &str = r#"
    [[diagnostics.tools]]
    name = "echo"
    description = "Says it back"
    kind = "command"
    program = "/bin/echo"
    args = ["{word}"]
    params = { word = "[A-Za-z0-9=_-]+" }
"#;

const SLEEP: &str = r#"
    [[diagnostics.tools]]
    name = "sleep"
    description = "Sleeps"
    kind = "command"
    program = "/bin/sleep"
    args = ["{seconds}"]
    params = { seconds = "[0-9]" }
    timeout_secs = 1
"#;

fn call(tool: &str, args: &[(&str, &str)]) -> ToolCall {
    ToolCall::new(tool, args.iter().copied())
}

#[test]
fn tool_names_must_be_unique() {
    let error = catalog(&format!("{ECHO}{ECHO}")).unwrap_err();

    assert_eq!(error, DiagnosticsError::DuplicateTool("echo".to_owned()));
}

#[test]
fn a_parameter_regex_that_does_not_compile_is_refused_at_start_up() {
    let error = catalog(&ECHO.replace("[A-Za-z0-9=_-]+", "[unclosed")).unwrap_err();

    assert!(matches!(&error, DiagnosticsError::BadPattern { tool, param, .. } if tool == "echo" && param == "word"));
}

#[test]
fn a_template_using_an_undeclared_parameter_is_refused_at_start_up() {
    let error = catalog(&ECHO.replace(r#"["{word}"]"#, r#"["{wrod}"]"#)).unwrap_err();

    assert!(
        matches!(&error, DiagnosticsError::UndeclaredPlaceholder { placeholder, declared, .. } if placeholder == "wrod" && declared == "word"),
        "{error}"
    );
}

#[test]
fn a_handler_naming_a_missing_tool_is_refused_at_start_up() {
    let text = format!(
        r#"{ECHO}
        [[diagnostics.handlers]]
        name = "checkout"
        run = [{{ tool = "ehco", args = {{ word = "hi" }} }}]
        "#
    );

    let error = catalog(&text).unwrap_err();

    assert!(matches!(&error, DiagnosticsError::InvalidHandler { handler, .. } if handler == "checkout"), "{error}");
    assert!(error.to_string().contains("`ehco`"), "{error}");
}

#[test]
fn tool_names_zero_limits_and_zero_timeouts_are_refused() {
    let bad_name = catalog(&ECHO.replace(r#"name = "echo""#, r#"name = "Echo Tool""#)).unwrap_err();
    let no_runs = catalog(&format!("[diagnostics]\nmax_runs_per_turn = 0\n{ECHO}")).unwrap_err();
    let no_time = catalog(&SLEEP.replace("timeout_secs = 1", "timeout_secs = 0")).unwrap_err();

    assert!(matches!(bad_name, DiagnosticsError::BadName { what: "tool", .. }), "{bad_name}");
    assert!(matches!(no_runs, DiagnosticsError::InvalidLimit(_)), "{no_runs}");
    assert!(no_time.to_string().contains("timeout_secs"), "{no_time}");
}

#[test]
fn the_tool_list_describes_each_tool_with_a_schema_of_its_arguments() {
    let catalog = catalog(&format!("{ECHO}{SLEEP}")).unwrap();

    let tools = catalog.tools();

    assert_eq!(tools.iter().map(|tool| tool.name.as_str()).collect::<Vec<_>>(), ["echo", "sleep"]);
    assert_eq!(tools[0].description, "Says it back");
    assert_eq!(
        tools[0].parameters["properties"]["word"],
        json!({ "type": "string", "pattern": "^([A-Za-z0-9=_-]+)$" })
    );
    assert_eq!(tools[0].parameters["required"], json!(["word"]));
}

#[tokio::test]
async fn a_refused_call_becomes_evidence_that_names_the_problem() {
    let catalog = catalog(ECHO).unwrap();

    let unknown = catalog.run(&call("ping", &[])).await;
    let mismatch = catalog.run(&call("echo", &[("word", "hi there")])).await;

    assert!(!unknown.ok && unknown.summary.contains("`ping`") && unknown.summary.contains("echo"), "{unknown:?}");
    assert!(!mismatch.ok && mismatch.summary.contains("^([A-Za-z0-9=_-]+)$"), "{mismatch:?}");
    assert_eq!(mismatch.query, r#"echo(word="hi there")"#);
    assert_eq!(catalog.validate(&call("echo", &[("word", "hi")])), Ok(()));
}

#[tokio::test]
async fn a_slow_tool_is_stopped_at_its_timeout_without_delaying_the_others_and_order_is_kept() {
    let catalog = catalog(&format!("{SLEEP}{ECHO}")).unwrap();
    let calls = [call("sleep", &[("seconds", "9")]), call("echo", &[("word", "fast")])];
    let started = Instant::now();

    let evidence = catalog.run_all(&calls).await;

    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert_eq!(evidence.iter().map(|evidence| evidence.tool.as_str()).collect::<Vec<_>>(), ["sleep", "echo"]);
    assert!(!evidence[0].ok && evidence[0].summary.contains("timed out after 1 s"), "{:?}", evidence[0]);
    assert!(evidence[1].ok && evidence[1].detail.contains("fast"), "{:?}", evidence[1]);
    assert!(evidence[1].duration_ms < 900, "the fast tool did not wait for the slow one: {:?}", evidence[1]);
}

#[tokio::test]
async fn calls_past_the_turn_budget_are_skipped_not_run() {
    let catalog = catalog(&format!("[diagnostics]\nmax_runs_per_turn = 2\n{ECHO}")).unwrap();
    let calls: Vec<ToolCall> = ["one", "two", "three"].iter().map(|word| call("echo", &[("word", word)])).collect();

    let evidence = catalog.run_all(&calls).await;

    assert_eq!(evidence.iter().map(|evidence| evidence.ok).collect::<Vec<_>>(), [true, true, false]);
    assert!(evidence[2].summary.starts_with("skipped: at most 2 tool runs per turn"), "{:?}", evidence[2]);
    assert_eq!(evidence[2].query, r#"echo(word="three")"#);
}

#[tokio::test]
async fn a_secret_in_tool_output_is_masked_in_the_evidence() {
    let catalog = catalog(ECHO).unwrap();

    let evidence = catalog.run(&call("echo", &[("word", "db_password=hunter2")])).await;

    let stored = serde_json::to_string(&evidence).unwrap();
    assert!(evidence.ok, "{evidence:?}");
    assert!(!stored.contains("hunter2"), "{stored}");
    assert!(evidence.detail.contains("db_password=[REDACTED]"), "{evidence:?}");
}

#[test]
fn matching_handlers_yield_their_calls_filled_from_the_incident() {
    let text = format!(
        r#"{ECHO}
        [[diagnostics.handlers]]
        name = "checkout"
        when = {{ service = "checkout" }}
        run = [{{ tool = "echo", args = {{ word = "{{service}}" }} }}]

        [[diagnostics.handlers]]
        name = "customer reports"
        when = {{ source = "customer" }}
        run = [{{ tool = "echo", args = {{ word = "customer" }} }}]
        "#
    );
    let catalog = catalog(&text).unwrap();
    let incident = IncidentFacts {
        title: "Checkout errors".to_owned(),
        service: Some("checkout".to_owned()),
        source: "machine".to_owned(),
        ..IncidentFacts::default()
    };

    let calls = catalog.triggered(&incident);

    assert_eq!(calls, [call("echo", &[("word", "checkout")])]);
}

#[test]
fn change_calls_come_from_handlers_first_then_from_the_incidents_facts() {
    let text = format!(
        r#"{ECHO}
        [[diagnostics.tools]]
        name = "deploys"
        description = "Deploys"
        kind = "changes"
        url = "http://127.0.0.1:9/deploys?service={{service}}"
        params = {{ service = "[a-z-]+" }}

        [[diagnostics.tools]]
        name = "flags"
        description = "Flag changes in a region"
        kind = "changes"
        url = "http://127.0.0.1:9/flags?service={{service}}&region={{region}}"
        params = {{ service = "[a-z-]+", region = "[a-z-]+" }}

        [[diagnostics.tools]]
        name = "team_changes"
        description = "Changes by a team"
        kind = "changes"
        url = "http://127.0.0.1:9/teams/{{team}}"
        params = {{ team = "[a-z-]+" }}

        [[diagnostics.handlers]]
        name = "checkout"
        when = {{ service = "checkout" }}
        run = [{{ tool = "echo", args = {{ word = "hi" }} }}, {{ tool = "deploys", args = {{ service = "{{service}}-api" }} }}]
        "#
    );
    let catalog = catalog(&text).unwrap();
    let incident = IncidentFacts {
        title: "Checkout errors".to_owned(),
        service: Some("checkout".to_owned()),
        source: "machine".to_owned(),
        labels: [("region".to_owned(), "eu-west".to_owned())].into(),
        ..IncidentFacts::default()
    };

    let calls = catalog.changes(&incident);
    let without_labels = catalog.changes(&IncidentFacts { labels: Default::default(), ..incident.clone() });

    assert_eq!(
        calls,
        [
            call("deploys", &[("service", "checkout-api")]),
            call("flags", &[("region", "eu-west"), ("service", "checkout")])
        ]
    );
    assert_eq!(without_labels, [call("deploys", &[("service", "checkout-api")])]);
    let listed: Vec<(String, bool)> = catalog.tools().into_iter().map(|tool| (tool.name, tool.lists_changes)).collect();
    assert_eq!(listed[..2], [("echo".to_owned(), false), ("deploys".to_owned(), true)]);
}
