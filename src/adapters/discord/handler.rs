//! The serenity event handler: each gateway event becomes one `Inbound` handed to the engine
//! once, and the engine's `Outbound`s become Discord messages, embeds and interaction
//! responses. Interactions are acknowledged before anything slow, from the engine's store-free
//! plan; what the author may not do is refused privately without a turn.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serenity::all::{
    ChannelId, ChannelType, CommandInteraction, Context, CreateInteractionResponse, CreateInteractionResponseMessage,
    EventHandler, Guild, GuildChannel, GuildId, Interaction, Message as DiscordMessage, Ready, RoleId, User, UserId,
};
use tracing::{info, warn};

use super::commands::{definitions, invocation};
use super::post::{self, Delivery};
use crate::core::command::Command;
use crate::core::engine::{Engine, Visibility};
use crate::core::inbound::{Inbound, Input};
use crate::core::outbound::Message;
use crate::core::timeline::Author;

/// An interaction token lives 15 minutes; replies later than this go to the channel instead.
const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60 + 30);

/// Handles every event of one bot session.
pub(super) struct Handler {
    engine: Arc<Engine>,
    bot: OnceLock<UserId>,
}

impl Handler {
    pub(super) fn new(engine: Arc<Engine>) -> Self {
        Self { engine, bot: OnceLock::new() }
    }

    /// Whether the message speaks to the bot: it mentions the bot or the bot's own role, or
    /// replies to one of its messages.
    fn addressed_to_me(&self, ctx: &Context, guild: GuildId, message: &DiscordMessage) -> bool {
        let Some(bot) = self.bot.get() else { return false };
        message.mentions_user_id(*bot)
            || message.referenced_message.as_ref().is_some_and(|replied| replied.author.id == *bot)
            || bot_role(ctx, guild, *bot).is_some_and(|role| message.mention_roles.contains(&role))
    }

    async fn on_message(&self, ctx: &Context, message: &DiscordMessage) {
        let Some(guild) = message.guild_id else { return };
        if message.author.bot {
            return;
        }
        let member = message.member.as_deref();
        let author = author(&message.author, member.and_then(|member| member.nick.as_deref()));
        let addressed = self.addressed_to_me(ctx, guild, message);
        let input = if addressed {
            Input::Question(strip_mentions(&message.content))
        } else {
            Input::Overheard(message.content.clone())
        };
        let mut inbound = inbound(message.channel_id, Some(guild), author, input);
        inbound.event_id = Some(format!("discord:message:{}", message.id));
        inbound.parent = thread_parent(ctx, guild, message.channel_id).map(|parent| parent.to_string());
        inbound.roles = member.map(|member| role_ids(&member.roles)).unwrap_or_default();
        inbound.at = *message.timestamp;
        inbound.order = Some(message.id.get());
        let typing = addressed.then(|| message.channel_id.start_typing(&ctx.http));
        let replies = self.engine.handle(inbound).await;
        if let Some(typing) = typing {
            typing.stop();
        }
        post::to_channels(&ctx.http, &replies).await;
    }

