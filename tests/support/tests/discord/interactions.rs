//! Interaction answers: the token's lifetime, the one callback an interaction takes, and
//! ephemeral answers that only the invoking user sees, through serenity's `Http`.

use std::time::Duration;

use firebreak_testkit::discord::{DiscordServer, Options};
use serde_json::{Value, json};
use serenity::all::{
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    EditInteractionResponse, Interaction,
};

use super::{client_http, discord_error, watch};

#[tokio::test]
async fn edits_and_follow_ups_work_while_the_token_lives_and_get_unknown_webhook_after() {
    let lifetime = Duration::from_millis(500);
    let options = Options { interaction_token_lifetime: lifetime, ..Options::default() };
    let discord = DiscordServer::start_with(options).await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let http = client_http(&discord, discord.token());
    http.set_application_id(discord.application_id().into());
    let interaction = discord.invoke_command(ops, alice, "status", Value::Null);
    let defer = json!({ "type": 5 });
    http.create_interaction_response(interaction.id.into(), &interaction.token, &defer, Vec::new()).await.unwrap();

    let live_edit = http
        .edit_original_interaction_response(&interaction.token, &json!({ "content": "Investigating" }), Vec::new())
        .await;
    let live_follow_up =
        http.create_followup_message(&interaction.token, &json!({ "content": "more soon" }), Vec::new()).await;
    let second = http.create_interaction_response(interaction.id.into(), &interaction.token, &defer, Vec::new()).await;
    let elsewhere = client_http(&discord, discord.token());
    elsewhere.set_application_id((discord.application_id() + 1).into());
    let wrong_application =
        elsewhere.edit_original_interaction_response(&interaction.token, &json!({ "content": "x" }), Vec::new()).await;
    tokio::time::sleep(lifetime + Duration::from_millis(200)).await;
    let late_edit = http
        .edit_original_interaction_response(&interaction.token, &json!({ "content": "Mitigated" }), Vec::new())
        .await;
    let late_follow_up =
        http.create_followup_message(&interaction.token, &json!({ "content": "done" }), Vec::new()).await;

    assert_eq!(live_edit.unwrap().content, "Investigating");
    assert_eq!(live_follow_up.unwrap().content, "more soon");
    assert_eq!(discord_error(second.unwrap_err()), (400, 40060, Vec::new()));
    assert_eq!(discord_error(wrong_application.unwrap_err()), (401, 50027, Vec::new()));
    assert_eq!(discord_error(late_edit.unwrap_err()), (404, 10015, Vec::new()));
    assert_eq!(discord_error(late_follow_up.unwrap_err()), (404, 10015, Vec::new()));
    let record = discord.interaction(interaction.id).unwrap();
    assert_eq!(record.original.unwrap()["content"], "Investigating", "nothing after expiry changed it");
    assert_eq!(record.followups.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ephemeral_answers_are_seen_only_by_the_invoking_user_and_stay_ephemeral_when_edited() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let bob = discord.add_member("bob", &[]);
    let ops = discord.add_text_channel("ops", None);
    let mut watching = watch(&discord).await;
    let http = std::sync::Arc::clone(&watching.http);

    discord.invoke_command(ops, alice, "status", Value::Null);
    let Interaction::Command(command) = watching.interaction().await else { panic!("not a command") };
    let private = CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
    command.create_response(&http, private).await.unwrap();
    let edited =
        command.edit_response(&http, EditInteractionResponse::new().content("Only you: INC-7 is open")).await.unwrap();
    let follow_up = CreateInteractionResponseFollowup::new().content("Also only you").ephemeral(true);
    command.create_followup(&http, follow_up).await.unwrap();
    command
        .create_followup(&http, CreateInteractionResponseFollowup::new().content("Everyone sees this"))
        .await
        .unwrap();
    discord.invoke_command(ops, bob, "status", Value::Null);
    let Interaction::Command(answered) = watching.interaction().await else { panic!("not a command") };
    let message = CreateInteractionResponseMessage::new().content("Only bob").ephemeral(true);
    answered.create_response(&http, CreateInteractionResponse::Message(message)).await.unwrap();

    assert!(edited.flags.unwrap().contains(serenity::all::MessageFlags::EPHEMERAL), "the edit stays ephemeral");
    let contents = |messages: Vec<Value>| -> Vec<String> {
        messages.iter().map(|message| message["content"].as_str().unwrap_or("").to_owned()).collect()
    };
    assert_eq!(contents(discord.ephemeral_messages(alice)), ["Only you: INC-7 is open", "Also only you"]);
    assert_eq!(contents(discord.ephemeral_messages(bob)), ["Only bob"]);
    assert_eq!(contents(discord.channel_messages(ops)), ["Everyone sees this"]);
    let loading_cleared = discord.message(edited.id.get()).unwrap()["flags"].as_u64().unwrap();
    assert_eq!(loading_cleared, 64, "ephemeral, no longer loading");
}

#[tokio::test]
async fn a_deferred_response_can_be_deleted_and_answered_privately_by_follow_up() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let http = client_http(&discord, discord.token());
    http.set_application_id(discord.application_id().into());
    let interaction = discord.invoke_command(ops, alice, "status", Value::Null);
    let defer = json!({ "type": 5 });
    http.create_interaction_response(interaction.id.into(), &interaction.token, &defer, Vec::new()).await.unwrap();

    let deleted = http.delete_original_interaction_response(&interaction.token).await;
    let again = http.delete_original_interaction_response(&interaction.token).await;
    let private = http
        .create_followup_message(&interaction.token, &json!({ "content": "only you", "flags": 64 }), Vec::new())
        .await;

    deleted.unwrap();
    assert_eq!(discord_error(again.unwrap_err()).1, 10008, "the original is gone");
    assert_eq!(private.unwrap().content, "only you");
    assert!(discord.channel_messages(ops).is_empty(), "{:?}", discord.channel_messages(ops));
    assert_eq!(discord.ephemeral_messages(alice).len(), 1);
    assert_eq!(discord.interaction(interaction.id).unwrap().original, None);
}
