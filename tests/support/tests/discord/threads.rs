//! Threads and forum posts: made by the bot through serenity or by members, messages in them,
//! archiving and locking, each announced on the gateway.

use firebreak_testkit::discord::DiscordServer;
use serde_json::json;
use serenity::all::{ChannelId, ChannelType, CreateForumPost, CreateMessage, CreateThread, EditThread};

use super::{Watched, discord_error, watch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_posts_in_a_forum_and_archives_and_locks_a_thread() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let forum = ChannelId::new(discord.add_forum_channel("postmortems", None));
    let mut watching = watch(&discord).await;
    let http = std::sync::Arc::clone(&watching.http);

    let post = forum
        .create_forum_post(
            &http,
            CreateForumPost::new("INC-7 postmortem", CreateMessage::new().content("What happened")),
        )
        .await
        .unwrap();
    let declared = discord.post_message(ops.get(), alice, "checkout is down");
    let timeline = ops.create_thread_from_message(&http, declared, CreateThread::new("INC-7 timeline")).await.unwrap();
    let notes = ops.create_thread(&http, CreateThread::new("notes").kind(ChannelType::PublicThread)).await.unwrap();
    notes.id.say(&http, "first note").await.unwrap();
    let closed = notes.id.edit_thread(&http, EditThread::new().archived(true).locked(true)).await.unwrap();
    let refused = notes.id.say(&http, "too late").await.unwrap_err();
    let in_forum_directly = forum.say(&http, "not a post").await.unwrap_err();

    assert_eq!((post.kind, post.parent_id), (ChannelType::PublicThread, Some(forum)));
    let starter = discord.message(post.id.get()).expect("the starter message has the thread's id");
    assert_eq!(
        (starter["channel_id"].as_str(), starter["content"].as_str()),
        (Some(post.id.to_string().as_str()), Some("What happened"))
    );
    assert_eq!(timeline.id.get(), declared, "a thread from a message takes its id");
    let metadata = closed.thread_metadata.unwrap();
    assert!(metadata.archived && metadata.locked);
    assert_eq!(discord_error(refused).1, 50083);
    assert_eq!(discord_error(in_forum_directly).1, 50008);
    assert_eq!(discord.channel_messages(notes.id.get()).len(), 1);
    let mut created = Vec::new();
    for _ in 0..3 {
        let thread = watching
            .events
            .expect("THREAD_CREATE", |seen| match seen {
                Watched::ThreadCreate(thread) => Some(thread.name.clone()),
                _ => None,
            })
            .await;
        created.push(thread);
    }
    created.sort();
    assert_eq!(created, ["INC-7 postmortem", "INC-7 timeline", "notes"]);
    let update = watching
        .events
        .expect("THREAD_UPDATE", |seen| match seen {
            Watched::ThreadUpdate(thread) => Some(thread.clone()),
            _ => None,
        })
        .await;
    assert_eq!(update.id, notes.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_start_threads_and_forum_posts_and_a_message_reopens_an_archived_thread() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let forum = discord.add_forum_channel("questions", None);
    let mut watching = watch(&discord).await;
    let http = std::sync::Arc::clone(&watching.http);

    let thread = discord.start_thread(ops, alice, "checkout 502s", "seeing 502s since 14:10");
    let post = discord.start_thread(forum, alice, "How do I page SRE?", "asking for a friend");
    let second = discord.post_message(thread, alice, "and timeouts on payments");
    ChannelId::new(thread).edit_thread(&http, EditThread::new().archived(true)).await.unwrap();
    discord.post_message(thread, alice, "still happening");

    let texts = |channel: u64| -> Vec<String> {
        discord
            .channel_messages(channel)
            .iter()
            .map(|message| message["content"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(texts(thread), ["seeing 502s since 14:10", "and timeouts on payments", "still happening"]);
    assert_eq!(texts(post), ["asking for a friend"]);
    assert_eq!(
        discord.message(post).unwrap()["channel_id"],
        json!(post.to_string()),
        "a forum post's starter shares its id"
    );
    assert!(second > thread);
    let reopened = discord.channels().into_iter().find(|channel| channel["id"] == json!(thread.to_string())).unwrap();
    assert_eq!(reopened["thread_metadata"]["archived"], false, "posting unarchived it");
    assert_eq!(reopened["owner_id"], json!(alice.to_string()));
    let started = watching
        .events
        .expect("THREAD_CREATE", |seen| match seen {
            Watched::ThreadCreate(created) if created.id.get() == thread => Some(created.clone()),
            _ => None,
        })
        .await;
    assert_eq!((started.kind, started.parent_id.map(|id| id.get())), (ChannelType::PublicThread, Some(ops)));
    let mut archived = Vec::new();
    for _ in 0..2 {
        let update = watching
            .events
            .expect("THREAD_UPDATE", |seen| match seen {
                Watched::ThreadUpdate(updated) => updated.thread_metadata.map(|metadata| metadata.archived),
                _ => None,
            })
            .await;
        archived.push(update);
    }
    assert_eq!(archived, [true, false], "archived by the bot, reopened by the message");
}
