//! Logging and metrics: a `tracing` subscriber writing to stderr, so stdout stays the channel's
//! output; the names of the metrics Firebreak records through the `metrics` facade; the
//! engine's [`Observer`] that records what turns report; and the process's Prometheus recorder,
//! rendered by the intake's `/metrics` and by the scrape endpoint of `[metrics] listen`. With no
//! recorder installed, recording a metric costs next to nothing.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::core::incident::Source;
use crate::core::ports::{Observer, Outcome};

/// Filter used when neither the settings nor `RUST_LOG` give one.
pub const DEFAULT_FILTER: &str = "warn,firebreak=info";

/// Counter: tokens the model read (`kind="prompt"`) and wrote (`kind="completion"`).
pub const LLM_TOKENS: &str = "firebreak_llm_tokens_total";
/// Histogram: seconds one model request took, retries included, by `task` (`first_response`,
/// `answer_step_0`, `fold`, `embed`, …) and `outcome` (`ok` or `failed`).
pub const LLM_REQUEST_SECONDS: &str = "firebreak_llm_request_seconds";
/// Counter: advisor calls the offline advisor answered because the LLM failed.
pub const ADVISOR_FALLBACKS: &str = "firebreak_advisor_fallbacks_total";
/// Histogram: seconds one engine turn took, by `kind` (`command`, `question`, `alert`, …) and
/// `outcome` (`done`, `refused`, `unavailable`, `failed`); its count is the number of turns.
pub const TURN_SECONDS: &str = "firebreak_turn_seconds";
/// Counter: diagnostic tool runs by `tool` and `outcome` (`ok` or `failed`).
pub const TOOL_RUNS: &str = "firebreak_tool_runs_total";
/// Counter: webhook requests by `hook` and HTTP `status`.
pub const WEBHOOK_REQUESTS: &str = "firebreak_webhook_requests_total";
/// Counter: incidents opened, by `source` (`machine` or `customer`).
pub const INCIDENTS_OPENED: &str = "firebreak_incidents_opened_total";
/// Gauge: incidents not yet resolved, as the store counts them when scraped.
pub const OPEN_INCIDENTS: &str = "firebreak_open_incidents";
/// Histogram (buckets 1–5): ratings of the bot's help.
pub const FEEDBACK_RATINGS: &str = "firebreak_feedback_rating";
/// Histogram: seconds a turn waited for an incident's lock.
pub const LOCK_WAIT_SECONDS: &str = "firebreak_lock_wait_seconds";
/// Counter: events recognised as handled already and skipped, by `kind`.
pub const DEDUPE_HITS: &str = "firebreak_dedupe_hits_total";

/// How often the recorder drains its histograms when nobody scrapes, so they stay bounded.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

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

/// The process's Prometheus recorder, installed as the global recorder on first use; every
/// later call (another app in the same process, a test) shares it.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(FEEDBACK_RATINGS.to_owned()), &[1.0, 2.0, 3.0, 4.0, 5.0])
                // Only a malformed bucket list is refused, and the one above is fixed.
                .expect("the rating buckets are valid")
                .build_recorder();
            let handle = recorder.handle();
            // Refused only when the embedding program installed its own recorder first: its
            // choice stands, and rendering ours shows what this process recorded through it.
            if metrics::set_global_recorder(recorder).is_ok() {
                describe();
            }
            let upkeep = handle.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(LLM_TOKENS, Unit::Count, "Tokens the language model read (prompt) and wrote (completion).");
    describe_histogram!(LLM_REQUEST_SECONDS, Unit::Seconds, "Time one language-model request took, retries included.");
    describe_counter!(
        ADVISOR_FALLBACKS,
        Unit::Count,
        "Advisor calls answered offline because the language model failed."
    );
    describe_histogram!(TURN_SECONDS, Unit::Seconds, "Time one engine turn took, by input kind and outcome.");
    describe_counter!(TOOL_RUNS, Unit::Count, "Diagnostic tool runs, by tool and outcome.");
    describe_counter!(WEBHOOK_REQUESTS, Unit::Count, "Webhook requests, by hook and HTTP status.");
    describe_counter!(INCIDENTS_OPENED, Unit::Count, "Incidents opened, by who reported them.");
    describe_gauge!(OPEN_INCIDENTS, Unit::Count, "Incidents not yet resolved.");
    describe_histogram!(FEEDBACK_RATINGS, Unit::Count, "Ratings of the bot's help, 1 to 5.");
    describe_histogram!(LOCK_WAIT_SECONDS, Unit::Seconds, "Time a turn waited for an incident's lock.");
    describe_counter!(DEDUPE_HITS, Unit::Count, "Events recognised as handled already and skipped, by kind.");
}

/// Serves every metric in Prometheus's text format at `http://address/metrics` (any path
/// answers). Needs a running Tokio runtime; fails when the address cannot be bound.
pub fn serve_metrics(address: SocketAddr) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(address)?;
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let handle = prometheus();
    let app = Router::new().fallback(move || {
        let handle = handle.clone();
        async move { handle.render() }
    });
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the metrics endpoint stopped");
        }
    });
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

/// Records one run of diagnostic tool `tool`.
pub fn record_tool_run(tool: &str, ok: bool) {
    counter!(TOOL_RUNS, "tool" => tool.to_owned(), "outcome" => if ok { "ok" } else { "failed" }).increment(1);
}

/// Records one webhook request to `hook` answered with `status`.
pub fn record_webhook(hook: &'static str, status: u16) {
    counter!(WEBHOOK_REQUESTS, "hook" => hook, "status" => status.to_string()).increment(1);
}

/// Records how many incidents are open, as the store counts them.
pub fn record_open_incidents(count: usize) {
    // A count of incidents fits an f64 exactly far beyond any real number of them.
    gauge!(OPEN_INCIDENTS).set(count as f64);
}

/// The engine's observer: records what turns report as metrics.
#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics;

impl Observer for Metrics {
    fn turn(&self, kind: &'static str, outcome: Outcome, elapsed: Duration) {
        histogram!(TURN_SECONDS, "kind" => kind, "outcome" => outcome.as_str()).record(elapsed.as_secs_f64());
    }

    fn incident_opened(&self, source: Source) {
        counter!(INCIDENTS_OPENED, "source" => source.as_str()).increment(1);
    }

    fn lock_waited(&self, waited: Duration) {
        histogram!(LOCK_WAIT_SECONDS).record(waited.as_secs_f64());
    }

    fn duplicate(&self, kind: &'static str) {
        counter!(DEDUPE_HITS, "kind" => kind).increment(1);
    }

    fn rated(&self, rating: u8) {
        histogram!(FEEDBACK_RATINGS).record(f64::from(rating));
    }
}
