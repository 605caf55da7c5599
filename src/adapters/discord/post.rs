//! Delivering a turn's outbound messages on Discord through the REST API: posts in channels
//! (split to fit, with the controls of the last piece, with files), the messages the bot keeps
//! and edits in place (the status card, pinned when first posted; the announcement), and changes
//! to incident channels (name, topic, archiving). A message kept in place is reported to the
//! engine as soon as it is posted, as the core's `Input::Posted`, so later changes edit it.
//!
//! Nothing the bot posts pings anyone but the role an announcement names: every message, follow-up
//! and edit carries allowed mentions that allow nothing else, so a title, a replayed message or
//! a model's output that says `@everyone` stays text.

use std::sync::Arc;

use serenity::all::{
    Channel, ChannelId, ChannelType, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateEmbed,
    CreateEmbedFooter, CreateMessage, EditChannel, EditMessage, EditThread, Http, MessageId, RoleId,
};
use tracing::warn;

use super::controls::rows;
use super::render::{self, Embed, Post, render};
use crate::core::engine::Engine;
use crate::core::inbound::{Inbound, Input};
use crate::core::outbound::{Announcement, Card, ChannelChange, Message, Outbound};
use crate::core::ports::Anchor;
use crate::core::text::shortened;
use crate::core::timeline::Author;

/// Allowed mentions that allow none.
pub(super) fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// One message to send: its body, its controls, its file, who it may ping.
pub(super) struct Outgoing {
    pub(super) post: Post,
    pub(super) rows: Vec<CreateActionRow>,
    pub(super) file: Option<CreateAttachment>,
    pub(super) mentions: CreateAllowedMentions,
}

impl Outgoing {
    fn new(post: Post) -> Self {
        Self { post, rows: Vec::new(), file: None, mentions: no_pings() }
    }

    /// The text of the message, for private answers that take plain content.
    pub(super) fn text(&self) -> String {
        match &self.post {
            Post::Text(text) => text.clone(),
            Post::Embed(embed) => embed.title.clone(),
        }
    }
}

/// The messages that show `message` in a channel, in order. The kinds Discord shows otherwise
/// (a card, an announcement, a channel change) are [`Outlet::keep_up`]'s.
pub(super) fn outgoing(message: &Message) -> Vec<Outgoing> {
    match message {
        Message::Rated(rated) => {
            let mut pieces: Vec<Outgoing> = outgoing(&rated.content);
            if let Some(last) = pieces.last_mut() {
                last.rows = rows(&rated.controls);
            }
            pieces
        }
        Message::File(document) => {
            let mut piece = Outgoing::new(Post::Text(shortened(&document.caption, render::CONTENT_LIMIT)));
            piece.file = Some(CreateAttachment::bytes(document.content.as_bytes().to_vec(), document.name.clone()));
            vec![piece]
        }
        _ => render(message).into_iter().map(Outgoing::new).collect(),
    }
}

/// Whether `message` is kept up to date through the REST API wherever the turn came from.
pub(super) fn is_upkeep(message: &Message) -> bool {
    matches!(message, Message::Card(_) | Message::Announcement(_) | Message::Channel(_))
}

/// Where the bot's messages go out: its HTTP client, and where resolved channels are put away.
#[derive(Clone)]
pub struct Outlet {
    pub(super) http: Arc<Http>,
    pub(super) archive_category: Option<ChannelId>,
}

impl Outlet {
    /// Posts every reply in its channel and keeps cards, announcements and channels up to
    /// date, reporting to `engine` the messages it keeps in place.
    pub async fn deliver(&self, engine: &Engine, replies: &[Outbound]) {
        for reply in replies {
            if is_upkeep(&reply.message) {
                self.keep_up(engine, reply).await;
                continue;
            }
            let Some(channel) = channel_id(&reply.channel) else { continue };
            for piece in outgoing(&reply.message) {
                self.send(channel, piece).await;
            }
        }
    }

    /// Edits or posts a card or an announcement, or changes a channel; a message newly posted
    /// to be kept is reported to `engine` at once, before anyone can act on it.
    pub(super) async fn keep_up(&self, engine: &Engine, reply: &Outbound) {
        let Some(channel) = channel_id(&reply.channel) else { return };
        let posted = match &reply.message {
            Message::Card(card) => self.card(channel, card).await,
            Message::Announcement(announcement) => self.announcement(channel, announcement).await,
            Message::Channel(change) => {
                self.change_channel(channel, change).await;
                None
            }
            _ => None,
        };
        if let Some(input) = posted {
            let bot = &engine.settings().bot_name;
            engine.handle(Inbound::new(String::new(), Author::new(bot.clone(), bot.clone()), input)).await;
        }
    }

