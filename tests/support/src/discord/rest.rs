//! The REST API under `/api/v10`: reads the body (JSON, or multipart with a `payload_json` part
//! and files), checks the bot token where Discord asks for one and the rate limits, routes the
//! call to its handler, records the request with the answer (and appends it to the traffic
//! record, if any) and answers with Discord's status codes, rate-limit headers and JSON. Outside
//! the API it serves the bytes of uploaded attachments at their URLs, as Discord's CDN does.

mod account;
mod channels;
mod commands;
mod guild;
mod interactions;
mod messages;
mod pins;

use std::sync::Arc;

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::ApiError;
use super::limits::MAX_FILE_BYTES;
use super::records::{RecordedFile, RecordedRequest};
use super::state::{Shared, State as World};

/// The prefix of every API path.
const API_PREFIX: &str = "/api/v10";
/// The most a request body may hold: a few files at the upload limit.
pub(crate) const MAX_BODY_BYTES: usize = 4 * MAX_FILE_BYTES;

/// A request body: its JSON (the `payload_json` part of a multipart body; `Null` when empty)
/// and its uploaded files.
pub(crate) struct Payload {
    pub(crate) json: Value,
    pub(crate) files: Vec<RecordedFile>,
}

/// A successful answer.
pub(crate) enum Reply {
    /// JSON with a status (200 or 201).
    Json(StatusCode, Value),
    /// 204 No Content.
    NoContent,
    /// A file's bytes with its content type.
    File(String, Vec<u8>),
}

impl Reply {
    /// 200 with `body`.
    pub(crate) fn ok(body: Value) -> Self {
        Self::Json(StatusCode::OK, body)
    }

    /// 201 with `body`.
    pub(crate) fn created(body: Value) -> Self {
        Self::Json(StatusCode::CREATED, body)
    }
}

/// What a handler answers.
pub(crate) type Outcome = Result<Reply, ApiError>;

/// One API call as the router sees it.
struct Call<'a> {
    method: &'a str,
    segments: Vec<&'a str>,
    query: &'a str,
    authorized: bool,
    payload: &'a Payload,
}

/// Serves every HTTP request that is not the gateway websocket.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let full_path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let authorization = header(request.headers(), AUTHORIZATION.as_str());
    let payload = read_payload(request).await;
    shared.update(|world| {
        let api_path = full_path.strip_prefix(API_PREFIX).filter(|rest| rest.is_empty() || rest.starts_with('/'));
        let mut headers = Vec::new();
        let (outcome, request_body, files) = match payload {
            Err(error) => (Err(error), Value::Null, Vec::new()),
            Ok(payload) => {
                let outcome = match api_path {
                    None => outside_api(world, &method, &full_path),
                    Some(path) => {
                        let authorized = authorization == format!("Bot {}", world.config.token);
                        let segments = path.trim_matches('/').split('/').collect();
                        let call = Call { method: &method, segments, query: &query, authorized, payload: &payload };
                        admitted(world, &call, path, &mut headers).and_then(|()| route(world, &call))
                    }
                };
                (outcome, payload.json, payload.files)
            }
        };
        let (status, body, file) = match outcome {
            Ok(Reply::Json(status, body)) => (status, body, None),
            Ok(Reply::NoContent) => (StatusCode::NO_CONTENT, Value::Null, None),
            Ok(Reply::File(content_type, bytes)) => (StatusCode::OK, Value::Null, Some((content_type, bytes))),
            Err(error) => (error.status, error.body, None),
        };
        let recorded = RecordedRequest {
            method,
            path: api_path.unwrap_or(&full_path).to_owned(),
            body: request_body,
            files,
            status: status.as_u16(),
            response: body.clone(),
        };
        if let Some(traffic) = &world.traffic {
            traffic.rest(&recorded, &query);
        }
        world.record(recorded);
        let mut response = match file {
            Some((content_type, bytes)) => ([(CONTENT_TYPE.as_str(), content_type)], bytes).into_response(),
            None if body.is_null() => status.into_response(),
            None => (status, Json(body)).into_response(),
        };
        for (name, value) in headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(HeaderName::from_static(name), value);
            }
        }
        response
    })
}

