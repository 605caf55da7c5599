//! Pins: `GET /channels/{c}/pins` (most recent first), `PUT` and `DELETE`
//! `/channels/{c}/pins/{m}` (204; at most 50 pins per channel).

use serde_json::Value;

use super::super::error::ApiError;
use super::super::state::State;
use super::messages::visible_message;
use super::{Outcome, Reply};

/// Pinned messages one channel may hold.
const MAX_PINS: usize = 50;

/// `GET /channels/{c}/pins`.
pub(super) fn list(state: &State, channel_id: u64) -> Outcome {
    state.channel(channel_id).ok_or_else(ApiError::unknown_channel)?;
    Ok(Reply::ok(Value::Array(state.pinned(channel_id))))
}

/// `PUT /channels/{c}/pins/{m}`: pins a message of the channel; a 51st pin gets 400 code 30003.
pub(super) fn pin(state: &mut State, channel_id: u64, message_id: u64) -> Outcome {
    let message = visible_message(state, channel_id, message_id)?;
    if message["pinned"] != true && state.pin_count(channel_id) >= MAX_PINS {
        return Err(ApiError::too_many_pins());
    }
    let bot = state.config.bot_user_id;
    state.pin(channel_id, message_id, bot);
    Ok(Reply::NoContent)
}

/// `DELETE /channels/{c}/pins/{m}`: unpins a message of the channel.
pub(super) fn unpin(state: &mut State, channel_id: u64, message_id: u64) -> Outcome {
    visible_message(state, channel_id, message_id)?;
    state.unpin(channel_id, message_id);
    Ok(Reply::NoContent)
}
