//! The engine's turn on the in-memory store: commands, refusals and what gets recorded.

use std::sync::Arc;

use firebreak::core::ports::Store;
use firebreak::store::MemoryStore;

use crate::support::{
    command, declare_at_once, engine_on, first_response, has_error, memory_engine, message, question, text_of,
};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout returning 502s severity: sev2 service: checkout source: machine";

#[tokio::test]
async fn declaring_confirms_and_posts_a_first_response_report() {
    let engine = memory_engine();

    let replies = engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    assert!(text_of(&replies).contains("Declared INC-2001 — Checkout returning 502s (sev2, checkout"), "{replies:?}");
    assert!(first_response(&replies).is_some_and(|report| report.title.starts_with("INC-2001 · first response")));
}

#[tokio::test]
async fn a_second_declaration_in_an_open_incident_channel_is_refused() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let replies = engine.handle(command(CHANNEL, "sam", "/incident declare Another one")).await;

    assert!(has_error(&replies));
    assert!(text_of(&replies).contains("already tracks INC-2001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_declaring_in_one_channel_at_once_open_one_incident() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine = Arc::new(engine_on(store.clone()));

    declare_at_once(engine.clone(), engine, store.as_ref(), 50).await;
}

#[tokio::test]
async fn messages_outside_an_incident_get_told_how_to_declare() {
    let engine = memory_engine();

    let replies = engine.handle(message("random", "sam", "hello?")).await;

    assert!(has_error(&replies) && text_of(&replies).contains("/incident declare"));
}

#[tokio::test]
async fn status_resolved_points_to_resolve_and_changes_nothing() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let refused = engine.handle(command(CHANNEL, "maya", "/incident status resolved")).await;
    let summary = engine.handle(command(CHANNEL, "maya", "/summary")).await;

    assert!(has_error(&refused) && text_of(&refused).contains("/incident resolve root_cause:"));
    assert!(text_of(&summary).contains("is investigating"));
}

#[tokio::test]
async fn resolving_records_the_cause_and_closes_the_incident() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let resolved = engine
        .handle(command(CHANNEL, "maya", "/incident resolve root_cause: pool size 2 mitigation: rolled back"))
        .await;
    let again = engine.handle(command(CHANNEL, "maya", "/incident resolve root_cause: x mitigation: y")).await;
    let summary = engine.handle(command(CHANNEL, "maya", "/summary")).await;

    assert!(text_of(&resolved).contains("INC-2001 resolved"));
    assert!(has_error(&again) && text_of(&again).contains("already resolved"));
    assert!(text_of(&summary).contains("Root cause: pool size 2"));
}

#[tokio::test]
async fn a_huge_message_is_refused_and_nothing_stored_is_lost() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "first finding")).await;

    let huge = "x".repeat(engine.settings().max_message_chars + 1);
    let replies = engine.handle(message(CHANNEL, "sam", &huge)).await;
    let timeline = text_of(&engine.handle(command(CHANNEL, "sam", "/timeline")).await);

    assert!(has_error(&replies) && text_of(&replies).contains("characters long"));
    assert!(timeline.contains("first finding"));
    assert!(!timeline.contains("xxxxxxxxxx"));
}

#[tokio::test]
async fn secrets_never_reach_the_timeline() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    engine.handle(message(CHANNEL, "sam", "try redis://:hunter2@cache-1:6379 with token=abc123xyz")).await;
    let timeline = text_of(&engine.handle(command(CHANNEL, "sam", "/timeline")).await);

    assert!(timeline.contains("redis://:[REDACTED]@cache-1:6379"), "{timeline}");
    assert!(!timeline.contains("hunter2") && !timeline.contains("abc123xyz"), "{timeline}");
}

#[tokio::test]
async fn questions_are_answered_from_state_and_say_when_a_model_is_needed() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "gateway shows upstream connect errors")).await;

    let history = text_of(&engine.handle(question(CHANNEL, "priya", "what happened so far?")).await);
    let beyond = text_of(&engine.handle(question(CHANNEL, "priya", "should we fail over to eu-west?")).await);

    assert!(history.contains("sam: gateway shows upstream connect errors"), "{history}");
    assert!(beyond.contains("needs an LLM backend"), "{beyond}");
}

#[tokio::test]
async fn feedback_and_status_changes_appear_on_the_timeline() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    engine.handle(command(CHANNEL, "maya", "/incident status mitigated")).await;
    engine.handle(command(CHANNEL, "sam", "/feedback 2 missed the deploy")).await;
    let timeline = text_of(&engine.handle(command(CHANNEL, "sam", "/timeline")).await);

    assert!(timeline.contains("maya set the status to mitigated"), "{timeline}");
    assert!(timeline.contains("sam rated the help 2/5 missed the deploy"), "{timeline}");
}

#[tokio::test]
async fn incident_numbers_count_up_across_channels() {
    let engine = memory_engine();

    let first = text_of(&engine.handle(command("a", "maya", "/incident declare One")).await);
    let second = text_of(&engine.handle(command("b", "maya", "/incident declare Two")).await);

    assert!(first.contains("INC-2001") && second.contains("INC-2002"));
}

fn with_responders(roles: &[&str]) -> firebreak::core::engine::Engine {
    use std::sync::Arc;

    use firebreak::core::engine::Engine;
    use firebreak::core::settings::{EngineSettings, ResponderRole};
    use firebreak::store::MemoryStore;

    let settings = EngineSettings {
        responder_roles: roles.iter().map(|role| ResponderRole::id(*role)).collect(),
        ..Default::default()
    };
    Engine::new(crate::support::bare_ports(Arc::new(MemoryStore::new())), settings)
}

