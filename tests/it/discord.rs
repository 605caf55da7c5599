//! The Discord adapter end to end: the real serenity client against the local
//! Discord-compatible server of the testkit, with state in a real `redis-server`.

use std::time::Duration;

use firebreak::config::{RoleToml, Settings};
use firebreak_testkit::discord::Options;
use firebreak_testkit::{DiscordServer, HttpTarget, RedisServer, Reply};
use serde_json::{Value, json};

use crate::support::{SpawnedApp, diagnostics_settings, health_tool, spawn_app};

mod conditions;
mod responder;

const WAIT: Duration = Duration::from_secs(10);

/// A running bot replica, started as `firebreak run` starts it: stopped by `stop`.
struct Bot(SpawnedApp);

impl Bot {
    async fn start(settings: Settings) -> Self {
        Self(spawn_app(settings).await)
    }

    async fn stop(self) {
        self.0.stop().await;
    }
}

/// A guild with a bot connected, a general channel and a member.
struct Fixture {
    discord: DiscordServer,
    redis: RedisServer,
    general: u64,
    maya: u64,
}

impl Fixture {
    /// Settings for a bot replica on this guild and this Redis, otherwise the defaults.
    fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        settings.redis.url = Some(self.redis.url());
        settings.discord.token = Some(self.discord.token().to_owned());
        settings.discord.api_base = Some(self.discord.base_url());
        settings
    }
}

async fn fixture() -> Fixture {
    fixture_with(Options::default()).await
}

async fn fixture_with(options: Options) -> Fixture {
    let discord = DiscordServer::start_with(options).await;
    let redis = RedisServer::start();
    let general = discord.add_text_channel("general", None);
    let maya = discord.add_member("maya", &[]);
    Fixture { discord, redis, general, maya }
}

fn declare(title: &str) -> Value {
    json!([{ "name": "declare", "type": 1, "options": [
        { "name": "title", "type": 3, "value": title },
        { "name": "severity", "type": 3, "value": "sev2" },
        { "name": "service", "type": 3, "value": "checkout" },
        { "name": "source", "type": 3, "value": "machine" },
        { "name": "summary", "type": 3, "value": "5xx ratio alert on checkout-svc right after the afternoon release" },
    ]}])
}

fn content(message: &Value) -> String {
    message["content"].as_str().unwrap_or_default().to_owned()
}

