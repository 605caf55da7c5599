//! The responder experience on Discord, through the real serenity client against the local
//! Discord-compatible server and a real `redis-server`: the status card posted, pinned and
//! edited in place, the Resolve modal, the rating buttons, autocomplete for `/diagnose`, update
//! reminders across replicas and a restart, the announcement edited in place with its one ping,
//! and the postmortem attached as a file.

use std::collections::HashMap;
use std::time::Duration;

use firebreak::cli::stats::feedback_stats;
use firebreak::config::Settings;
use firebreak::core::incident::{IncidentId, Severity};
use firebreak_testkit::DiscordServer;
use serde_json::{Value, json};

use super::{Bot, Fixture, WAIT, bot_messages, content, declare, embed_text, fixture, rejected_requests, slash};
use crate::support::{diagnostics_settings, health_tool, redis_store};

const INCIDENT: IncidentId = IncidentId::from_number(2001);

fn id_of(message: &Value) -> u64 {
    message["id"].as_str().and_then(|id| id.parse().ok()).unwrap_or_default()
}

/// The bot's status cards in `channel`: embeds titled after the incident, with controls.
fn cards(discord: &DiscordServer, channel: u64) -> Vec<Value> {
    bot_messages(discord, channel)
        .into_iter()
        .filter(|message| message["embeds"][0]["title"].as_str().is_some_and(|title| title.starts_with("INC-2001 · ")))
        .filter(|message| !embed_text(message).contains("first response"))
        .collect()
}

/// The value of the card's field `name`.
fn card_field(card: &Value, name: &str) -> String {
    let fields = card["embeds"][0]["fields"].as_array().cloned().unwrap_or_default();
    let field = fields.iter().find(|field| field["name"] == name);
    field.and_then(|field| field["value"].as_str()).unwrap_or_default().to_owned()
}

/// Declares through `/incident declare` in #general and waits until the command is answered
/// (by then the card is posted, pinned and reported back); returns the incident's channel and
/// its card.
async fn declared(fixture: &Fixture) -> (u64, Value) {
    let discord = &fixture.discord;
    let interaction = discord.invoke_command(fixture.general, fixture.maya, "incident", declare("Checkout 502s"));
    discord
        .wait_for(WAIT, |server| server.interaction(interaction.id).filter(|record| !record.edits.is_empty()))
        .await
        .expect("the declaration is answered");
    let channel = discord
        .channels()
        .into_iter()
        .find(|channel| channel["name"].as_str().is_some_and(|name| name.starts_with("inc-2001-")))
        .and_then(|channel| channel["id"].as_str()?.parse().ok())
        .expect("an incident channel");
    let card = cards(discord, channel).pop().expect("a status card in the incident channel");
    (channel, card)
}

/// Waits until the card has `revisions` versions and returns it as it stands.
async fn card_at(discord: &DiscordServer, card: u64, revisions: usize) -> Value {
    discord
        .wait_for(WAIT, |server| {
            (server.message_history(card).len() >= revisions).then(|| server.message(card)).flatten()
        })
        .await
        .unwrap_or_else(|| panic!("the card has {} revisions, not {revisions}", discord.message_history(card).len()))
}

