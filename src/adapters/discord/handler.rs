//! The serenity event handler: each gateway event becomes one `Inbound` handed to the engine
//! once, and the engine's `Outbound`s become Discord messages, embeds and interaction
//! responses. Interactions are acknowledged before the turn, from the engine's store-free plan.

use std::sync::{Arc, OnceLock};

use serenity::all::{
    ChannelId, ChannelType, CommandInteraction, Context, CreateEmbed, CreateEmbedFooter,
    CreateInteractionResponseFollowup, CreateMessage, EditInteractionResponse, EventHandler, GuildChannel, GuildId,
    Interaction, Message as DiscordMessage, Ready, RoleId, UserId,
};
use tracing::{info, warn};

use super::commands::{definitions, invocation};
use super::render::{Embed, Post, render};
use crate::core::command::Command;
use crate::core::engine::{Engine, Visibility};
use crate::core::inbound::{Inbound, Input};
use crate::core::outbound::{Message, Outbound};
use crate::core::replies;
use crate::core::timeline::Author;

/// Handles every event of one bot session.
pub(super) struct Handler {
    engine: Arc<Engine>,
    bot: OnceLock<UserId>,
}

impl Handler {
    pub(super) fn new(engine: Arc<Engine>) -> Self {
        Self { engine, bot: OnceLock::new() }
    }

    fn addressed_to_me(&self, message: &DiscordMessage) -> bool {
        let Some(bot) = self.bot.get() else { return false };
        message.mentions_user_id(*bot)
            || message.referenced_message.as_ref().is_some_and(|replied| replied.author.id == *bot)
    }

    async fn on_message(&self, ctx: &Context, message: &DiscordMessage) {
        let Some(guild) = message.guild_id else { return };
        if message.author.bot {
            return;
        }
        let author = author(&message.author.id, message.author.global_name.as_deref().unwrap_or(&message.author.name));
        let addressed = self.addressed_to_me(message);
        let input = if addressed {
            Input::Question(strip_mentions(&message.content))
        } else {
            Input::Overheard(message.content.clone())
        };
        let mut inbound = inbound(message.channel_id, Some(guild), author, input);
        inbound.event_id = Some(format!("discord:message:{}", message.id));
        let typing = addressed.then(|| message.channel_id.start_typing(&ctx.http));
        let replies = self.engine.handle(inbound).await;
        if let Some(typing) = typing {
            typing.stop();
        }
        self.post_all(ctx, &replies).await;
    }

    async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        let parsed = Command::from_invocation(invocation(&command.data.name, &command.data.options));
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                if self.acknowledge(ctx, command, Visibility::Public).await {
                    let text = error.to_string();
                    let refusal =
                        Outbound { channel: command.channel_id.to_string(), message: Message::Error { text } };
                    self.respond(ctx, command, &[refusal]).await;
                }
                return;
            }
        };
        let name = command.member.as_ref().and_then(|m| m.nick.clone()).unwrap_or_else(|| command.user.name.clone());
        let who = author(&command.user.id, &name);
        let mut inbound = inbound(command.channel_id, command.guild_id, who, Input::Command(parsed));
        inbound.event_id = Some(format!("discord:interaction:{}", command.id));
        inbound.channel_name = command.channel.as_ref().and_then(|channel| channel.name.clone());
        if !self.acknowledge(ctx, command, self.engine.plan(&inbound).visibility).await {
            return;
        }
        if let (Some(guild), Some(member)) = (command.guild_id, &command.member) {
            inbound.roles = role_names(ctx, guild, &member.roles).await;
        }
        let replies = self.engine.handle(inbound).await;
        self.respond(ctx, command, &replies).await;
    }

    /// Defers the interaction's response, before anything slow. False when it could not be
    /// acknowledged: another replica did it first, or it expired.
    async fn acknowledge(&self, ctx: &Context, command: &CommandInteraction, visibility: Visibility) -> bool {
        let deferred = match visibility {
            Visibility::Public => command.defer(&ctx.http).await,
            Visibility::Private => command.defer_ephemeral(&ctx.http).await,
        };
        match deferred {
            Ok(()) => true,
            Err(error) => {
                warn!(%error, "could not acknowledge the interaction");
                false
            }
        }
    }

    async fn on_channel_created(&self, ctx: &Context, channel: &GuildChannel) {
        if channel.kind != ChannelType::Text {
            return;
        }
        let input =
            Input::ChannelCreated { name: channel.name.clone(), topic: channel.topic.clone().unwrap_or_default() };
        let bot = self.bot.get().map_or_else(|| "discord".to_owned(), ToString::to_string);
        let mut inbound = inbound(channel.id, Some(channel.guild_id), Author::new(bot.clone(), bot), input);
        inbound.event_id = Some(format!("discord:channel:{}", channel.id));
        inbound.channel_name = Some(channel.name.clone());
        let replies = self.engine.handle(inbound).await;
        self.post_all(ctx, &replies).await;
    }

    async fn post_all(&self, ctx: &Context, replies: &[Outbound]) {
        super::poster::post_all(&ctx.http, replies).await;
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
            let done = EditInteractionResponse::new().content(replies::DONE);
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

/// An event in `channel` (of `guild`, outside direct messages) by `author`, now.
fn inbound(channel: ChannelId, guild: Option<GuildId>, author: Author, input: Input) -> Inbound {
    let mut inbound = Inbound::new(channel.to_string(), author, input);
    inbound.server = guild.map(|guild| guild.to_string());
    inbound
}

pub(super) fn channel_id(text: &str) -> Option<ChannelId> {
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

pub(super) fn message_builder(post: Post) -> CreateMessage {
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
