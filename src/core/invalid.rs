//! The one parse failure the core's value types share: text that is not one of the accepted
//! values. It lives apart from [`super::error`] so the types that parse (incident ids,
//! severities, statuses) need nothing from the error type that names them.

use thiserror::Error;

/// A value (severity, status, rating, incident id…) that was not one of the accepted ones.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{value}` is not a valid {what}: expected {expected}.")]
pub struct InvalidValue {
    /// What kind of value it was meant to be.
    pub what: &'static str,
    /// What was typed.
    pub value: String,
    /// The accepted values.
    pub expected: &'static str,
}
