//! The serenity event handler: gateway events become the core's `Inbound`s, the engine's
//! `Outbound`s become Discord messages, embeds and interaction responses.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::Utc;
use serenity::all::{
    ChannelId, ChannelType, CommandInteraction, Context, CreateChannel, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseFollowup, CreateMessage, CreateThread, EditInteractionResponse, EventHandler,
    GuildChannel, GuildId, Interaction, Message as DiscordMessage, Ready, RoleId, UserId,
};
use tracing::{info, warn};

use super::channels::{follows, incident_channel_name};
use super::commands::{definitions, invocation};
use super::render::{Embed, Post, render};
use super::{DiscordOptions, wording};
use crate::core::command::Command;
use crate::core::engine::Engine;
use crate::core::timeline::Author;
use crate::core::turn::{Inbound, Input, Message, Outbound};
use crate::redact::redact;

/// Handles every event of one bot session.
pub(super) struct Handler {
    engine: Arc<Engine>,
    options: DiscordOptions,
    bot: OnceLock<UserId>,
    /// Channels known to hold an incident; a channel stays an incident channel once it is one.
    incident_channels: Mutex<HashSet<ChannelId>>,
}

impl Handler {
    pub(super) fn new(engine: Arc<Engine>, options: DiscordOptions) -> Self {
        Self { engine, options, bot: OnceLock::new(), incident_channels: Mutex::new(HashSet::new()) }
    }

    fn addressed_to_me(&self, message: &DiscordMessage) -> bool {
        let Some(bot) = self.bot.get() else { return false };
        message.mentions_user_id(*bot)
            || message.referenced_message.as_ref().is_some_and(|replied| replied.author.id == *bot)
    }

