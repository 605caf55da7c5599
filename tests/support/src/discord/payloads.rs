//! The JSON shapes of Discord API v10 objects, with every field serenity 0.12.5 needs to read
//! them: users, members, roles, channels, threads, messages, commands, the guild of GUILD_CREATE,
//! READY, the application and interactions. Ids are strings, timestamps RFC 3339 with microseconds.

use serde_json::{Value, json};

use super::limits::MAX_FILE_BYTES;
use super::records::RecordedFile;
use super::state::{Config, Member, Role, User};

/// The gateway and REST API version the server speaks.
pub(crate) const API_VERSION: u8 = 10;

/// The current time as Discord writes timestamps.
pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// An id as Discord sends it: a decimal string.
pub(crate) fn id(id: u64) -> Value {
    Value::String(id.to_string())
}

/// The id a JSON string (or number) holds.
pub(crate) fn parse_id(value: &Value) -> Option<u64> {
    match value {
        Value::String(text) => text.parse().ok(),
        other => other.as_u64(),
    }
}

/// Ids as a JSON array of strings.
pub(crate) fn ids(ids: &[u64]) -> Value {
    Value::Array(ids.iter().map(|each| id(*each)).collect())
}

/// A user object.
pub(crate) fn user(user: &User) -> Value {
    json!({
        "id": id(user.id),
        "username": user.name,
        "discriminator": "0",
        "global_name": if user.bot { Value::Null } else { json!(user.name) },
        "avatar": null,
        "bot": user.bot,
        "public_flags": 0,
    })
}

/// The bot's own user, as `GET /users/@me` and READY give it.
pub(crate) fn current_user(bot: &User) -> Value {
    let mut current = user(bot);
    current["verified"] = json!(true);
    current["mfa_enabled"] = json!(false);
    current["flags"] = json!(0);
    current
}

/// A guild member; with its `user` when given one (guild member lists, REST), without it where
/// Discord leaves it out (a message's `member`); with `permissions` in interactions.
pub(crate) fn member(member: &Member, user: Option<&User>, permissions: Option<u64>) -> Value {
    let mut value = json!({
        "roles": ids(&member.roles),
        "joined_at": member.joined_at,
        "premium_since": null,
        "nick": null,
        "avatar": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if let Some(user) = user {
        value["user"] = self::user(user);
    }
    if let Some(permissions) = permissions {
        value["permissions"] = json!(permissions.to_string());
    }
    value
}

/// A role, with the `colors` object serenity 0.12.5 requires.
pub(crate) fn role(role: &Role) -> Value {
    let tags = match role.bot_id {
        Some(bot_id) => json!({ "bot_id": id(bot_id) }),
        None => json!({}),
    };
    json!({
        "id": id(role.id),
        "name": role.name,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": role.position,
        "permissions": role.permissions.to_string(),
        "managed": role.bot_id.is_some(),
        "mentionable": false,
        "flags": 0,
        "tags": tags,
    })
}

/// What a guild channel (not a thread) is made of.
pub(crate) struct ChannelSpec<'a> {
    pub(crate) id: u64,
    pub(crate) guild_id: u64,
    pub(crate) kind: u8,
    pub(crate) name: &'a str,
    pub(crate) position: usize,
    pub(crate) parent_id: Option<u64>,
    pub(crate) topic: Option<&'a str>,
}

/// A guild channel object: text (0), voice (2), category (4), announcement (5), stage (13) or
/// forum (15), with the fields of its type.
pub(crate) fn channel(spec: &ChannelSpec<'_>) -> Value {
    let mut value = json!({
        "id": id(spec.id),
        "type": spec.kind,
        "guild_id": id(spec.guild_id),
        "name": spec.name,
        "position": spec.position,
        "permission_overwrites": [],
        "parent_id": spec.parent_id.map(id),
        "nsfw": false,
        "flags": 0,
    });
    match spec.kind {
        2 | 13 => {
            value["bitrate"] = json!(64000);
            value["user_limit"] = json!(0);
            value["rtc_region"] = Value::Null;
            value["last_message_id"] = Value::Null;
            value["rate_limit_per_user"] = json!(0);
        }
        4 => {}
        _ => {
            value["topic"] = json!(spec.topic);
            value["last_message_id"] = Value::Null;
            value["rate_limit_per_user"] = json!(0);
        }
    }
    if spec.kind == 15 {
        value["available_tags"] = json!([]);
        value["default_reaction_emoji"] = Value::Null;
        value["default_forum_layout"] = json!(0);
    }
    value
}

/// What a thread is made of.
pub(crate) struct ThreadSpec<'a> {
    pub(crate) id: u64,
    pub(crate) guild_id: u64,
    pub(crate) parent_id: u64,
    pub(crate) owner_id: u64,
    pub(crate) kind: u8,
    pub(crate) name: &'a str,
    pub(crate) auto_archive_duration: u64,
}

