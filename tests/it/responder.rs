//! The responder flow in the engine, on the in-memory store (Redis where it matters): the
//! status card after every change and edited once posted, controls and forms standing for
//! commands under the same role rules, ratings once per person per answer, roles, reopening,
//! update reminders on the store's timers, channel edits within the platform's budget,
//! announcements, suggestions for `/diagnose`, and the postmortem draft.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use firebreak::advisor::OfflineAdvisor;
use firebreak::cli::stats::feedback_stats;
use firebreak::core::command::{Command, Completion};
use firebreak::core::engine::{Engine, Visibility};
use firebreak::core::inbound::{Inbound, Input};
use firebreak::core::incident::{IncidentId, Severity};
use firebreak::core::outbound::{Card, ChannelChange, Message, Outbound};
use firebreak::core::ports::{Anchor, Store};
use firebreak::core::settings::{Announcements, EngineSettings, ResponderRole};
use firebreak::core::timeline::Author;
use firebreak::store::MemoryStore;
use firebreak_testkit::RedisServer;

use crate::support::{command, engine_on_store_with, has_error, health_tool, message, redis_store, text_of};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout returning 502s severity: sev2 service: checkout source: machine";
const INCIDENT: IncidentId = IncidentId::from_number(2001);
/// Diagnostics settings with no tools.
const NO_TOOLS: &str = "[diagnostics]";

/// An engine on `store` with the sample history, the offline advisor, the health tool of
/// `diagnostics` and these settings.
fn engine_on(store: Arc<dyn Store>, diagnostics: &str, settings: EngineSettings) -> Engine {
    engine_on_store_with(store, diagnostics, Arc::new(OfflineAdvisor::default()), settings)
}

/// An engine on a fresh memory store with these settings, and the store.
fn engine(settings: EngineSettings) -> (Engine, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    (engine_on(store.clone(), NO_TOOLS, settings), store)
}

/// Settings where only holders of the role `sre` may decide.
fn with_responders() -> EngineSettings {
    EngineSettings { responder_roles: vec![ResponderRole::id("sre")], ..EngineSettings::default() }
}

/// `input` by `who` holding `roles`, in the incident's channel.
fn by(who: &str, roles: &[&str], input: Input) -> Inbound {
    let mut inbound = Inbound::new(CHANNEL, Author::new(format!("console:{who}"), who), input);
    inbound.roles = roles.iter().map(|role| (*role).to_owned()).collect();
    inbound
}

/// The click of the control `id` with the values chosen.
fn click(id: &str, values: &[(&str, &str)]) -> Input {
    Input::from_action(id, values.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())))
        .expect("the control is the bot's")
}

fn card(replies: &[Outbound]) -> Option<&Card> {
    replies.iter().find_map(|reply| match &reply.message {
        Message::Card(card) => Some(card),
        _ => None,
    })
}

fn field<'a>(card: &'a Card, heading: &str) -> &'a str {
    card.fields.iter().find(|field| field.heading == heading).map_or("", |field| field.body.as_str())
}

fn channel_change(replies: &[Outbound]) -> Option<&ChannelChange> {
    replies.iter().find_map(|reply| match &reply.message {
        Message::Channel(change) => Some(change),
        _ => None,
    })
}

/// The platform reports that the card of the incident was posted as message `id`.
async fn card_posted(engine: &Engine, id: &str) {
    let input = Input::Posted { incident: INCIDENT, anchor: Anchor::Card, message: id.to_owned() };
    assert!(engine.handle(by("discord", &[], input)).await.is_empty());
}

