//! The diagnostics tools against real servers started by each test on free loopback ports:
//! Prometheus scraping a target whose error rate jumps, a scripted HTTP server and an HTTPS one
//! with a known certificate, allow-listed programs under attack, and dnsmasq.

mod changes;
mod command;
mod dns;
mod http;
mod prometheus;

use firebreak::diagnostics::{Catalog, DiagnosticsSettings, ToolCall};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    diagnostics: DiagnosticsSettings,
}

/// A catalog from a `[diagnostics]` TOML snippet, as `firebreak.toml` would hold it.
fn catalog(toml_text: &str) -> Catalog {
    let file: File = toml::from_str(toml_text).expect("test settings parse");
    Catalog::from_settings(&file.diagnostics).expect("test settings are valid")
}

/// A call of `tool` with `args`.
fn call(tool: &str, args: &[(&str, &str)]) -> ToolCall {
    ToolCall::new(tool, args.iter().copied())
}
