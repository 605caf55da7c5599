//! Redaction measured on a generated corpus of incident chat — secrets of every kind the rule
//! table knows, in their real formats and natural sentences, against ordinary talk full of
//! look-alikes — plus the cases a probe of the old rules found, multi-line key blocks, and
//! properties that must hold for any text: no panic, idempotence, bounded growth.

mod corpus;

use std::collections::BTreeMap;

use firebreak::core::redact::{BlockRedactor, LONGEST_MASK, MASK, redact, redact_for_model, scan};
use proptest::prelude::*;

const SEED: u64 = 20_260_501;
const SECRETS_PER_KIND: usize = 6;
const ORDINARY_SENTENCES: usize = 320;

/// The rules that found something in `text`.
fn rules_in(text: &str) -> Vec<&'static str> {
    scan(text).into_iter().map(|finding| finding.rule).collect()
}

#[test]
fn at_least_99_percent_of_planted_secrets_are_caught_and_at_most_1_percent_of_ordinary_talk_is_altered() {
    let planted = corpus::secrets(SEED, SECRETS_PER_KIND);
    let ordinary = corpus::ordinary(SEED, ORDINARY_SENTENCES);
    assert!(
        planted.len() >= 200 && corpus::kind_count() >= 30,
        "{} secrets of {} kinds",
        planted.len(),
        corpus::kind_count()
    );
    assert!(ordinary.len() >= 200);

    let mut misses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut wrong_rule: Vec<String> = Vec::new();
    for secret in &planted {
        let redacted = redact(&secret.sentence);
        if let Some(leaked) = secret.hidden.iter().find(|part| redacted.contains(part.as_str())) {
            misses.entry(secret.kind).or_default().push(format!("{leaked:?} in {redacted:?}"));
        } else if !rules_in(&secret.sentence).contains(&secret.rule) {
            wrong_rule.push(format!("{}: {:?} not caught by {}", secret.kind, secret.sentence, secret.rule));
        }
    }
    let altered: Vec<String> = ordinary
        .iter()
        .filter(|sentence| redact(sentence) != sentence.as_str())
        .map(|sentence| format!("{sentence:?} became {:?}", redact(sentence)))
        .collect();

    let missed: usize = misses.values().map(Vec::len).sum();
    let caught_rate = 100.0 * (planted.len() - missed) as f64 / planted.len() as f64;
    let altered_rate = 100.0 * altered.len() as f64 / ordinary.len() as f64;
    println!(
        "secrets caught: {}/{} ({caught_rate:.1}%) of {} kinds; ordinary sentences altered: {}/{} ({altered_rate:.1}%)",
        planted.len() - missed,
        planted.len(),
        corpus::kind_count(),
        altered.len(),
        ordinary.len()
    );
    for (kind, missed) in &misses {
        println!("missed {kind}: {}", missed.join("; "));
    }
    for sentence in &altered {
        println!("altered: {sentence}");
    }
    assert!(caught_rate >= 99.0, "caught {caught_rate:.1}%: {misses:#?}");
    assert!(altered_rate <= 1.0, "altered {altered_rate:.1}%: {altered:#?}");
    assert!(wrong_rule.is_empty(), "{wrong_rule:#?}");
}

#[test]
fn the_shipped_incident_history_written_by_people_is_left_unaltered() {
    let history = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/incidents.jsonl")).unwrap();
    let texts: Vec<String> = history
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .flat_map(|record| {
            ["title", "summary", "root_cause", "mitigation"]
                .map(|field| record[field].as_str().unwrap_or_default().to_owned())
        })
        .filter(|text| !text.is_empty())
        .collect();

    let altered: Vec<&String> = texts.iter().filter(|text| redact(text) != text.as_str()).collect();

    println!("incident history: {} of {} texts altered", altered.len(), texts.len());
    assert!(texts.len() > 800, "{} texts", texts.len());
    assert!(altered.len() * 100 <= texts.len(), "{altered:#?}");
}

