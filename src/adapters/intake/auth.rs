//! Proof that a hook request comes from whoever holds the hook's secret: a bearer token, or an
//! HMAC-SHA256 signature of the body (of `<timestamp>:<body>` when the sender signs a timestamp
//! too, as Grafana can). Every comparison takes the same time however much of a guess is right.
//! A hook without a secret refuses everything.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{Hook, HookError};
use crate::config::{HookAuth, HookSettings};

type HmacSha256 = Hmac<Sha256>;

/// The signature header Grafana sends unless told otherwise.
const GRAFANA_SIGNATURE: &str = "X-Grafana-Alerting-Signature";
/// The signature header of the other hooks unless told otherwise.
const DEFAULT_SIGNATURE: &str = "X-Firebreak-Signature";
/// How far a signed timestamp may be from now, in seconds, before the request counts as a replay.
const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

/// Checks that the request to `hook` proves knowledge of its secret.
pub(super) fn verify(hook: Hook, settings: &HookSettings, headers: &HeaderMap, body: &[u8]) -> Result<(), HookError> {
    let Some(secret) = settings.secret.as_deref().filter(|secret| !secret.is_empty()) else {
        let variable = format!("FIREBREAK_INTAKE_{}_SECRET", hook.name().to_ascii_uppercase());
        return Err(HookError::Unauthorized(format!(
            "this hook takes nothing until it has a secret: set {variable} (or FIREBREAK_INTAKE_SECRET)"
        )));
    };
    match settings.auth {
        HookAuth::Bearer => bearer(headers, secret),
        HookAuth::Hmac => signed(hook, settings, headers, body, secret),
    }
}

fn bearer(headers: &HeaderMap, secret: &str) -> Result<(), HookError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| HookError::Unauthorized("missing `Authorization: Bearer <token>`".to_owned()))?;
    // Both sides are compared as their HMAC under the secret: equal-length tags, compared in
    // constant time, so neither the token's length nor its right prefix shows in the timing.
    let expected = keyed(secret).chain_update(secret.as_bytes()).finalize().into_bytes();
    keyed(secret)
        .chain_update(token.as_bytes())
        .verify_slice(&expected)
        .map_err(|_| HookError::Unauthorized("the bearer token is not this hook's".to_owned()))
}

fn signed(
    hook: Hook,
    settings: &HookSettings,
    headers: &HeaderMap,
    body: &[u8],
    secret: &str,
) -> Result<(), HookError> {
    let default = if hook == Hook::Grafana { GRAFANA_SIGNATURE } else { DEFAULT_SIGNATURE };
    let name = settings.signature_header.as_deref().unwrap_or(default);
    let given = header(headers, name)?;
    let given = given.strip_prefix("sha256=").unwrap_or(given);
    let signature = hex(given).ok_or_else(|| HookError::Unauthorized(format!("{name} is not a hex HMAC-SHA256")))?;
    let mut mac = keyed(secret);
    if let Some(timestamp_header) = &settings.timestamp_header {
        let timestamp = header(headers, timestamp_header)?;
        let fresh = timestamp
            .parse::<i64>()
            .is_ok_and(|seconds| (Utc::now().timestamp() - seconds).abs() <= TIMESTAMP_TOLERANCE_SECS);
        if !fresh {
            return Err(HookError::Unauthorized(format!(
                "{timestamp_header} must be the Unix time in seconds, within {TIMESTAMP_TOLERANCE_SECS} s of now"
            )));
        }
        mac.update(timestamp.as_bytes());
        mac.update(b":");
    }
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| HookError::Unauthorized(format!("{name} does not match the body signed with this hook's secret")))
}

/// A MAC keyed with `secret`.
fn keyed(secret: &str) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length")
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, HookError> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .ok_or_else(|| HookError::Unauthorized(format!("missing the {name} header")))
}

/// The bytes of a hex string, or `None` when it is not one.
fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn settings(auth: HookAuth, secret: Option<&str>) -> HookSettings {
        HookSettings { auth, secret: secret.map(str::to_owned), ..HookSettings::default() }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn sign(secret: &str, text: &[u8]) -> String {
        keyed(secret).chain_update(text).finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
    }

    #[test]
    fn a_bearer_token_must_be_the_hooks_own() {
        let hook = settings(HookAuth::Bearer, Some("s3cret"));

        assert!(verify(Hook::Alertmanager, &hook, &headers(&[("authorization", "Bearer s3cret")]), b"{}").is_ok());
        assert!(verify(Hook::Alertmanager, &hook, &headers(&[("authorization", "bearer s3cret")]), b"{}").is_ok());
        assert!(verify(Hook::Alertmanager, &hook, &headers(&[("authorization", "Bearer s3cre")]), b"{}").is_err());
        assert!(verify(Hook::Alertmanager, &hook, &headers(&[]), b"{}").is_err());
    }

    #[test]
    fn a_hook_without_a_secret_refuses_everything_and_names_the_variable() {
        let error = verify(Hook::Grafana, &settings(HookAuth::Bearer, None), &headers(&[]), b"{}").unwrap_err();

        assert!(error.to_string().contains("FIREBREAK_INTAKE_GRAFANA_SECRET"), "{error}");
    }

    #[test]
    fn a_signature_must_be_of_this_body_with_this_secret() {
        let hook = settings(HookAuth::Hmac, Some("key"));
        let body = br#"{"service":"checkout"}"#;
        let right = sign("key", body);

        let accepted = verify(Hook::Change, &hook, &headers(&[("x-firebreak-signature", &right)]), body);
        let prefixed =
            verify(Hook::Change, &hook, &headers(&[("x-firebreak-signature", &format!("sha256={right}"))]), body);
        let other_body = verify(Hook::Change, &hook, &headers(&[("x-firebreak-signature", &right)]), b"{}");
        let other_key = verify(Hook::Change, &hook, &headers(&[("x-firebreak-signature", &sign("yek", body))]), body);

        assert!(accepted.is_ok() && prefixed.is_ok());
        assert!(other_body.is_err() && other_key.is_err());
    }

    #[test]
    fn grafana_signs_a_timestamp_with_the_body_and_stale_ones_are_refused() {
        let hook = HookSettings {
            timestamp_header: Some("X-Grafana-Alerting-Timestamp".to_owned()),
            ..settings(HookAuth::Hmac, Some("key"))
        };
        let body = b"{}";
        let now = Utc::now().timestamp().to_string();
        let signature = sign("key", format!("{now}:{{}}").as_bytes());
        let old = (Utc::now().timestamp() - 3_600).to_string();
        let old_signature = sign("key", format!("{old}:{{}}").as_bytes());

        let fresh = headers(&[("x-grafana-alerting-signature", &signature), ("x-grafana-alerting-timestamp", &now)]);
        let stale =
            headers(&[("x-grafana-alerting-signature", &old_signature), ("x-grafana-alerting-timestamp", &old)]);

        assert!(verify(Hook::Grafana, &hook, &fresh, body).is_ok());
        assert!(verify(Hook::Grafana, &hook, &stale, body).is_err());
    }

    #[test]
    fn hex_is_read_in_pairs_and_anything_else_is_refused() {
        assert_eq!(hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(hex("abc"), None);
        assert_eq!(hex("zz"), None);
    }
}
