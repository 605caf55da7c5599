//! Channels and threads: `GET /channels/{c}`, `POST /channels/{c}/typing`,
//! `POST /guilds/{g}/channels`, `POST /channels/{c}/threads` and
//! `POST /channels/{c}/messages/{m}/threads`.

use serde_json::Value;

use super::super::error::{ApiError, FormErrors, path};
use super::super::limits;
use super::super::payloads::parse_id;
use super::super::state::State;
use super::guild::check_guild;
use super::{Outcome, Reply};

/// Channel types a bot may create: text, voice, category, announcement, stage, forum.
const CREATABLE: [u64; 6] = [0, 2, 4, 5, 13, 15];
/// Thread auto-archive durations Discord accepts, in minutes.
const ARCHIVE_DURATIONS: [u64; 4] = [60, 1440, 4320, 10080];
/// The auto-archive duration of a thread created without one.
const DEFAULT_ARCHIVE_DURATION: u64 = 1440;

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
/// `parent_id` (an existing category) and `topic`; answers 201 with it and dispatches
/// CHANNEL_CREATE.
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
        && (kind == 4 || state.channel_kind(parent) != Some(4))
    {
        errors.add(&path(&[], &["parent_id"]), "CHANNEL_PARENT_INVALID_TYPE", "Not a category".to_owned());
    }
    errors.into_result()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let topic = body.get("topic").and_then(Value::as_str);
    let kind = u8::try_from(kind).unwrap_or(0);
    Ok(Reply::created(state.add_channel(kind, name, parent_id, topic)))
}

/// `POST /channels/{c}/threads` (type from the body, private by default as in API v10) and
/// `POST /channels/{c}/messages/{m}/threads` (a public thread whose id is the message's):
/// answers 201 with the thread and dispatches THREAD_CREATE.
pub(super) fn create_thread(state: &mut State, channel_id: u64, starter: Option<u64>, body: &Value) -> Outcome {
    let parent_kind = state.channel_kind(channel_id).ok_or_else(ApiError::unknown_channel)?;
    if !matches!(parent_kind, 0 | 5) {
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
        None => body.get("type").and_then(Value::as_u64).unwrap_or(12),
    };
    if !matches!(kind, 10..=12) {
        errors.add(&path(&[], &["type"]), "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.".to_owned());
    }
    let duration = body.get("auto_archive_duration").and_then(Value::as_u64).unwrap_or(DEFAULT_ARCHIVE_DURATION);
    if !ARCHIVE_DURATIONS.contains(&duration) {
        errors.add(
            &path(&[], &["auto_archive_duration"]),
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {ARCHIVE_DURATIONS:?}."),
        );
    }
    errors.into_result()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    let kind = u8::try_from(kind).unwrap_or(11);
    Ok(Reply::created(state.add_thread(channel_id, starter, name, kind, duration)))
}
