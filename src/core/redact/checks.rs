//! The judgements the rule table leans on where a pattern alone cannot tell a secret from prose:
//! whether a key names a secret (`DB_PASSWORD`, `x-api-key`, but not `password_file` or
//! `max_tokens`), whether a value is a credential or a word (`token=expired`), how random a
//! string is (Shannon entropy, for formats without a prefix), and whether a `Basic` header holds
//! `user:password` at all.

/// Values that say something about a secret rather than being one: `token=expired`,
/// `password: rotated`, `auth=none`.
const STATUS_WORDS: &[&str] = &[
    "absent",
    "bad",
    "blank",
    "changed",
    "disabled",
    "empty",
    "enabled",
    "expired",
    "false",
    "invalid",
    "masked",
    "missing",
    "nil",
    "no",
    "none",
    "null",
    "off",
    "ok",
    "on",
    "optional",
    "pending",
    "present",
    "redacted",
    "refreshed",
    "renewed",
    "required",
    "reset",
    "revoked",
    "rotated",
    "set",
    "stale",
    "true",
    "undefined",
    "unknown",
    "unset",
    "valid",
    "wrong",
    "yes",
];

/// Ways of authenticating, which `auth=` and `password:` are often followed by in settings and
/// talk (`auth=oauth2`, `pg_hba: md5`) without being a secret.
const AUTH_METHODS: &[&str] = &[
    "anonymous",
    "basic",
    "bearer",
    "digest",
    "hmac",
    "iam",
    "jwt",
    "kerberos",
    "ldap",
    "md5",
    "mtls",
    "ntlm",
    "oauth",
    "oauth2",
    "oidc",
    "peer",
    "plain",
    "saml",
    "scram-sha-256",
    "sso",
    "trust",
];

/// The last word of a key that makes it about a secret rather than the secret itself:
/// `password_file`, `token_ttl`, `secret_name`, `access_key_id`.
const DESCRIPTIVE_SUFFIXES: &[&str] = &[
    "age",
    "alg",
    "algorithm",
    "audience",
    "backend",
    "bucket",
    "budget",
    "cache",
    "count",
    "dir",
    "endpoint",
    "env",
    "expiration",
    "expires",
    "expiry",
    "field",
    "file",
    "format",
    "header",
    "hint",
    "host",
    "id",
    "ids",
    "issuer",
    "kind",
    "label",
    "len",
    "length",
    "limit",
    "max",
    "method",
    "min",
    "mode",
    "name",
    "names",
    "path",
    "policy",
    "prompt",
    "provider",
    "rate",
    "ref",
    "reset",
    "retries",
    "rotation",
    "scope",
    "scopes",
    "size",
    "source",
    "store",
    "timeout",
    "ttl",
    "type",
    "uri",
    "url",
    "usage",
    "version",
];

/// Words that are a secret's name on their own, as a whole part of a key (`DB_PASS`, `pwd`).
const SECRET_PARTS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "pass",
    "passphrase",
    "passwd",
    "password",
    "pwd",
    "secret",
    "signature",
    "token",
];

/// Secret names that also count at the end of a part written as one word (`PGPASSWORD`,
/// `clientsecret`, `authtoken`); short ones like `pass` would catch `bypass`.
const GLUED_SECRET_ENDINGS: &[&str] = &["apikey", "passphrase", "passwd", "password", "secret", "token"];

/// Words before `key` that make it a credential (`api_key`, `AccountKey`, `Ocp-Apim-Subscription-Key`)
/// rather than a cache or partition key.
const KEY_QUALIFIERS: &[&str] = &[
    "access",
    "account",
    "api",
    "app",
    "application",
    "client",
    "deploy",
    "encryption",
    "license",
    "master",
    "private",
    "secret",
    "service",
    "shared",
    "signing",
    "storage",
    "subscription",
];