fn embed_text(message: &Value) -> String {
    message["embeds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|embed| {
            let fields: Vec<String> = embed["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|field| {
                    format!("{}\n{}", field["name"].as_str().unwrap_or(""), field["value"].as_str().unwrap_or(""))
                })
                .collect();
            format!("{}\n{}", embed["title"].as_str().unwrap_or(""), fields.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn bot_messages(discord: &DiscordServer, channel: u64) -> Vec<Value> {
    let bot = discord.bot_user_id().to_string();
    discord.channel_messages(channel).into_iter().filter(|message| message["author"]["id"] == bot.as_str()).collect()
}

/// Declares through `/incident declare` and returns the new channel's id once the first
/// response is in it.
async fn declared_channel(fixture: &Fixture) -> u64 {
    let discord = &fixture.discord;
    discord.invoke_command(fixture.general, fixture.maya, "incident", declare("Checkout returning 502s after deploy"));
    let channel = discord
        .wait_for(WAIT, |server| {
            server.channels().into_iter().find(|c| c["name"].as_str().is_some_and(|name| name.starts_with("inc-2001-")))
        })
        .await
        .expect("an incident channel is created");
    let id: u64 = channel["id"].as_str().unwrap().parse().unwrap();
    discord
        .wait_for(WAIT, |server| {
            bot_messages(server, id).iter().any(|m| embed_text(m).contains("first response")).then_some(())
        })
        .await
        .expect("the first response is posted in the new channel");
    id
}

/// Runs a slash command and returns the text of everything the bot answered to it.
async fn slash(discord: &DiscordServer, channel: u64, user: u64, name: &str, options: Value) -> String {
    let interaction = discord.invoke_command(channel, user, name, options);
    let record = discord
        .wait_for(WAIT, |server| {
            server.interaction(interaction.id).filter(|record| record.edits.iter().any(|edit| !edit.is_null()))
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "/{name} was never answered: {:?}\n{:#?}",
                discord.interaction(interaction.id),
                rejected_requests(discord)
            )
        });
    assert_eq!(record.callbacks.len(), 1);
    assert_eq!(record.callbacks[0].kind, 5, "the interaction is deferred first");
    assert!(record.callbacks[0].after < Duration::from_secs(3));
    // Give follow-ups a moment to arrive after the first edit.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let record = discord.interaction(interaction.id).unwrap();
    std::iter::once(record.original.unwrap_or(Value::Null))
        .chain(record.followups)
        .map(|message| format!("{}\n{}", content(&message), embed_text(&message)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs a slash command the bot should refuse at once, privately; returns the refusal.
async fn refused_privately(discord: &DiscordServer, channel: u64, user: u64, name: &str, options: Value) -> String {
    let interaction = discord.invoke_command(channel, user, name, options);
    let record = discord
        .wait_for(WAIT, |server| server.interaction(interaction.id).filter(|record| !record.callbacks.is_empty()))
        .await
        .unwrap_or_else(|| panic!("/{name} was never answered"));
    let callback = &record.callbacks[0];
    assert_eq!(callback.kind, 4, "a refusal is answered at once, not deferred");
    assert!(callback.ephemeral(), "a refusal is for the asker alone");
    assert!(callback.after < Duration::from_secs(3));
    callback.data["content"].as_str().unwrap_or_default().to_owned()
}

fn rejected_requests(discord: &DiscordServer) -> Vec<String> {
    discord
        .requests()
        .into_iter()
        .filter(|request| request.status >= 400)
        .map(|request| format!("{} {} → {} {}", request.method, request.path, request.status, request.response))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn declare_creates_a_channel_registers_commands_and_posts_the_first_response() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;

    let channel = declared_channel(&fixture).await;

    let registered = fixture.discord.registered_commands(Some(fixture.discord.guild_id()));
    let names: Vec<&str> = registered.iter().filter_map(|command| command["name"].as_str()).collect();
    assert!(names.contains(&"incident") && names.contains(&"summary") && names.contains(&"feedback"), "{names:?}");
    let posted = bot_messages(&fixture.discord, channel);
    assert!(posted.iter().any(|m| content(m).contains("Declared INC-2001")), "{posted:#?}");
    let report = posted.iter().map(embed_text).collect::<Vec<_>>().join("\n");
    assert!(report.contains("Likely root causes") && report.contains("INC-1"), "{report}");
    assert!(rejected_requests(&fixture.discord).is_empty(), "{:?}", rejected_requests(&fixture.discord));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_mentioning_the_bot_is_answered_and_other_messages_are_recorded() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;
    let discord = &fixture.discord;

    discord.post_message(channel, fixture.maya, "gateway shows upstream connect errors since 14:10");
    discord.post_message(
        channel,
        fixture.maya,
        &format!("<@{}> what is the likely root cause?", discord.bot_user_id()),
    );
    let answer = discord
        .wait_for(WAIT, |server| {
            bot_messages(server, channel).into_iter().find(|m| content(m).contains("Likely root causes"))
        })
        .await;
    let timeline = slash(discord, channel, fixture.maya, "timeline", json!([])).await;

    assert!(answer.is_some(), "{:#?}", bot_messages(discord, channel));
    assert!(discord.requests().iter().any(|request| request.path == format!("/channels/{channel}/typing")));
    assert!(timeline.contains("maya: gateway shows upstream connect errors since 14:10"), "{timeline}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn summary_feedback_and_resolve_work_as_slash_commands() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;
    let discord = &fixture.discord;

    let summary = slash(discord, channel, fixture.maya, "summary", json!([])).await;
    let feedback =
        slash(discord, channel, fixture.maya, "feedback", json!([{ "name": "rating", "type": 4, "value": 4 }])).await;
    let resolve = slash(
        discord,
        channel,
        fixture.maya,
        "incident",
        json!([{ "name": "resolve", "type": 1, "options": [
            { "name": "root_cause", "type": 3, "value": "pool size 2 shipped from a test profile" },
            { "name": "mitigation", "type": 3, "value": "rolled back checkout-api" },
        ]}]),
    )
    .await;

    assert!(summary.contains("INC-2001 · summary") && summary.contains("Status"), "{summary}");
    assert!(feedback.contains("recorded 4/5"), "{feedback}");
    assert!(resolve.contains("INC-2001 resolved"), "{resolve}");
    assert!(rejected_requests(discord).is_empty(), "{:?}", rejected_requests(discord));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn output_longer_than_discord_allows_is_split_into_valid_messages() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;
    let discord = &fixture.discord;
    for index in 0..30 {
        discord.post_message(channel, fixture.maya, &format!("finding {index}: {}", "pods restarting, ".repeat(8)));
    }

    // The bot records messages as they arrive; ask until the last one is in the timeline.
    let mut pieces = Vec::new();
    for _ in 0..20 {
        let interaction = discord.invoke_command(channel, fixture.maya, "timeline", json!([]));
        let record = discord
            .wait_for(WAIT, |server| server.interaction(interaction.id).filter(|record| !record.edits.is_empty()))
            .await
            .expect("/timeline is answered");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let record = discord.interaction(record.id).unwrap();
        pieces = std::iter::once(record.original.unwrap()).chain(record.followups).map(|m| content(&m)).collect();
        if pieces.join("\n").contains("finding 29") {
            break;
        }
    }

    assert!(pieces.len() >= 2, "{pieces:?}");
    assert!(pieces.iter().all(|piece| piece.chars().count() <= 2_000));
    assert!(pieces.join("\n").contains("finding 0:") && pieces.join("\n").contains("finding 29:"), "{pieces:?}");
    assert!(rejected_requests(discord).is_empty(), "{:?}", rejected_requests(discord));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_changes_and_diagnostics_without_a_responder_role_are_refused_with_the_role_named() {
    let fixture = fixture().await;
    let sre = fixture.discord.add_role("sre");
    let oncall = fixture.discord.add_member("oncall", &[sre]);
    let mut settings = fixture.settings();
    settings.engine.responder_roles = vec![RoleToml::Named { id: sre.to_string(), name: "sre".into() }];
    let bot = Bot::start(settings).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;
    let status =
        || json!([{ "name": "status", "type": 1, "options": [{ "name": "status", "type": 3, "value": "mitigated" }] }]);

    let refused = refused_privately(&fixture.discord, channel, fixture.maya, "incident", status()).await;
    let diagnose = json!([{ "name": "tool", "type": 3, "value": "error_rate" }]);
    let refused_diagnostic = refused_privately(&fixture.discord, channel, fixture.maya, "diagnose", diagnose).await;
    let allowed = slash(&fixture.discord, channel, oncall, "incident", status()).await;

    assert!(refused.contains("needs one of these roles: sre"), "{refused}");
    assert!(refused_diagnostic.contains("needs one of these roles: sre"), "{refused_diagnostic}");
    assert!(allowed.contains("INC-2001 is now mitigated"), "{allowed}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_bot_keeps_answering_from_redis_state() {
    let fixture = fixture().await;
    let first = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;
    fixture.discord.post_message(channel, fixture.maya, "rolled back checkout-api to v2.40");
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.stop().await;

    let second = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    fixture.discord.post_message(
        channel,
        fixture.maya,
        &format!("<@{}> what happened so far?", fixture.discord.bot_user_id()),
    );
    let answer = fixture
        .discord
        .wait_for(WAIT, |server| {
            bot_messages(server, channel).into_iter().find(|m| content(m).contains("rolled back checkout-api"))
        })
        .await;

    assert!(answer.is_some(), "{:#?}", bot_messages(&fixture.discord, channel));
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_redis_answer_each_message_and_command_once() {
    let fixture = fixture().await;
    let replica_a = Bot::start(fixture.settings()).await;
    let replica_b = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(2, WAIT).await;
    let channel = declared_channel(&fixture).await;
    let discord = &fixture.discord;

    for round in 0..3 {
        discord.post_message(channel, fixture.maya, &format!("<@{}> status check {round}?", discord.bot_user_id()));
    }
    let answered = |server: &DiscordServer| {
        bot_messages(server, channel).iter().filter(|m| content(m).contains("is investigating")).count()
    };
    discord.wait_for(WAIT, |server| (answered(server) >= 3).then_some(())).await;
    // Leave time for a duplicate answer to show up, if one were coming.
    tokio::time::sleep(Duration::from_millis(800)).await;

    let answers = answered(discord);
    let channels =
        discord.channels().iter().filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with("inc-"))).count();
    let declared = bot_messages(discord, channel).iter().filter(|m| content(m).contains("Declared INC-")).count();
    assert_eq!(answers, 3);
    assert_eq!((channels, declared), (1, 1));
    replica_a.stop().await;
    replica_b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_channel_created_with_a_followed_name_becomes_an_incident_channel() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;

    let channel = fixture.discord.add_text_channel("incident-search-latency", None);
    let declared = fixture
        .discord
        .wait_for(WAIT, |server| {
            bot_messages(server, channel).into_iter().find(|m| content(m).contains("Declared INC-2001"))
        })
        .await;

    assert!(declared.is_some(), "{:#?}", bot_messages(&fixture.discord, channel));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn diagnose_and_evidence_work_as_slash_commands() {
    let fixture = fixture().await;
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await;
    let settings = diagnostics_settings(&health_tool(&target.url(""), "[a-z-]+", false));
    let bot = Bot::start(Settings { diagnostics: settings, ..fixture.settings() }).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;
    let diagnose = json!([
        { "name": "tool", "type": 3, "value": "health" },
        { "name": "args", "type": 3, "value": "service=checkout" },
    ]);

    let ran = slash(&fixture.discord, channel, fixture.maya, "diagnose", diagnose).await;
    let evidence = slash(&fixture.discord, channel, fixture.maya, "evidence", json!([])).await;

    assert!(ran.contains("health found") && ran.contains("503"), "{ran}");
    assert!(evidence.contains("✓") && evidence.contains("/checkout/healthz"), "{evidence}");
    bot.stop().await;
}