#[tokio::test]
async fn declaring_posts_a_status_card_with_its_actions_and_sets_the_update_reminder() {
    let (engine, store) = engine(EngineSettings::default());

    let replies = engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let card = card(&replies).expect("a status card");
    assert_eq!((card.message.as_deref(), field(card, "Severity"), field(card, "Commander")), (None, "SEV2", "maya"));
    let commands: Vec<&str> = card.controls.iter().map(|control| control.command.as_str()).collect();
    assert!(commands.contains(&"/incident ack") && commands.contains(&"/incident resolve"), "{commands:?}");
    let due = store.due_timers(Utc::now() + chrono::Duration::minutes(31), 10).await.unwrap();
    assert_eq!(due.len(), 1, "a sev2 is reminded after 30 minutes without an update");
    assert!(store.due_timers(Utc::now() + chrono::Duration::minutes(29), 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_posted_card_is_edited_in_place_after_every_change_with_the_channel_topic_following() {
    let (engine, _) = engine(EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    card_posted(&engine, "m-card").await;

    let severity = engine.handle(command(CHANNEL, "maya", "/incident severity sev1")).await;
    let role = engine.handle(command(CHANNEL, "maya", "/incident role scribe @li")).await;
    let update = engine.handle(command(CHANNEL, "maya", "/incident update known: pool exhausted next: 15:00")).await;

    for replies in [&severity, &role, &update] {
        assert_eq!(card(replies).and_then(|card| card.message.as_deref()), Some("m-card"), "{replies:?}");
    }
    assert_eq!(field(card(&severity).unwrap(), "Severity"), "SEV1");
    assert_eq!(field(card(&role).unwrap(), "Scribe"), "li");
    assert!(field(card(&update).unwrap(), "Last update").contains("What we know: pool exhausted"));
    let topic = channel_change(&severity).and_then(|change| change.topic.as_deref());
    assert_eq!(topic, Some("INC-2001 · SEV1 · investigating · Checkout returning 502s"));
    assert!(channel_change(&role).is_none() && channel_change(&update).is_none(), "only severity and status rename");
    assert!(text_of(&update).contains("📣 Update on INC-2001"), "{update:?}");
}

#[tokio::test]
async fn controls_stand_for_commands_of_their_incident_under_the_same_role_rules() {
    let (engine, _) = engine(with_responders());
    engine.handle(by("maya", &["sre"], Input::Command(Command::parse(DECLARE).unwrap()))).await;

    let refused = engine.plan(&by("sam", &[], click("fb:2001:status:mitigated", &[])));
    let resolve = engine.plan(&by("maya", &["sre"], click("fb:2001:open:resolve", &[])));
    let refused_resolve = engine.plan(&by("sam", &[], click("fb:2001:open:resolve", &[])));
    let mitigated = engine.handle(by("maya", &["sre"], click("fb:2001:status:mitigated", &[]))).await;
    let severity = engine.handle(by("maya", &["sre"], click("fb:2001:severity", &[("0", "sev1")]))).await;
    let handover =
        engine.handle(by("maya", &["sre"], click("fb:2001:commander", &[("0", "Li Wei <discord:7>")]))).await;

    assert!(refused.refusal.is_some_and(|refusal| refusal.contains("needs one of these roles: sre")));
    let form = resolve.form.expect("the Resolve button opens the form at once");
    assert_eq!((form.id.as_str(), form.title.as_str()), ("fb:2001:form:resolve", "Resolve INC-2001"));
    assert!(refused_resolve.form.is_none() && refused_resolve.refusal.is_some(), "no form for who may not resolve");
    assert!(text_of(&mitigated).contains("INC-2001 is now mitigated"), "{mitigated:?}");
    assert!(text_of(&severity).contains("INC-2001 is now SEV1 (was sev2)"), "{severity:?}");
    assert!(text_of(&handover).contains("Li Wei is now commander of INC-2001 (handed over from maya)"), "{handover:?}");
}

#[tokio::test]
async fn resolve_or_update_alone_opens_a_form_for_the_channels_incident() {
    let (engine, store) = engine(EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let resolve = engine.plan(&command(CHANNEL, "maya", "/incident resolve")).form.expect("the resolve form");
    let update = engine.plan(&command(CHANNEL, "maya", "/incident update")).form.expect("the update form");
    let submitted = engine
        .handle(by("maya", &[], click(&update.id, &[("known", "pool exhausted"), ("next", "in 30 minutes")])))
        .await;

    assert_eq!((resolve.id.as_str(), resolve.title.as_str()), ("fb:-:form:resolve", "Resolve"));
    let fields: Vec<(&str, bool, bool)> = resolve.fields.iter().map(|f| (f.name, f.long, f.required)).collect();
    assert_eq!(fields, [("root_cause", true, true), ("mitigation", true, true), ("category", false, false)]);
    assert_eq!(update.id, "fb:-:form:update");
    assert!(text_of(&submitted).contains("What we know: pool exhausted\nNext update: in 30 minutes"), "{submitted:?}");
    assert!(store.incident(INCIDENT).await.unwrap().unwrap().is_open());
}

#[tokio::test]
async fn a_submitted_resolve_form_resolves_with_its_multi_line_text_intact_and_closes_the_loop() {
    let (engine, store) = engine(EngineSettings::default());
    let mut declare = command(CHANNEL, "maya", DECLARE);
    declare.channel_name = Some(CHANNEL.to_owned());
    engine.handle(declare).await;
    card_posted(&engine, "m-card").await;
    let cause = "Release 7.42 lowered the keep-alive timeout to 5s.\n\nThe ingress kept reusing closed sockets:\n- resets\n- 502s";
    let fix = "Rolled back to 7.41.3.\nPinned idleTimeout=75s.";

    let replies = engine
        .handle(by(
            "maya",
            &[],
            click("fb:2001:form:resolve", &[("root_cause", cause), ("mitigation", fix), ("category", "deployment")]),
        ))
        .await;

    let incident = store.incident(INCIDENT).await.unwrap().unwrap();
    assert_eq!((incident.root_cause.as_deref(), incident.mitigation.as_deref()), (Some(cause), Some(fix)));
    let card = card(&replies).expect("the card shows the outcome");
    assert_eq!((card.message.as_deref(), field(card, "Root cause")), (Some("m-card"), cause));
    assert!(card.controls.is_empty(), "a resolved card offers no actions");
    let change = channel_change(&replies).expect("the channel is put away");
    assert_eq!((change.name.as_deref(), change.archive), (Some("resolved-inc-checkout"), true));
    assert!(store.due_timers(Utc::now() + chrono::Duration::days(1), 10).await.unwrap().is_empty(), "no reminders");
}

#[tokio::test]
async fn an_empty_form_or_a_bad_value_is_refused_and_nothing_stored_changes() {
    let (engine, store) = engine(EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let field = |name: &str, value: &str| (name.to_owned(), value.to_owned());
    let empty = Input::from_action("fb:2001:form:resolve", [field("root_cause", "")]);
    let bad_category = Input::from_action(
        "fb:2001:form:resolve",
        [field("root_cause", "a"), field("mitigation", "b"), field("category", "two words")],
    );
    let long = "x".repeat(20_000);
    let too_long = engine
        .handle(by("maya", &[], click("fb:2001:form:resolve", &[("root_cause", &long), ("mitigation", "b")])))
        .await;

    assert!(empty.unwrap_err().to_string().contains("empty"));
    assert!(bad_category.unwrap_err().to_string().contains("not a valid category"));
    assert!(has_error(&too_long) && text_of(&too_long).contains("characters long"), "{too_long:?}");
    assert!(store.incident(INCIDENT).await.unwrap().unwrap().is_open());
    assert!(Input::from_action("someone-else:1", Vec::new()).is_err(), "a control that is not ours is refused");
}

#[tokio::test]
async fn ratings_from_an_answers_buttons_count_once_per_person_and_can_be_changed() {
    let (engine, store) = engine(EngineSettings::default());
    let declared = engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    let Some(Message::Rated(rated)) =
        declared.iter().map(|reply| &reply.message).find(|m| matches!(m, Message::Rated(_)))
    else {
        panic!("the first response carries rating controls: {declared:?}")
    };
    let rate = |rating: u8| rated.controls[usize::from(rating) - 1].id.clone();

    let first = engine.handle(by("maya", &[], click(&rate(2), &[]))).await;
    let changed = engine.handle(by("maya", &[], click(&rate(4), &[]))).await;
    engine.handle(by("sam", &[], click(&rate(5), &[]))).await;
    let private = engine.plan(&by("sam", &[], click(&rate(5), &[])));

    assert!(text_of(&first).contains("recorded 2/5"), "{first:?}");
    assert!(text_of(&changed).contains("from 2/5 to 4/5"), "{changed:?}");
    assert_eq!(private.visibility, Visibility::Private, "a click's thanks is for the rater alone");
    let stats = feedback_stats(store.as_ref()).await.unwrap();
    assert_eq!((stats.overall.count, stats.overall.mean), (2, 4.5));
    assert_eq!(stats.by_advisor["offline"].count, 2);
}

#[tokio::test]
async fn a_reminder_fires_after_a_silent_interval_once_and_an_update_restarts_the_clock() {
    let settings = EngineSettings {
        update_intervals: HashMap::from([(Severity::Sev2, Duration::from_secs(600))]),
        ..EngineSettings::default()
    };
    let (engine, _) = engine(settings);
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    let later = |minutes: i64| Utc::now() + chrono::Duration::minutes(minutes);

    let early = engine.fire_due(later(9)).await;
    let reminded = engine.fire_due(later(11)).await;
    let again = engine.fire_due(later(11)).await;
    let mut update = command(CHANNEL, "maya", "/incident update known: rolled back, watching");
    update.at = later(12);
    engine.handle(update).await;
    let after_update = engine.fire_due(later(19)).await;
    let second = engine.fire_due(later(32)).await;

    assert!(early.is_empty());
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    assert_eq!(reminded[0].channel, CHANNEL);
    assert!(text_of(&reminded).contains("Reminder 1 for maya: INC-2001 has had no status update for 11 min"));
    assert!(again.is_empty(), "a due reminder fires once");
    assert!(after_update.is_empty(), "an update restarts the clock: {after_update:?}");
    assert!(text_of(&second).contains("Reminder 1"), "the count starts again after an update: {second:?}");
}

#[tokio::test]
async fn two_engines_on_one_redis_fire_a_due_reminder_exactly_once() {
    let server = RedisServer::start();
    let settings = EngineSettings {
        update_intervals: HashMap::from([(Severity::Sev2, Duration::from_secs(60))]),
        ..EngineSettings::default()
    };
    let first = engine_on(redis_store(&server.url()).await, NO_TOOLS, settings.clone());
    first.handle(command(CHANNEL, "maya", DECLARE)).await;
    drop(first);
    let replica_a = engine_on(redis_store(&server.url()).await, NO_TOOLS, settings.clone());
    let replica_b = engine_on(redis_store(&server.url()).await, NO_TOOLS, settings);
    let at = Utc::now() + chrono::Duration::minutes(2);

    let (a, b) = tokio::join!(replica_a.fire_due(at), replica_b.fire_due(at));

    let reminders = [a, b].concat();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert!(text_of(&reminders).contains("Reminder 1"));
}

#[tokio::test]
async fn channel_edits_beyond_the_platforms_budget_are_coalesced_into_one_later_edit() {
    let (engine, _) = engine(EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let first = engine.handle(command(CHANNEL, "maya", "/incident severity sev1")).await;
    let second = engine.handle(command(CHANNEL, "maya", "/incident status identified")).await;
    let third = engine.handle(command(CHANNEL, "maya", "/incident status mitigated")).await;
    let fourth = engine.handle(command(CHANNEL, "maya", "/incident severity sev3")).await;
    let before = engine.fire_due(Utc::now() + chrono::Duration::minutes(9)).await;
    let synced = engine.fire_due(Utc::now() + chrono::Duration::minutes(11)).await;

    assert!(channel_change(&first).is_some() && channel_change(&second).is_some());
    assert!(channel_change(&third).is_none() && channel_change(&fourth).is_none(), "2 per 10 minutes");
    assert!(card(&third).is_some() && card(&fourth).is_some(), "the card is edited regardless");
    assert!(before.is_empty());
    let topics: Vec<&str> = synced
        .iter()
        .filter_map(|reply| match &reply.message {
            Message::Channel(change) => change.topic.as_deref(),
            _ => None,
        })
        .collect();
    assert_eq!(topics, ["INC-2001 · SEV3 · mitigated · Checkout returning 502s"], "one edit with the latest state");
}

#[tokio::test]
async fn an_incident_is_announced_once_with_its_role_ping_and_the_post_edited_afterwards() {
    let announcements =
        Announcements { channel: "announce".into(), pings: HashMap::from([(Severity::Sev1, "role-sev1".into())]) };
    let (engine, _) = engine(EngineSettings { announcements: Some(announcements), ..EngineSettings::default() });
    let announced = |replies: &[Outbound]| {
        replies.iter().find_map(|reply| match &reply.message {
            Message::Announcement(post) if reply.channel == "announce" => Some(post.clone()),
            _ => None,
        })
    };

    let declared = engine.handle(command(CHANNEL, "maya", &DECLARE.replace("sev2", "sev1"))).await;
    let input = Input::Posted { incident: INCIDENT, anchor: Anchor::Announcement, message: "m-post".into() };
    engine.handle(by("discord", &[], input)).await;
    let mitigated = engine.handle(command(CHANNEL, "maya", "/incident status mitigated")).await;

    let first = announced(&declared).expect("announced when declared");
    assert_eq!((first.message, first.ping.as_deref()), (None, Some("role-sev1")));
    assert!(first.text.contains("INC-2001") && first.text.contains("SEV1"), "{}", first.text);
    let edit = announced(&mitigated).expect("edited when it changes");
    assert_eq!((edit.message.as_deref(), edit.ping), (Some("m-post"), None), "only the first post pings");
    assert!(edit.text.contains("mitigated"), "{}", edit.text);
}

#[tokio::test]
async fn a_resolved_incident_can_be_reopened_and_its_channel_gets_its_name_back() {
    let (engine, store) = engine(EngineSettings::default());
    let mut declare = command(CHANNEL, "maya", DECLARE);
    declare.channel_name = Some("checkout-war-room".into());
    engine.handle(declare).await;
    engine.handle(command(CHANNEL, "maya", "/incident resolve root_cause: a mitigation: b")).await;

    let refused = engine.handle(command(CHANNEL, "maya", "/incident severity sev1")).await;
    let reopened = engine.handle(command(CHANNEL, "maya", "/incident reopen")).await;
    let again = engine.handle(command(CHANNEL, "maya", "/incident reopen")).await;

    assert!(has_error(&refused) && text_of(&refused).contains("already resolved"));
    assert!(text_of(&reopened).contains("INC-2001 is open again"), "{reopened:?}");
    assert_eq!(channel_change(&reopened).and_then(|change| change.name.as_deref()), Some("checkout-war-room"));
    assert!(has_error(&again) && text_of(&again).contains("still open"));
    assert!(store.incident(INCIDENT).await.unwrap().unwrap().is_open());
    let timeline = text_of(&engine.handle(command(CHANNEL, "maya", "/timeline")).await);
    assert!(timeline.contains("set the status to investigating: resolved → investigating"), "{timeline}");
}

#[tokio::test]
async fn acknowledgements_follow_ups_and_roles_show_on_the_card_and_the_timeline() {
    let (engine, _) = engine(EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let acked = engine.handle(command(CHANNEL, "sam", "/incident ack")).await;
    let followed = engine.handle(command(CHANNEL, "sam", "/incident followup alert on pool saturation")).await;
    let summary = text_of(&engine.handle(command(CHANNEL, "sam", "/summary")).await);
    let timeline = text_of(&engine.handle(command(CHANNEL, "sam", "/timeline")).await);

    assert!(field(card(&acked).unwrap(), "Acknowledged").starts_with("sam at"));
    assert!(field(card(&followed).unwrap(), "Follow-ups").contains("☐ alert on pool saturation"));
    assert!(summary.contains("Follow-ups") && summary.contains("alert on pool saturation"), "{summary}");
    assert!(timeline.contains("sam acknowledged the incident"), "{timeline}");
    assert!(timeline.contains("sam added a follow-up: alert on pool saturation"), "{timeline}");
}

#[tokio::test]
async fn diagnose_suggests_the_configured_tools_then_their_parameters() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let engine =
        engine_on(store, &health_tool("http://127.0.0.1:9", "checkout|search", false), EngineSettings::default());
    let typing = |option: &str, partial: &str, tool: Option<&str>| Completion {
        command: "diagnose".into(),
        option: option.into(),
        partial: partial.into(),
        options: tool.map(|tool| ("tool".to_owned(), tool.to_owned())).into_iter().collect(),
    };

    let tools = engine.complete(&typing("tool", "he", None));
    let params = engine.complete(&typing("args", "", Some("health")));
    let values = engine.complete(&typing("args", "service=se", Some("health")));
    let unknown = engine.complete(&typing("args", "", Some("nope")));

    assert_eq!(tools.iter().map(|choice| choice.value.as_str()).collect::<Vec<_>>(), ["health"]);
    assert!(tools[0].label.contains("Probe the health endpoint"), "{tools:?}");
    assert_eq!(params.iter().map(|choice| choice.value.as_str()).collect::<Vec<_>>(), ["service="]);
    assert!(params[0].label.contains("checkout, search"), "{params:?}");
    assert_eq!(values.iter().map(|choice| choice.value.as_str()).collect::<Vec<_>>(), ["service=search"]);
    assert!(unknown.is_empty());
}

#[tokio::test]
async fn the_postmortem_draft_has_the_record_and_a_secret_stays_masked() {
    let (engine, _) = engine(EngineSettings::default());
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "db url is postgres://app:hunter2@db:5432/orders")).await;
    engine.handle(command(CHANNEL, "maya", "/incident followup add a canary stage")).await;
    engine
        .handle(command(
            CHANNEL,
            "maya",
            "/incident resolve root_cause: keep-alive timeout 5s, token=abc123secret in the config mitigation: rolled back",
        ))
        .await;

    let replies = engine.handle(command(CHANNEL, "maya", "/postmortem")).await;
    let from_cli = engine.postmortem(INCIDENT).await.unwrap();

    let Some(Message::File(document)) = replies.first().map(|reply| &reply.message) else {
        panic!("a file: {replies:?}")
    };
    assert_eq!(document.name, "INC-2001-postmortem.md");
    for heading in ["## Summary", "## Impact", "## Timeline", "## Root cause", "## Evidence gathered", "## Follow-ups"]
    {
        assert!(document.content.contains(heading), "{heading} missing:\n{}", document.content);
    }
    assert!(document.content.contains("keep-alive timeout 5s"), "{}", document.content);
    assert!(document.content.contains("- [ ] add a canary stage"), "{}", document.content);
    assert!(!document.content.contains("abc123secret") && !document.content.contains("hunter2"));
    assert!(!document.content.contains("db url is"), "chat lines are not the timeline of a postmortem");
    assert_eq!(from_cli, document.content);
}
