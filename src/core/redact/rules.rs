//! The rule table: every kind of secret Firebreak masks, each a named pattern and a judgement of
//! which part of a match is the secret, if any. Provider tokens are recognised by their
//! documented prefixes and shapes; secrets without a prefix only next to a word that names
//! them, and then only when the value looks generated (see `checks`). Names are stable: tests
//! and reports say which rule caught what.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::checks::{
    basic_credentials, credential_like, not_a_secret, not_plain, plain_word, random_token, secret_key, small_quantity,
};

/// What replaces a private key block.
pub(super) const BLOCK_MASK: &str = "[REDACTED PRIVATE KEY]";

/// One named kind of secret.
pub(super) struct Rule {
    /// Stable name, e.g. `github_fine_grained`.
    pub name: &'static str,
    /// Where such a secret may be.
    pub pattern: Regex,
    /// The bytes of a match to mask, or `None` when the match turns out not to be a secret.
    pub secret: fn(&Captures<'_>) -> Option<Range<usize>>,
    /// What replaces it.
    pub mask: &'static str,
}

/// The whole match is the secret.
fn whole(captures: &Captures<'_>) -> Option<Range<usize>> {
    captures.get(0).map(|found| found.range())
}

/// Group `s` is the secret.
fn group_s(captures: &Captures<'_>) -> Option<Range<usize>> {
    captures.name("s").map(|found| found.range())
}

/// `text` without the punctuation of the sentence or structure around it (`is Xk9#mP2q.`,
/// `{token: abc}`).
fn unpunctuated(text: &str) -> &str {
    text.trim_end_matches(['.', ',', ';', ':', ')', ']', '}'])
}

/// The value of a quoted (`dq`, `sq`, `bq`) or bare (`bare`) alternative, bare values
/// [`unpunctuated`]; with whether it was quoted.
fn value<'t>(captures: &Captures<'t>) -> Option<(Range<usize>, &'t str, bool)> {
    if let Some(quoted) = ["dq", "sq", "bq"].iter().find_map(|name| captures.name(name)) {
        return Some((quoted.range(), quoted.as_str(), true));
    }
    let bare = captures.name("bare")?;
    let text = unpunctuated(bare.as_str());
    Some((bare.start()..bare.start() + text.len(), text, false))
}

/// A quoted or bare value after a command-line flag, unless it stands in for a secret.
fn flag_value(captures: &Captures<'_>) -> Option<Range<usize>> {
    value(captures).filter(|(_, text, _)| !not_a_secret(text)).map(|(range, ..)| range)
}

/// `key = value` / `key: value` where `key` names a secret. After `=` or in quotes anything but
/// a placeholder or status word is a secret; after a bare `:` (prose as often as YAML) only a
/// value that is not a plain word, so `token: expired` stays.
fn assignment(captures: &Captures<'_>) -> Option<Range<usize>> {
    if !secret_key(captures.name("key")?.as_str()) {
        return None;
    }
    let (range, text, quoted) = value(captures)?;
    let sep = captures.name("sep").map_or("", |sep| sep.as_str());
    // `x-access-token:ghs_…@github.com/…` is a URL's user and password, masked by the URL rule
    // without swallowing the host and path.
    if sep == ":" && !quoted && text.contains(['@', '/']) {
        return None;
    }
    let secret = !not_a_secret(text) && !small_quantity(text) && (quoted || sep.contains('=') || not_plain(text));
    secret.then_some(range)
}

/// Words between a secret's name and "is" that show the sentence is about something else
/// (`the token id is …`, `the password reset page is …`).
const ABOUT_SOMETHING_ELSE: &[&str] = &[
    "commit",
    "count",
    "digest",
    "endpoint",
    "expiry",
    "field",
    "file",
    "fingerprint",
    "format",
    "hash",
    "header",
    "id",
    "length",
    "name",
    "page",
    "path",
    "policy",
    "request",
    "reset",
    "rotation",
    "sha",
    "size",
    "trace",
    "ttl",
    "type",
    "url",
    "version",
];

