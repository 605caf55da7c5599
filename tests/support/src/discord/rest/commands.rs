//! The bot's application commands: `GET` and `PUT` (bulk overwrite) of
//! `/applications/{app}/commands` and `/applications/{app}/guilds/{g}/commands`.

use serde_json::Value;

use super::super::error::ApiError;
use super::super::limits;
use super::super::state::State;
use super::guild::check_guild;
use super::{Outcome, Reply};

/// 404 Unknown Application unless `application_id` is the bot's, and 404 Unknown Guild for a
/// guild other than the server's.
fn check_scope(state: &State, application_id: u64, guild: Option<u64>) -> Result<(), ApiError> {
    if application_id != state.config.application_id {
        return Err(ApiError::unknown_application());
    }
    guild.map_or(Ok(()), |guild_id| check_guild(state, guild_id))
}

/// `GET`: the commands registered globally (`guild` None) or for the guild.
pub(super) fn list(state: &State, application_id: u64, guild: Option<u64>) -> Outcome {
    check_scope(state, application_id, guild)?;
    Ok(Reply::ok(Value::Array(state.commands(guild))))
}

/// `PUT`: replaces every command of the scope with the body's definitions once they pass
/// Discord's checks, and answers with them as stored (ids, `application_id`, `version`, …).
pub(super) fn overwrite(state: &mut State, application_id: u64, guild: Option<u64>, body: &Value) -> Outcome {
    check_scope(state, application_id, guild)?;
    limits::check_commands(body)?;
    let definitions = body.as_array().map_or(&[][..], Vec::as_slice);
    Ok(Reply::ok(Value::Array(state.overwrite_commands(guild, definitions))))
}
