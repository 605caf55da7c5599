//! Channels and threads: `GET` and `PATCH /channels/{c}`, `POST /channels/{c}/typing`,
//! `POST /guilds/{g}/channels`, `POST /channels/{c}/threads` (a thread, or a post in a forum)
//! and `POST /channels/{c}/messages/{m}/threads`.

use serde_json::Value;

use super::super::error::{ApiError, FormErrors, path};
use super::super::limits;
use super::super::payloads::parse_id;
use super::super::state::{CATEGORY, ChannelEdit, DEFAULT_ARCHIVE_DURATION, FORUM, NewThread, State, is_thread};
use super::guild::check_guild;
use super::messages::check_new_message;
use super::{Outcome, Payload, Reply};

/// Channel types a bot may create: text, voice, category, announcement, stage, forum.
const CREATABLE: [u64; 6] = [0, 2, 4, 5, 13, 15];
/// Thread auto-archive durations Discord accepts, in minutes.
const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];
/// Channel types with a topic: text, announcement, forum.
const WITH_TOPIC: [u8; 3] = [0, 5, FORUM];

/// `GET /channels/{c}`.
pub(super) fn get(state: &State, channel_id: u64) -> Outcome {
    state.channel(channel_id).cloned().map(Reply::ok).ok_or_else(ApiError::unknown_channel)
}

/// `POST /channels/{c}/typing`: 204 for a channel that exists.
pub(super) fn typing(state: &State, channel_id: u64) -> Outcome {
    state.channel(channel_id).ok_or_else(ApiError::unknown_channel)?;
    Ok(Reply::NoContent)
}

/// `POST /guilds/{g}/channels`: creates a channel from `name`, `type` (default text),
/// `parent_id` (an existing category of the guild) and `topic`; answers 201 with it and
/// dispatches CHANNEL_CREATE.
pub(super) fn create(state: &mut State, guild_id: u64, body: &Value) -> Outcome {
    check_guild(state, guild_id)?;
    limits::check_channel(body)?;
    let mut errors = FormErrors::default();
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
    if !CREATABLE.contains(&kind) {
        errors.add(&path(&[], &["type"]), "BASE_TYPE_CHOICES", format!("Value must be one of {CREATABLE:?}."));
    }
    let parent_id = body.get("parent_id").and_then(parse_id);
    if let Some(parent) = parent_id
        && (kind == u64::from(CATEGORY) || !is_category_of(state, parent, guild_id))
    {
        errors.add(&path(&[], &["parent_id"]), "CHANNEL_PARENT_INVALID_TYPE", "Not a category".to_owned());
    }
    errors.into_result()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let topic = body.get("topic").and_then(Value::as_str);
    let kind = u8::try_from(kind).unwrap_or(0);
    Ok(Reply::created(state.add_channel(guild_id, kind, name, parent_id, topic)))
}

/// `POST /channels/{c}/threads` and `POST /channels/{c}/messages/{m}/threads`: answers 201 with
/// the thread and dispatches THREAD_CREATE. From a message, the thread is public and takes the
/// message's id; without one it is private unless `type` says otherwise (API v10). In a forum
/// it is a post: a public thread whose starter `message` (required) is posted in it and returned
/// with it.
pub(super) fn create_thread(state: &mut State, channel_id: u64, starter: Option<u64>, body: &Value) -> Outcome {
    let parent_kind = state.channel_kind(channel_id).ok_or_else(ApiError::unknown_channel)?;
    let in_forum = parent_kind == FORUM && starter.is_none();
    if !matches!(parent_kind, 0 | 5) && !in_forum {
        return Err(ApiError::wrong_channel_type());
    }
    if let Some(message_id) = starter {
        let message = state.message(message_id).filter(|message| parse_id(&message["channel_id"]) == Some(channel_id));
        let message = message.ok_or_else(ApiError::unknown_message)?;
        if message.get("thread").is_some() {
            return Err(ApiError::thread_exists());
        }
    }
    limits::check_channel(body)?;
    let mut errors = FormErrors::default();
    let kind = match starter {
        Some(_) if parent_kind == 5 => 10,
        Some(_) => 11,
        None if in_forum => 11,
        None => body.get("type").and_then(Value::as_u64).unwrap_or(12),
    };
    if !matches!(kind, 10..=12) {
        errors.add(&path(&[], &["type"]), "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.".to_owned());
    }
    let duration = body.get("auto_archive_duration").and_then(Value::as_u64).unwrap_or(DEFAULT_ARCHIVE_DURATION);
    check_archive_duration(duration, &mut errors);
    errors.into_result()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let bot = state.config.bot_user_id;
    if in_forum {
        let message = body.get("message").cloned().unwrap_or(Value::Null);
        let payload = Payload { json: message, files: Vec::new() };
        check_new_message(&payload, &["message".to_owned()])?;
        return Ok(Reply::created(state.add_forum_post(channel_id, bot, name, &payload.json, duration)));
    }
    let kind = u8::try_from(kind).unwrap_or(11);
    let new = NewThread {
        parent_id: channel_id,
        from_message: starter,
        name,
        kind,
        auto_archive_duration: duration,
        owner_id: bot,
    };
    Ok(Reply::created(state.add_thread(new)))
}