/// `the admin password is Xk9#mP2q`, `the secret key for that IAM user is wJalr…`,
/// `password is "two words here"`. A password's value counts unless it is a plain word; a
/// token's or key's only when it looks generated, since "the token is in vault" is common.
fn prose(captures: &Captures<'_>) -> Option<Range<usize>> {
    let word = captures.name("word")?.as_str().to_ascii_lowercase();
    let gap = captures.name("gap").map_or("", |gap| gap.as_str()).to_ascii_lowercase();
    let gap_words: Vec<&str> = gap.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if gap_words.len() > 6 || gap_words.iter().any(|w| ABOUT_SOMETHING_ELSE.contains(w)) {
        return None;
    }
    let (range, text, quoted) = value(captures)?;
    if not_a_secret(text) || plain_word(text) {
        return None;
    }
    let password = word.starts_with("pass");
    let secret = if password { quoted || text.chars().count() >= 6 } else { quoted || credential_like(text) };
    secret.then_some(range)
}

/// A value right after the word password that looks chosen or generated, not a word.
fn password_word(captures: &Captures<'_>) -> Option<Range<usize>> {
    let secret = captures.name("s")?;
    let text = unpunctuated(secret.as_str());
    (credential_like(text) && !not_a_secret(text)).then(|| secret.start()..secret.start() + text.len())
}

/// A bearer token: long, and not a word.
fn bearer(captures: &Captures<'_>) -> Option<Range<usize>> {
    let token = captures.name("s")?;
    (token.as_str().len() >= 16 && not_plain(token.as_str())).then(|| token.range())
}

/// A `Basic` credential: base64 of `user:password`.
fn basic(captures: &Captures<'_>) -> Option<Range<usize>> {
    let encoded = captures.name("s")?;
    basic_credentials(encoded.as_str()).then(|| encoded.range())
}

/// An `Authorization:` header with another scheme (`Token`, `Bot`, `SSWS`) or none.
fn authorization(captures: &Captures<'_>) -> Option<Range<usize>> {
    let credential = captures.name("s")?;
    (credential.as_str().len() >= 8 && not_plain(credential.as_str())).then(|| credential.range())
}

/// Group `s` when it looks generated (mixed case, digits, high entropy) and the words before it
/// do not say it is a public fingerprint or digest (`fingerprint SHA256:…`).
fn random_s(captures: &Captures<'_>) -> Option<Range<usize>> {
    let secret = captures.name("s")?;
    let before = captures.get(0).map_or("", |whole| &whole.as_str()[..secret.start() - whole.start()]);
    let before = before.to_ascii_lowercase();
    let public = ["fingerprint", "sha256:", "sha1:", "sha512:", "md5:", "sha256-", "sha384-", "sha512-"];
    if public.iter().any(|word| before.contains(word)) {
        return None;
    }
    let text = unpunctuated(secret.as_str());
    random_token(text).then(|| secret.start()..secret.start() + text.len())
}

/// Group `s` when the part after the provider's prefix mixes cases and digits, as generated
/// keys do and hostnames such as `sk-proxy-01.internal` do not.
fn generated_body(captures: &Captures<'_>) -> Option<Range<usize>> {
    let secret = captures.name("s")?;
    let body = captures.name("body")?.as_str();
    let has = |test: fn(&char) -> bool| body.chars().any(|c| test(&c));
    (has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit))
        .then(|| secret.range())
}

/// A rule masking the whole match with the plain mask.
fn token(name: &'static str, pattern: &str) -> Rule {
    rule(name, pattern, whole, super::MASK)
}

