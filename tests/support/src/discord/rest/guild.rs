//! Reading the guild: `GET /guilds/{g}/channels`, `GET /guilds/{g}/members/{u}` and
//! `GET /guilds/{g}/roles`.

use serde_json::Value;

use super::super::error::ApiError;
use super::super::state::State;
use super::{Outcome, Reply};

/// 404 Unknown Guild unless the bot is in `guild_id`.
pub(super) fn check_guild(state: &State, guild_id: u64) -> Result<(), ApiError> {
    if state.has_guild(guild_id) { Ok(()) } else { Err(ApiError::unknown_guild()) }
}

/// `GET /guilds/{g}/channels`: every channel that is not a thread.
pub(super) fn channels(state: &State, guild_id: u64) -> Outcome {
    check_guild(state, guild_id)?;
    Ok(Reply::ok(Value::Array(state.guild_channels(guild_id))))
}

/// `GET /guilds/{g}/members/{u}`: a member with its user.
pub(super) fn member(state: &State, guild_id: u64, user_id: u64) -> Outcome {
    check_guild(state, guild_id)?;
    let member = state.member_json(guild_id, user_id, true).ok_or_else(ApiError::unknown_member)?;
    Ok(Reply::ok(member))
}

/// `GET /guilds/{g}/roles`: every role, `@everyone` (id = guild id) first.
pub(super) fn roles(state: &State, guild_id: u64) -> Outcome {
    check_guild(state, guild_id)?;
    Ok(Reply::ok(Value::Array(state.roles_json(guild_id))))
}
