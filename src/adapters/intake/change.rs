//! The change hook: a deploy, config change or flag flip of a service, kept in the service's
//! history for the `changes` tool. Unknown fields are refused.
//!
//! ```json
//! { "service": "checkout", "kind": "deploy", "summary": "checkout-api v2.41", "who": "maya",
//!   "when": "2026-05-01T14:05:00Z" }
//! ```
//!
//! `kind` is `deploy`, `config` or `flag`; `who` and `when` (RFC 3339, default: when it
//! arrives) are optional.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Deserialize;

use super::HookError;
use super::payload::{decode, invalid};
use crate::core::alert::{Change, ChangeKind};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Event {
    service: String,
    kind: ChangeKind,
    summary: String,
    #[serde(default)]
    who: Option<String>,
    #[serde(default)]
    when: Option<DateTime<Utc>>,
}

/// The change hook's body, received at `now`.
pub(super) fn parse(body: &[u8], now: DateTime<Utc>) -> Result<Change, HookError> {
    // A service name is part of a store key and a tool argument: plain words only.
    static SERVICE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9._-]{0,99}$").expect("static regex is valid"));
    let event: Event = decode(body)?;
    let service = event.service.trim().to_ascii_lowercase();
    if !SERVICE.is_match(&service) {
        return Err(invalid("service", "must be 1-100 characters of a-z, 0-9, '.', '_' or '-'"));
    }
    let summary = event.summary.trim().to_owned();
    if summary.is_empty() {
        return Err(invalid("summary", "is empty"));
    }
    let who = event.who.map(|who| who.trim().to_owned()).filter(|who| !who.is_empty());
    Ok(Change { service, kind: event.kind, summary, who, at: event.when.unwrap_or(now) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_needs_a_plain_service_a_known_kind_and_a_summary() {
        let now = Utc::now();

        let change = parse(br#"{"service": "Checkout", "kind": "deploy", "summary": " v2.41 "}"#, now).unwrap();
        let errors: Vec<String> = [
            r#"{"service": "check out", "kind": "deploy", "summary": "x"}"#,
            r#"{"service": "checkout", "kind": "reboot", "summary": "x"}"#,
            r#"{"service": "checkout", "kind": "deploy"}"#,
            r#"{"service": "checkout", "kind": "deploy", "summary": "x", "when": "yesterday"}"#,
        ]
        .iter()
        .map(|body| parse(body.as_bytes(), now).unwrap_err().to_string())
        .collect();

        assert_eq!((change.service.as_str(), change.summary.as_str(), change.at), ("checkout", "v2.41", now));
        assert!(errors[0].starts_with("service:"), "{}", errors[0]);
        assert!(errors[1].starts_with("kind:"), "{}", errors[1]);
        assert!(errors[2].contains("missing field `summary`"), "{}", errors[2]);
        assert!(errors[3].starts_with("when:"), "{}", errors[3]);
    }
}
