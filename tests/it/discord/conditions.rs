//! The Discord adapter under real conditions, through the real serenity client against the
//! local Discord-compatible server: a slow Redis, hostile text, private refusals, roles on every
//! tool run, slow models, threads, the channel's own order, guilds joined later, input limits,
//! a channel's lifecycle, expired interaction tokens, a Redis outage, and Discord's rate limits
//! honoured by serenity's own limiter.

use std::time::{Duration, Instant};

use firebreak::advisor::llm::client::LlmSettings;
use firebreak::config::{RoleToml, Settings};
use firebreak_testkit::discord::{Limit, Options, RateLimits};
use firebreak_testkit::openai::{OpenAiServer, Reply as ModelReply};
use firebreak_testkit::{DiscordServer, HttpTarget, Reply};
use serde_json::{Value, json};

use super::{
    Bot, Fixture, WAIT, bot_messages, content, declare, declared_channel, embed_text, fixture, fixture_with,
    refused_privately, slash,
};
use crate::support::{diagnostics_settings, health_tool};

const STRUCTURED: &str = r#"{"hypotheses":[{"cause":"a bad release of checkout-api","confidence":0.7,"incidents":["INC-1001"]}],"mitigations":["roll back checkout-api"]}"#;

fn status(value: &str) -> Value {
    json!([{ "name": "status", "type": 1, "options": [{ "name": "status", "type": 3, "value": value }] }])
}

/// Every message the bot sent anywhere, as the server stores them.
fn everything_the_bot_sent(discord: &DiscordServer) -> Vec<Value> {
    let channels: Vec<u64> =
        discord.channels().iter().filter_map(|channel| channel["id"].as_str()?.parse().ok()).collect();
    channels.into_iter().flat_map(|channel| bot_messages(discord, channel)).collect()
}

/// The message ids of `messages`.
fn ids(messages: &[Value]) -> Vec<u64> {
    messages.iter().filter_map(|message| message["id"].as_str()?.parse().ok()).collect()
}

/// Settings whose LLM is the scripted server's, with no retries.
fn with_model(mut settings: Settings, server: &OpenAiServer) -> Settings {
    settings.llm = LlmSettings {
        base_url: Some(server.base_url()),
        api_key: Some(server.api_key().to_owned()),
        retries: 0,
        ..LlmSettings::default()
    };
    settings
}

/// `/timeline` asked until it lists every one of `lines` (messages are recorded as the bot
/// receives them, concurrently), or the last answer after 20 tries.
async fn timeline_containing(discord: &DiscordServer, channel: u64, user: u64, lines: &[&str]) -> String {
    let mut timeline = String::new();
    for _ in 0..20 {
        timeline = slash(discord, channel, user, "timeline", json!([])).await;
        if lines.iter().all(|line| timeline.contains(line)) {
            break;
        }
    }
    timeline
}