    async fn card(&self, channel: ChannelId, card: &Card) -> Option<Input> {
        let embed = embed(render::card(card));
        let components = rows(&card.controls);
        if let Some(message) = card.message.as_deref().and_then(message_id) {
            let edit = EditMessage::new().embed(embed).components(components).allowed_mentions(no_pings());
            if let Err(error) = channel.edit_message(&self.http, message, edit).await {
                warn!(%error, %channel, "could not edit the status card");
            }
            return None;
        }
        let mut post = CreateMessage::new().embed(embed).components(components).allowed_mentions(no_pings());
        if let Some(note) = &card.note {
            post = post.content(shortened(note, render::CONTENT_LIMIT));
        }
        let posted = match channel.send_message(&self.http, post).await {
            Ok(posted) => posted,
            Err(error) => {
                warn!(%error, %channel, "could not post the status card");
                return None;
            }
        };
        if let Err(error) = channel.pin(&self.http, posted.id).await {
            warn!(%error, %channel, "could not pin the status card");
        }
        Some(Input::Posted { incident: card.incident, anchor: Anchor::Card, message: posted.id.to_string() })
    }

    async fn announcement(&self, channel: ChannelId, announcement: &Announcement) -> Option<Input> {
        let link = channel_id(&announcement.incident_channel).map(|id| format!(" · <#{id}>")).unwrap_or_default();
        let text = format!("{}{link}", announcement.text);
        if let Some(message) = announcement.message.as_deref().and_then(message_id) {
            let edit = EditMessage::new().content(text).allowed_mentions(no_pings());
            if let Err(error) = channel.edit_message(&self.http, message, edit).await {
                warn!(%error, %channel, "could not edit the announcement");
            }
            return None;
        }
        let role = announcement.ping.as_deref().and_then(|role| role.parse::<u64>().ok()).filter(|role| *role != 0);
        let (content, mentions) = match role.map(RoleId::new) {
            // The one ping the bot sends: the role configured for this severity, by id.
            Some(role) => (format!("<@&{role}> {text}"), no_pings().roles(vec![role])),
            None => (text, no_pings()),
        };
        let post = CreateMessage::new().content(content).allowed_mentions(mentions);
        match channel.send_message(&self.http, post).await {
            Ok(posted) => Some(Input::Posted {
                incident: announcement.incident,
                anchor: Anchor::Announcement,
                message: posted.id.to_string(),
            }),
            Err(error) => {
                warn!(%error, %channel, "could not post the announcement");
                None
            }
        }
    }

    /// Renames a channel and sets its topic; putting it away archives a thread, or moves a
    /// channel to the archive category when one is configured.
    async fn change_channel(&self, channel: ChannelId, change: &ChannelChange) {
        let thread = match channel.to_channel(&self.http).await {
            Ok(Channel::Guild(found)) => {
                matches!(found.kind, ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread)
            }
            Ok(_) => false,
            Err(error) => {
                warn!(%error, %channel, "could not look up the incident channel");
                return;
            }
        };
        let result = if thread {
            let mut edit = EditThread::new().archived(change.archive);
            if let Some(name) = &change.name {
                edit = edit.name(name);
            }
            channel.edit_thread(&self.http, edit).await.map(drop)
        } else {
            let mut edit = EditChannel::new();
            if let Some(name) = &change.name {
                edit = edit.name(name);
            }
            if let Some(topic) = &change.topic {
                edit = edit.topic(topic);
            }
            if change.archive
                && let Some(category) = self.archive_category
            {
                edit = edit.category(category);
            }
            channel.edit(&self.http, edit).await.map(drop)
        };
        if let Err(error) = result {
            warn!(%error, %channel, "could not update the incident channel");
        }
    }

    pub(super) async fn send(&self, channel: ChannelId, piece: Outgoing) {
        if let Err(error) = channel.send_message(&self.http, message_builder(piece)).await {
            warn!(%error, %channel, "could not post a message");
        }
    }
}

pub(super) fn channel_id(text: &str) -> Option<ChannelId> {
    text.parse::<u64>().ok().filter(|id| *id != 0).map(ChannelId::new)
}

fn message_id(text: &str) -> Option<MessageId> {
    text.parse::<u64>().ok().filter(|id| *id != 0).map(MessageId::new)
}

pub(super) fn embed(embed: Embed) -> CreateEmbed {
    let mut built = CreateEmbed::new().title(embed.title);
    if !embed.description.is_empty() {
        built = built.description(embed.description);
    }
    for (name, value) in embed.fields {
        built = built.field(name, value, false);
    }
    if !embed.footer.is_empty() {
        built = built.footer(CreateEmbedFooter::new(embed.footer));
    }
    if let Some(colour) = embed.colour {
        built = built.colour(colour);
    }
    built
}

fn message_builder(piece: Outgoing) -> CreateMessage {
    let mut message = CreateMessage::new().allowed_mentions(piece.mentions).components(piece.rows);
    if let Some(file) = piece.file {
        message = message.add_file(file);
    }
    match piece.post {
        Post::Text(text) => message.content(text),
        Post::Embed(parts) => message.embed(embed(parts)),
    }
}
