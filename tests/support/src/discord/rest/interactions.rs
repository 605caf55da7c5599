//! Answering interactions: `POST /interactions/{id}/{token}/callback` within the ack deadline,
//! only once and with a type that suits the interaction, then through the interaction's webhook
//! `POST /webhooks/{app}/{token}` (follow-ups) and `GET`/`PATCH`/`DELETE
//! /webhooks/{app}/{token}/messages/{@original or id}` while the token lives.
//!
//! Callback types by interaction: a command takes 4 (message), 5 (deferred message) or 9
//! (modal); a component click or choice also 6 (deferred update) and 7 (update the message the
//! component is on); an autocomplete request only 8 (choices); a modal submission 4 or 5, and 6
//! or 7 when the modal came from a component. After 6 or 7, `@original` is the component's
//! message.

use serde_json::{Value, json};

use super::super::components;
use super::super::error::{ApiError, FormErrors, invalid_field, path};
use super::super::limits;
use super::super::payloads::{AUTOCOMPLETE, COMMAND, COMPONENT, MODAL_SUBMIT, parse_id};
use super::super::records::InteractionCallback;
use super::super::state::{EPHEMERAL, Interaction, LOADING, NewMessage, SENDABLE_FLAGS, State};
use super::messages::{check_edit, check_new_message};
use super::{Outcome, Payload, Reply};

/// Message type of interaction responses and follow-ups: CHAT_INPUT_COMMAND.
const RESPONSE_MESSAGE: u8 = 20;
/// Callback type: answer with a message.
const MESSAGE: u8 = 4;
/// Callback type: answer later ("is thinking…").
const DEFERRED_MESSAGE: u8 = 5;
/// Callback type: acknowledge a component, edit its message later.
const DEFERRED_UPDATE: u8 = 6;
/// Callback type: edit the component's message now.
const UPDATE: u8 = 7;
/// Callback type: offer autocomplete choices.
const CHOICES: u8 = 8;
/// Callback type: open a modal.
const MODAL: u8 = 9;

/// `POST /interactions/{id}/{token}/callback`: accepts the first callback of a type that suits
/// the interaction and arrives within the ack deadline, with its `data` checked; a late first
/// callback gets 404 code 10062, any second one 400 code 40060. Answers 204.
pub(super) fn callback(state: &mut State, interaction_id: u64, token: &str, payload: &Payload) -> Outcome {
    let deadline = state.config.options.ack_deadline;
    let interaction = state
        .interaction(interaction_id)
        .filter(|interaction| interaction.token == token)
        .ok_or_else(ApiError::unknown_interaction)?;
    if !interaction.callbacks.is_empty() {
        return Err(ApiError::already_acknowledged());
    }
    let after = interaction.dispatched.elapsed();
    if after > deadline {
        return Err(ApiError::unknown_interaction());
    }
    let (channel_id, message_id) = (interaction.channel_id, interaction.message_id);
    let allowed = allowed_callbacks(interaction);
    let body = &payload.json;
    let kind = body.get("type").and_then(Value::as_u64).and_then(|kind| u8::try_from(kind).ok()).unwrap_or(0);
    if !allowed.contains(&kind) {
        let message = format!("Value must be one of {allowed:?} for this interaction.");
        return Err(invalid_field(&path(&[], &["type"]), "BASE_TYPE_CHOICES", message));
    }
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let data_path = path(&[], &["data"]);
    let data_payload = Payload { json: data.clone(), files: payload.files.clone() };
    match kind {
        MESSAGE => check_new_message(&data_payload, &data_path)?,
        UPDATE => {
            let target = message_id.and_then(|id| state.message(id)).ok_or_else(ApiError::unknown_message)?;
            check_edit(target, &data_payload, &data_path)?;
        }
        CHOICES => checked(|errors| components::check_choices(&data, &data_path, errors))?,
        MODAL => checked(|errors| components::check_modal(&data, &data_path, errors))?,
        _ => limits::check_message(&data, &data_path)?,
    }
    if let Some(interaction) = state.interaction_mut(interaction_id) {
        interaction.callbacks.push(InteractionCallback { kind, data: data.clone(), after });
    }
    let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0) & SENDABLE_FLAGS;
    let original = match kind {
        MESSAGE => Some(respond(state, interaction_id, channel_id, &data_payload, flags)),
        DEFERRED_MESSAGE => {
            let loading = Payload { json: json!({}), files: Vec::new() };
            Some(respond(state, interaction_id, channel_id, &loading, LOADING | (flags & EPHEMERAL)))
        }
        DEFERRED_UPDATE => message_id,
        UPDATE => message_id.filter(|id| state.edit_message(*id, &data, &payload.files).is_some()),
        _ => None,
    };
    if let Some(interaction) = state.interaction_mut(interaction_id) {
        interaction.original_id = original;
    }
    Ok(Reply::NoContent)
}