/// Whether `key` (an assignment's left side) names a secret: `DB_PASSWORD`, `x-api-key`,
/// `clientSecret`, but not `password_file`, `max_tokens` or `cache_key`.
pub(super) fn secret_key(key: &str) -> bool {
    let parts = key_parts(key);
    let Some(last) = parts.last() else { return false };
    if DESCRIPTIVE_SUFFIXES.contains(&last.as_str()) {
        return false;
    }
    parts.iter().enumerate().any(|(index, part)| {
        let part = part.as_str();
        SECRET_PARTS.contains(&part)
            || part == "key" && index > 0 && KEY_QUALIFIERS.contains(&parts[index - 1].as_str())
            || KEY_QUALIFIERS.iter().any(|qualifier| part.strip_suffix("key") == Some(qualifier))
            || GLUED_SECRET_ENDINGS.iter().any(|ending| part.len() > ending.len() && part.ends_with(ending))
    })
}

/// `key` split into lowercase words at `_`, `-`, `.` and camelCase humps.
fn key_parts(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if matches!(c, '_' | '-' | '.') {
            parts.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            parts.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    parts.extend((!current.is_empty()).then_some(current));
    parts
}

/// Whether `value` stands in for a secret or describes one instead of being one: a mask, a
/// placeholder (`<password>`, `${DB_PASSWORD}`, `{{ secrets.x }}`, `%s`, `***`), a status word
/// (`expired`), a path (`PWD=/srv/app`) or a URL (whose credentials have their own rule).
pub(super) fn not_a_secret(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    value.is_empty()
        || value.starts_with("[REDACTED")
        || value.starts_with('<') && value.ends_with('>')
        || value.starts_with("${")
        || value.starts_with("{{")
        || value.starts_with("$(")
        || value.starts_with('$')
            && value[1..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        || matches!(value, "%s" | "%d" | "%v")
        || value.starts_with("%(") && value.ends_with(")s")
        || value.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '…' | '#' | '-'))
        || STATUS_WORDS.contains(&lower.as_str())
        || AUTH_METHODS.contains(&lower.as_str())
        || value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("../")
        || value.starts_with("~/")
        || value.contains("://")
}

/// A small number or quantity (`80%`, `30s`, `2000`, `1.5`): what follows `token_bucket:` or
/// `max_tokens=`, never long enough to be a generated secret.
pub(super) fn small_quantity(value: &str) -> bool {
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
    !digits.is_empty()
        && digits.len() < 6
        && value.len() - digits.len() <= 3
        && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '_'))
}

/// A word of prose: letters only, capitalised at most at the start, perhaps hyphenated
/// (`expired`, `Invalid`, `read-only`).
pub(super) fn plain_word(value: &str) -> bool {
    let mut chars = value.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_lowercase() || c == '-' || c == '\'')
}

/// Which kinds of character `value` mixes.
#[derive(Debug, Default, Clone, Copy)]
struct Classes {
    lower: bool,
    upper: bool,
    digit: bool,
    /// Punctuation other than the `-`, `_` and `.` every identifier and hostname uses.
    symbol: bool,
}

impl Classes {
    fn of(value: &str) -> Self {
        let mut classes = Self::default();
        for c in value.chars() {
            match c {
                'a'..='z' => classes.lower = true,
                'A'..='Z' => classes.upper = true,
                '0'..='9' => classes.digit = true,
                '-' | '_' | '.' => {}
                _ => classes.symbol = true,
            }
        }
        classes
    }

    fn count(self) -> usize {
        [self.lower, self.upper, self.digit, self.symbol].into_iter().filter(|&present| present).count()
    }
}

/// Shannon entropy of `value`'s characters, in bits per character: about 3.7 for random hex,
/// 4.5–5 for random base64 of a few dozen characters, under 3.5 for words and hostnames.
pub(super) fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&count| {
            let share = count as f64 / total as f64;
            -share * share.log2()
        })
        .sum()
}