/// A thread channel (10 announcement, 11 public, 12 private) with its `thread_metadata`.
pub(crate) fn thread(spec: &ThreadSpec<'_>) -> Value {
    let created = now();
    json!({
        "id": id(spec.id),
        "type": spec.kind,
        "guild_id": id(spec.guild_id),
        "parent_id": id(spec.parent_id),
        "owner_id": id(spec.owner_id),
        "name": spec.name,
        "last_message_id": null,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": spec.auto_archive_duration,
            "archive_timestamp": created,
            "locked": false,
            "create_timestamp": created,
        },
    })
}

/// What a message is made of; the body fields (`content`, `embeds`, `components`, `tts`,
/// `nonce`) come as the bot or the test sent them.
pub(crate) struct MessageSpec<'a> {
    pub(crate) id: u64,
    pub(crate) channel_id: u64,
    pub(crate) guild_id: u64,
    pub(crate) author: Value,
    pub(crate) body: &'a Value,
    pub(crate) kind: u8,
    pub(crate) flags: u64,
    pub(crate) attachments: Vec<Value>,
    pub(crate) mentions: Vec<Value>,
    pub(crate) mention_roles: &'a [u64],
    pub(crate) mention_everyone: bool,
}

/// A message object as REST answers and MESSAGE_CREATE carry it (without `member`, which the
/// gateway adds).
pub(crate) fn message(spec: MessageSpec<'_>) -> Value {
    let body = spec.body;
    let mut value = json!({
        "id": id(spec.id),
        "channel_id": id(spec.channel_id),
        "guild_id": id(spec.guild_id),
        "author": spec.author,
        "content": body.get("content").and_then(Value::as_str).unwrap_or(""),
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
        "mention_everyone": spec.mention_everyone,
        "mentions": spec.mentions,
        "mention_roles": ids(spec.mention_roles),
        "attachments": spec.attachments,
        "embeds": embeds(body.get("embeds")),
        "components": body.get("components").filter(|components| components.is_array()).cloned().unwrap_or(json!([])),
        "pinned": false,
        "type": spec.kind,
        "flags": spec.flags,
    });
    if let Some(nonce) = body.get("nonce").filter(|nonce| !nonce.is_null()) {
        value["nonce"] = nonce.clone();
    }
    value
}

/// Embeds as Discord stores them: as sent, each marked `"type": "rich"`.
pub(crate) fn embeds(sent: Option<&Value>) -> Value {
    let list = sent.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    Value::Array(
        list.iter()
            .map(|embed| {
                let mut embed = embed.clone();
                if embed.get("type").is_none() {
                    embed["type"] = json!("rich");
                }
                embed
            })
            .collect(),
    )
}

/// An attachment made from an uploaded file.
pub(crate) fn attachment(
    config: &Config,
    channel_id: u64,
    attachment_id: u64,
    file: &RecordedFile,
    description: Option<&Value>,
) -> Value {
    let url = format!("{}/attachments/{channel_id}/{attachment_id}/{}", config.base_url, file.filename);
    json!({
        "id": id(attachment_id),
        "filename": file.filename,
        "description": description,
        "content_type": file.content_type,
        "size": file.data.len(),
        "url": url,
        "proxy_url": url,
    })
}