/// `PATCH /channels/{c}`: renames a channel or thread, sets a channel's `topic` or `parent_id`
/// (a category of its guild, or null), archives, locks or sets the auto-archive duration of a
/// thread. Answers with the channel and dispatches CHANNEL_UPDATE or THREAD_UPDATE. Renames and
/// topic changes count against the rename limit before they get here.
pub(super) fn edit(state: &mut State, channel_id: u64, body: &Value) -> Outcome {
    let channel = state.channel(channel_id).ok_or_else(ApiError::unknown_channel)?;
    let thread = is_thread(channel);
    let kind = state.channel_kind(channel_id).unwrap_or_default();
    let guild_id = state.guild_of(channel_id).unwrap_or_default();
    let mut errors = FormErrors::default();
    limits::check_channel_fields(body, false, &mut errors);
    let mut edit = ChannelEdit { name: body.get("name").and_then(Value::as_str), ..ChannelEdit::default() };
    if !thread && WITH_TOPIC.contains(&kind) && body.get("topic").is_some() {
        edit.topic = Some(body["topic"].as_str());
    }
    if !thread && body.get("parent_id").is_some() {
        let parent = parse_id(&body["parent_id"]);
        if kind == CATEGORY || parent.is_some_and(|parent| !is_category_of(state, parent, guild_id)) {
            errors.add(&path(&[], &["parent_id"]), "CHANNEL_PARENT_INVALID_TYPE", "Not a category".to_owned());
        }
        edit.parent_id = Some(parent);
    }
    if thread {
        edit.archived = flag(body, "archived", &mut errors);
        edit.locked = flag(body, "locked", &mut errors);
        edit.auto_archive_duration = body.get("auto_archive_duration").and_then(Value::as_u64);
        if let Some(duration) = edit.auto_archive_duration {
            check_archive_duration(duration, &mut errors);
        }
    }
    errors.into_result()?;
    state.edit_channel(channel_id, &edit).map(Reply::ok).ok_or_else(ApiError::unknown_channel)
}

/// A boolean field of a thread edit, noting anything else there as an error.
fn flag(body: &Value, key: &str, errors: &mut FormErrors) -> Option<bool> {
    let value = body.get(key).filter(|value| !value.is_null())?;
    let flag = value.as_bool();
    if flag.is_none() {
        errors.add(&path(&[], &[key]), "BASE_TYPE_BOOLEAN", "Must be either true or false.".to_owned());
    }
    flag
}

/// Notes an auto-archive duration Discord does not offer.
fn check_archive_duration(duration: u64, errors: &mut FormErrors) {
    if !ARCHIVE_DURATIONS.contains(&duration) {
        errors.add(
            &path(&[], &["auto_archive_duration"]),
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {ARCHIVE_DURATIONS:?}."),
        );
    }
}

/// Whether `channel_id` is a category of `guild_id`.
fn is_category_of(state: &State, channel_id: u64, guild_id: u64) -> bool {
    state.channel_kind(channel_id) == Some(CATEGORY) && state.guild_of(channel_id) == Some(guild_id)
}
