//! Allowed mentions: who each message would ping, for channel messages, interaction answers,
//! follow-ups and edits, as serenity's builders send them.

use firebreak_testkit::discord::{DiscordServer, Options, Pings, RateLimits};
use serde_json::{Value, json};
use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse, Interaction, MessageId,
};

use super::{client_http, discord_error, watch};

#[tokio::test]
async fn allowed_mentions_decide_who_a_channel_message_pings() {
    // Six messages to one channel in a moment: more than the per-channel rate limit allows.
    let discord =
        DiscordServer::start_with(Options { rate_limits: RateLimits::unlimited(), ..Options::default() }).await;
    let oncall = discord.add_role("oncall");
    let alice = discord.add_member("alice", &[oncall]);
    let bob = discord.add_member("bob", &[]);
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = client_http(&discord, discord.token());
    let content = format!("<@{alice}> <@{bob}> <@&{oncall}> @everyone checkout is down");
    let send = |allowed: Option<CreateAllowedMentions>| {
        let mut message = CreateMessage::new().content(&content);
        if let Some(allowed) = allowed {
            message = message.allowed_mentions(allowed);
        }
        ops.send_message(&http, message)
    };

    let everything = send(None).await.unwrap();
    let nobody = send(Some(CreateAllowedMentions::new())).await.unwrap();
    let only_alice = send(Some(CreateAllowedMentions::new().users([alice]))).await.unwrap();
    let roles_and_everyone = send(Some(CreateAllowedMentions::new().all_roles(true).everyone(true))).await.unwrap();
    let asked = discord.post_message(ops.get(), bob, "who owns checkout?");
    let reply = CreateMessage::new()
        .content("alice does")
        .reference_message((ops, MessageId::new(asked)))
        .allowed_mentions(CreateAllowedMentions::new().replied_user(true));
    let replied = ops.send_message(&http, reply).await.unwrap();
    let conflicting =
        json!({ "content": content, "allowed_mentions": { "parse": ["users"], "users": [alice.to_string()] } });
    let refused = http.send_message(ops, Vec::new(), &conflicting).await.unwrap_err();

    let pings = |message_id: MessageId| discord.pings(message_id.get()).unwrap();
    assert_eq!(pings(everything.id), Pings { everyone: true, users: vec![alice, bob], roles: vec![oncall] });
    assert_eq!(pings(nobody.id), Pings::default());
    assert_eq!(pings(only_alice.id), Pings { everyone: false, users: vec![alice], roles: vec![] });
    assert_eq!(pings(roles_and_everyone.id), Pings { everyone: true, users: vec![], roles: vec![oncall] });
    assert_eq!(pings(replied.id), Pings { everyone: false, users: vec![bob], roles: vec![] });
    assert!(everything.mention_everyone && !nobody.mention_everyone);
    assert_eq!(only_alice.mentions.iter().map(|user| user.id.get()).collect::<Vec<_>>(), [alice]);
    assert_eq!(roles_and_everyone.mention_roles.len(), 1);
    assert!(nobody.mentions.is_empty() && nobody.mention_roles.is_empty());
    let revision = &discord.message_history(nobody.id.get())[0];
    assert_eq!(revision.allowed_mentions.as_ref().unwrap()["parse"], json!([]));
    assert!(discord.message_history(everything.id.get())[0].allowed_mentions.is_none());
    let (status, code, fields) = discord_error(refused);
    assert_eq!((status, code, fields), (400, 50035, vec!["allowed_mentions".to_owned()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_answers_follow_ups_and_edits_are_held_to_their_allowed_mentions() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let mut watching = watch(&discord).await;
    let http = std::sync::Arc::clone(&watching.http);
    let paging = format!("<@{alice}> @here please look");

    discord.invoke_command(ops, alice, "status", Value::Null);
    let Interaction::Command(command) = watching.interaction().await else { panic!("not a command") };
    let quiet = CreateInteractionResponseMessage::new().content(&paging).allowed_mentions(CreateAllowedMentions::new());
    command.create_response(&http, CreateInteractionResponse::Message(quiet)).await.unwrap();
    let loud = CreateInteractionResponseFollowup::new().content(&paging);
    let follow_up = command.create_followup(&http, loud).await.unwrap();
    let original = command.get_response(&http).await.unwrap();
    let edit = EditInteractionResponse::new()
        .content(format!("{paging} now"))
        .allowed_mentions(CreateAllowedMentions::new().users([alice]));
    command.edit_response(&http, edit).await.unwrap();
    let silenced = CreateInteractionResponseFollowup::new()
        .content(format!("{paging}: resolved"))
        .allowed_mentions(CreateAllowedMentions::new());
    command.edit_followup(&http, follow_up.id, silenced).await.unwrap();

    assert_eq!(discord.message_history(original.id.get())[0].pings, Pings::default());
    assert_eq!(discord.pings(original.id.get()).unwrap(), Pings { everyone: false, users: vec![alice], roles: vec![] });
    let follow_up_history = discord.message_history(follow_up.id.get());
    assert_eq!(follow_up_history[0].pings, Pings { everyone: true, users: vec![alice], roles: vec![] });
    assert_eq!(follow_up_history[1].pings, Pings::default());
    assert_eq!(discord.message_history(original.id.get()).len(), 2, "the answer was edited in place");
}
