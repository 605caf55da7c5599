//! Reading a webhook body as JSON of one shape, with an error that names the field: malformed
//! JSON, a missing field and a field of the wrong type are each told with where they are
//! (`alerts[0].startsAt: invalid type: …`), so whoever configures the sender can fix it.

use serde::de::DeserializeOwned;

use super::HookError;

/// `body` as a `T`, or a 400 naming the field that is wrong.
pub(super) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, HookError> {
    let mut json = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            HookError::BadPayload(format!("malformed JSON: {inner}"))
        } else if path == "." {
            HookError::BadPayload(inner.to_string())
        } else {
            HookError::BadPayload(format!("{path}: {inner}"))
        }
    })?;
    json.end().map_err(|error| HookError::BadPayload(format!("malformed JSON: {error}")))?;
    Ok(value)
}

/// A 400 saying what is wrong with `field`.
pub(super) fn invalid(field: &str, problem: impl std::fmt::Display) -> HookError {
    HookError::BadPayload(format!("{field}: {problem}"))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Shape {
        alerts: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    struct Item {
        count: u32,
    }

    #[test]
    fn a_payload_of_the_shape_is_read_whole() {
        let shape = decode::<Shape>(br#"{"alerts":[{"count":1},{"count":2}]}"#).unwrap();

        assert_eq!(shape.alerts.iter().map(|item| item.count).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn errors_name_the_field_that_is_missing_or_mistyped() {
        let missing = decode::<Shape>(b"{}").unwrap_err().to_string();
        let mistyped = decode::<Shape>(br#"{"alerts":[{"count":1},{"count":"two"}]}"#).unwrap_err().to_string();
        let malformed = decode::<Shape>(br#"{"alerts": ["#).unwrap_err().to_string();
        let trailing = decode::<Shape>(br#"{"alerts": []} x"#).unwrap_err().to_string();

        assert!(missing.contains("missing field `alerts`"), "{missing}");
        assert!(mistyped.starts_with("alerts[1].count: invalid type"), "{mistyped}");
        assert!(malformed.starts_with("malformed JSON"), "{malformed}");
        assert!(trailing.starts_with("malformed JSON"), "{trailing}");
    }
}
