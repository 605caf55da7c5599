//! Redaction of secrets before text is stored, shown in a channel, logged or sent to a model.
//! Engineers paste tokens and connection strings into incident channels; the bot must never be
//! the one that spreads them further.
//!
//! One table of named rules (`rules`) says what a secret looks like: provider tokens by their
//! documented prefixes, private key blocks, credentials in URLs and on command lines, and
//! values next to a word that names a secret — those only when they look like one, so
//! `token: expired` and `basic observability` survive. Every rule's matches are found in the
//! original text, overlapping ones merged, and each merged stretch replaced by one mask.
//! [`BlockRedactor`] carries a private key pasted line by line across messages.

mod blocks;
mod checks;
mod rules;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

pub use self::blocks::BlockRedactor;
use self::rules::RULES;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// The longest text that replaces one secret (a private key block's mask): no redaction makes
/// a text longer than this for each secret it masks.
pub const LONGEST_MASK: usize = rules::BLOCK_MASK.len();

/// Masks already in a text, which no rule may take for a secret again.
static MASKED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[REDACTED(?: PRIVATE KEY)?\]").expect("the mask pattern is valid"));

/// One secret found by one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule's name, e.g. `github_fine_grained` or `secret_in_prose`.
    pub rule: &'static str,
    /// Where the secret is, in bytes of the scanned text.
    pub range: Range<usize>,
}

/// The names of every rule, in table order.
pub fn rule_names() -> Vec<&'static str> {
    RULES.iter().map(|rule| rule.name).collect()
}

/// Whether `key` names a secret (`token`, `DB_PASSWORD`, `api_key`, `clientSecret`), as the
/// rules judge a `key = value` line; for errors and logs that must not show such a value.
pub fn names_a_secret(key: &str) -> bool {
    checks::secret_key(key)
}

/// Every secret the rules find in `text`, by position, overlaps included (several rules may
/// recognise one secret). Masks already in the text are not findings.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut findings: Vec<(Finding, &'static str)> = find(text);
    findings.sort_by_key(|(finding, _)| (finding.range.start, finding.range.end));
    findings.into_iter().map(|(finding, _)| finding).collect()
}

/// `text` with every secret the rules recognise replaced by a mask.
///
/// Masking repeats until nothing more is found, because rules that look for a value within a
/// few words of a secret's name can only see it once a long secret in between has shrunk to a
/// mask; so `redact(redact(x)) == redact(x)`. Each round masks at least one character that was
/// not a mask, so it ends.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut current = Cow::Borrowed(text);
    loop {
        let findings = find(&current);
        if findings.is_empty() {
            return current;
        }
        current = Cow::Owned(mask(&current, findings));
    }
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
    let rule = RULES.iter().find(|rule| rule.name == "url_credentials").expect("the table has a URL rule");
    let findings = matches(rule, url, &[]);
    mask(url, findings)
}

/// Every rule's findings in `text` with their masks, except those inside existing masks.
fn find(text: &str) -> Vec<(Finding, &'static str)> {
    let masked: Vec<Range<usize>> = MASKED.find_iter(text).map(|found| found.range()).collect();
    RULES.iter().flat_map(|rule| matches(rule, text, &masked)).collect()
}

/// The findings of one rule. After a match that turns out not to be a secret, the search goes
/// on from inside it rather than after it, so `note:password=…` is not hidden by `note:…`.
fn matches(rule: &rules::Rule, text: &str, masked: &[Range<usize>]) -> Vec<(Finding, &'static str)> {
    let mut findings = Vec::new();
    let mut at = 0;
    while at <= text.len() {
        let Some(captures) = rule.pattern.captures_at(text, at) else { break };
        let whole = captures.get(0).map_or(at..at, |found| found.range());
        let candidate = (rule.secret)(&captures);
        match candidate.clone().filter(|range| !range.is_empty() && !covered(range, masked)) {
            Some(range) => {
                at = whole.end.max(range.end).max(at + 1);
                findings.push((Finding { rule: rule.name, range }, rule.mask));
            }
            None => {
                let inner = candidate.map_or(whole.start, |range| range.start);
                at = if inner > whole.start { inner } else { whole.start + 1 };
            }
        }
        while !text.is_char_boundary(at.min(text.len())) {
            at += 1;
        }
    }
    findings
}

/// Whether `range` lies wholly inside masks already in the text.
fn covered(range: &Range<usize>, masked: &[Range<usize>]) -> bool {
    let mut position = range.start;
    for mask in masked.iter().filter(|mask| mask.end > range.start) {
        if mask.start > position {
            return false;
        }
        position = position.max(mask.end);
        if position >= range.end {
            return true;
        }
    }
    false
}

/// `text` with each stretch covered by overlapping or touching findings replaced by one mask:
/// the mask of the widest finding in it.
fn mask(text: &str, mut findings: Vec<(Finding, &'static str)>) -> String {
    findings.sort_by_key(|(finding, _)| (finding.range.start, std::cmp::Reverse(finding.range.end)));
    let mut merged: Vec<(Range<usize>, &'static str, usize)> = Vec::new();
    for (finding, mask) in findings {
        let range = finding.range;
        match merged.last_mut() {
            Some((last, last_mask, widest)) if range.start <= last.end => {
                if range.len() > *widest {
                    (*last_mask, *widest) = (mask, range.len());
                }
                last.end = last.end.max(range.end);
            }
            _ => merged.push((range.clone(), mask, range.len())),
        }
    }
    let mut output = String::with_capacity(text.len());
    let mut kept_from = 0;
    for (range, mask, _) in merged {
        output.push_str(&text[kept_from..range.start]);
        output.push_str(mask);
        kept_from = range.end;
    }
    output.push_str(&text[kept_from..]);
    output
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

    #[test]
    fn rule_names_are_unique() {
        let names = rule_names();
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }

    #[test]
    fn a_secret_hidden_inside_a_rejected_match_is_still_found() {
        assert_eq!(redact("note:password=hunter2"), "note:password=[REDACTED]");
    }

    #[test]
    fn overlapping_findings_become_one_mask() {
        let text = "Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789";

        let rules: Vec<&str> = scan(text).iter().map(|finding| finding.rule).collect();

        assert!(rules.contains(&"github_classic") && rules.contains(&"bearer_token"), "{rules:?}");
        assert_eq!(redact(text), "Authorization: Bearer [REDACTED]");
    }

    #[test]
    fn masks_are_never_masked_again() {
        for text in ["password: [REDACTED]", "postgres://app:[REDACTED]@db", "[REDACTED PRIVATE KEY]"] {
            assert!(scan(text).is_empty(), "{text}: {:?}", scan(text));
        }
    }
}
