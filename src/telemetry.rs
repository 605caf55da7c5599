//! Logging and metrics: a `tracing` subscriber writing to stderr, so stdout stays the channel's
//! output; the names of the metrics Firebreak records through the `metrics` facade, and a
//! Prometheus scrape endpoint for them (`[metrics] listen`). With no recorder installed,
//! recording a metric costs next to nothing.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder};
use tracing_subscriber::EnvFilter;

/// Filter used when neither the settings nor `RUST_LOG` give one.
pub const DEFAULT_FILTER: &str = "warn,firebreak=info";

/// Counter: tokens the model read (`kind="prompt"`) and wrote (`kind="completion"`).
pub const LLM_TOKENS: &str = "firebreak_llm_tokens_total";
/// Histogram: seconds one model request took, retries included, by `task` (`first_response`,
/// `answer_step_0`, `fold`, `embed`, …) and `outcome` (`ok` or `failed`).
pub const LLM_REQUEST_SECONDS: &str = "firebreak_llm_request_seconds";
/// Counter: advisor calls the offline advisor answered because the LLM failed.
pub const ADVISOR_FALLBACKS: &str = "firebreak_advisor_fallbacks_total";

/// Installs the global subscriber with `filter` (`RUST_LOG` syntax); a bad filter falls back to
/// the default and says so.
pub fn init(filter: Option<&str>) {
    let requested = filter.unwrap_or(DEFAULT_FILTER);
    let (filter, problem) = match EnvFilter::try_new(requested) {
        Ok(filter) => (filter, None),
        Err(error) => (EnvFilter::new(DEFAULT_FILTER), Some(error)),
    };
    // A second install (tests, embedding) keeps the first subscriber; that is fine.
    // Colours only for a person watching: a log file or a pipe gets plain text.
    let colours = std::io::stderr().is_terminal();
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colours).try_init();
    if let Some(error) = problem {
        tracing::warn!(%error, requested, "invalid log filter, using the default");
    }
}

/// Serves every metric in Prometheus's text format at `http://address/metrics` (any path
/// answers), as the process's metrics recorder. Needs a running Tokio runtime; fails when the
/// address cannot be bound or a recorder is installed already.
pub fn serve_metrics(address: SocketAddr) -> Result<(), BuildError> {
    PrometheusBuilder::new().with_http_listener(address).install()?;
    describe_counter!(LLM_TOKENS, Unit::Count, "Tokens the language model read (prompt) and wrote (completion).");
    describe_histogram!(LLM_REQUEST_SECONDS, Unit::Seconds, "Time one language-model request took, retries included.");
    describe_counter!(
        ADVISOR_FALLBACKS,
        Unit::Count,
        "Advisor calls answered offline because the language model failed."
    );
    Ok(())
}

/// Records one model request: how long it took, whether it succeeded and, when it did, the
/// tokens it used as (prompt, completion).
pub fn record_llm_request(task: &str, elapsed: Duration, tokens: Option<(u32, u32)>) {
    let outcome = if tokens.is_some() { "ok" } else { "failed" };
    histogram!(LLM_REQUEST_SECONDS, "task" => task.to_owned(), "outcome" => outcome).record(elapsed.as_secs_f64());
    if let Some((prompt, completion)) = tokens {
        counter!(LLM_TOKENS, "kind" => "prompt").increment(u64::from(prompt));
        counter!(LLM_TOKENS, "kind" => "completion").increment(u64::from(completion));
    }
}

/// Records an advisor call the fallback advisor answered.
pub fn record_fallback() {
    counter!(ADVISOR_FALLBACKS).increment(1);
}
