//! Redaction of secrets before text is stored, shown in a channel, logged or sent to a model.
//! Engineers paste tokens and connection strings into incident channels; the bot must never be
//! the one that spreads them further.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// A pattern and what to put in place of its match (`$name` refers to capture groups).
struct Rule {
    pattern: Regex,
    replacement: &'static str,
}

fn rule(pattern: &str, replacement: &'static str) -> Rule {
    Rule { pattern: Regex::new(pattern).expect("built-in redaction patterns are valid"), replacement }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\z)",
            "[REDACTED PRIVATE KEY]",
        ),
        // Credentials inside URLs: keep scheme, user and host, hide the password.
        rule(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", "$head[REDACTED]@"),
        rule(r"\bAKIA[0-9A-Z]{16}\b", MASK),
        rule(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b", MASK),
        rule(r"\bxox[abprs]-[A-Za-z0-9-]{10,}", MASK),
        rule(r"\bsk-[A-Za-z0-9_-]{20,}", MASK),
        rule(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", MASK),
        rule(r"(?i)\b(?P<scheme>bearer|basic)\s+[A-Za-z0-9._~+/=-]{12,}", "$scheme [REDACTED]"),
        rule(
            r#"(?i)\b(?P<key>[a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key))(?P<sep>["']?\s*[:=]\s*["']?)[^\s"',;]+"#,
            "$key$sep[REDACTED]",
        ),
    ]
});

/// `text` with every secret the built-in rules recognise replaced by a mask.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut current = Cow::Borrowed(text);
    for rule in RULES.iter() {
        if let Cow::Owned(replaced) = rule.pattern.replace_all(&current, rule.replacement) {
            current = Cow::Owned(replaced);
        }
    }
    current
}

/// Text fit to send to a model: secrets masked as by [`redact`], and e-mail addresses too
/// (personal data the model does not need to reason about an incident).
pub fn redact_for_model(text: &str) -> String {
    static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b").expect("static regex is valid")
    });
    EMAIL.replace_all(&redact(text), "[EMAIL]").into_owned()
}

/// A connection URL fit to print: the password, if any, replaced by a mask.
pub fn redact_url_credentials(url: &str) -> String {
    RULES[1].pattern.replace_all(url, RULES[1].replacement).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_chat_are_masked_and_the_rest_kept() {
        let cases = [
            ("db is postgres://app:hunter2@db-1:5432/orders now", "postgres://app:[REDACTED]@db-1:5432/orders"),
            ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY_ID=[REDACTED]"),
            ("curl -H 'Authorization: Bearer abcdef1234567890abcdef'", "Bearer [REDACTED]"),
            ("password: s3cr3t!", "password: [REDACTED]"),
            ("api_key=\"k-123456\" and more", "api_key=\"[REDACTED]\" and more"),
            ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "token [REDACTED] leaked"),
        ];
        for (input, expected) in cases {
            let output = redact(input);
            assert!(output.contains(expected), "{input:?} became {output:?}");
            assert!(!output.contains("hunter2") && !output.contains("s3cr3t"), "{output:?}");
        }
    }

    #[test]
    fn private_key_blocks_are_removed_whole() {
        let text = "here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nthanks";
        assert_eq!(redact(text), "here:\n[REDACTED PRIVATE KEY]\nthanks");
    }

    #[test]
    fn ordinary_incident_talk_is_untouched() {
        let text = "checkout p99 is 2.3s, error: upstream connect timeout on pod checkout-7f9c; token bucket at 80%";
        assert!(matches!(redact(text), Cow::Borrowed(_)));
    }

    #[test]
    fn text_for_a_model_loses_email_addresses_as_well_as_secrets() {
        let text = "ping maya.r@example.com, db password=hunter2, see INC-1042";
        assert_eq!(redact_for_model(text), "ping [EMAIL], db password=[REDACTED], see INC-1042");
    }

    #[test]
    fn urls_print_without_their_password() {
        assert_eq!(redact_url_credentials("redis://:pa55@10.0.0.1:6379/0"), "redis://:[REDACTED]@10.0.0.1:6379/0");
        assert_eq!(redact_url_credentials("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
