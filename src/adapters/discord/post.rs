//! Delivering a turn's outbound messages on Discord: as channel messages, or as the answer to
//! an interaction (the deferred response, follow-ups, private refusals), falling back to the
//! channel when the interaction's token has expired. Nothing the bot posts pings anyone: every
//! message, follow-up and edit carries empty allowed mentions, so a title, a replayed message
//! or a model's output that says `@everyone` stays text.

use serenity::all::{
    ChannelId, CommandInteraction, CreateAllowedMentions, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseFollowup, CreateMessage, EditInteractionResponse, Http,
};
use serenity::http::HttpError;
use tracing::warn;

use super::render::{Embed, Post, render};
use crate::core::outbound::{Message, Outbound};
use crate::core::replies;

/// Discord's codes for an interaction token that can no longer be used.
const EXPIRED_TOKEN_CODES: [isize; 3] = [10015, 10062, 50027];

/// Allowed mentions that allow none.
pub(super) fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// How an interaction's replies reach the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    /// Through the interaction: the deferred response, then follow-ups.
    Interaction,
    /// As plain channel messages: the interaction's token has expired.
    Channel,
}

/// The text of `message` as one plain message, for private answers.
pub(super) fn plain(message: &Message) -> String {
    match render(message).into_iter().next() {
        Some(Post::Text(text)) => text,
        Some(Post::Embed(embed)) => embed.title,
        None => String::new(),
    }
}

/// Posts every reply in its channel.
pub(super) async fn to_channels(http: &Http, replies: &[Outbound]) {
    for reply in replies {
        let Some(channel) = channel_id(&reply.channel) else { continue };
        for post in render(&reply.message) {
            send(http, channel, post).await;
        }
    }
}

/// Answers `command` with `replies`: the first post in its channel completes the deferred
/// response, later ones there are follow-ups, posts for other channels are channel messages.
/// When the replies in its channel only refuse or fail, the public placeholder is removed and
/// they go to the asker alone.
pub(super) async fn answer(http: &Http, command: &CommandInteraction, replies: &[Outbound], delivery: Delivery) {
    let (here, elsewhere): (Vec<&Outbound>, Vec<&Outbound>) =
        replies.iter().partition(|reply| channel_id(&reply.channel) == Some(command.channel_id));
    for reply in elsewhere {
        let Some(channel) = channel_id(&reply.channel) else { continue };
        for post in render(&reply.message) {
            send(http, channel, post).await;
        }
    }
    let posts: Vec<Post> = here.iter().flat_map(|reply| render(&reply.message)).collect();
    if delivery == Delivery::Channel {
        for post in posts {
            send(http, command.channel_id, post).await;
        }
        return;
    }
    if only_errors(&here) {
        return answer_privately(http, command, posts).await;
    }
    let mut posts = posts.into_iter();
    let Some(first) = posts.next() else {
        if let Err(error) = command.edit_response(http, done()).await {
            warn!(%error, "could not complete the interaction");
        }
        return;
    };
    let mut expired = false;
    if let Err(error) = command.edit_response(http, edit_builder(first.clone())).await {
        expired = token_expired(&error);
        warn!(%error, "could not answer the interaction");
        if expired {
            send(http, command.channel_id, first).await;
        }
    }
    for post in posts {
        if expired {
            send(http, command.channel_id, post).await;
            continue;
        }
        if let Err(error) = command.create_followup(http, followup_builder(post.clone(), false)).await {
            expired = token_expired(&error);
            warn!(%error, "could not follow up on the interaction");
            if expired {
                send(http, command.channel_id, post).await;
            }
        }
    }
}

/// Completes an interaction that had nothing else to say.
fn done() -> EditInteractionResponse {
    EditInteractionResponse::new().content(replies::DONE).allowed_mentions(no_pings())
}

/// Whether `replies` only refuse or fail: what the asker alone should see.
fn only_errors(replies: &[&Outbound]) -> bool {
    !replies.is_empty() && replies.iter().all(|reply| matches!(reply.message, Message::Error { .. }))
}

/// Replaces the public placeholder by follow-ups only the asker sees.
async fn answer_privately(http: &Http, command: &CommandInteraction, posts: Vec<Post>) {
    if let Err(error) = command.delete_response(http).await {
        warn!(%error, "could not remove the interaction's placeholder");
    }
    for post in posts {
        if let Err(error) = command.create_followup(http, followup_builder(post, true)).await {
            warn!(%error, "could not answer the interaction privately");
        }
    }
}

async fn send(http: &Http, channel: ChannelId, post: Post) {
    if let Err(error) = channel.send_message(http, message_builder(post)).await {
        warn!(%error, %channel, "could not post a message");
    }
}

/// Whether Discord refused because the interaction's token is no longer valid.
fn token_expired(error: &serenity::Error) -> bool {
    matches!(error, serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
        if EXPIRED_TOKEN_CODES.contains(&response.error.code))
}

fn channel_id(text: &str) -> Option<ChannelId> {
    text.parse::<u64>().ok().filter(|id| *id != 0).map(ChannelId::new)
}

fn embed(embed: Embed) -> CreateEmbed {
    let mut built = CreateEmbed::new().title(embed.title);
    for (name, value) in embed.fields {
        built = built.field(name, value, false);
    }
    if !embed.footer.is_empty() {
        built = built.footer(CreateEmbedFooter::new(embed.footer));
    }
    built
}

fn message_builder(post: Post) -> CreateMessage {
    let message = CreateMessage::new().allowed_mentions(no_pings());
    match post {
        Post::Text(text) => message.content(text),
        Post::Embed(parts) => message.embed(embed(parts)),
    }
}

fn followup_builder(post: Post, private: bool) -> CreateInteractionResponseFollowup {
    let followup = CreateInteractionResponseFollowup::new().allowed_mentions(no_pings()).ephemeral(private);
    match post {
        Post::Text(text) => followup.content(text),
        Post::Embed(parts) => followup.embed(embed(parts)),
    }
}

fn edit_builder(post: Post) -> EditInteractionResponse {
    let edit = EditInteractionResponse::new().allowed_mentions(no_pings());
    match post {
        Post::Text(text) => edit.content(text),
        Post::Embed(parts) => edit.embed(embed(parts)),
    }
}
