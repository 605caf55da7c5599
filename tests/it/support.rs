//! Builders shared by the integration tests.

use std::sync::Arc;

use firebreak::adapters::console::InPlace;
use firebreak::adapters::console::render::plain;
use firebreak::advisor::OfflineAdvisor;
use firebreak::advisor::llm::client::LlmSettings;
use firebreak::advisor::llm::embeddings::Embedder;
use firebreak::app::App;
use firebreak::config::Settings;
use firebreak::core::command::Command;
use firebreak::core::engine::Engine;
use firebreak::core::inbound::{Inbound, Input};
use firebreak::core::outbound::{Message, Outbound, Report};
use firebreak::core::ports::{Advisor, Ports, Store};
use firebreak::core::settings::EngineSettings;
use firebreak::core::timeline::Author;
use firebreak::diagnostics::{Catalog, DiagnosticsSettings};
use firebreak::knowledge::KnowledgeBase;
use firebreak::store::{MemoryStore, RedisStore};
use firebreak_testkit::openai::OpenAiServer;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An engine over `store` with the offline advisor, default settings and the sample history.
pub fn engine_on(store: Arc<dyn Store>) -> Engine {
    Engine::new(ports_with_sample(store), EngineSettings::default())
}

/// The ports a test starts from: `store`, an empty knowledge base, no diagnostics, the offline
/// advisor, incidents declared where they are typed. Tests replace what differs with struct
/// update syntax.
pub fn bare_ports(store: Arc<dyn Store>) -> Ports {
    Ports {
        store,
        knowledge: Arc::new(KnowledgeBase::new().expect("empty knowledge base")),
        diagnostics: Arc::new(Catalog::from_settings(&DiagnosticsSettings::default()).expect("no tools is valid")),
        advisor: Arc::new(OfflineAdvisor::default()),
        workspace: Arc::new(InPlace),
        observer: Arc::new(firebreak::telemetry::Metrics),
    }
}

/// Like `bare_ports`, with the sample history in the knowledge base.
pub fn ports_with_sample(store: Arc<dyn Store>) -> Ports {
    let knowledge = KnowledgeBase::new().expect("empty knowledge base");
    knowledge.add(KnowledgeBase::sample_records()).expect("index the sample history");
    Ports { knowledge: Arc::new(knowledge), ..bare_ports(store) }
}

/// An engine over a fresh in-memory store.
pub fn memory_engine() -> Engine {
    engine_on(Arc::new(MemoryStore::new()))
}

/// A store connected to `url`.
pub async fn redis_store(url: &str) -> Arc<dyn Store> {
    Arc::new(RedisStore::connect(url).await.expect("connect to the test redis-server"))
}

/// A running app, started the way `firebreak run` starts it (`App::build` then
/// `run_until_stopped`); stopped by `stop`.
pub struct SpawnedApp {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Builds the app `settings` describe and runs it in the background.
pub async fn spawn_app(settings: Settings) -> SpawnedApp {
    let app = App::build(settings).await.expect("the app builds from the test settings");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    SpawnedApp { stop, task }
}

impl SpawnedApp {
    /// Asks the app to stop and waits until it has, expecting it ran without error.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let result = tokio::time::timeout(std::time::Duration::from_secs(10), self.task)
            .await
            .expect("the app stops in time")
            .expect("the app task");
        result.expect("the app ran without error");
    }
}

/// An inbound event in `channel` by `who`.
pub fn event(channel: &str, who: &str, input: Input) -> Inbound {
    Inbound::new(channel, Author::new(who, who), input)
}

/// `/command …` typed in `channel`.
pub fn command(channel: &str, who: &str, line: &str) -> Inbound {
    event(channel, who, Input::Command(Command::parse(line).expect("test command parses")))
}

/// A plain message in `channel`.
pub fn message(channel: &str, who: &str, text: &str) -> Inbound {
    event(channel, who, Input::Message(text.to_owned()))
}

/// A question to the bot in `channel`.
pub fn question(channel: &str, who: &str, text: &str) -> Inbound {
    event(channel, who, Input::Question(text.to_owned()))
}

/// Has `first` and `second` declare in each of `rounds` fresh channels at the same moment, as
/// two people typing `/incident declare` at once (two events, so no dedupe can help), and
/// checks each round: one incident is opened, stored and bound to its channel, and the other
/// declaration is refused naming it.
pub async fn declare_at_once(first: Arc<Engine>, second: Arc<Engine>, store: &dyn Store, rounds: usize) {
    for round in 0..rounds {
        let channel = format!("inc-race-{round}");
        let declare = |engine: Arc<Engine>, who: &'static str| {
            let event = command(&channel, who, &format!("/incident declare Checkout down ({who})"));
            tokio::spawn(async move { engine.handle(event).await })
        };
        let (a, b) = tokio::join!(declare(first.clone(), "maya"), declare(second.clone(), "sam"));
        let (a, b) = (a.expect("first declaration"), b.expect("second declaration"));
        let (winner, loser) = if has_error(&a) { (b, a) } else { (a, b) };
        assert!(!has_error(&winner), "round {round}: both refused: {winner:?}");
        let bound = store.incident_in_channel(&channel).await.expect("read the channel").expect("an incident");
        assert!(text_of(&winner).contains(&format!("Declared {}", bound.id)), "round {round}: {winner:?}");
        let refusal = text_of(&loser);
        assert!(refusal.contains(&format!("already tracks {}", bound.id)), "round {round}: {refusal}");
    }
    let open = store.open_incidents().await.expect("list the open incidents");
    assert_eq!(open.len(), rounds, "one incident per channel: {open:?}");
}

