//! The diagnostics implementation ([`crate::core::ports::Diagnostics`]): read-only tools that
//! gather live evidence while an incident is open — an HTTP probe, a Prometheus query, an
//! allow-listed command, a DNS lookup, recent changes.
//! Operators declare the tools and the handlers that trigger them in `[diagnostics]`; the
//! [`Catalog`] validates all of it at start-up, checks every argument against its parameter's
//! regex before anything runs, bounds each run in time and size, and turns every outcome —
//! success, refusal, failure or timeout — into redacted evidence. Nothing here writes to
//! the systems it looks at.

mod catalog;
mod changes;
mod command;
mod dns;
mod duration;
mod error;
mod evidence;
mod handlers;
mod http;
mod params;
mod prometheus;
mod settings;
mod template;
mod web;

use async_trait::async_trait;

pub use self::catalog::Catalog;
pub use self::changes::ChangesSettings;
pub use self::command::CommandSettings;
pub use self::dns::{DnsSettings, RecordKind};
pub use self::error::{DiagnosticsError, ToolError};
pub use self::evidence::{MAX_DETAIL_CHARS, MAX_SUMMARY_CHARS};
pub use self::http::HttpSettings;
pub use self::prometheus::PrometheusSettings;
pub use self::settings::{Condition, DiagnosticsSettings, HandlerSettings, ToolKind, ToolSettings};

use self::params::Args;

/// What one tool run found, before the catalog redacts and bounds it into [`Evidence`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Observation {
    /// One line for a person skimming the channel.
    pub summary: String,
    /// The supporting excerpt, any length; the catalog cuts it down.
    pub detail: String,
}

/// One kind of read-only probe, configured once and run with validated arguments.
#[async_trait]
pub(crate) trait Tool: Send + Sync {
    /// The exact thing a run with `args` asks for (URL, PromQL, argv, DNS name), shown beside
    /// the evidence so people can repeat it by hand.
    fn query(&self, args: &Args) -> String;

    /// Runs the probe. The catalog applies the timeout, so a tool only has to be cancel-safe:
    /// dropping the future must leave nothing running.
    async fn run(&self, args: &Args) -> Result<Observation, ToolError>;
}