/// Checks the token where Discord asks for one (everywhere but the gateway URL and the
/// interaction endpoints, which carry their own token) and counts the call against the rate
/// limits, noting the headers to answer with.
fn admitted(
    world: &mut World,
    call: &Call<'_>,
    path: &str,
    headers: &mut Vec<(&'static str, String)>,
) -> Result<(), ApiError> {
    let open = matches!(call.segments.as_slice(), ["gateway"] | ["interactions", ..] | ["webhooks", ..]);
    if !open && !call.authorized {
        return Err(ApiError::unauthorized());
    }
    let admission = world.limiter.admit(call.method, &call.segments, &call.payload.json, path);
    *headers = admission.headers;
    admission.refusal.map_or(Ok(()), Err)
}

/// Sends each call to its handler; unknown routes get 404.
fn route(world: &mut World, call: &Call<'_>) -> Outcome {
    let payload = call.payload;
    let body = &payload.json;
    match (call.method, call.segments.as_slice()) {
        ("GET", ["gateway"]) => account::gateway(world),
        ("GET", ["gateway", "bot"]) => account::bot_gateway(world),
        ("GET", ["users", "@me"]) => account::current_user(world),
        ("GET", ["oauth2", "applications", "@me"]) => account::application(world),
        ("GET", ["channels", channel]) => channels::get(world, id(channel)?),
        ("PATCH", ["channels", channel]) => channels::edit(world, id(channel)?, body),
        ("POST", ["channels", channel, "typing"]) => channels::typing(world, id(channel)?),
        ("POST", ["channels", channel, "threads"]) => channels::create_thread(world, id(channel)?, None, body),
        ("POST", ["channels", channel, "messages", message, "threads"]) => {
            channels::create_thread(world, id(channel)?, Some(id(message)?), body)
        }
        ("GET", ["channels", channel, "pins"]) => pins::list(world, id(channel)?),
        ("PUT", ["channels", channel, "pins", message]) => pins::pin(world, id(channel)?, id(message)?),
        ("DELETE", ["channels", channel, "pins", message]) => pins::unpin(world, id(channel)?, id(message)?),
        ("GET", ["channels", channel, "messages"]) => messages::list(world, id(channel)?, call.query),
        ("POST", ["channels", channel, "messages"]) => messages::create(world, id(channel)?, payload),
        ("GET", ["channels", channel, "messages", message]) => messages::get(world, id(channel)?, id(message)?),
        ("PATCH", ["channels", channel, "messages", message]) => {
            messages::edit(world, id(channel)?, id(message)?, payload)
        }
        ("GET", ["guilds", guild_id, "channels"]) => guild::channels(world, id(guild_id)?),
        ("POST", ["guilds", guild_id, "channels"]) => channels::create(world, id(guild_id)?, body),
        ("GET", ["guilds", guild_id, "members", user]) => guild::member(world, id(guild_id)?, id(user)?),
        ("GET", ["guilds", guild_id, "roles"]) => guild::roles(world, id(guild_id)?),
        ("GET", ["applications", app, "commands"]) => commands::list(world, id(app)?, None),
        ("PUT", ["applications", app, "commands"]) => commands::overwrite(world, id(app)?, None, body),
        ("GET", ["applications", app, "guilds", guild_id, "commands"]) => {
            commands::list(world, id(app)?, Some(id(guild_id)?))
        }
        ("PUT", ["applications", app, "guilds", guild_id, "commands"]) => {
            commands::overwrite(world, id(app)?, Some(id(guild_id)?), body)
        }
        ("POST", ["interactions", interaction, token, "callback"]) => {
            interactions::callback(world, id(interaction)?, token, payload)
        }
        ("POST", ["webhooks", app, token]) => interactions::follow_up(world, id(app)?, token, payload),
        ("GET", ["webhooks", app, token, "messages", message]) => {
            interactions::get_message(world, id(app)?, token, message)
        }
        ("PATCH", ["webhooks", app, token, "messages", message]) => {
            interactions::edit_message(world, id(app)?, token, message, payload)
        }
        ("DELETE", ["webhooks", app, token, "messages", message]) => {
            interactions::delete_message(world, id(app)?, token, message)
        }
        _ => Err(ApiError::no_route()),
    }
}

/// Paths outside the API: `GET /attachments/{channel}/{attachment}/{filename}` answers an
/// uploaded file's bytes, as the URL in its attachment object promises.
fn outside_api(world: &World, method: &str, full_path: &str) -> Outcome {
    let segments: Vec<&str> = full_path.trim_matches('/').split('/').collect();
    let ("GET", ["attachments", _, attachment, _]) = (method, segments.as_slice()) else {
        return Err(ApiError::no_route());
    };
    let file = world.attachment_file(id(attachment)?).ok_or_else(ApiError::no_route)?;
    let content_type = file.content_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok(Reply::File(content_type, file.data.clone()))
}

/// A snowflake from a path segment; anything else names no route.
fn id(segment: &str) -> Result<u64, ApiError> {
    segment.parse().map_err(|_| ApiError::no_route())
}

/// A header's value as text, empty when absent or not text.
fn header(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("").to_owned()
}

/// Reads a JSON or multipart body. Files over the upload limit get 413, bad JSON 400.
async fn read_payload(request: Request) -> Result<Payload, ApiError> {
    let content_type = header(request.headers(), CONTENT_TYPE.as_str());
    if content_type.starts_with("multipart/form-data") {
        return read_multipart(request).await;
    }
    let bytes = to_bytes(request.into_body(), MAX_BODY_BYTES).await.map_err(|_| ApiError::too_large())?;
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).map_err(|_| ApiError::invalid_json())?
    };
    Ok(Payload { json, files: Vec::new() })
}

async fn read_multipart(request: Request) -> Result<Payload, ApiError> {
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|_| ApiError::invalid_json())?;
    let mut payload = Payload { json: Value::Null, files: Vec::new() };
    while let Some(field) = multipart.next_field().await.map_err(|_| ApiError::too_large())? {
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let data = field.bytes().await.map_err(|_| ApiError::too_large())?;
        if let Some(filename) = filename {
            if data.len() > MAX_FILE_BYTES {
                return Err(ApiError::too_large());
            }
            payload.files.push(RecordedFile { field: name, filename, content_type, data: data.to_vec() });
        } else if name == "payload_json" {
            payload.json = serde_json::from_slice(&data).map_err(|_| ApiError::invalid_json())?;
        }
    }
    Ok(payload)
}