    /// Plain messages are only recorded in incident channels; elsewhere they are none of the
    /// bot's business, and saying so on every message would be noise.
    async fn is_incident_channel(&self, channel: ChannelId) -> bool {
        if self.incident_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&channel) {
            return true;
        }
        match self.engine.tracks_channel(&channel.to_string()).await {
            Ok(true) => {
                self.incident_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(channel);
                true
            }
            Ok(false) => false,
            Err(error) => {
                warn!(%error, %channel, "cannot tell whether this is an incident channel; recording anyway");
                true
            }
        }
    }

    async fn on_message(&self, ctx: &Context, message: &DiscordMessage) {
        if message.author.bot || message.guild_id.is_none() {
            return;
        }
        let event_id = format!("discord:message:{}", message.id);
        let author = author(&message.author.id, message.author.global_name.as_deref().unwrap_or(&message.author.name));
        if self.addressed_to_me(message) {
            if !self.claim(&event_id).await {
                return;
            }
            let question = strip_mentions(&message.content);
            let typing = message.channel_id.start_typing(&ctx.http);
            let inbound = inbound(None, message.channel_id, author, Vec::new(), Input::Question(question));
            let replies = self.engine.handle(inbound).await;
            typing.stop();
            self.post_all(ctx, &replies).await;
        } else if self.is_incident_channel(message.channel_id).await {
            let inbound = inbound(
                Some(event_id),
                message.channel_id,
                author,
                Vec::new(),
                Input::Message(message.content.clone()),
            );
            let replies = self.engine.handle(inbound).await;
            self.post_all(ctx, &replies).await;
        }
    }

    async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        if !self.claim(&format!("discord:interaction:{}", command.id)).await {
            return;
        }
        if let Err(error) = command.defer(&ctx.http).await {
            warn!(%error, "could not acknowledge the interaction");
            return;
        }
        let mut invocation = invocation(&command.data.name, &command.data.options);
        let roles = match (command.guild_id, &command.member) {
            (Some(guild), Some(member)) => role_names(ctx, guild, &member.roles).await,
            _ => Vec::new(),
        };
        let name = command.member.as_ref().and_then(|m| m.nick.clone()).unwrap_or_else(|| command.user.name.clone());
        let who = author(&command.user.id, &name);
        if invocation.name == "incident attach" && !invocation.options.contains_key("title") {
            let channel_name = command.channel.as_ref().and_then(|channel| channel.name.clone()).unwrap_or_default();
            invocation.options.insert("title".to_owned(), channel_name.replace(['-', '_'], " "));
        }
        let parsed = Command::from_invocation(invocation.clone());
        let (channel, confirmation, parsed) = match parsed {
            Ok(Command::Declare(mut declaration)) if invocation.name == "incident declare" => {
                match self.open_incident_channel(ctx, command, &declaration.title).await {
                    Ok((channel, id)) => {
                        declaration.id = Some(id);
                        (channel, Some(wording::opened(id, channel)), Ok(Command::Declare(declaration)))
                    }
                    Err(text) => {
                        self.respond(ctx, command, &[error_outbound(command.channel_id, text)]).await;
                        return;
                    }
                }
            }
            other => (command.channel_id, None, other),
        };
        let replies = match parsed {
            Ok(parsed) => self.engine.handle(inbound(None, channel, who, roles, Input::Command(parsed))).await,
            Err(error) => vec![error_outbound(command.channel_id, error.to_string())],
        };
        if let Some(text) = confirmation {
            let mut all = vec![Outbound { channel: command.channel_id.to_string(), message: Message::Text { text } }];
            all.extend(replies);
            self.respond(ctx, command, &all).await;
        } else {
            self.respond(ctx, command, &replies).await;
        }
    }

    /// Creates the channel (or thread) a declared incident will live in, named after it.
    async fn open_incident_channel(
        &self,
        ctx: &Context,
        command: &CommandInteraction,
        title: &str,
    ) -> Result<(ChannelId, crate::core::incident::IncidentId), String> {
        let Some(guild) = command.guild_id else { return Err(wording::GUILD_ONLY.to_owned()) };
        let id = self.engine.reserve_incident_id().await.map_err(|_| wording::STORE_DOWN.to_owned())?;
        let name = incident_channel_name(id, title);
        let created = match self.options.threads_in {
            Some(parent) => {
                parent.create_thread(&ctx.http, CreateThread::new(name).kind(ChannelType::PublicThread)).await
            }
            None => {
                let mut builder = CreateChannel::new(name).kind(ChannelType::Text).topic(redact(title));
                if let Some(category) = self.options.category {
                    builder = builder.category(category);
                }
                guild.create_channel(&ctx.http, builder).await
            }
        };
        match created {
            Ok(channel) => {
                self.incident_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(channel.id);
                Ok((channel.id, id))
            }
            Err(error) => {
                warn!(%error, "could not create the incident channel");
                Err(wording::channel_failed(&error.to_string()))
            }
        }
    }

    async fn on_channel_created(&self, ctx: &Context, channel: &GuildChannel) {
        if channel.kind != ChannelType::Text || !follows(self.options.follow.as_ref(), &channel.name) {
            return;
        }
        let input =
            Input::ChannelCreated { name: channel.name.clone(), topic: channel.topic.clone().unwrap_or_default() };
        let bot = self.bot.get().map_or_else(|| "discord".to_owned(), ToString::to_string);
        let event_id = format!("discord:channel:{}", channel.id);
        let inbound = inbound(Some(event_id), channel.id, Author::new(bot.clone(), bot), Vec::new(), input);
        let replies = self.engine.handle(inbound).await;
        self.incident_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(channel.id);
        self.post_all(ctx, &replies).await;
    }

    /// True for the one replica that handles this event; on a store outage, handles it (a rare
    /// double answer beats silence).
    async fn claim(&self, event_id: &str) -> bool {
        self.engine.claim_event(event_id).await.unwrap_or_else(|error| {
            warn!(%error, event_id, "cannot deduplicate the event; handling it here");
            true
        })
    }

    async fn post_all(&self, ctx: &Context, replies: &[Outbound]) {
        for reply in replies {
            let Some(channel) = channel_id(&reply.channel) else { continue };
            for post in render(&reply.message) {
                if let Err(error) = channel.send_message(&ctx.http, message_builder(post)).await {
                    warn!(%error, %channel, "could not post a message");
                }
            }
        }
    }

    /// Answers an interaction: the first post in its channel replaces the deferred response,
    /// later ones there are follow-ups, posts for other channels are plain messages.
    async fn respond(&self, ctx: &Context, command: &CommandInteraction, replies: &[Outbound]) {
        let mut answered = false;
        for reply in replies {
            let Some(channel) = channel_id(&reply.channel) else { continue };
            for post in render(&reply.message) {
                let result = if channel != command.channel_id {
                    channel.send_message(&ctx.http, message_builder(post)).await.map(drop)
                } else if answered {
                    command.create_followup(&ctx.http, followup_builder(post)).await.map(drop)
                } else {
                    answered = true;
                    command.edit_response(&ctx.http, edit_builder(post)).await.map(drop)
                };
                if let Err(error) = result {
                    warn!(%error, %channel, "could not post a reply");
                }
            }
        }
        if !answered {
            let done = EditInteractionResponse::new().content(wording::DONE);
            if let Err(error) = command.edit_response(&ctx.http, done).await {
                warn!(%error, "could not complete the interaction");
            }
        }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let _ = self.bot.set(ready.user.id);
        info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        for guild in &ready.guilds {
            if let Err(error) = guild.id.set_commands(&ctx.http, definitions()).await {
                warn!(%error, guild = %guild.id, "could not register slash commands");
            }
        }
    }

    async fn message(&self, ctx: Context, message: DiscordMessage) {
        self.on_message(&ctx, &message).await;
    }

    async fn channel_create(&self, ctx: Context, channel: GuildChannel) {
        self.on_channel_created(&ctx, &channel).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        if let Interaction::Command(command) = interaction {
            self.on_command(&ctx, &command).await;
        }
    }
}

