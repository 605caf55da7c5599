//! What the server lets a test inspect: the REST requests the bot made, the revisions of every
//! message with who it pings, and what the bot did with each interaction the test dispatched.

use std::time::Duration;

use serde_json::Value;

/// One REST request the bot made, with the server's answer.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, `PATCH`, `PUT`, …
    pub method: String,
    /// The path without the `/api/v10` prefix, e.g. `/channels/123/messages`; paths outside the
    /// API keep their full form.
    pub path: String,
    /// The JSON body; for a multipart request its `payload_json` part; `Null` when there was none.
    pub body: Value,
    /// Files uploaded with a multipart request.
    pub files: Vec<RecordedFile>,
    /// The HTTP status the server answered with.
    pub status: u16,
    /// The JSON the server answered with (`Null` for 204 No Content).
    pub response: Value,
}

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub struct RecordedFile {
    /// The form field name, e.g. `files[0]`.
    pub field: String,
    /// The file name the client gave.
    pub filename: String,
    /// The part's content type, if the client gave one.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub data: Vec<u8>,
}

/// The id and token of an interaction the test dispatched with
/// [`DiscordServer::invoke_command`](super::DiscordServer::invoke_command).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchedInteraction {
    /// The interaction id.
    pub id: u64,
    /// The interaction token the bot uses for callbacks, edits and follow-ups.
    pub token: String,
}

/// What the bot did with one interaction so far.
#[derive(Clone, Debug)]
pub struct InteractionRecord {
    /// The interaction id.
    pub id: u64,
    /// The interaction token.
    pub token: String,
    /// The interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit.
    pub kind: u8,
    /// The command name, or the `custom_id` of the component or modal.
    pub name: String,
    /// The channel it was used in.
    pub channel_id: u64,
    /// The user who used it.
    pub user_id: u64,
    /// The message whose component was used (or from whose component the modal was opened).
    pub message_id: Option<u64>,
    /// Accepted callbacks (at most one: later ones are refused and only appear in
    /// [`DiscordServer::requests`](super::DiscordServer::requests)).
    pub callbacks: Vec<InteractionCallback>,
    /// The original response message as it stands now, after any edits; `None` before a
    /// callback of type 4 or 5.
    pub original: Option<Value>,
    /// The bodies of accepted edits of the original response, in order.
    pub edits: Vec<Value>,
    /// The follow-up messages as they stand now, in order.
    pub followups: Vec<Value>,
}

/// One accepted interaction callback.
#[derive(Clone, Debug)]
pub struct InteractionCallback {
    /// The callback type: 4 message, 5 deferred message, 6 deferred update, 7 update,
    /// 8 autocomplete choices, 9 modal.
    pub kind: u8,
    /// The callback's `data` (`Null` when it had none).
    pub data: Value,
    /// How long after the server dispatched INTERACTION_CREATE the callback arrived.
    pub after: Duration,
}

impl InteractionCallback {
    /// Whether the callback asked for an ephemeral response (`flags` has 64).
    pub fn ephemeral(&self) -> bool {
        self.data.get("flags").and_then(Value::as_u64).is_some_and(|flags| flags & 64 != 0)
    }
}

impl InteractionRecord {
    /// The choices the bot offered for an autocomplete request, once it answered with them.
    pub fn choices(&self) -> Option<Vec<Value>> {
        self.callbacks
            .iter()
            .find(|callback| callback.kind == 8)
            .map(|callback| callback.data.get("choices").and_then(Value::as_array).cloned().unwrap_or_default())
    }

    /// The modal the bot opened (`{custom_id, title, components}`), if it answered with one.
    pub fn modal(&self) -> Option<Value> {
        self.callbacks.iter().find(|callback| callback.kind == 9).map(|callback| callback.data.clone())
    }
}

/// Who a message notifies, under Discord's `allowed_mentions` rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pings {
    /// Whether `@everyone` or `@here` pings.
    pub everyone: bool,
    /// The users pinged, in order of appearance (a replied-to author last).
    pub users: Vec<u64>,
    /// The roles pinged, in order of appearance.
    pub roles: Vec<u64>,
}

/// One version of a message: as created, then after each edit.
#[derive(Clone, Debug)]
pub struct MessageRevision {
    /// The body that made this version, as sent (a test's post is `{"content": …}`); for an
    /// interaction callback, its `data`.
    pub body: Value,
    /// The `allowed_mentions` the body carried; `None` when it had none.
    pub allowed_mentions: Option<Value>,
    /// Who the message pings as this version stands.
    pub pings: Pings,
}

/// A request the server refused with 429 Too Many Requests.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimitHit {
    /// `GET`, `POST`, `PATCH`, …
    pub method: String,
    /// The path without the `/api/v10` prefix.
    pub path: String,
    /// The bucket that was exhausted (`X-RateLimit-Bucket`), e.g. `global`.
    pub bucket: String,
    /// Whether the bot-wide limit was hit rather than a route's.
    pub global: bool,
    /// The seconds the server asked the client to wait (`retry_after`).
    pub retry_after: f64,
}
