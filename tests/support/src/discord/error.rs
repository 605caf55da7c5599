//! Discord's error answers: an HTTP status with a JSON body `{"code", "message"}`, plus the nested
//! `errors` object of code 50035 (Invalid Form Body) that serenity flattens into dotted paths.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// A REST request the server refuses, answered exactly as Discord would.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
}

impl ApiError {
    fn new(status: StatusCode, code: u32, message: &str) -> Self {
        Self { status, body: json!({ "code": code, "message": message }) }
    }

    /// 404 for a path that names no route.
    pub(crate) fn no_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, 0, "404: Not Found")
    }

    /// 401 for a missing or wrong `Authorization: Bot <token>` header.
    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
    }

    /// 404 code 10002.
    pub(crate) fn unknown_application() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10002, "Unknown Application")
    }

    /// 404 code 10003.
    pub(crate) fn unknown_channel() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
    }

    /// 404 code 10004.
    pub(crate) fn unknown_guild() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10004, "Unknown Guild")
    }

    /// 404 code 10007.
    pub(crate) fn unknown_member() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10007, "Unknown Member")
    }

    /// 404 code 10008.
    pub(crate) fn unknown_message() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10008, "Unknown Message")
    }

    /// 404 code 10015: an interaction token used for an edit or follow-up before any callback
    /// or after it expired.
    pub(crate) fn unknown_webhook() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10015, "Unknown Webhook")
    }

    /// 404 code 10062: an interaction that does not exist or was not acknowledged in time.
    pub(crate) fn unknown_interaction() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10062, "Unknown interaction")
    }

    /// 400 code 40060: a second callback for the same interaction.
    pub(crate) fn already_acknowledged() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 40060, "Interaction has already been acknowledged.")
    }

    /// 401 code 50027: an interaction token used under another application's id.
    pub(crate) fn invalid_webhook_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 50027, "Invalid Webhook Token")
    }

    /// 400 code 30003: a 51st pin in one channel.
    pub(crate) fn too_many_pins() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 30003, "Maximum number of pins reached (50)")
    }

    /// 400 code 50083: posting in a thread that is archived and locked.
    pub(crate) fn thread_archived() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 50083, "Thread is archived")
    }

    /// 400 code 50008: sending a message to a category or forum.
    pub(crate) fn non_text_channel() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 50008, "Cannot send messages in a non-text channel")
    }

    /// 400 code 50024: a thread under a channel that cannot hold threads.
    pub(crate) fn wrong_channel_type() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 50024, "Cannot execute action on this channel type")
    }

    /// 400 code 160004: a second thread from the same message.
    pub(crate) fn thread_exists() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 160004, "A thread has already been created for this message")
    }

    /// 403 code 50005: editing a message someone else wrote.
    pub(crate) fn not_the_author() -> Self {
        Self::new(StatusCode::FORBIDDEN, 50005, "Cannot edit a message authored by another user")
    }

    /// 400 code 50006: no content, embed, file, component or sticker.
    pub(crate) fn empty_message() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 50006, "Cannot send an empty message")
    }

    /// 413 code 40005: a file larger than the upload limit.
    pub(crate) fn too_large() -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, 40005, "Request entity too large")
    }

    /// 400 code 50109: a body that is not JSON where JSON was expected.
    pub(crate) fn invalid_json() -> Self {
        Self::new(StatusCode::BAD_REQUEST, 50109, "The request body contains invalid JSON.")
    }
}

/// Collects field errors for a 400 code 50035 answer, each under its path in the request body.
#[derive(Default)]
pub(crate) struct FormErrors {
    tree: Map<String, Value>,
}

impl FormErrors {
    /// Notes that the field at `path` (keys and array indexes) broke the rule `code`.
    pub(crate) fn add(&mut self, path: &[String], code: &str, message: String) {
        insert(&mut self.tree, path, json!({ "code": code, "message": message }));
    }

    /// Notes a value longer than `max` characters (or items).
    pub(crate) fn too_long(&mut self, path: &[String], max: usize) {
        self.add(path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
    }

    /// Notes a value whose length is outside `min..=max`.
    pub(crate) fn bad_length(&mut self, path: &[String], min: usize, max: usize) {
        self.add(path, "BASE_TYPE_BAD_LENGTH", format!("Must be between {min} and {max} in length."));
    }

    /// Notes a missing or empty required value.
    pub(crate) fn required(&mut self, path: &[String]) {
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required".to_owned());
    }

    /// Ok when nothing was noted, else the 400 code 50035 answer listing every error.
    pub(crate) fn into_result(self) -> Result<(), ApiError> {
        if self.tree.is_empty() { Ok(()) } else { Err(self.into_error()) }
    }

    /// The 400 code 50035 answer listing every error noted.
    pub(crate) fn into_error(self) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "code": 50035, "message": "Invalid Form Body", "errors": Value::Object(self.tree) }),
        }
    }
}

/// The 400 code 50035 answer for one broken field.
pub(crate) fn invalid_field(path: &[String], code: &str, message: String) -> ApiError {
    let mut errors = FormErrors::default();
    errors.add(path, code, message);
    errors.into_error()
}

/// Puts `error` into the `_errors` list of the object at `path` below `node`, making the objects
/// on the way. Every value on a path is an object: only `_errors` holds an array.
fn insert(node: &mut Map<String, Value>, path: &[String], error: Value) {
    match path.split_first() {
        None => {
            if let Some(list) = node.entry("_errors").or_insert_with(|| json!([])).as_array_mut() {
                list.push(error);
            }
        }
        Some((key, rest)) => {
            if let Some(child) = node.entry(key.clone()).or_insert_with(|| json!({})).as_object_mut() {
                insert(child, rest, error);
            }
        }
    }
}

/// A body path made of the given prefix and further keys.
pub(crate) fn path(prefix: &[String], keys: &[&str]) -> Vec<String> {
    prefix.iter().cloned().chain(keys.iter().map(|key| (*key).to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_errors_take_discords_shape() {
        let mut errors = FormErrors::default();
        errors.too_long(&path(&[], &["embeds", "0", "description"]), 4096);
        errors.required(&path(&["data".to_owned()], &["embeds", "0", "fields", "1", "name"]));
        let error = errors.into_result().unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.body["code"], 50035);
        assert_eq!(error.body["errors"]["embeds"]["0"]["description"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
        assert_eq!(
            error.body["errors"]["data"]["embeds"]["0"]["fields"]["1"]["name"]["_errors"][0]["message"],
            "This field is required"
        );
    }

    #[test]
    fn no_errors_is_ok() {
        assert!(FormErrors::default().into_result().is_ok());
    }
}
