//! Pins, message edits, channel edits and attachments, through serenity's `Http`.

use firebreak_testkit::discord::DiscordServer;
use serde_json::json;
use serenity::all::{ChannelId, CreateAttachment, CreateMessage, EditChannel, EditMessage, MessageType};

use super::{Watched, client_http, discord_error, watch};

#[tokio::test]
async fn messages_are_pinned_listed_and_unpinned_with_a_notice_in_the_channel() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = client_http(&discord, discord.token());
    let runbook = ops.say(&http, "Runbook: restart the pool").await.unwrap();
    let status = ops.say(&http, "Status: mitigated").await.unwrap();
    let from_alice = discord.post_message(ops.get(), alice, "thanks all");

    ops.pin(&http, runbook.id).await.unwrap();
    ops.pin(&http, status.id).await.unwrap();
    ops.pin(&http, from_alice).await.unwrap();
    ops.unpin(&http, from_alice).await.unwrap();
    let pins = ops.pins(&http).await.unwrap();
    let unknown = ops.pin(&http, 1).await.unwrap_err();

    assert_eq!(pins.iter().map(|message| message.id).collect::<Vec<_>>(), [status.id, runbook.id]);
    assert!(pins.iter().all(|message| message.pinned));
    assert_eq!(discord.pinned_messages(ops.get()).len(), 2);
    let notices: Vec<_> =
        discord.channel_messages(ops.get()).into_iter().filter(|message| message["type"] == 6).collect();
    assert_eq!(notices.len(), 3, "one notice per pin");
    assert_eq!(notices[0]["message_reference"]["message_id"], json!(runbook.id.to_string()));
    assert_eq!(discord.message(from_alice).unwrap()["pinned"], false);
    assert_eq!(discord_error(unknown), (404, 10008, Vec::new()));
    let notice: serenity::all::Message = serde_json::from_value(notices[0].clone()).unwrap();
    assert_eq!(notice.kind, MessageType::PinsAdd);
}

#[tokio::test]
async fn an_edited_message_keeps_its_id_and_every_revision_is_kept() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = client_http(&discord, discord.token());
    let mut status = ops.send_message(&http, CreateMessage::new().content("INC-7: investigating")).await.unwrap();
    let from_alice = discord.post_message(ops.get(), alice, "on it");

    status.edit(&http, EditMessage::new().content("INC-7: mitigated")).await.unwrap();
    status.edit(&http, EditMessage::new().content("INC-7: resolved")).await.unwrap();
    let not_ours = ops.edit_message(&http, from_alice, EditMessage::new().content("hijacked")).await.unwrap_err();
    let emptied = ops.edit_message(&http, status.id, EditMessage::new().content("")).await.unwrap_err();

    let messages = discord.channel_messages(ops.get());
    assert_eq!(messages.len(), 2, "edited in place, not re-posted");
    assert_eq!(messages[0]["id"], json!(status.id.to_string()));
    assert_eq!(messages[0]["content"], "INC-7: resolved");
    let revisions: Vec<String> = discord
        .message_history(status.id.get())
        .iter()
        .map(|revision| revision.body["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(revisions, ["INC-7: investigating", "INC-7: mitigated", "INC-7: resolved"]);
    assert_eq!(discord_error(not_ours).1, 50005);
    assert_eq!(discord_error(emptied).1, 50006);
    assert_eq!(discord.message(from_alice).unwrap()["content"], "on it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_edits_are_applied_checked_and_announced() {
    let discord = DiscordServer::start().await;
    let incidents = ChannelId::new(discord.add_category("Incidents"));
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let mut watching = watch(&discord).await;
    let http = std::sync::Arc::clone(&watching.http);

    let renamed = ops
        .edit(&http, EditChannel::new().name("INC 7 checkout").topic("502s since 14:10").category(incidents))
        .await
        .unwrap();
    let long_topic = ops.edit(&http, EditChannel::new().topic("t".repeat(1025))).await.unwrap_err();
    let into_itself = incidents.edit(&http, EditChannel::new().category(incidents)).await.unwrap_err();
    let announced = watching
        .events
        .expect("CHANNEL_UPDATE", |seen| match seen {
            Watched::ChannelUpdate(channel) if channel.id == ops => Some(channel.clone()),
            _ => None,
        })
        .await;

    assert_eq!(renamed.name, "inc-7-checkout");
    assert_eq!((renamed.topic.as_deref(), renamed.parent_id), (Some("502s since 14:10"), Some(incidents)));
    assert_eq!((announced.name.as_str(), announced.parent_id), ("inc-7-checkout", Some(incidents)));
    assert_eq!(discord_error(long_topic), (400, 50035, vec!["topic".to_owned()]));
    assert_eq!(discord_error(into_itself), (400, 50035, vec!["parent_id".to_owned()]));
    let stored = http.get_channel(ops).await.unwrap().guild().unwrap();
    assert_eq!(stored.topic.as_deref(), Some("502s since 14:10"), "a refused edit changes nothing");
}

#[tokio::test]
async fn an_uploaded_file_can_be_read_back_by_id_and_at_its_url() {
    let discord = DiscordServer::start().await;
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = client_http(&discord, discord.token());
    let report = b"# INC-7 postmortem\n\nroot cause: pool size 2\n".to_vec();

    let file = CreateAttachment::bytes(report.clone(), "postmortem.md");
    let sent = ops.send_message(&http, CreateMessage::new().content("postmortem").add_file(file)).await.unwrap();
    let attachment = &sent.attachments[0];
    let downloaded = reqwest_serenity::get(&attachment.url).await.unwrap().bytes().await.unwrap();

    assert_eq!(discord.attachment(attachment.id.get()), Some(report.clone()));
    assert_eq!(downloaded.to_vec(), report);
    assert_eq!(attachment.size as usize, report.len());
}
