//! Logging: a `tracing` subscriber writing to stderr, so stdout stays the channel's output.

use tracing_subscriber::EnvFilter;

/// Filter used when neither the settings nor `RUST_LOG` give one.
pub const DEFAULT_FILTER: &str = "warn,firebreak=info";

/// Installs the global subscriber with `filter` (`RUST_LOG` syntax); a bad filter falls back to
/// the default and says so.
pub fn init(filter: Option<&str>) {
    let requested = filter.unwrap_or(DEFAULT_FILTER);
    let (filter, problem) = match EnvFilter::try_new(requested) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new(DEFAULT_FILTER), Some(error)),
    };
    // A second install (tests, embedding) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    if let Some(error) = problem {
        tracing::warn!(%error, requested, "invalid log filter, using the default");
    }
}
