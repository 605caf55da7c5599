//! Durations written the way Prometheus writes them (`30s`, `5m`, `1h30m`, `7d`), so a tool's
//! `range`, `step`, `compare` and `window` read like the PromQL next to them.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

static WHOLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[0-9]+(?:ms|s|m|h|d|w|y))+$").expect("the duration pattern is valid"));
static PART: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9]+)(ms|s|m|h|d|w|y)").expect("the duration part pattern is valid"));

/// A positive duration as written, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Span {
    /// As the operator wrote it, for messages.
    pub text: String,
    /// Its length.
    pub length: Duration,
}

impl Span {
    /// Parses `text`, refusing anything that is not a positive Prometheus-style duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || format!("{text:?} is not a duration like 30s, 5m, 1h30m or 7d");
        if !WHOLE.is_match(text) {
            return Err(invalid());
        }
        let mut millis: u64 = 0;
        for part in PART.captures_iter(text) {
            let count: u64 = part[1].parse().map_err(|_| invalid())?;
            let unit: u64 = match &part[2] {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                "w" => 7 * 86_400_000,
                _ => 365 * 86_400_000,
            };
            millis = count.checked_mul(unit).and_then(|part| millis.checked_add(part)).ok_or_else(invalid)?;
        }
        if millis == 0 {
            return Err(format!("{text:?} must be longer than zero"));
        }
        Ok(Self { text: text.to_owned(), length: Duration::from_millis(millis) })
    }

    /// Its length in (fractional) seconds, as Prometheus' API takes times.
    pub fn seconds(&self) -> f64 {
        self.length.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_durations_add_up_their_parts() {
        assert_eq!(Span::parse("1h30m").unwrap().length, Duration::from_secs(5400));
        assert_eq!(Span::parse("250ms").unwrap().length, Duration::from_millis(250));
        assert_eq!(Span::parse("7d").unwrap().length, Duration::from_secs(7 * 86_400));
    }

    #[test]
    fn text_that_is_not_a_positive_duration_is_refused() {
        for text in ["", "1", "1 h", "h", "-5m", "0s", "1.5h"] {
            assert!(Span::parse(text).is_err(), "{text:?} was accepted");
        }
    }
}