fn rule(
    name: &'static str,
    pattern: &str,
    secret: fn(&Captures<'_>) -> Option<Range<usize>>,
    mask: &'static str,
) -> Rule {
    Rule { name, pattern: Regex::new(pattern).expect("built-in redaction patterns are valid"), secret, mask }
}

/// A quoted or bare value, as the `value` helper reads it.
const VALUE: &str = r#"(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"'`,;&<>]+))"#;

/// Every rule, in no particular order: overlapping matches are merged before masking.
pub(super) static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let mask = super::MASK;
    vec![
        // Blocks: everything from BEGIN to END, or to the end of the text when END has not come yet.
        rule(
            "pem_private_key",
            r"(?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|\z)",
            whole,
            BLOCK_MASK,
        ),
        rule(
            "pgp_private_key_block",
            r"(?s)-----BEGIN PGP PRIVATE KEY BLOCK-----.*?(?:-----END PGP PRIVATE KEY BLOCK-----|\z)",
            whole,
            BLOCK_MASK,
        ),
        // URLs: the password of `scheme://user:password@host`, up to the last `@` before the path.
        rule("url_credentials", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@?#]*:(?P<s>[^\s/?#]+)@", group_s, mask),
        rule(
            "slack_webhook",
            r"\bhooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9_/-]{20,})",
            group_s,
            mask,
        ),
        rule(
            "discord_webhook",
            r"\b(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/(?P<s>[0-9]+/[A-Za-z0-9_-]{30,})",
            group_s,
            mask,
        ),
        rule("azure_sas_signature", r"[?&;]sig=(?P<s>[A-Za-z0-9%+/=]{16,})", group_s, mask),
        rule("aws_presigned_signature", r"(?i)[?&]x-(?:amz|goog)-signature=(?P<s>[0-9a-f]{32,})", group_s, mask),
        // Provider tokens, by their documented prefixes.
        token("aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
        token("github_classic", r"\bgh[po]_[A-Za-z0-9]{30,}\b"),
        token("github_app", r"\bgh[usr]_[A-Za-z0-9]{30,}\b"),
        token("github_fine_grained", r"\bgithub_pat_[A-Za-z0-9_]{60,}\b"),
        token("gitlab", r"\bgl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent|ffct)-[A-Za-z0-9_-]{20,}"),
        token("slack_token", r"\b(?:xox[abposre]|xapp-[0-9])-[A-Za-z0-9-]{10,}"),
        token("stripe_key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
        token("stripe_webhook_secret", r"\bwhsec_[A-Za-z0-9+/=]{24,}"),
        token("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}"),
        token("google_oauth_client_secret", r"\bGOCSPX-[A-Za-z0-9_-]{28}"),
        token("google_oauth_token", r"\bya29\.[0-9A-Za-z_-]{20,}"),
        rule(
            "azure_storage_key",
            r"(?i)\b(?:AccountKey|SharedAccessKey|PrimaryKey|SecondaryKey)\s*=\s*(?P<s>[A-Za-z0-9+/]{20,}={0,2})",
            group_s,
            mask,
        ),
        token("sendgrid", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
        token("twilio_api_key", r"\bSK[0-9a-fA-F]{32}\b"),
        rule("twilio_auth_token", r"(?i)\btwilio\b[^\n]{0,60}?\b(?P<s>[0-9a-f]{32})\b", group_s, mask),
        token("npm", r"\bnpm_[A-Za-z0-9]{36}\b"),
        token("pypi", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
        rule(
            "discord_bot_token",
            r"\b(?P<s>(?P<body>[MNO][A-Za-z0-9_-]{23,27})\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40})\b",
            generated_body,
            mask,
        ),
        token("vault_token", r"\bhv[sbr]\.[A-Za-z0-9_-]{24,}"),
        rule(
            "datadog_key",
            r"(?i)(?:\bdatadog|\bdd_|\bdd\b)[^\n]{0,40}?key\b[^\n]{0,20}?\b(?P<s>[0-9a-f]{40}|[0-9a-f]{32})\b",
            group_s,
            mask,
        ),
        token("heroku", r"\bHRKU-[A-Za-z0-9_-]{40,}"),
        token("digitalocean", r"\bdo[opr]_v1_[a-f0-9]{64}\b"),
        token("shopify", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
        token("mailgun", r"\bkey-[0-9a-zA-Z]{32}\b"),
        rule(
            "openai_anthropic_key",
            r"\b(?P<s>sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)[0-9]{2}-)?(?P<body>[A-Za-z0-9_-]{20,}))",
            generated_body,
            mask,
        ),
        token("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
        // Authorization headers.
        rule("basic_auth", r"(?i)\bbasic\s+(?P<s>[A-Za-z0-9+/]{4,}={0,2})", basic, mask),
        rule("bearer_token", r"(?i)\bbearer\s+(?P<s>[A-Za-z0-9._~+/-]+=*)", bearer, mask),
        rule(
            "authorization_header",
            r#"(?i)\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:token|bot|apikey|ssws|key|digest)\s+)?(?P<s>[^\s"',;]+)"#,
            authorization,
            mask,
        ),
        // Command lines.
        rule(
            "redis_cli_password",
            &format!(r"\b(?:redis-cli|keydb-cli|valkey-cli)\b[^\n|;&]*?\s(?:-a|--pass|--password)\s+{VALUE}"),
            flag_value,
            mask,
        ),
        rule(
            "mysql_password_flag",
            &format!(r"\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]*?\s-p{VALUE}"),
            flag_value,
            mask,
        ),
        rule(
            "login_password_flag",
            &format!(
                r"\b(?:docker|podman|nerdctl|helm|oras|skopeo|crane)\b[^\n|;&]*?\blogin\b[^\n|;&]*?\s(?:-p|--password)\s+{VALUE}"
            ),
            flag_value,
            mask,
        ),
        rule(
            "cli_password_option",
            &format!(
                r"(?:^|\s)--(?:password|passwd|pass|token|api-key|apikey|secret|auth-token|access-token)\s+{VALUE}"
            ),
            flag_value,
            mask,
        ),
        rule(
            "curl_user_password",
            r#"\bcurl\b[^\n|;&]*?\s(?:-u|--user)\s*["']?[^\s:"']*:(?P<s>[^\s"']+)"#,
            group_s,
            mask,
        ),
        // A secret's name, then its value: `DB_PASSWORD=…`, `"api_key": "…"`, `password: …`.
        rule(
            "secret_assignment",
            &format!(
                r#"(?i)(?P<key>[a-z0-9_.-]*(?:pass|pwd|secret|token|key|auth|credential|signature)[a-z0-9_.-]*)(?P<sep>["']?[ \t]*(?:=>|:=|=|:)[ \t]*){VALUE}"#
            ),
            assignment,
            mask,
        ),
        // The same in a sentence: `the new admin password is …`, `the secret key for that IAM user is …`.
        rule(
            "secret_in_prose",
            r#"(?i)\b(?P<word>pass(?:word|phrase|wd|code)|secret(?:[ _]access)?(?:[ _]key)?|(?:api|access|storage|account|license|signing|master|encryption|deploy|app|client|bot|auth|refresh|session)[ _-]?(?:key|token|secret)|token|credentials?)s?\b(?P<gap>[^\n"'`=:]{0,48}?)(?:\s*:\s+|\s+(?:is|was|are|were|=|->|→|now|to|became|becomes|reads)\s+)(?:now\s+|set\s+to\s+|still\s+)?(?:"(?P<dq>[^"\n]+)"|'(?P<sq>[^'\n]+)'|`(?P<bq>[^`\n]+)`|(?P<bare>[^\s"'`]+))"#,
            prose,
            mask,
        ),
        // `password Xy7kq2Lm` (netrc, or a sentence without "is"): only a value mixing kinds of
        // characters, since "password reset" is the far commoner sentence.
        rule("password_without_separator", r#"(?i)\bpass(?:word|wd|phrase)\s+(?P<s>[^\s"'`]+)"#, password_word, mask),
        // Session cookies: `sessionid=…`, `PHPSESSID=…`, `connect.sid=…`, `_app_session=…`.
        rule(
            "session_cookie",
            r"(?i)(?:\b|_)(?:[a-z0-9]*sess(?:ion)?(?:_?id)?|sid|connect\.sid)=(?P<s>[A-Za-z0-9%._~+/-]{16,}={0,2})",
            group_s,
            mask,
        ),
        // Secrets with no prefix of their own: a random-looking value near a word naming one.
        rule(
            "aws_secret_access_key",
            r"(?i)(?:\b|_)(?:aws|secret)(?:\b|_)(?:[^\n]{0,80}?[^A-Za-z0-9/+])?(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
            random_s,
            mask,
        ),
        rule(
            "high_entropy_near_secret_word",
            r"(?i)\b(?:secret|token|key|password|passphrase|credential|auth|signing)s?\b[^\n]{0,40}?[^A-Za-z0-9+/_.-](?P<s>[A-Za-z0-9+/][A-Za-z0-9+/_.-]{19,}={0,2})",
            random_s,
            mask,
        ),
    ]
});
