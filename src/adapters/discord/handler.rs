//! The serenity event handler: each gateway event becomes one `Inbound` handed to the engine
//! once, and the engine's `Outbound`s become Discord messages, embeds, components and
//! interaction responses. Interactions — slash commands, clicks on the card's and answers'
//! controls, submitted modals — are acknowledged before anything slow, from the engine's
//! store-free plan: what the author may not do is refused privately and a form is opened as a
//! modal without a turn; autocomplete is answered from the engine's suggestions at once. Messages
//! the bot keeps in place are reported back to the engine once posted.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serenity::all::{
    ChannelId, ChannelType, CommandInteraction, ComponentInteraction, Context, EventHandler, Guild, GuildChannel,
    GuildId, Interaction, InteractionId, Member, Message as DiscordMessage, ModalInteraction, Ready, RoleId, User,
    UserId,
};
use tracing::{info, warn};

use super::commands::{completion, definitions, invocation};
use super::controls::{chosen, submitted};
use super::interaction::{Delivery, Responder};
use super::post::Outlet;
use crate::core::command::Command;
use crate::core::engine::Engine;
use crate::core::inbound::{Inbound, Input};
use crate::core::timeline::Author;

/// An interaction token lives 15 minutes; replies later than this go to the channel instead.
const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60 + 30);

/// Handles every event of one bot session.
pub(super) struct Handler {
    engine: Arc<Engine>,
    bot: OnceLock<UserId>,
    archive_category: Option<ChannelId>,
}

/// Who used an interaction, and where.
struct Used<'a> {
    id: InteractionId,
    token: &'a str,
    channel: ChannelId,
    guild: Option<GuildId>,
    user: &'a User,
    member: Option<&'a Member>,
}

impl Handler {
    pub(super) fn new(engine: Arc<Engine>, archive_category: Option<ChannelId>) -> Self {
        Self { engine, bot: OnceLock::new(), archive_category }
    }

    fn outlet(&self, ctx: &Context) -> Outlet {
        Outlet { http: ctx.http.clone(), archive_category: self.archive_category }
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
        self.outlet(ctx).deliver(&self.engine, &replies).await;
    }

    async fn on_command(&self, ctx: &Context, command: &CommandInteraction) {
        let used = Used {
            id: command.id,
            token: &command.token,
            channel: command.channel_id,
            guild: command.guild_id,
            user: &command.user,
            member: command.member.as_deref(),
        };
        let input = Command::from_invocation(invocation(&command.data)).map(Input::Command);
        let channel_name = command.channel.as_ref().and_then(|channel| channel.name.clone());
        self.on_interaction(ctx, used, input.map_err(|error| error.reply()), channel_name).await;
    }

    /// A click on a button or a choice in a select menu of one of the bot's messages.
    async fn on_component(&self, ctx: &Context, component: &ComponentInteraction) {
        let used = Used {
            id: component.id,
            token: &component.token,
            channel: component.channel_id,
            guild: component.guild_id,
            user: &component.user,
            member: component.member.as_ref(),
        };
        let input = Input::from_action(&component.data.custom_id, chosen(&component.data));
        self.on_interaction(ctx, used, input.map_err(|error| error.reply()), None).await;
    }

    /// A modal the bot opened, submitted.
    async fn on_modal(&self, ctx: &Context, modal: &ModalInteraction) {
        let used = Used {
            id: modal.id,
            token: &modal.token,
            channel: modal.channel_id,
            guild: modal.guild_id,
            user: &modal.user,
            member: modal.member.as_ref(),
        };
        let input = Input::from_action(&modal.data.custom_id, submitted(&modal.data));
        self.on_interaction(ctx, used, input.map_err(|error| error.reply()), None).await;
    }

    /// Suggestions for an option being typed, at once.
    async fn on_autocomplete(&self, ctx: &Context, request: &CommandInteraction) {
        let responder = Responder { id: request.id, token: request.token.clone(), channel: request.channel_id };
        let choices = match completion(&request.data) {
            Some(completion) => self.engine.complete(&completion),
            None => Vec::new(),
        };
        responder.suggest(&ctx.http, &choices).await;
    }

    /// One turn for an interaction: refused privately or opened as a form at once when the
    /// plan says so, else acknowledged, handled and answered.
    async fn on_interaction(
        &self,
        ctx: &Context,
        used: Used<'_>,
        input: Result<Input, String>,
        channel_name: Option<String>,
    ) {
        let received = Instant::now();
        let responder = Responder { id: used.id, token: used.token.to_owned(), channel: used.channel };
        let input = match input {
            Ok(input) => input,
            Err(error) => return responder.refuse(&ctx.http, &error).await,
        };
        let who = author(used.user, used.member.and_then(|member| member.nick.as_deref()));
        let mut inbound = inbound(used.channel, used.guild, who, input);
        inbound.event_id = Some(format!("discord:interaction:{}", used.id));
        inbound.channel_name = channel_name;
        inbound.roles = used.member.map(|member| role_ids(&member.roles)).unwrap_or_default();
        inbound.order = Some(used.id.get());
        if let Some(guild) = used.guild {
            inbound.parent = thread_parent(ctx, guild, used.channel).map(|parent| parent.to_string());
        }
        let plan = self.engine.plan(&inbound);
        if let Some(refusal) = &plan.refusal {
            return responder.refuse(&ctx.http, refusal).await;
        }
        if let Some(form) = &plan.form {
            return responder.open(&ctx.http, form).await;
        }
        if !responder.acknowledge(&ctx.http, plan.visibility).await {
            return;
        }
        let replies = self.engine.handle(inbound).await;
        let delivery = if received.elapsed() < TOKEN_LIFETIME { Delivery::Interaction } else { Delivery::Channel };
        responder.answer(&self.outlet(ctx), &self.engine, &replies, delivery).await;
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
        self.outlet(ctx).deliver(&self.engine, &replies).await;
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
        match interaction {
            Interaction::Command(command) => self.on_command(&ctx, &command).await,
            Interaction::Component(component) => self.on_component(&ctx, &component).await,
            Interaction::Modal(modal) => self.on_modal(&ctx, &modal).await,
            Interaction::Autocomplete(request) => self.on_autocomplete(&ctx, &request).await,
            // Pings are for HTTP-only bots; kinds Discord adds later are none of this bot's.
            _ => {}
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