/// An application command as Discord stores a definition the bot registered.
pub(crate) fn command(definition: &Value, command_id: u64, version: u64, config: &Config, guild: Option<u64>) -> Value {
    let field = |key: &str| definition.get(key).cloned().unwrap_or(Value::Null);
    let kind = definition.get("type").and_then(Value::as_u64).unwrap_or(1);
    let mut value = json!({
        "id": id(command_id),
        "type": kind,
        "application_id": id(config.application_id),
        "version": id(version),
        "name": field("name"),
        "name_localizations": field("name_localizations"),
        "description": definition.get("description").and_then(Value::as_str).unwrap_or(""),
        "description_localizations": field("description_localizations"),
        "options": definition.get("options").filter(|options| options.is_array()).cloned().unwrap_or(json!([])),
        "default_member_permissions": field("default_member_permissions"),
        "nsfw": definition.get("nsfw").and_then(Value::as_bool).unwrap_or(false),
        "integration_types": definition.get("integration_types").cloned().unwrap_or(json!([0])),
        "contexts": field("contexts"),
    });
    match guild {
        Some(guild_id) => value["guild_id"] = id(guild_id),
        None => value["dm_permission"] = definition.get("dm_permission").cloned().unwrap_or(json!(true)),
    }
    value
}

/// What GUILD_CREATE tells about one guild.
pub(crate) struct GuildParts<'a> {
    pub(crate) id: u64,
    pub(crate) name: &'a str,
    pub(crate) owner_id: u64,
    pub(crate) joined_at: &'a str,
    pub(crate) roles: Vec<Value>,
    pub(crate) members: Vec<Value>,
    pub(crate) channels: Vec<Value>,
    pub(crate) threads: Vec<Value>,
}

/// The full guild object of GUILD_CREATE, with every key serenity 0.12.5 requires.
pub(crate) fn guild_create(parts: GuildParts<'_>) -> Value {
    let mut guild = json!({
        "id": id(parts.id),
        "name": parts.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": id(parts.owner_id),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": parts.roles,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500_000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    });
    let extras = json!({
        "joined_at": parts.joined_at,
        "large": false,
        "unavailable": false,
        "member_count": parts.members.len(),
        "voice_states": [],
        "members": parts.members,
        "channels": parts.channels,
        "threads": parts.threads,
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    });
    if let (Some(fields), Value::Object(extras)) = (guild.as_object_mut(), extras) {
        fields.extend(extras);
    }
    guild
}

/// READY for a new session of the bot in `guilds`.
pub(crate) fn ready(config: &Config, bot: &User, session_id: &str, shard: &Value, guilds: &[u64]) -> Value {
    let guilds: Vec<Value> = guilds.iter().map(|guild| json!({ "id": id(*guild), "unavailable": true })).collect();
    json!({
        "v": API_VERSION,
        "user": current_user(bot),
        "guilds": guilds,
        "session_id": session_id,
        "resume_gateway_url": config.gateway_url,
        "shard": shard,
        "application": { "id": id(config.application_id), "flags": 0 },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "geo_ordered_rtc_regions": [],
        "guild_join_requests": [],
        "user_settings": {},
        "session_type": "normal",
    })
}

/// The application, as `GET /oauth2/applications/@me` gives it.
pub(crate) fn application(config: &Config, bot: &User) -> Value {
    json!({
        "id": id(config.application_id),
        "name": bot.name,
        "icon": null,
        "description": "",
        "rpc_origins": [],
        "bot_public": false,
        "bot_require_code_grant": false,
        "bot": current_user(bot),
        "owner": { "id": id(config.owner_user_id), "username": "owner", "discriminator": "0", "avatar": null },
        "verify_key": "0".repeat(64),
        "team": null,
        "flags": 0,
        "tags": [],
        "integration_types_config": { "0": {} },
        "approximate_guild_count": 1,
    })
}