/// `POST /webhooks/{app}/{token}`: a follow-up message, once the interaction was answered.
pub(super) fn follow_up(state: &mut State, application_id: u64, token: &str, payload: &Payload) -> Outcome {
    let interaction = answered(state, application_id, token)?;
    let (interaction_id, channel_id, original_id) = (interaction.id, interaction.channel_id, interaction.original_id);
    check_new_message(payload, &[])?;
    let body = &payload.json;
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
/// (clearing "is thinking…" after a deferral; an ephemeral one stays ephemeral) and answers
/// with it.
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

/// `DELETE /webhooks/{app}/{token}/messages/{@original or follow-up id}`: deletes the response
/// (an "is thinking…" placeholder too) while the token lives. Answers 204.
pub(super) fn delete_message(state: &mut State, application_id: u64, token: &str, message: &str) -> Outcome {
    let interaction = answered(state, application_id, token)?;
    let interaction_id = interaction.id;
    let message_id = target(interaction, message)?;
    state.delete_message(message_id).ok_or_else(ApiError::unknown_message)?;
    if let Some(interaction) = state.interaction_mut(interaction_id) {
        if interaction.original_id == Some(message_id) {
            interaction.original_id = None;
        }
        interaction.followup_ids.retain(|id| *id != message_id);
    }
    Ok(Reply::NoContent)
}

/// The callback types an interaction accepts.
fn allowed_callbacks(interaction: &Interaction) -> &'static [u8] {
    match (interaction.kind, interaction.message_id.is_some()) {
        (COMMAND, _) => &[MESSAGE, DEFERRED_MESSAGE, MODAL],
        (COMPONENT, _) => &[MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL],
        (AUTOCOMPLETE, _) => &[CHOICES],
        (MODAL_SUBMIT, true) => &[MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE],
        (MODAL_SUBMIT, false) => &[MESSAGE, DEFERRED_MESSAGE],
        _ => &[],
    }
}

/// Posts the original response of an interaction in its channel and returns its id.
fn respond(state: &mut State, interaction_id: u64, channel_id: u64, payload: &Payload, flags: u64) -> u64 {
    let metadata = state.interaction_metadata(interaction_id, None);
    let message = state.create_message(NewMessage {
        channel_id,
        author_id: state.config.bot_user_id,
        body: &payload.json,
        files: &payload.files,
        kind: RESPONSE_MESSAGE,
        flags,
        reply_to: None,
        interaction: Some(metadata),
    });
    parse_id(&message["id"]).unwrap_or_default()
}

/// The 400 code 50035 answer for what `check` notes, if anything.
fn checked(check: impl FnOnce(&mut FormErrors)) -> Result<(), ApiError> {
    let mut errors = FormErrors::default();
    check(&mut errors);
    errors.into_result()
}

/// The interaction behind a webhook token, if the application is the bot's, the interaction was
/// answered, takes webhook calls (autocomplete requests do not) and its token has not expired;
/// 404 Unknown Webhook otherwise, 401 Invalid Webhook Token for a live token under another
/// application's id.
fn answered<'a>(state: &'a State, application_id: u64, token: &str) -> Result<&'a Interaction, ApiError> {
    let lifetime = state.config.options.interaction_token_lifetime;
    let interaction = state
        .interaction_by_token(token)
        .filter(|interaction| interaction.dispatched.elapsed() <= lifetime)
        .ok_or_else(ApiError::unknown_webhook)?;
    if application_id != state.config.application_id {
        return Err(ApiError::invalid_webhook_token());
    }
    if interaction.callbacks.is_empty() || interaction.kind == AUTOCOMPLETE {
        return Err(ApiError::unknown_webhook());
    }
    Ok(interaction)
}

/// The message an interaction webhook path names: `@original` or one of its follow-ups.
fn target(interaction: &Interaction, message: &str) -> Result<u64, ApiError> {
    let found = match message {
        "@original" => interaction.original_id,
        id => id.parse().ok().filter(|id| interaction.followup_ids.contains(id)),
    };
    found.ok_or_else(ApiError::unknown_message)
}