fn author(id: &UserId, name: &str) -> Author {
    Author::new(format!("discord:{id}"), name)
}

fn inbound(event_id: Option<String>, channel: ChannelId, author: Author, roles: Vec<String>, input: Input) -> Inbound {
    Inbound { event_id, channel: channel.to_string(), author, roles, at: Utc::now(), input }
}

fn error_outbound(channel: ChannelId, text: String) -> Outbound {
    Outbound { channel: channel.to_string(), message: Message::Error { text } }
}

fn channel_id(text: &str) -> Option<ChannelId> {
    text.parse::<u64>().ok().filter(|id| *id != 0).map(ChannelId::new)
}

/// The question without the mentions that addressed it.
fn strip_mentions(content: &str) -> String {
    static MENTION: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"<@!?\d+>").expect("static regex is valid"));
    MENTION.replace_all(content, "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The names of the roles with these ids, from the cache or else from the API.
async fn role_names(ctx: &Context, guild: GuildId, ids: &[RoleId]) -> Vec<String> {
    let cached: Option<Vec<String>> = ctx
        .cache
        .guild(guild)
        .map(|guild| ids.iter().filter_map(|id| guild.roles.get(id).map(|role| role.name.clone())).collect());
    if let Some(names) = cached.filter(|names| names.len() == ids.len()) {
        return names;
    }
    match guild.roles(&ctx.http).await {
        Ok(roles) => ids.iter().filter_map(|id| roles.get(id).map(|role| role.name.clone())).collect(),
        Err(error) => {
            warn!(%error, "cannot read the guild's roles; treating the member as having none");
            Vec::new()
        }
    }
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
    match post {
        Post::Text(text) => CreateMessage::new().content(text),
        Post::Embed(parts) => CreateMessage::new().embed(embed(parts)),
    }
}

fn followup_builder(post: Post) -> CreateInteractionResponseFollowup {
    match post {
        Post::Text(text) => CreateInteractionResponseFollowup::new().content(text),
        Post::Embed(parts) => CreateInteractionResponseFollowup::new().embed(embed(parts)),
    }
}

fn edit_builder(post: Post) -> EditInteractionResponse {
    match post {
        Post::Text(text) => EditInteractionResponse::new().content(text),
        Post::Embed(parts) => EditInteractionResponse::new().embed(embed(parts)),
    }
}