/// `GET /gateway/bot`: one shard and an untouched session-start budget.
pub(crate) fn bot_gateway(config: &Config) -> Value {
    json!({
        "url": config.gateway_url,
        "shards": 1,
        "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 },
    })
}

/// Interaction type of a slash command.
pub(crate) const COMMAND: u8 = 2;
/// Interaction type of a click on a button or a choice in a select menu.
pub(crate) const COMPONENT: u8 = 3;
/// Interaction type of a user typing into an option with autocomplete.
pub(crate) const AUTOCOMPLETE: u8 = 4;
/// Interaction type of a user submitting a modal.
pub(crate) const MODAL_SUBMIT: u8 = 5;

/// What the `data` of a command or autocomplete interaction is made of.
pub(crate) struct CommandSpec {
    pub(crate) command_id: u64,
    pub(crate) command_guild: Option<u64>,
    pub(crate) name: String,
    pub(crate) options: Value,
    pub(crate) resolved: Value,
}

/// The `data` of a chat-input command (command type 1) or of an autocomplete request for one.
pub(crate) fn command_data(spec: CommandSpec) -> Value {
    let mut data = json!({
        "id": id(spec.command_id),
        "name": spec.name,
        "type": 1,
        "options": spec.options,
        "resolved": spec.resolved,
    });
    if let Some(guild_id) = spec.command_guild {
        data["guild_id"] = id(guild_id);
    }
    data
}

/// What an interaction is made of: its type and `data`, where it happened and who did it.
pub(crate) struct InteractionSpec {
    pub(crate) id: u64,
    pub(crate) kind: u8,
    pub(crate) token: String,
    pub(crate) guild_id: u64,
    pub(crate) data: Value,
    pub(crate) channel: Value,
    pub(crate) member: Value,
    /// The message a component sits on (or a modal was opened from).
    pub(crate) message: Option<Value>,
    pub(crate) app_permissions: u64,
}

/// INTERACTION_CREATE for an interaction in a guild, with every field serenity 0.12.5 requires.
pub(crate) fn interaction(config: &Config, spec: InteractionSpec) -> Value {
    let channel_id = spec.channel["id"].clone();
    let mut value = json!({
        "id": id(spec.id),
        "application_id": id(config.application_id),
        "type": spec.kind,
        "data": spec.data,
        "guild": { "id": id(spec.guild_id), "locale": "en-US", "features": [] },
        "guild_id": id(spec.guild_id),
        "channel": spec.channel,
        "channel_id": channel_id,
        "member": spec.member,
        "token": spec.token,
        "version": 1,
        "app_permissions": spec.app_permissions.to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": id(spec.guild_id) },
        "context": 0,
        "attachment_size_limit": MAX_FILE_BYTES,
    });
    if let Some(message) = spec.message {
        value["message"] = message;
    }
    value
}

/// What the `interaction_metadata` of a response message is made of.
pub(crate) struct MetadataSpec<'a> {
    pub(crate) interaction_id: u64,
    pub(crate) kind: u8,
    pub(crate) guild_id: u64,
    pub(crate) user: &'a User,
    /// The original response, on follow-ups.
    pub(crate) original_response: Option<u64>,
    /// The message whose component was used, for component interactions.
    pub(crate) interacted_message: Option<u64>,
    /// The metadata of the interaction that opened the modal, for modal submissions.
    pub(crate) triggering: Option<Value>,
}

/// The `interaction_metadata` of a message the application sent in answer to an interaction.
pub(crate) fn interaction_metadata(spec: MetadataSpec<'_>) -> Value {
    let mut value = json!({
        "id": id(spec.interaction_id),
        "type": spec.kind,
        "user": user(spec.user),
        "authorizing_integration_owners": { "0": id(spec.guild_id) },
    });
    if let Some(original) = spec.original_response {
        value["original_response_message_id"] = id(original);
    }
    if let Some(message) = spec.interacted_message {
        value["interacted_message_id"] = id(message);
    }
    if let Some(triggering) = spec.triggering {
        value["triggering_interaction_metadata"] = triggering;
    }
    value
}