    async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        let received = Instant::now();
        let parsed = match Command::from_invocation(invocation(&command.data.name, &command.data.options)) {
            Ok(parsed) => parsed,
            Err(error) => return self.refuse(ctx, command, &error.reply()).await,
        };
        let member = command.member.as_deref();
        let who = author(&command.user, member.and_then(|member| member.nick.as_deref()));
        let mut inbound = inbound(command.channel_id, command.guild_id, who, Input::Command(parsed));
        inbound.event_id = Some(format!("discord:interaction:{}", command.id));
        inbound.channel_name = command.channel.as_ref().and_then(|channel| channel.name.clone());
        inbound.roles = member.map(|member| role_ids(&member.roles)).unwrap_or_default();
        inbound.order = Some(command.id.get());
        if let Some(guild) = command.guild_id {
            inbound.parent = thread_parent(ctx, guild, command.channel_id).map(|parent| parent.to_string());
        }
        let plan = self.engine.plan(&inbound);
        if let Some(refusal) = &plan.refusal {
            return self.refuse(ctx, command, refusal).await;
        }
        if !acknowledge(ctx, command, plan.visibility).await {
            return;
        }
        let replies = self.engine.handle(inbound).await;
        let delivery = if received.elapsed() < TOKEN_LIFETIME { Delivery::Interaction } else { Delivery::Channel };
        post::answer(&ctx.http, command, &replies, delivery).await;
    }

    /// Answers at once, to the author alone, without a turn: a usage error or a refusal.
    async fn refuse(&self, ctx: &Context, command: &CommandInteraction, text: &str) {
        let refusal = Message::Error { text: text.to_owned() };
        let content = post::plain(&refusal);
        let message =
            CreateInteractionResponseMessage::new().content(content).ephemeral(true).allowed_mentions(post::no_pings());
        if let Err(error) = command.create_response(&ctx.http, CreateInteractionResponse::Message(message)).await {
            warn!(%error, "could not refuse the interaction");
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
        post::to_channels(&ctx.http, &replies).await;
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.bot.set(ready.user.id);
        info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
    }

    /// Every guild, at start-up and whenever the bot joins one later, gets the commands;
    /// registering them again is harmless (the whole list is overwritten).
    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        if let Err(error) = guild.id.set_commands(&ctx.http, definitions()).await {
            warn!(%error, guild = %guild.id, "could not register slash commands");
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

/// Defers the interaction's response, before anything slow. False when it could not be
/// acknowledged: another replica did it first (`40060`), or it expired.
async fn acknowledge(ctx: &Context, command: &CommandInteraction, visibility: Visibility) -> bool {
    let deferred = match visibility {
        Visibility::Public => command.defer(&ctx.http).await,
        Visibility::Private => command.defer_ephemeral(&ctx.http).await,
    };
    match deferred {
        Ok(()) => true,
        Err(error) => {
            info!(%error, interaction = %command.id, "not acknowledged here; another replica may have it");
            false
        }
    }
}

/// The author as people see them in the guild: their nickname there, else their display name.
fn author(user: &User, nick: Option<&str>) -> Author {
    Author::new(format!("discord:{}", user.id), nick.unwrap_or_else(|| user.display_name()))
}

/// An event in `channel` (of `guild`, outside direct messages) by `author`, now.
fn inbound(channel: ChannelId, guild: Option<GuildId>, author: Author, input: Input) -> Inbound {
    let mut inbound = Inbound::new(channel.to_string(), author, input);
    inbound.server = guild.map(|guild| guild.to_string());
    inbound
}

fn role_ids(roles: &[RoleId]) -> Vec<String> {
    roles.iter().map(ToString::to_string).collect()
}

/// The channel a thread or forum post lives in, when `channel` is one the cache knows.
fn thread_parent(ctx: &Context, guild: GuildId, channel: ChannelId) -> Option<ChannelId> {
    let guild = ctx.cache.guild(guild)?;
    guild.threads.iter().find(|thread| thread.id == channel).and_then(|thread| thread.parent_id)
}

/// The role Discord manages for the bot in `guild`, if the cache knows it.
fn bot_role(ctx: &Context, guild: GuildId, bot: UserId) -> Option<RoleId> {
    let guild = ctx.cache.guild(guild)?;
    guild.roles.values().find(|role| role.tags.bot_id == Some(bot)).map(|role| role.id)
}

/// The question without the user and role mentions that addressed it.
fn strip_mentions(content: &str) -> String {
    static MENTION: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"<@[!&]?\d+>").expect("static regex is valid"));
    MENTION.replace_all(content, "").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_of_users_and_roles_are_stripped_from_questions() {
        assert_eq!(strip_mentions("<@123> what changed? <@&456> <@!789>"), "what changed?");
    }
}