/// Whether `value` looks generated rather than written: long enough, mixing kinds of
/// characters a word or hostname would not (`Xk9#mP2q`), or long, random and alphanumeric (a
/// hex API key). Commit SHAs and UUIDs pass the second test, so rules using this need a
/// secret's name beside the value.
pub(super) fn credential_like(value: &str) -> bool {
    let classes = Classes::of(value);
    let length = value.chars().count();
    length >= 8 && classes.count() >= 3
        || length >= 16 && classes.digit && (classes.lower || classes.upper) && entropy(value) >= 3.0
}

/// Stricter than [`credential_like`]: upper case, lower case and digits together, long and
/// random, which hex digests, hashes, UUIDs and hostnames never are.
pub(super) fn random_token(value: &str) -> bool {
    let classes = Classes::of(value);
    value.len() >= 20 && classes.lower && classes.upper && classes.digit && entropy(value) >= 3.5
}

/// A value that is not a plain word: it has a digit, a symbol or case inside it
/// (`hunter2`, `s3cr3t!`, `3f9a…`), so `password: hunter2` is caught and `token: expired` is not.
pub(super) fn not_plain(value: &str) -> bool {
    !plain_word(value) && !not_a_secret(value)
}

/// Whether `encoded` is standard base64 of printable `user:password` text, the only thing a
/// `Basic` credential can be — unlike "basic observability" or "Basic authentication".
pub(super) fn basic_credentials(encoded: &str) -> bool {
    decode_base64(encoded).is_some_and(|decoded| {
        decoded.contains(&b':') && decoded.iter().all(|byte| (0x20..0x7f).contains(byte) || *byte >= 0x80)
    })
}

/// Standard base64 (padding optional) to bytes, or `None` when it is not base64.
fn decode_base64(encoded: &str) -> Option<Vec<u8>> {
    let body = encoded.trim_end_matches('=');
    if body.len() % 4 == 1 || encoded.len() - body.len() > 2 {
        return None;
    }
    let mut bytes = Vec::with_capacity(body.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in body.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // Only the low 8 bits are wanted; the shift leaves older bits above them.
            bytes.push((buffer >> bits) as u8);
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_naming_a_secret_are_told_from_keys_describing_one() {
        for key in ["DB_PASSWORD", "PGPASSWORD", "password", "MYSQL_PWD", "x-api-key", "apiKey", "AccountKey"] {
            assert!(secret_key(key), "{key}");
        }
        for key in ["Ocp-Apim-Subscription-Key", "client_secret", "REDISCLI_AUTH", "X-Auth-Token", "SECRET_KEY"] {
            assert!(secret_key(key), "{key}");
        }
        for key in ["password_file", "max_tokens", "token_ttl", "secret_name", "cache_key", "tokenizer", "bypass"] {
            assert!(!secret_key(key), "{key}");
        }
        assert!(secret_key("db_pass") && secret_key("accesskey"));
    }

    #[test]
    fn entropy_separates_generated_strings_from_words() {
        assert!(entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") > 4.0);
        assert!(entropy("aaaaaaaa") < 0.1);
        assert!(random_token("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(!random_token("3f9a2c41d0b7e8f6a5c4b3a2918f7e6d5c4b3a29"), "a commit SHA is not one");
        assert!(!random_token("checkout-api-7f9c8d6b5-x2x7k.internal"));
    }

    #[test]
    fn a_basic_credential_must_decode_to_user_and_password() {
        assert!(basic_credentials("dXNlcjpwYXNzd29yZA=="));
        assert!(!basic_credentials("authentication"));
        assert!(!basic_credentials("observability"));
        assert!(!basic_credentials("aGVsbG8gd29ybGQ="), "hello world has no colon");
    }

    #[test]
    fn words_placeholders_paths_and_quantities_are_not_secrets() {
        for value in ["expired", "${DB_PASSWORD}", "<token>", "***", "/srv/app", "[REDACTED]", "$TOKEN"] {
            assert!(not_a_secret(value), "{value}");
        }
        assert!(small_quantity("80%") && small_quantity("2000") && small_quantity("30s"));
        assert!(!small_quantity("12345678") && !small_quantity("hunter2"));
        assert!(plain_word("Invalid") && !plain_word("hunter2") && !plain_word("s3cr3t!"));
    }
}