#[test]
fn each_secret_format_the_probe_missed_is_caught_by_its_named_rule() {
    let cases = [
        (
            "github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
            "github_fine_grained",
        ),
        ("push with glpat-Ab3dEf6hIj9kLm2nOp5q please", "gitlab"),
        ("https://hooks.slack.com/services/T0ABC1234/B0DEF5678/aBcDeFgHiJkLmNoPqRsTuVwX", "slack_webhook"),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc is in staging", "stripe_key"),
        ("rk_live_51H8x2KJ3kLmNoPqRsTuVwXy", "stripe_key"),
        ("geocode?address=x&key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", "google_api_key"),
        (
            "AccountName=prod;AccountKey=Xy7kQ2mN9pL4vB8cR3tW6zA1sD5fG0hJ2kL4mN6pQ8rS0tU2vW4xY6zA8bC0dE2fG4hJ6kL8mN0pQ2rS4tU6vW==;",
            "azure_storage_key",
        ),
        ("SG.aBcDeFgHiJkLmNoPqRsTuV.wXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ012", "sendgrid"),
        ("SK0123456789abcdef0123456789abcdef", "twilio_api_key"),
        ("npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "npm"),
        ("MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "discord_bot_token"),
        ("VAULT_TOKEN is hvs.CAESIJ1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123", "vault_token"),
        ("datadog api key 0123456789abcdef0123456789abcdef", "datadog_key"),
        (
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0x\n-----END PGP PRIVATE KEY BLOCK-----",
            "pgp_private_key_block",
        ),
        ("the secret key for that IAM user is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key"),
        ("redis-cli -h cache-1 -a Xk9mP2qLw7 ping", "redis_cli_password"),
        ("new admin password is Xk9#mP2qLw", "secret_in_prose"),
        ("the db password is \"two words here\" apparently", "secret_in_prose"),
    ];
    for (text, rule) in cases {
        let found = rules_in(text);
        assert!(found.contains(&rule), "{text:?}: expected {rule}, found {found:?}");
    }
}

#[test]
fn a_quoted_passphrase_is_masked_whole_not_only_its_first_word() {
    let redacted = redact("the db password is \"two words here\" apparently");

    assert_eq!(redacted, "the db password is \"[REDACTED]\" apparently");
}

#[test]
fn the_sentences_the_probe_masked_wrongly_survive_untouched() {
    let ordinary = [
        "invalid token: expired",
        "token=expired",
        "basic observability is our goal for q3",
        "Basic authentication fails for the admin panel",
        "sk-proxy-01.internal is down",
        "sk-proxy-eu-west-1-balancer-primary.internal is down",
        "PWD=/srv/app",
        "commit 3f9a2c41d0b7e8f6a5c4b3a2918f7e6d5c4b3a29",
        "request 123e4567-e89b-12d3-a456-426614174000",
        "digest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "version v2.41.3 on 10.0.3.17, see https://grafana.internal/d/abc/checkout?orgId=1",
    ];
    for text in ordinary {
        assert_eq!(redact(text), text, "{:?}", scan(text));
    }
}

#[test]
fn a_pem_key_in_one_message_is_masked_across_its_lines() {
    let text = "key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oYTkQSXo\n-----END EC PRIVATE KEY-----\ndone";

    assert_eq!(redact(text), "key:\n[REDACTED PRIVATE KEY]\ndone");
}

#[test]
fn a_key_pasted_as_separate_messages_is_masked_body_and_all() {
    let mut redactor = BlockRedactor::new();
    let lines = [
        ("maya", "-----BEGIN OPENSSH PRIVATE KEY-----"),
        ("maya", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"),
        ("sam", "maya stop"),
        ("maya", "QyNTUxOQAAACDxbYr2sF0T3lqTzKjT9pQ7Hn2Vw5D1uE8cG4aLm0nQpwAAAJi3xq3Ot8at"),
        ("maya", "-----END OPENSSH PRIVATE KEY-----"),
        ("maya", "sorry, rotating"),
    ];

    let stored: Vec<String> = lines.iter().map(|(author, text)| redactor.line(author, text).into_owned()).collect();

    assert_eq!(
        stored,
        [
            "[REDACTED PRIVATE KEY]",
            "[REDACTED PRIVATE KEY]",
            "maya stop",
            "[REDACTED PRIVATE KEY]",
            "[REDACTED PRIVATE KEY]",
            "sorry, rotating"
        ]
    );
}

#[test]
fn text_for_a_model_is_redacted_with_the_same_rules() {
    let text = "ops@example.com pasted glpat-Ab3dEf6hIj9kLm2nOp5q";

    assert_eq!(redact_for_model(text), format!("[EMAIL] pasted {MASK}"));
}

/// Text made of pieces that exercise the rules: names of secrets, separators, quotes,
/// prefixes, block markers, random runs, and arbitrary characters.
fn chat_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("password".to_owned()),
        Just("token".to_owned()),
        Just(" is ".to_owned()),
        Just("=".to_owned()),
        Just(": ".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just(" ".to_owned()),
        Just("\n".to_owned()),
        Just("Bearer ".to_owned()),
        Just("Basic ".to_owned()),
        Just("postgres://u:".to_owned()),
        Just("@db:5432".to_owned()),
        Just("-----BEGIN RSA PRIVATE KEY-----".to_owned()),
        Just("-----END RSA PRIVATE KEY-----".to_owned()),
        Just("ghp_".to_owned()),
        Just("sk-".to_owned()),
        Just("[REDACTED]".to_owned()),
        Just("redis-cli -a ".to_owned()),
        "[A-Za-z0-9+/=_-]{1,48}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn redaction_never_panics_is_idempotent_and_grows_text_by_at_most_one_mask_per_secret(text in chat_like()) {
        let once = redact(&text).into_owned();
        let twice = redact(&once).into_owned();
        let masks = once.matches("[REDACTED").count();

        prop_assert_eq!(&twice, &once);
        prop_assert!(once.len() <= text.len() + LONGEST_MASK * masks, "{:?} became {:?}", text, once);
    }

    #[test]
    fn arbitrary_text_never_makes_redaction_panic_and_stays_idempotent(text in any::<String>()) {
        let once = redact(&text).into_owned();

        prop_assert_eq!(redact(&once).into_owned(), once);
    }
}

#[tokio::test]
async fn a_key_pasted_line_by_line_into_an_incident_channel_is_stored_masked_on_every_replica() {
    use std::sync::Arc;

    use firebreak::store::MemoryStore;

    use crate::support::{command, engine_on, message, text_of};

    let store: Arc<dyn firebreak::core::ports::Store> = Arc::new(MemoryStore::new());
    let (recorder, other_replica) = (engine_on(store.clone()), engine_on(store));
    recorder.handle(command("inc-keys", "maya", "/incident declare Deploy key leaked")).await;
    let pasted = [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "QyNTUxOQAAACDxbYr2sF0T3lqTzKjT9pQ7Hn2Vw5D1uE8cG4aLm0nQpwAAAJi3xq3Ot8at",
        "-----END OPENSSH PRIVATE KEY-----",
        "sorry, rotating it now",
    ];

    for (index, line) in pasted.iter().enumerate() {
        // Both replicas see every message; the dedupe lets one record each, alternately.
        let mut event = message("inc-keys", "maya", line);
        event.event_id = Some(format!("discord:message:{index}"));
        let (first, second) = if index % 2 == 0 { (&recorder, &other_replica) } else { (&other_replica, &recorder) };
        first.handle(event.clone()).await;
        second.handle(event).await;
    }
    let timeline = text_of(&recorder.handle(command("inc-keys", "maya", "/timeline")).await);

    assert!(!timeline.contains("b3BlbnNz") && !timeline.contains("QyNTUxOQ"), "{timeline}");
    assert!(timeline.contains("sorry, rotating it now"), "{timeline}");
}