/// Waits until interaction `id` got its answer (a deferral completed, or a modal).
async fn answered(discord: &DiscordServer, id: u64) {
    discord
        .wait_for(WAIT, |server| {
            server.interaction(id).filter(|record| !record.edits.is_empty() || record.modal().is_some())
        })
        .await
        .unwrap_or_else(|| panic!("interaction {id} was never answered: {:?}", rejected_requests(discord)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_status_card_is_posted_pinned_and_edited_in_place_on_every_change() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let (channel, card) = declared(&fixture).await;
    let card_id = id_of(&card);

    let acked = discord.click_button(card_id, fixture.maya, "fb:2001:ack");
    answered(discord, acked.id).await;
    let after_ack = card_at(discord, card_id, 2).await;
    let chose = discord.choose(card_id, fixture.maya, "fb:2001:severity", &["sev1"]);
    answered(discord, chose.id).await;
    let after_severity = card_at(discord, card_id, 3).await;
    let status =
        json!([{ "name": "status", "type": 1, "options": [{ "name": "status", "type": 3, "value": "identified" }] }]);
    let said = slash(discord, channel, fixture.maya, "incident", status).await;
    let after_status = card_at(discord, card_id, 4).await;

    assert_eq!(ids(&discord.pinned_messages(channel)), [card_id], "the card is pinned");
    assert!(card_field(&after_ack, "Acknowledged").starts_with("maya at"), "{after_ack:#}");
    assert_eq!(card_field(&after_severity, "Severity"), "SEV1");
    assert!(said.contains("INC-2001 is now identified"), "{said}");
    assert_eq!(card_field(&after_status, "Status"), "identified");
    assert_eq!(cards(discord, channel).len(), 1, "edited, never re-posted");
    let topic = discord.channels().into_iter().find(|found| id_of(found) == channel).unwrap()["topic"].clone();
    assert_eq!(topic, "INC-2001 · SEV1 · identified · Checkout 502s");
    assert!(rejected_requests(discord).is_empty(), "{:?}", rejected_requests(discord));
    assert!(discord.rate_limit_hits().is_empty(), "{:?}", discord.rate_limit_hits());
    bot.stop().await;
}

fn ids(messages: &[Value]) -> Vec<u64> {
    messages.iter().map(id_of).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_resolve_modal_resolves_with_multi_line_text_kept_intact_and_puts_the_channel_away() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let (channel, card) = declared(&fixture).await;
    let cause =
        "Release 7.42 lowered the keep-alive timeout to 5s.\n\nThe ingress reused closed sockets:\n- resets\n- 502s";
    let fix = "Rolled back to 7.41.3.\n  Pinned idleTimeout=75s.";

    let clicked = discord.click_button(id_of(&card), fixture.maya, "fb:2001:open:resolve");
    answered(discord, clicked.id).await;
    let modal = discord.interaction(clicked.id).unwrap().modal().expect("a modal");
    let submitted =
        discord.submit_modal(clicked.id, &[("root_cause", cause), ("mitigation", fix), ("category", "deployment")]);
    answered(discord, submitted.id).await;
    let resolved_card = card_at(discord, id_of(&card), 2).await;
    let renamed = discord
        .wait_for(WAIT, |server| {
            server.channels().into_iter().find(|found| {
                id_of(found) == channel && found["name"].as_str().is_some_and(|name| name.starts_with("resolved-"))
            })
        })
        .await;

    assert_eq!(modal["title"], "Resolve INC-2001");
    let inputs: Vec<&str> = modal["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row["components"][0]["custom_id"].as_str())
        .collect();
    assert_eq!(inputs, ["root_cause", "mitigation", "category"]);
    let incident = redis_store(&fixture.redis.url()).await.incident(INCIDENT).await.unwrap().unwrap();
    assert_eq!((incident.root_cause.as_deref(), incident.mitigation.as_deref()), (Some(cause), Some(fix)));
    assert_eq!(card_field(&resolved_card, "Root cause"), cause);
    assert_eq!(resolved_card["components"], json!([]), "a resolved card offers nothing to click");
    assert_eq!(renamed.expect("the channel is renamed")["name"], "resolved-inc-2001-checkout-502s");
    assert!(rejected_requests(discord).is_empty(), "{:?}", rejected_requests(discord));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rating_buttons_under_an_answer_count_one_rating_per_person() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let sam = discord.add_member("sam", &[]);
    let (channel, _) = declared(&fixture).await;
    let first_response = bot_messages(discord, channel)
        .into_iter()
        .find(|message| embed_text(message).contains("first response"))
        .expect("the first response");
    let buttons: Vec<String> = first_response["components"][0]["components"]
        .as_array()
        .expect("rating buttons under the first response")
        .iter()
        .filter_map(|button| button["custom_id"].as_str().map(str::to_owned))
        .collect();

    let mut clicks = Vec::new();
    for (who, rating) in [(fixture.maya, 2), (fixture.maya, 4), (sam, 5)] {
        let click = discord.click_button(id_of(&first_response), who, &buttons[rating - 1]);
        answered(discord, click.id).await;
        clicks.push(click);
    }

    assert_eq!(buttons.len(), 5);
    let record = discord.interaction(clicks[1].id).unwrap();
    assert!(record.callbacks[0].ephemeral(), "a rating is thanked privately");
    let thanks = content(record.original.as_ref().unwrap());
    assert!(thanks.contains("from 2/5 to 4/5"), "{thanks}");
    let stats = feedback_stats(redis_store(&fixture.redis.url()).await.as_ref()).await.unwrap();
    assert_eq!((stats.overall.count, stats.overall.mean), (2, 4.5), "maya's changed rating counts once");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn autocomplete_offers_the_configured_tools_and_then_their_parameters() {
    let fixture = fixture().await;
    let diagnostics = diagnostics_settings(&health_tool("http://127.0.0.1:9", "checkout|search", false));
    let bot = Bot::start(Settings { diagnostics, ..fixture.settings() }).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let choices = |options: Value| async move {
        let asked = discord.autocomplete(fixture.general, fixture.maya, "diagnose", options);
        discord.wait_for(WAIT, |server| server.interaction(asked.id)?.choices()).await.expect("choices offered")
    };

    let tools = choices(json!([{ "name": "tool", "type": 3, "value": "hea", "focused": true }])).await;
    let params = choices(json!([
        { "name": "tool", "type": 3, "value": "health" },
        { "name": "args", "type": 3, "value": "", "focused": true },
    ]))
    .await;

    // Commands are registered as the guild arrives, which may be after the first interaction.
    let diagnose = discord
        .wait_for(WAIT, |server| {
            server
                .registered_commands(Some(server.guild_id()))
                .into_iter()
                .find(|command| command["name"] == "diagnose")
        })
        .await
        .expect("/diagnose registered in the guild");
    assert!(diagnose["options"].as_array().unwrap().iter().all(|option| option["autocomplete"] == true));
    assert_eq!(tools.iter().map(|choice| choice["value"].clone()).collect::<Vec<_>>(), [json!("health")]);
    assert!(tools[0]["name"].as_str().unwrap().contains("Probe the health endpoint"), "{tools:?}");
    assert_eq!(params.len(), 1);
    assert_eq!(params[0]["value"], "service=");
    assert!(params[0]["name"].as_str().unwrap().contains("checkout, search"), "{params:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reminder_fires_exactly_once_across_two_replicas_after_a_restart() {
    let fixture = fixture().await;
    let mut settings = fixture.settings();
    settings.engine.update_interval_secs = HashMap::from([(Severity::Sev2, 2)]);
    settings.engine.timer_poll_ms = 200;
    // The first replica looks for due timers only when it starts, before anything is due: the
    // reminder set by its declaration can only be fired by the replicas that replace it.
    let mut first_settings = settings.clone();
    first_settings.engine.timer_poll_ms = 600_000;
    let first = Bot::start(first_settings).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let (channel, _) = declared(&fixture).await;
    first.stop().await;
    let reminders = |server: &DiscordServer, number: usize| {
        bot_messages(server, channel).iter().filter(|m| content(m).contains(&format!("Reminder {number} for"))).count()
    };
    let reminded_before_the_restart = reminders(discord, 1);

    let replica_a = Bot::start(settings.clone()).await;
    let replica_b = Bot::start(settings).await;
    discord.wait_ready(2, WAIT).await;
    let third = discord.wait_for(Duration::from_secs(20), |server| (reminders(server, 3) > 0).then_some(())).await;

    assert_eq!(reminded_before_the_restart, 0, "the reminder is fired after the restart");
    assert!(third.is_some(), "{:#?}", bot_messages(discord, channel));
    assert_eq!((reminders(discord, 1), reminders(discord, 2)), (1, 1), "each reminder is posted once");
    let reminder = bot_messages(discord, channel).into_iter().find(|m| content(m).contains("Reminder 1 for")).unwrap();
    assert!(content(&reminder).contains("INC-2001 has had no status update"), "{reminder:#}");
    replica_a.stop().await;
    replica_b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_announcement_is_posted_once_with_its_role_ping_and_edited_in_place() {
    let fixture = fixture().await;
    let discord = &fixture.discord;
    let announcements = discord.add_text_channel("incidents", None);
    let oncall = discord.add_role("incident-responders");
    let mut settings = fixture.settings();
    settings.discord.announcements_channel = Some(announcements);
    settings.discord.announcement_pings = HashMap::from([(Severity::Sev2, oncall.to_string())]);
    let bot = Bot::start(settings).await;
    discord.wait_ready(1, WAIT).await;
    let (channel, _) = declared(&fixture).await;

    let status =
        json!([{ "name": "status", "type": 1, "options": [{ "name": "status", "type": 3, "value": "mitigated" }] }]);
    slash(discord, channel, fixture.maya, "incident", status).await;
    let resolve = json!([{ "name": "resolve", "type": 1, "options": [
        { "name": "root_cause", "type": 3, "value": "a bad release" },
        { "name": "mitigation", "type": 3, "value": "rolled back" },
    ]}]);
    slash(discord, channel, fixture.maya, "incident", resolve).await;

    let posts = bot_messages(discord, announcements);
    assert_eq!(posts.len(), 1, "one post per incident: {posts:#?}");
    let post = id_of(&posts[0]);
    let history = discord.message_history(post);
    let texts: Vec<&str> = history.iter().filter_map(|revision| revision.body["content"].as_str()).collect();
    assert!(texts[0].starts_with(&format!("<@&{oncall}> 🔥 INC-2001")), "{texts:?}");
    assert!(texts.iter().any(|text| text.contains("mitigated")), "{texts:?}");
    assert!(texts.last().unwrap().contains("resolved after"), "{texts:?}");
    assert!(texts.last().unwrap().contains(&format!("<#{channel}>")), "{texts:?}");
    assert_eq!(history[0].pings.roles, [oncall], "the configured role is pinged once");
    assert!(history[1..].iter().all(|revision| revision.pings.roles.is_empty() && revision.pings.users.is_empty()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_postmortem_is_attached_with_the_root_cause_and_secrets_stay_masked() {
    let fixture = fixture().await;
    let bot = Bot::start(fixture.settings()).await;
    fixture.discord.wait_ready(1, WAIT).await;
    let discord = &fixture.discord;
    let (channel, _) = declared(&fixture).await;
    discord.post_message(channel, fixture.maya, "the pool creds are password=hunter2, rotating now");
    let resolve = json!([{ "name": "resolve", "type": 1, "options": [
        { "name": "root_cause", "type": 3, "value": "pool size 2 from a test profile; its token=abc123secret leaked into the config" },
        { "name": "mitigation", "type": 3, "value": "rolled back checkout-api" },
    ]}]);
    slash(discord, channel, fixture.maya, "incident", resolve).await;

    let asked = discord.invoke_command(channel, fixture.maya, "postmortem", json!([]));
    let record = discord
        .wait_for(WAIT, |server| {
            server
                .interaction(asked.id)
                .filter(|record| record.original.as_ref().is_some_and(|m| m["attachments"][0].is_object()))
        })
        .await
        .unwrap_or_else(|| panic!("no attachment: {:?}", rejected_requests(discord)));
    let attachment = &record.original.unwrap()["attachments"][0];
    let bytes = discord.attachment(id_of(attachment)).expect("the file was uploaded");
    let draft = String::from_utf8(bytes).unwrap();

    assert_eq!(attachment["filename"], "INC-2001-postmortem.md");
    assert!(draft.starts_with("# Postmortem draft: INC-2001 — Checkout 502s"), "{draft}");
    assert!(draft.contains("pool size 2 from a test profile"), "{draft}");
    assert!(!draft.contains("abc123secret") && !draft.contains("hunter2"), "{draft}");
    assert!(draft.contains("[REDACTED]"), "{draft}");
    bot.stop().await;
}
