//! Channel messages: `GET /channels/{c}/messages` (newest first, with `limit`, `before` and
//! `after`), `POST /channels/{c}/messages` (JSON or multipart), `GET` and `PATCH`
//! `/channels/{c}/messages/{m}` (only the author may edit; the message keeps its id and every
//! revision is kept). Bodies are checked against Discord's limits first.

use serde_json::Value;

use super::super::error::{ApiError, invalid_field, path};
use super::super::limits;
use super::super::payloads::parse_id;
use super::super::state::{NewMessage, State, is_ephemeral};
use super::{Outcome, Payload, Reply};

/// Message flags a bot may set on a channel message: SUPPRESS_EMBEDS and SUPPRESS_NOTIFICATIONS.
const CHANNEL_MESSAGE_FLAGS: u64 = 4 | 4096;
/// Messages a history request answers with when it names no `limit`.
const DEFAULT_PAGE: usize = 50;
/// The most messages one history request may ask for.
const MAX_PAGE: usize = 100;

/// `GET /channels/{c}/messages`: up to `limit` messages, newest first, before `before` or
/// (the ones right) after `after`.
pub(super) fn list(state: &State, channel_id: u64, query: &str) -> Outcome {
    state.channel(channel_id).ok_or_else(ApiError::unknown_channel)?;
    let parameter = |name: &str| {
        query.split('&').filter_map(|pair| pair.split_once('=')).find(|(key, _)| *key == name).map(|(_, value)| value)
    };
    let limit = match parameter("limit") {
        None => DEFAULT_PAGE,
        Some(text) => match text.parse::<usize>() {
            Ok(limit) if (1..=MAX_PAGE).contains(&limit) => limit,
            _ => {
                let message = format!("Must be between 1 and {MAX_PAGE}.");
                return Err(invalid_field(&path(&[], &["limit"]), "NUMBER_TYPE_MAX", message));
            }
        },
    };
    let bound = |name: &str| parameter(name).and_then(|text| text.parse::<u64>().ok());
    let id_of = |message: &Value| parse_id(&message["id"]).unwrap_or(0);
    let messages = state.channel_messages(channel_id);
    let mut page: Vec<Value> = match bound("after") {
        Some(after) => messages.into_iter().filter(|message| id_of(message) > after).take(limit).collect(),
        None => {
            let before = bound("before").unwrap_or(u64::MAX);
            let older: Vec<Value> = messages.into_iter().filter(|message| id_of(message) < before).collect();
            older[older.len().saturating_sub(limit)..].to_vec()
        }
    };
    page.reverse();
    Ok(Reply::ok(Value::Array(page)))
}

/// `POST /channels/{c}/messages`: stores the bot's message (a reply when it has a
/// `message_reference`), answers with it and dispatches MESSAGE_CREATE. A thread that is
/// archived and locked takes no messages.
pub(super) fn create(state: &mut State, channel_id: u64, payload: &Payload) -> Outcome {
    state.channel(channel_id).ok_or_else(ApiError::unknown_channel)?;
    if !state.holds_messages(channel_id) {
        return Err(ApiError::non_text_channel());
    }
    if state.is_locked_thread(channel_id) {
        return Err(ApiError::thread_archived());
    }
    let body = &payload.json;
    check_new_message(payload, &[])?;
    let reply_to = referenced(state, body)?;
    let message = state.create_message(NewMessage {
        channel_id,
        author_id: state.config.bot_user_id,
        body,
        files: &payload.files,
        kind: if reply_to.is_some() { 19 } else { 0 },
        flags: body.get("flags").and_then(Value::as_u64).unwrap_or(0) & CHANNEL_MESSAGE_FLAGS,
        reply_to,
        interaction: None,
    });
    Ok(Reply::ok(message))
}

/// `GET /channels/{c}/messages/{m}`.
pub(super) fn get(state: &State, channel_id: u64, message_id: u64) -> Outcome {
    Ok(Reply::ok(visible_message(state, channel_id, message_id)?.clone()))
}

/// `PATCH /channels/{c}/messages/{m}`: edits one of the bot's own messages, answers with it and
/// dispatches MESSAGE_UPDATE.
pub(super) fn edit(state: &mut State, channel_id: u64, message_id: u64, payload: &Payload) -> Outcome {
    let existing = visible_message(state, channel_id, message_id)?;
    if parse_id(&existing["author"]["id"]) != Some(state.config.bot_user_id) {
        return Err(ApiError::not_the_author());
    }
    check_edit(existing, payload, &[])?;
    let message =
        state.edit_message(message_id, &payload.json, &payload.files).ok_or_else(ApiError::unknown_message)?;
    Ok(Reply::ok(message))
}

/// Checks a new message (under `prefix`): within limits and with something to show.
pub(super) fn check_new_message(payload: &Payload, prefix: &[String]) -> Result<(), ApiError> {
    limits::check_message(&payload.json, prefix)?;
    if limits::has_substance(&payload.json, payload.files.len()) { Ok(()) } else { Err(ApiError::empty_message()) }
}

/// Checks an edit of `existing`: the body within limits, and something left to show after it.
pub(super) fn check_edit(existing: &Value, payload: &Payload, prefix: &[String]) -> Result<(), ApiError> {
    limits::check_message(&payload.json, prefix)?;
    let mut after = existing.clone();
    for key in ["content", "embeds", "components", "attachments"] {
        if let Some(value) = payload.json.get(key) {
            after[key] = value.clone();
        }
    }
    if limits::has_substance(&after, payload.files.len()) { Ok(()) } else { Err(ApiError::empty_message()) }
}

/// A message of the channel that everyone can see.
pub(super) fn visible_message(state: &State, channel_id: u64, message_id: u64) -> Result<&Value, ApiError> {
    state
        .message(message_id)
        .filter(|message| parse_id(&message["channel_id"]) == Some(channel_id))
        .filter(|message| !is_ephemeral(message))
        .ok_or_else(ApiError::unknown_message)
}

/// The message a body's `message_reference` replies to. An unknown message is refused unless
/// `fail_if_not_exists` is false, in which case the message is sent as no reply.
fn referenced(state: &State, body: &Value) -> Result<Option<u64>, ApiError> {
    let Some(reference) = body.get("message_reference").filter(|reference| !reference.is_null()) else {
        return Ok(None);
    };
    if let Some(message_id) = parse_id(&reference["message_id"]).filter(|id| state.message(*id).is_some()) {
        return Ok(Some(message_id));
    }
    if reference.get("fail_if_not_exists").and_then(Value::as_bool) == Some(false) {
        return Ok(None);
    }
    Err(invalid_field(
        &path(&[], &["message_reference"]),
        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
        "Unknown message".to_owned(),
    ))
}
