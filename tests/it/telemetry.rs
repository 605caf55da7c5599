//! Token use, latency and fallbacks recorded as metrics for every model request of a turn, seen
//! through `metrics-util`'s debugging recorder, and the Prometheus scrape endpoint of
//! `[metrics] listen` serving them.

use std::future::Future;

use firebreak::core::engine::Engine;
use firebreak::core::settings::EngineSettings;
use firebreak::telemetry::{self, ADVISOR_FALLBACKS, LLM_REQUEST_SECONDS, LLM_TOKENS};
use firebreak_testkit::openai::{OpenAiServer, Reply as ModelReply};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

use crate::support::{command, engine_with, health_tool, llm_advisor, question, scripted_llm};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout 502s after the deploy service: checkout";
const STRUCTURED: &str =
    r#"{"hypotheses":[{"cause":"bad release","confidence":0.7,"incidents":["INC-1001"]}],"mitigations":["Roll back"]}"#;

/// One recorded metric: name, labels as `key=value`, value.
type Recorded = (String, Vec<String>, DebugValue);

/// An engine whose advisor is the LLM on `server` (no retries), falling back offline.
fn engine(server: &OpenAiServer) -> Engine {
    let settings = scripted_llm(server);
    engine_with(&health_tool("http://127.0.0.1:9", "[a-z]+", false), llm_advisor(settings), EngineSettings::default())
}

/// Runs `work` on a runtime of this thread alone, with a debugging recorder as the recorder,
/// and returns what was recorded. Everything `work` starts runs on this thread, so nothing
/// another test records gets in.
fn recorded<F: Future<Output = ()>>(work: impl FnOnce() -> F) -> Vec<Recorded> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    metrics::with_local_recorder(&recorder, || runtime.block_on(work()));
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key.labels().map(|label| format!("{}={}", label.key(), label.value())).collect();
            (key.name().to_owned(), labels, value)
        })
        .collect()
}

fn counter(metrics: &[Recorded], name: &str, labels: &[&str]) -> u64 {
    metrics
        .iter()
        .filter(|(found, with, _)| found == name && labels.iter().all(|label| with.iter().any(|w| w == label)))
        .map(|(_, _, value)| match value {
            DebugValue::Counter(count) => *count,
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

fn samples(metrics: &[Recorded], name: &str, labels: &[&str]) -> Vec<f64> {
    metrics
        .iter()
        .filter(|(found, with, _)| found == name && labels.iter().all(|label| with.iter().any(|w| w == label)))
        .flat_map(|(_, _, value)| match value {
            DebugValue::Histogram(values) => values.iter().map(|value| value.into_inner()).collect::<Vec<_>>(),
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .collect()
}

#[test]
fn each_model_request_of_a_turn_counts_its_tokens_and_is_timed() {
    let metrics = recorded(|| async {
        let server = OpenAiServer::start().await;
        let engine = engine(&server);
        server.script(ModelReply::text(STRUCTURED));
        server.script(ModelReply::text("Roll back the release and watch the 5xx ratio."));
        engine.handle(command(CHANNEL, "maya", DECLARE)).await;
        engine.handle(question(CHANNEL, "sam", "what now?")).await;
    });

    // The scripted server counts a word as a token: the answer alone has 9 words.
    assert!(counter(&metrics, LLM_TOKENS, &["kind=completion"]) >= 9, "{metrics:?}");
    assert!(counter(&metrics, LLM_TOKENS, &["kind=prompt"]) > 100, "the prompts hold the incident: {metrics:?}");
    let first = samples(&metrics, LLM_REQUEST_SECONDS, &["task=first_response", "outcome=ok"]);
    let answer = samples(&metrics, LLM_REQUEST_SECONDS, &["task=answer_step_0", "outcome=ok"]);
    assert_eq!((first.len(), answer.len()), (1, 1), "{metrics:?}");
    assert!(first[0] > 0.0 && first[0] < 2.0, "{first:?}");
    assert_eq!(counter(&metrics, ADVISOR_FALLBACKS, &[]), 0);
}

#[test]
fn a_failed_request_is_timed_as_failed_and_the_fallback_is_counted() {
    let metrics = recorded(|| async {
        let server = OpenAiServer::start().await;
        let engine = engine(&server);
        server.script(ModelReply::status(500, None));
        engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    });

    assert_eq!(samples(&metrics, LLM_REQUEST_SECONDS, &["task=first_response", "outcome=failed"]).len(), 1);
    assert_eq!(counter(&metrics, LLM_TOKENS, &[]), 0, "a failed request used no tokens we know of");
    assert_eq!(counter(&metrics, ADVISOR_FALLBACKS, &[]), 1);
}

/// The only test in this binary that installs a process-wide recorder; the others record
/// through their own local one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prometheus_endpoint_serves_the_llm_metrics() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = telemetry::serve_metrics(taken.local_addr().unwrap());
    let address: std::net::SocketAddr = format!("127.0.0.1:{}", firebreak_testkit::free_port()).parse().unwrap();
    telemetry::serve_metrics(address).expect("serve metrics on a free port");
    let server = OpenAiServer::start().await;
    server.script(ModelReply::text(STRUCTURED));

    engine(&server).handle(command(CHANNEL, "maya", DECLARE)).await;
    let scraped = reqwest::get(format!("http://{address}/metrics")).await.unwrap().text().await.unwrap();

    assert!(busy.is_err(), "an address in use is refused at start-up");
    for expected in [
        "# TYPE firebreak_llm_tokens_total counter",
        "firebreak_llm_tokens_total{kind=\"prompt\"}",
        "firebreak_llm_tokens_total{kind=\"completion\"}",
        "firebreak_llm_request_seconds_count{task=\"first_response\",outcome=\"ok\"}",
        "# HELP firebreak_llm_tokens_total Tokens the language model read (prompt) and wrote (completion).",
    ] {
        assert!(scraped.contains(expected), "{expected} missing from:\n{scraped}");
    }
}
