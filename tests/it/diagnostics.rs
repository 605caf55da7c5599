//! The diagnostics tools against real servers started by each test on free loopback ports:
//! Prometheus scraping a target whose error rate jumps, a scripted HTTP server and an HTTPS one
//! with a known certificate, allow-listed programs under attack, and dnsmasq.

mod changes;
mod command;
mod dns;
mod http;
mod prometheus;
mod redirects;

use firebreak::core::ports::ToolCall;
use firebreak::diagnostics::Catalog;

use crate::support::diagnostics_settings;

/// A catalog from a `[diagnostics]` TOML snippet, as `firebreak.toml` would hold it.
fn catalog(toml_text: &str) -> Catalog {
    Catalog::from_settings(&diagnostics_settings(toml_text)).expect("test settings are valid")
}

/// A call of `tool` with `args`.
fn call(tool: &str, args: &[(&str, &str)]) -> ToolCall {
    ToolCall::new(tool, args.iter().copied())
}