/// The plain text of every reply, joined.
pub fn text_of(replies: &[Outbound]) -> String {
    replies.iter().map(|reply| plain(&reply.message)).collect::<Vec<_>>().join("\n")
}

/// The text of the rated answers among `replies`, without the rating controls.
pub fn answer_of(replies: &[Outbound]) -> String {
    let answers = replies.iter().filter_map(|reply| match &reply.message {
        Message::Rated(rated) => Some(plain(&rated.content)),
        _ => None,
    });
    answers.collect::<Vec<_>>().join("\n")
}

/// The first response among `replies`: a report under its rating controls.
pub fn first_response(replies: &[Outbound]) -> Option<&Report> {
    replies.iter().find_map(|reply| match &reply.message {
        Message::Rated(rated) => match rated.content.as_ref() {
            Message::Report(report) if report.title.contains("· first response") => Some(report),
            _ => None,
        },
        _ => None,
    })
}

/// Whether any reply is an error.
pub fn has_error(replies: &[Outbound]) -> bool {
    replies.iter().any(|reply| matches!(reply.message, Message::Error { .. }))
}

/// The `[diagnostics]` section of a settings snippet, as `firebreak.toml` would hold it.
pub fn diagnostics_settings(toml_text: &str) -> DiagnosticsSettings {
    #[derive(serde::Deserialize)]
    struct File {
        diagnostics: DiagnosticsSettings,
    }
    toml::from_str::<File>(toml_text).expect("test settings parse").diagnostics
}

/// `[diagnostics]` with one `health` tool probing `{base}/<service>/healthz`, its `service`
/// argument matching `service_pattern`; with `on_declare`, a handler runs it for checkout
/// incidents when they are declared.
pub fn health_tool(base: &str, service_pattern: &str, on_declare: bool) -> String {
    let handler = if on_declare {
        r#"
        [[diagnostics.handlers]]
        name = "probe-on-declare"
        when = { service = "checkout" }
        run = [{ tool = "health", args = { service = "{service}" } }]
        "#
    } else {
        ""
    };
    format!(
        r#"
        [[diagnostics.tools]]
        name = "health"
        description = "Probe the health endpoint of a service"
        kind = "http"
        url = "{base}/{{service}}/healthz"
        params = {{ service = "{service_pattern}" }}
        {handler}"#
    )
}

/// An engine on a memory store with the sample history, the diagnostics of `diagnostics_toml`
/// and `advisor`.
pub fn engine_with(diagnostics_toml: &str, advisor: Arc<dyn Advisor>, settings: EngineSettings) -> Engine {
    engine_on_store_with(Arc::new(MemoryStore::new()), diagnostics_toml, advisor, settings)
}

/// Like `engine_with`, on `store`.
pub fn engine_on_store_with(
    store: Arc<dyn Store>,
    diagnostics_toml: &str,
    advisor: Arc<dyn Advisor>,
    settings: EngineSettings,
) -> Engine {
    let catalog = Catalog::from_settings(&diagnostics_settings(diagnostics_toml)).expect("test settings are valid");
    Engine::new(Ports { diagnostics: Arc::new(catalog), advisor, ..ports_with_sample(store) }, settings)
}

/// The embedding model the scripted OpenAI-compatible server is asked for.
pub const SCRIPTED_EMBEDDING_MODEL: &str = "text-embedding-3-small";

/// Settings for the scripted model on `server`, quick to give up: 2 s per attempt, no retries.
pub fn scripted_llm(server: &OpenAiServer) -> LlmSettings {
    LlmSettings {
        base_url: Some(server.base_url()),
        api_key: Some(server.api_key().to_owned()),
        model: server.model().to_owned(),
        timeout_secs: 2,
        retries: 0,
        ..LlmSettings::default()
    }
}

/// Like [`scripted_llm`], with [`SCRIPTED_EMBEDDING_MODEL`] for embeddings.
pub fn scripted_embeddings(server: &OpenAiServer) -> LlmSettings {
    LlmSettings { embedding_model: Some(SCRIPTED_EMBEDDING_MODEL.to_owned()), ..scripted_llm(server) }
}

/// The embedder of `settings`, which name an embedding model.
pub fn embedder(settings: &LlmSettings) -> Embedder {
    Embedder::from_settings(settings).expect("an embedding client").expect("an embedding model is configured")
}

/// The LLM advisor of `settings` with the built-in prompts, falling back to the offline one.
pub fn llm_advisor(settings: LlmSettings) -> Arc<dyn Advisor> {
    let prompts = firebreak::advisor::llm::prompts::Prompts::builtin().expect("built-in prompts");
    let llm = firebreak::advisor::llm::LlmAdvisor::new(settings, prompts).expect("LLM client");
    Arc::new(firebreak::advisor::fallback::WithFallback::new(llm, OfflineAdvisor::default()))
}

/// The user messages of a recorded chat request, joined: what the model was asked.
pub fn user_prompt(request: &serde_json::Value) -> String {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap_or("").to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `touch` command tool that creates the file named by its `file` argument inside `dir`, so
/// any run that slipped through leaves a trace.
pub fn touch_tool(dir: &std::path::Path) -> String {
    format!(
        r#"
        [[diagnostics.tools]]
        name = "touch"
        description = "Marks a log file as checked"
        kind = "command"
        program = "/usr/bin/touch"
        args = ["{}/{{file}}"]
        params = {{ file = '[a-z0-9_-]+\.log' }}
        "#,
        dir.display()
    )
}
