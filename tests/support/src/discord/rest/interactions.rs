//! Answering interactions: `POST /interactions/{id}/{token}/callback` within the ack deadline
//! and only once, then through the interaction's webhook `POST /webhooks/{app}/{token}`
//! (follow-ups) and `GET`/`PATCH /webhooks/{app}/{token}/messages/{@original or id}`.

use serde_json::{Value, json};

use super::super::error::{ApiError, invalid_field, path};
use super::super::limits;
use super::super::payloads::parse_id;
use super::super::records::InteractionCallback;
use super::super::state::{EPHEMERAL, Interaction, LOADING, NewMessage, SENDABLE_FLAGS, State};
use super::messages::check_edit;
use super::{Outcome, Payload, Reply};

/// Message type of interaction responses and follow-ups: CHAT_INPUT_COMMAND.
const RESPONSE_MESSAGE: u8 = 20;

/// `POST /interactions/{id}/{token}/callback`: accepts the first callback of type 4 (message),
/// 5 (deferred message), 6 (deferred update), 7 (update) or 9 (modal) that arrives within the
/// ack deadline; 4 and 5 create the original response message. A late first callback gets 404
/// code 10062, any second one 400 code 40060. Answers 204.
pub(super) fn callback(state: &mut State, interaction_id: u64, token: &str, payload: &Payload) -> Outcome {
    let deadline = state.config.options.ack_deadline;
    let interaction = state
        .interaction_mut(interaction_id)
        .filter(|interaction| interaction.token == token)
        .ok_or_else(ApiError::unknown_interaction)?;
    if !interaction.callbacks.is_empty() {
        return Err(ApiError::already_acknowledged());
    }
    let after = interaction.dispatched.elapsed();
    if after > deadline {
        return Err(ApiError::unknown_interaction());
    }
    let body = &payload.json;
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data_path = path(&[], &["data"]);
    match kind {
        4 => {
            limits::check_message(&data, &data_path)?;
            if !limits::has_substance(&data, payload.files.len()) {
                return Err(ApiError::empty_message());
            }
        }
        7 => limits::check_message(&data, &data_path)?,
        5 | 6 | 9 => {}
        _ => {
            let message = "Value must be one of {4, 5, 6, 7, 9}.".to_owned();
            return Err(invalid_field(&path(&[], &["type"]), "BASE_TYPE_CHOICES", message));
        }
    }
    let kind = u8::try_from(kind).unwrap_or_default();
    interaction.callbacks.push(InteractionCallback { kind, data: data.clone(), after });
    let channel_id = interaction.channel_id;
    let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0) & SENDABLE_FLAGS;
    let original = match kind {
        4 => Some((data, flags)),
        5 => Some((json!({}), LOADING | (flags & EPHEMERAL))),
        _ => None,
    };
    if let Some((body, flags)) = original {
        let metadata = state.interaction_metadata(interaction_id, None);
        let message = state.create_message(NewMessage {
            channel_id,
            author_id: state.config.bot_user_id,
            body: &body,
            files: &payload.files,
            kind: RESPONSE_MESSAGE,
            flags,
            reply_to: None,
            interaction: Some(metadata),
        });
        let message_id = parse_id(&message["id"]);
        if let Some(interaction) = state.interaction_mut(interaction_id) {
            interaction.original_id = message_id;
        }
    }
    Ok(Reply::NoContent)
}

/// `POST /webhooks/{app}/{token}`: a follow-up message, once the interaction was answered.
pub(super) fn follow_up(state: &mut State, application_id: u64, token: &str, payload: &Payload) -> Outcome {
    let interaction = answered(state, application_id, token)?;
    let (interaction_id, channel_id, original_id) = (interaction.id, interaction.channel_id, interaction.original_id);
    let body = &payload.json;
    limits::check_message(body, &[])?;
    if !limits::has_substance(body, payload.files.len()) {
        return Err(ApiError::empty_message());
    }
    let metadata = state.interaction_metadata(interaction_id, original_id);
    let message = state.create_message(NewMessage {
        channel_id,
        author_id: state.config.bot_user_id,
        body,
        files: &payload.files,
        kind: RESPONSE_MESSAGE,
        flags: body.get("flags").and_then(Value::as_u64).unwrap_or(0) & SENDABLE_FLAGS,
        reply_to: None,
        interaction: Some(metadata),
    });
    if let (Some(interaction), Some(message_id)) = (state.interaction_mut(interaction_id), parse_id(&message["id"])) {
        interaction.followup_ids.push(message_id);
    }
    Ok(Reply::ok(message))
}

/// `GET /webhooks/{app}/{token}/messages/{@original or follow-up id}`.
pub(super) fn get_message(state: &mut State, application_id: u64, token: &str, message: &str) -> Outcome {
    let interaction = answered(state, application_id, token)?;
    let message_id = target(interaction, message)?;
    state.message(message_id).cloned().map(Reply::ok).ok_or_else(ApiError::unknown_message)
}

/// `PATCH /webhooks/{app}/{token}/messages/{@original or follow-up id}`: edits the response
/// (clearing "is thinking…" after a deferral) and answers with it.
pub(super) fn edit_message(
    state: &mut State,
    application_id: u64,
    token: &str,
    message: &str,
    payload: &Payload,
) -> Outcome {
    let interaction = answered(state, application_id, token)?;
    let interaction_id = interaction.id;
    let message_id = target(interaction, message)?;
    let existing = state.message(message_id).ok_or_else(ApiError::unknown_message)?;
    check_edit(existing, payload, &[])?;
    let edited = state.edit_message(message_id, &payload.json, &payload.files).ok_or_else(ApiError::unknown_message)?;
    if let Some(interaction) = state.interaction_mut(interaction_id)
        && interaction.original_id == Some(message_id)
    {
        interaction.edits.push(payload.json.clone());
    }
    Ok(Reply::ok(edited))
}

/// The interaction behind a webhook token, if the application is the bot's and the interaction
/// was answered; 404 Unknown Webhook otherwise.
fn answered<'a>(state: &'a mut State, application_id: u64, token: &str) -> Result<&'a mut Interaction, ApiError> {
    if application_id != state.config.application_id {
        return Err(ApiError::unknown_webhook());
    }
    state
        .interaction_by_token(token)
        .filter(|interaction| !interaction.callbacks.is_empty())
        .ok_or_else(ApiError::unknown_webhook)
}

/// The message an interaction webhook path names: `@original` or one of its follow-ups.
fn target(interaction: &Interaction, message: &str) -> Result<u64, ApiError> {
    let found = match message {
        "@original" => interaction.original_id,
        id => id.parse().ok().filter(|id| interaction.followup_ids.contains(id)),
    };
    found.ok_or_else(ApiError::unknown_message)
}