#[tokio::test]
async fn status_changes_need_a_responder_role_and_the_refusal_names_it() {
    let engine = with_responders(&["incident-commander", "sre"]);
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    let mut as_responder = command(CHANNEL, "maya", "/incident status mitigated");
    as_responder.roles = vec!["sre".into()];

    let refused = engine.handle(command(CHANNEL, "guest", "/incident status mitigated")).await;
    let feedback = engine.handle(command(CHANNEL, "guest", "/feedback 3")).await;
    let allowed = engine.handle(as_responder).await;

    assert!(has_error(&refused) && text_of(&refused).contains("incident-commander, sre"), "{refused:?}");
    assert!(!has_error(&feedback), "{feedback:?}");
    assert!(text_of(&allowed).contains("is now mitigated"), "{allowed:?}");
}

#[tokio::test]
async fn a_followed_channel_becomes_an_incident_named_after_it_once() {
    use firebreak::core::inbound::Input;

    let engine = memory_engine();
    let created = || {
        crate::support::event(
            "incident-search-latency",
            "discord",
            Input::ChannelCreated { name: "incident-search-latency".into(), topic: "p99 above 2s".into() },
        )
    };

    let first = engine.handle(created()).await;
    let again = engine.handle(created()).await;

    assert!(text_of(&first).contains("Declared INC-2001 — incident search latency"), "{first:?}");
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test]
async fn attach_declares_in_the_current_channel() {
    let engine = memory_engine();

    let replies = engine.handle(command("war-room", "maya", "/incident attach DNS failures service: dns")).await;

    assert!(text_of(&replies).contains("Declared INC-2001 — DNS failures (sev3, dns"), "{replies:?}");
}

#[tokio::test]
async fn the_plan_says_who_replies_are_for_and_what_is_privileged_before_the_turn() {
    use firebreak::core::engine::Visibility;

    let engine = memory_engine();

    let status = engine.plan(&command(CHANNEL, "maya", "/incident status mitigated"));
    let declare = engine.plan(&command(CHANNEL, "maya", DECLARE));
    let chatter = engine.plan(&message(CHANNEL, "sam", "pods restarting"));

    assert!(status.refusal.is_none() && declare.refusal.is_none() && chatter.refusal.is_none());
    assert!(!declare.opens_channel, "the console declares where the command is typed");
    assert_eq!(status.visibility, Visibility::Public);
}

#[tokio::test]
async fn chatter_outside_incident_channels_is_ignored_silently() {
    use firebreak::core::inbound::Input;

    let engine = memory_engine();

    let replies = engine.handle(crate::support::event("random", "sam", Input::Overheard("lunch?".into()))).await;

    assert!(replies.is_empty(), "{replies:?}");
}

/// A workspace that opens a channel per request, named `chan-<name>`, and remembers them.
#[derive(Default)]
struct OpeningWorkspace {
    opened: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl firebreak::core::ports::Workspace for OpeningWorkspace {
    fn opens_channels(&self) -> bool {
        true
    }

    async fn open_channel(
        &self,
        request: firebreak::core::ports::ChannelRequest<'_>,
    ) -> Result<firebreak::core::ports::OpenedChannel, firebreak::core::ports::WorkspaceError> {
        if request.server.is_none() {
            return Err(firebreak::core::ports::WorkspaceError::NotInServer);
        }
        self.opened.lock().unwrap().push(request.name.to_owned());
        let id = format!("chan-{}", request.name);
        Ok(firebreak::core::ports::OpenedChannel { mention: format!("#{}", request.name), id })
    }
}

#[tokio::test]
async fn declaring_where_the_workspace_opens_channels_moves_the_incident_to_its_own_channel() {
    use std::sync::Arc;

    use firebreak::core::engine::Engine;
    use firebreak::core::ports::Ports;
    use firebreak::store::MemoryStore;

    let workspace = Arc::new(OpeningWorkspace::default());
    let ports =
        Ports { workspace: workspace.clone(), ..crate::support::ports_with_sample(Arc::new(MemoryStore::new())) };
    let engine = Engine::new(ports, Default::default());
    let mut declare = command("general", "maya", DECLARE);
    declare.server = Some("guild-1".into());

    let plan = engine.plan(&declare);
    let replies = engine.handle(declare).await;
    let new_channel = "chan-inc-2001-checkout-returning-502s";
    let recorded = engine.handle(message(new_channel, "sam", "rolled back")).await;
    let outside_a_server = engine.handle(command("dm", "maya", DECLARE)).await;

    assert!(plan.opens_channel);
    assert_eq!(*workspace.opened.lock().unwrap(), ["inc-2001-checkout-returning-502s"]);
    assert_eq!(replies[0].channel, "general");
    assert!(text_of(&replies[..1]).contains("Opened #inc-2001-checkout-returning-502s for INC-2001"), "{replies:?}");
    assert!(replies[1..].iter().all(|reply| reply.channel == new_channel), "{replies:?}");
    assert!(text_of(&replies[1..]).contains("Declared INC-2001"), "{replies:?}");
    assert!(recorded.is_empty(), "{recorded:?}");
    assert!(text_of(&outside_a_server).contains("only be declared inside a server"), "{outside_a_server:?}");
}

#[tokio::test]
async fn a_title_longer_than_256_characters_is_refused_with_a_clear_message() {
    let engine = memory_engine();

    let replies = engine.handle(command(CHANNEL, "maya", &format!("/incident declare {}", "x".repeat(257)))).await;
    let summary = engine.handle(command(CHANNEL, "maya", "/summary")).await;

    assert!(text_of(&replies).contains("titles are kept to 256"), "{replies:?}");
    assert!(text_of(&summary).contains("no incident yet"), "nothing was declared: {summary:?}");
}
