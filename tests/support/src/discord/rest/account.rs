//! Who the bot is and where its gateway is: `GET /gateway`, `GET /gateway/bot`,
//! `GET /users/@me` and `GET /oauth2/applications/@me`.

use serde_json::json;

use super::super::payloads;
use super::super::state::State;
use super::{Outcome, Reply};

/// `GET /gateway`: the websocket URL, without a query string (serenity appends `?v=10`).
pub(super) fn gateway(state: &State) -> Outcome {
    Ok(Reply::ok(json!({ "url": state.config.gateway_url })))
}

/// `GET /gateway/bot`: the URL, one shard and the session-start budget.
pub(super) fn bot_gateway(state: &State) -> Outcome {
    Ok(Reply::ok(payloads::bot_gateway(&state.config)))
}

/// `GET /users/@me`: the bot user.
pub(super) fn current_user(state: &State) -> Outcome {
    Ok(Reply::ok(state.current_user()))
}

/// `GET /oauth2/applications/@me`: the bot's application.
pub(super) fn application(state: &State) -> Outcome {
    Ok(Reply::ok(state.application()))
}