/// Asks the bot in `channel` as `user` and waits for a bot message containing `expected`.
async fn ask(fixture: &Fixture, channel: u64, user: u64, question: &str, expected: &str) -> Option<Value> {
    let discord = &fixture.discord;
    discord.post_message(channel, user, &format!("<@{}> {question}", discord.bot_user_id()));
    discord
        .wait_for(WAIT, |server| bot_messages(server, channel).into_iter().find(|m| content(m).contains(expected)))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_command_is_acknowledged_within_three_seconds_while_redis_is_paused_and_answered_after() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let channel = declared_channel(&fixture).await;

    fixture.redis.pause();
    let paused = Instant::now();
    let interaction = fixture.discord.invoke_command(channel, fixture.maya, "timeline", json!([]));
    let acknowledged = fixture
        .discord
        .wait_for(WAIT, |server| server.interaction(interaction.id).filter(|record| !record.callbacks.is_empty()))
        .await
        .expect("the interaction is acknowledged");
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(paused.elapsed())).await;
    fixture.redis.resume();
    let answered = fixture
        .discord
        .wait_for(WAIT, |server| server.interaction(interaction.id).filter(|record| !record.edits.is_empty()))
        .await
        .expect("the answer arrives once Redis is back");

    assert_eq!(acknowledged.callbacks[0].kind, 5);
    assert!(acknowledged.callbacks[0].after < Duration::from_secs(3), "{:?}", acknowledged.callbacks[0].after);
    assert!(content(answered.original.as_ref().unwrap()).contains("Timeline of INC-2001"), "{answered:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_the_bot_echoes_pings_anyone() {
    let fixture = fixture().await;
    let responders = fixture.discord.add_role("responders");
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let hostile = format!("@everyone checkout down, ask <@{}> and <@&{responders}> @here", fixture.maya);
    discord.invoke_command(fixture.general, fixture.maya, "incident", declare(&hostile));
    let channel = discord
        .wait_for(WAIT, |server| {
            server.channels().into_iter().find(|c| c["name"].as_str().is_some_and(|n| n.starts_with("inc-2001-")))
        })
        .await
        .and_then(|channel| channel["id"].as_str()?.parse::<u64>().ok())
        .expect("the incident channel");
    discord
        .wait_for(WAIT, |server| {
            bot_messages(server, channel).iter().any(|m| content(m).contains("Declared")).then_some(())
        })
        .await
        .expect("the incident is declared in its channel");
    discord.post_message(channel, fixture.maya, &format!("@everyone paging <@{}> again", fixture.maya));
    let timeline = timeline_containing(discord, channel, fixture.maya, &["paging"]).await;

    let answer = ask(&fixture, channel, fixture.maya, "what happened so far?", "paging").await;
    let sent = everything_the_bot_sent(discord);

    assert!(answer.is_some(), "{:#?}", bot_messages(discord, channel));
    assert!(timeline.contains("@everyone checkout down"), "the text is kept, only not pinged: {timeline}");
    assert!(sent.iter().any(|message| content(message).contains("@everyone")), "the test echoes a mention");
    for id in ids(&sent) {
        let pings = discord.pings(id).expect("a stored message");
        assert!(!pings.everyone && pings.users.is_empty() && pings.roles.is_empty(), "message {id} pings: {pings:?}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refusals_and_errors_go_to_the_asker_alone_and_decisions_to_everyone() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;

    let usage = refused_privately(
        discord,
        channel,
        fixture.maya,
        "feedback",
        json!([{ "name": "rating", "type": 4, "value": 9 }]),
    )
    .await;
    let no_incident = discord.invoke_command(fixture.general, fixture.maya, "timeline", json!([]));
    let private_error = discord
        .wait_for(WAIT, |server| {
            server.ephemeral_messages(fixture.maya).into_iter().find(|m| content(m).contains("has no incident yet"))
        })
        .await;
    let feedback =
        discord.invoke_command(channel, fixture.maya, "feedback", json!([{ "name": "rating", "type": 4, "value": 4 }]));
    let recorded = discord
        .wait_for(WAIT, |server| server.interaction(feedback.id).filter(|record| !record.edits.is_empty()))
        .await
        .expect("feedback is answered");

    assert!(usage.contains("not a valid rating"), "{usage}");
    assert!(private_error.is_some(), "{:?}", discord.ephemeral_messages(fixture.maya));
    assert_eq!(discord.interaction(no_incident.id).unwrap().original, None, "the public placeholder is removed");
    assert!(bot_messages(discord, fixture.general).iter().all(|m| !content(m).contains("no incident")));
    assert!(!recorded.callbacks[0].ephemeral(), "a decision is for everyone to see");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_only_commands_answer_privately_when_the_setting_says_so() {
    let fixture = fixture().await;
    let mut settings = fixture.settings();
    settings.discord.private_reads = true;
    let bot = Bot::start(settings).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;

    let timeline = discord.invoke_command(channel, fixture.maya, "timeline", json!([]));
    let answered = discord
        .wait_for(WAIT, |server| server.interaction(timeline.id).filter(|record| !record.edits.is_empty()))
        .await
        .expect("/timeline is answered");
    let status = slash(discord, channel, fixture.maya, "incident", status("mitigated")).await;

    assert!(answered.callbacks[0].ephemeral(), "a read-only answer is deferred privately");
    assert!(discord.ephemeral_messages(fixture.maya).iter().any(|m| content(m).contains("Timeline of INC-2001")));
    assert!(status.contains("is now mitigated"), "{status}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn diagnostics_run_only_for_responders_whoever_asks_and_however() {
    let mut fixture = fixture().await;
    let target = HttpTarget::start([("/checkout/healthz", Reply::text(503, "upstream reset"))]).await;
    let sre = fixture.discord.add_role("sre");
    let oncall = fixture.discord.add_member("oncall", &[sre]);
    let mut settings = fixture.settings();
    settings.diagnostics = diagnostics_settings(&health_tool(&target.url(""), "[a-z-]+", true));
    settings.engine.responder_roles = vec![RoleToml::Named { id: sre.to_string(), name: "sre".into() }];
    let bot = Bot::start(settings).await;
    fixture.discord.wait_ready(1, WAIT).await;
    fixture.maya = oncall;
    let channel = declared_channel(&fixture).await;
    let maya = fixture.discord.add_member("maya-without-role", &[]);

    let refused = ask(&fixture, channel, maya, "is checkout still failing?", "needs one of these roles: sre").await;
    let ran = ask(&fixture, channel, oncall, "is checkout still failing right now?", "Ran `health`").await;
    let evidence = slash(&fixture.discord, channel, oncall, "evidence", json!([])).await;

    assert!(refused.is_some(), "{:#?}", bot_messages(&fixture.discord, channel));
    assert!(ran.is_some(), "{:#?}", bot_messages(&fixture.discord, channel));
    assert!(evidence.contains("(2 runs, newest first)"), "the declare's run and the responder's: {evidence}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_status_change_during_a_slow_model_answer_is_not_kept_waiting() {
    let fixture = fixture().await;
    let model = OpenAiServer::start().await;
    model.script(ModelReply::text(STRUCTURED));
    let bot = Bot::start(with_model(fixture.settings(), &model)).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;
    model.script(ModelReply::delay(Duration::from_secs(5), ModelReply::text("Roll back checkout-api now.")));

    discord.post_message(channel, fixture.maya, &format!("<@{}> what should we do?", discord.bot_user_id()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = Instant::now();
    let status = slash(discord, channel, fixture.maya, "incident", status("mitigated")).await;
    let status_took = asked.elapsed();
    let answer = discord
        .wait_for(WAIT, |server| bot_messages(server, channel).into_iter().find(|m| content(m).contains("Roll back")))
        .await;

    assert!(status.contains("INC-2001 is now mitigated"), "{status}");
    assert!(status_took < Duration::from_secs(4), "the status waited for the model: {status_took:?}");
    assert!(answer.is_some(), "{:#?}", bot_messages(discord, channel));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn threads_and_forum_posts_belong_to_their_incident() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;

    let thread = discord.start_thread(channel, fixture.maya, "db side", "replica lag is 40s on orders-db");
    let answer = ask(&fixture, thread, fixture.maya, "what is the status?", "INC-2001").await;
    let timeline = slash(discord, channel, fixture.maya, "timeline", json!([])).await;

    assert!(answer.is_some(), "{:#?}", bot_messages(discord, thread));
    assert!(timeline.contains("replica lag is 40s on orders-db"), "{timeline}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_timeline_keeps_the_channels_order_under_a_burst() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;

    for index in 0..25 {
        discord.post_message(channel, fixture.maya, &format!("step {index:02} done"));
    }
    let steps: Vec<String> = (0..25).map(|index| format!("step {index:02} done")).collect();
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    let timeline = timeline_containing(discord, channel, fixture.maya, &steps).await;

    let order: Vec<usize> = (0..25).filter_map(|index| timeline.find(&format!("step {index:02} done"))).collect();
    assert_eq!(order.len(), 25, "{timeline}");
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{timeline}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_guild_joined_later_gets_the_commands_with_their_limits() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;

    let later = fixture.discord.add_guild("Joined later").id();
    let registered = fixture
        .discord
        .wait_for(WAIT, |server| Some(server.registered_commands(Some(later))).filter(|commands| !commands.is_empty()))
        .await
        .expect("the new guild gets the commands");

    let incident = registered.iter().find(|command| command["name"] == "incident").expect("/incident");
    let subcommand = |name: &str| incident["options"].as_array().unwrap().iter().find(|o| o["name"] == name).cloned();
    let declare = subcommand("declare").expect("declare");
    let title = declare["options"].as_array().unwrap().iter().find(|o| o["name"] == "title").unwrap();
    let status = subcommand("status").expect("status");
    let choices: Vec<&str> =
        status["options"][0]["choices"].as_array().unwrap().iter().filter_map(|c| c["value"].as_str()).collect();
    assert_eq!(title["max_length"], 256);
    assert_eq!(choices, ["investigating", "identified", "mitigated"]);
    assert!(subcommand("detach").is_some());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_resolve_the_channel_is_not_recorded_and_attach_and_detach_are_for_responders() {
    let fixture = fixture().await;
    let sre = fixture.discord.add_role("sre");
    let oncall = fixture.discord.add_member("oncall", &[sre]);
    let mut settings = fixture.settings();
    settings.engine.responder_roles = vec![RoleToml::Id(sre.to_string())];
    let bot = Bot::start(settings).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;
    let resolve = json!([{ "name": "resolve", "type": 1, "options": [
        { "name": "root_cause", "type": 3, "value": "pool size 2" },
        { "name": "mitigation", "type": 3, "value": "rolled back" },
    ]}]);
    slash(discord, channel, oncall, "incident", resolve).await;

    discord.post_message(channel, fixture.maya, "lunch anyone?");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let timeline = slash(discord, channel, fixture.maya, "timeline", json!([])).await;
    let war_room = discord.add_text_channel("war-room", None);
    let attach = json!([{ "name": "attach", "type": 1, "options": [{ "name": "title", "type": 3, "value": "DNS" }] }]);
    let refused_attach = refused_privately(discord, war_room, fixture.maya, "incident", attach.clone()).await;
    let attached = slash(discord, war_room, oncall, "incident", attach).await;
    let detach = json!([{ "name": "detach", "type": 1, "options": [] }]);
    let detached = slash(discord, war_room, oncall, "incident", detach).await;
    discord.post_message(war_room, fixture.maya, "after the detach");
    let after = discord.invoke_command(war_room, fixture.maya, "timeline", json!([]));
    let after_detach = discord
        .wait_for(WAIT, |server| {
            server.ephemeral_messages(fixture.maya).into_iter().find(|m| content(m).contains("no incident yet"))
        })
        .await;

    assert!(!timeline.contains("lunch anyone?"), "{timeline}");
    assert!(refused_attach.contains("needs one of these roles"), "{refused_attach}");
    assert!(attached.contains("INC-2002 · first response"), "{attached}");
    let card = bot_messages(discord, war_room).into_iter().find(|m| content(m).contains("Declared INC-2002 — DNS"));
    assert!(card.is_some_and(|card| card["embeds"][0]["title"] == "INC-2002 · DNS"), "declared with its status card");
    assert!(detached.contains("no longer tracks INC-2002"), "{detached}");
    assert!(after_detach.is_some(), "{:?}", discord.interaction(after.id));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_answer_later_than_the_interaction_token_lives_goes_to_the_channel() {
    let fixture =
        fixture_with(Options { interaction_token_lifetime: Duration::from_secs(2), ..Options::default() }).await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;

    fixture.redis.pause();
    let interaction = discord.invoke_command(channel, fixture.maya, "timeline", json!([]));
    tokio::time::sleep(Duration::from_secs(3)).await;
    fixture.redis.resume();
    let fell_back = discord
        .wait_for(WAIT, |server| {
            bot_messages(server, channel).into_iter().find(|m| content(m).contains("Timeline of INC-2001"))
        })
        .await;

    assert!(fell_back.is_some(), "{:#?}", bot_messages(discord, channel));
    assert!(discord.interaction(interaction.id).unwrap().edits.is_empty(), "the expired token was not used");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn during_a_redis_outage_only_questions_in_known_incident_channels_are_answered() {
    let mut fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;
    let elsewhere = discord.add_text_channel("random", None);
    ask(&fixture, channel, fixture.maya, "what is the status?", "is investigating")
        .await
        .expect("answered while Redis is up");
    let before = bot_messages(discord, channel).len();

    fixture.redis.stop();
    let discord = &fixture.discord;
    discord.post_message(channel, fixture.maya, "still broken here");
    discord.post_message(elsewhere, fixture.maya, &format!("<@{}> hello?", discord.bot_user_id()));
    let question = ask(&fixture, channel, fixture.maya, "any news?", "can't reach the incident store").await;
    tokio::time::sleep(Duration::from_millis(800)).await;

    assert!(question.is_some(), "{:#?}", bot_messages(discord, channel));
    let after: Vec<String> = bot_messages(discord, channel).iter().skip(before).map(content).collect();
    assert_eq!(after.len(), 1, "only the question got an apology: {after:#?}");
    assert!(bot_messages(discord, elsewhere).is_empty(), "{:#?}", bot_messages(discord, elsewhere));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serenitys_rate_limiter_delivers_a_burst_of_sixty_messages_in_order() {
    let limits = RateLimits {
        // Tighter than the channel's limit, which serenity learns from the headers and waits
        // for ahead of time: the global one it only learns from a 429.
        global: Some(Limit::new(8, Duration::from_secs(1))),
        messages_per_channel: Some(Limit::new(10, Duration::from_secs(1))),
        ..RateLimits::discord()
    };
    let fixture = fixture_with(Options { tls: true, rate_limits: limits, ..Options::default() }).await;
    let certificate = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(certificate.path(), fixture.discord.ca_certificate_pem().unwrap()).unwrap();
    let model = OpenAiServer::start().await;
    model.script(ModelReply::text(STRUCTURED));
    let mut settings = with_model(fixture.settings(), &model);
    settings.discord.api_base = None;
    settings.discord.api_address = fixture.discord.tls_address();
    settings.discord.ca_file = Some(certificate.path().to_owned());
    let bot = Bot::start(settings).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;
    let parts: Vec<String> = (0..60).map(|index| format!("part {index:02}: {}", "x".repeat(1_900))).collect();
    model.script(ModelReply::text(parts.join("\n")));

    discord.post_message(channel, fixture.maya, &format!("<@{}> give me everything", discord.bot_user_id()));
    let delivered = discord
        .wait_for(Duration::from_secs(60), |server| {
            let posted: Vec<String> =
                bot_messages(server, channel).iter().map(content).filter(|text| text.starts_with("part ")).collect();
            (posted.len() >= 60).then_some(posted)
        })
        .await
        .expect("all sixty parts arrive");

    let numbers: Vec<usize> = delivered.iter().filter_map(|text| text[5..7].parse().ok()).collect();
    assert_eq!(numbers, (0..60).collect::<Vec<_>>());
    assert!(!discord.rate_limit_hits().is_empty(), "the burst met the server's limits and serenity waited them out");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mention_of_the_bots_role_addresses_the_bot() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let channel = declared_channel(&fixture).await;
    let bot_role = discord.bot_role_id(discord.guild_id()).expect("the bot's managed role");

    discord.post_message(channel, fixture.maya, &format!("<@&{bot_role}> what is the status?"));
    let answer = discord
        .wait_for(WAIT, |server| {
            bot_messages(server, channel).into_iter().find(|m| content(m).contains("is investigating"))
        })
        .await;

    assert!(answer.is_some(), "{:#?}", bot_messages(discord, channel).iter().map(embed_text).collect::<Vec<_>>());
    bot.stop().await;
}
