//! A generated corpus of incident chat for measuring redaction: secrets of many kinds in their
//! real formats (random, so never anyone's real key, but shaped as each provider documents
//! them), each planted in a sentence an engineer might write during an incident; and ordinary
//! incident talk full of look-alikes — commit SHAs, UUIDs, trace ids, digests, versions,
//! hostnames, IPs, URLs without credentials, and the words token, basic, password, secret and
//! key used in prose. Seeded, so a failure can be reproduced. Shared by the redaction tests and
//! `benches/redact.rs`.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Characters people put in passwords that survive a shell line and a chat message unquoted.
const PASSWORD: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#%^*+=?~";
/// Words of passphrases; none of them appears in the sentence templates.
const PASSPHRASE_WORDS: &[&str] = &[
    "lantern", "marble", "orbit", "velvet", "saffron", "quartz", "meadow", "ember", "harbor", "thistle", "cobalt",
    "juniper", "falcon", "glacier", "walnut", "pepper",
];

/// One secret planted in a sentence.
pub struct Planted {
    /// The kind of secret, e.g. `github_fine_grained`.
    pub kind: &'static str,
    /// The rule expected to catch it.
    pub rule: &'static str,
    /// The sentence as an engineer would post it.
    pub sentence: String,
    /// Every part of the secret that must not survive redaction.
    pub hidden: Vec<String>,
}

/// A secret and the parts of it that must disappear (usually the whole of it).
struct Secret {
    text: String,
    hidden: Vec<String>,
}

impl Secret {
    fn whole(text: String) -> Self {
        Self { hidden: vec![text.clone()], text }
    }
}

/// One kind of secret: its generator and the sentences it is posted in (`{}` is the secret).
struct Kind {
    name: &'static str,
    rule: &'static str,
    make: fn(&mut StdRng) -> Secret,
    sentences: &'static [&'static str],
}

fn random(rng: &mut StdRng, alphabet: &[u8], length: usize) -> String {
    (0..length).map(|_| char::from(*alphabet.choose(rng).expect("alphabets are not empty"))).collect()
}

/// `random` until it mixes upper case, lower case and digits, as generated keys almost always do.
fn mixed(rng: &mut StdRng, alphabet: &[u8], length: usize) -> String {
    loop {
        let text = random(rng, alphabet, length);
        let has = |test: fn(&char) -> bool| text.chars().any(|c| test(&c));
        if has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit) {
            return text;
        }
    }
}

/// Standard base64 with padding, for `Basic` credentials, Discord token ids and Azure keys.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let buffer =
            chunk.iter().enumerate().fold(0u32, |buffer, (index, byte)| buffer | u32::from(*byte) << (16 - 8 * index));
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(char::from(BASE64[(buffer >> (18 - 6 * index) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A password as people choose them when told to: a capitalised word, digits and a symbol, or a
/// generated string; never a plain word, and never ending in punctuation a sentence could own.
fn password(rng: &mut StdRng) -> String {
    if rng.random_bool(0.4) {
        let word = ["Summer", "Winter", "Checkout", "Orders", "Falcon", "Harbor"].choose(rng).expect("not empty");
        let symbol = ["!", "#", "@", "$", "%"].choose(rng).expect("not empty");
        format!("{word}{}{symbol}{}", rng.random_range(1990..2030), rng.random_range(1..99))
    } else {
        loop {
            let length = rng.random_range(10..20);
            let text = random(rng, PASSWORD, length);
            if text.ends_with(|c: char| c.is_ascii_alphanumeric()) && text.chars().any(|c| c.is_ascii_digit()) {
                return text;
            }
        }
    }
}

/// A password that can sit in a URL unescaped.
fn url_password(rng: &mut StdRng) -> String {
    let length = rng.random_range(12..24);
    mixed(rng, ALNUM, length)
}

fn pem_block(rng: &mut StdRng, label: &str, lines: usize) -> Secret {
    let body: Vec<String> = (0..lines).map(|_| random(rng, BASE64, 64)).collect();
    let text = format!("-----BEGIN {label}-----\n{}\n-----END {label}-----", body.join("\n"));
    Secret { text, hidden: body }
}

fn jwt(rng: &mut StdRng) -> Secret {
    let payload = format!(
        r#"{{"sub":"{}","role":"admin","iat":{}}}"#,
        random(rng, DIGITS, 8),
        rng.random_range(1_700_000_000u32..1_800_000_000)
    );
    let payload = base64(payload.as_bytes()).trim_end_matches('=').replace('+', "-").replace('/', "_");
    Secret::whole(format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.{}", random(rng, BASE64URL, 43)))
}

fn discord_bot_token(rng: &mut StdRng) -> Secret {
    let id = format!("{}{}", rng.random_range(1..10), random(rng, DIGITS, 17));
    let id = base64(id.as_bytes()).trim_end_matches('=').to_owned();
    Secret::whole(format!("{id}.{}.{}", random(rng, BASE64URL, 6), random(rng, BASE64URL, 38)))
}

fn azure_connection_string(rng: &mut StdRng) -> Secret {
    let key = base64(&(0..64).map(|_| rng.random::<u8>()).collect::<Vec<u8>>());
    let account = format!("prod{}", random(rng, b"abcdefghijklmnopqrstuvwxyz", 8));
    let text = format!(
        "DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net"
    );
    Secret { text, hidden: vec![key] }
}

fn azure_sas_url(rng: &mut StdRng) -> Secret {
    let signature = format!("{}%3D", random(rng, ALNUM, 43));
    let text = format!(
        "https://prodbackups.blob.core.windows.net/db/orders.bak?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-06-01T00:00:00Z&spr=https&sig={signature}"
    );
    Secret { text, hidden: vec![signature] }
}

fn connection_url(rng: &mut StdRng) -> Secret {
    let secret = url_password(rng);
    let host =
        ["db-1.internal:5432/orders", "mq-2.internal:5672/%2F", "cluster0.ab12c.mongodb.net/app", "cache-1:6379/0"];
    let scheme = ["postgres://app", "amqp://checkout", "mongodb+srv://svc", "redis://default"];
    let index = rng.random_range(0..host.len());
    Secret { text: format!("{}:{secret}@{}", scheme[index], host[index]), hidden: vec![secret] }
}

fn basic_header(rng: &mut StdRng) -> Secret {
    let user = ["admin", "svc-deploy", "grafana", "ci"].choose(rng).expect("not empty");
    let encoded = base64(format!("{user}:{}", password(rng)).as_bytes());
    Secret { text: format!("Authorization: Basic {encoded}"), hidden: vec![encoded] }
}

fn passphrase(rng: &mut StdRng) -> Secret {
    let words: Vec<&str> = PASSPHRASE_WORDS.choose_multiple(rng, 4).copied().collect();
    let phrase = words.join(" ");
    Secret { text: phrase.clone(), hidden: words.iter().map(|word| (*word).to_owned()).chain([phrase]).collect() }
}

fn slack_webhook(rng: &mut StdRng) -> Secret {
    let secret = random(rng, ALNUM, 24);
    let text = format!(
        "https://hooks.slack.com/services/T{}/B{}/{secret}",
        random(rng, UPPER_ALNUM, 8),
        random(rng, UPPER_ALNUM, 10)
    );
    Secret { text, hidden: vec![secret] }
}

fn discord_webhook(rng: &mut StdRng) -> Secret {
    let secret = random(rng, BASE64URL, 68);
    Secret {
        text: format!("https://discord.com/api/webhooks/{}/{secret}", random(rng, DIGITS, 19)),
        hidden: vec![secret],
    }
}

const KINDS: &[Kind] = &[
    Kind {
        name: "github_classic",
        rule: "github_classic",
        make: |rng| Secret::whole(format!("ghp_{}", mixed(rng, ALNUM, 36))),
        sentences: &[
            "someone pasted {} in #deploys an hour ago, revoking it now",
            "the release job failed because GITHUB_TOKEN was {} and it expired",
            "using {} for the hotfix push, will rotate after",
        ],
    },
    Kind {
        name: "github_oauth",
        rule: "github_classic",
        make: |rng| Secret::whole(format!("gho_{}", mixed(rng, ALNUM, 36))),
        sentences: &["the ci bot logged its oauth token {} in the build output", "found {} in the runner env dump"],
    },
    Kind {
        name: "github_app",
        rule: "github_app",
        make: |rng| Secret::whole(format!("ghs_{}", mixed(rng, ALNUM, 36))),
        sentences: &["installation token {} was cached past its hour", "the app token in the logs is {}, rotate"],
    },
    Kind {
        name: "github_fine_grained",
        rule: "github_fine_grained",
        make: |rng| Secret::whole(format!("github_pat_{}_{}", mixed(rng, ALNUM, 22), mixed(rng, ALNUM, 59))),
        sentences: &[
            "dependabot config has {} hardcoded, that is why it broke",
            "try with my fine-grained PAT {} for now",
        ],
    },
    Kind {
        name: "gitlab",
        rule: "gitlab",
        make: |rng| Secret::whole(format!("glpat-{}", mixed(rng, ALNUM, 20))),
        sentences: &[
            "the mirror job used {} which belongs to a deactivated user",
            "curl --header \"PRIVATE-TOKEN: {}\" https://gitlab.internal/api/v4/projects works from the runner",
        ],
    },
    Kind {
        name: "slack_token",
        rule: "slack_token",
        make: |rng| {
            Secret::whole(format!(
                "xoxb-{}-{}-{}",
                random(rng, DIGITS, 11),
                random(rng, DIGITS, 13),
                mixed(rng, ALNUM, 24)
            ))
        },
        sentences: &["the alert bot posts with {} and it got rate limited", "SLACK_BOT_TOKEN {} is in the old chart"],
    },
    Kind {
        name: "slack_webhook",
        rule: "slack_webhook",
        make: slack_webhook,
        sentences: &[
            "alertmanager sends to {} and that channel was archived",
            "the status page webhook is {} — it returns 404 now",
        ],
    },
    Kind {
        name: "stripe_secret",
        rule: "stripe_key",
        make: |rng| Secret::whole(format!("sk_live_{}", mixed(rng, ALNUM, 24))),
        sentences: &[
            "payments is using {} from the old account, charges fail",
            "STRIPE_SECRET_KEY={} in the staging .env is a live key!",
        ],
    },
    Kind {
        name: "stripe_restricted",
        rule: "stripe_key",
        make: |rng| Secret::whole(format!("rk_live_{}", mixed(rng, ALNUM, 24))),
        sentences: &["the refunds worker has restricted key {} without write on refunds"],
    },
    Kind {
        name: "stripe_webhook_secret",
        rule: "stripe_webhook_secret",
        make: |rng| Secret::whole(format!("whsec_{}", mixed(rng, ALNUM, 32))),
        sentences: &["signature check fails, the endpoint still has {} from before the rotation"],
    },
    Kind {
        name: "google_api_key",
        rule: "google_api_key",
        make: |rng| Secret::whole(format!("AIza{}", mixed(rng, BASE64URL, 35))),
        sentences: &[
            "maps calls fail: https://maps.googleapis.com/maps/api/geocode/json?address=berlin&key={} returns REQUEST_DENIED",
            "the frontend bundle ships {} and it hit its quota",
        ],
    },
    Kind {
        name: "google_oauth_client_secret",
        rule: "google_oauth_client_secret",
        make: |rng| Secret::whole(format!("GOCSPX-{}", mixed(rng, BASE64URL, 28))),
        sentences: &["sso broke after someone reset the client secret to {}"],
    },
    Kind {
        name: "google_oauth_token",
        rule: "google_oauth_token",
        make: |rng| Secret::whole(format!("ya29.{}", mixed(rng, BASE64URL, 120))),
        sentences: &["gcloud printed {} in the job log"],
    },
    Kind {
        name: "azure_connection_string",
        rule: "azure_storage_key",
        make: azure_connection_string,
        sentences: &["the exporter reads {} from the configmap, not the secret", "connection string is {}"],
    },
    Kind {
        name: "azure_sas_url",
        rule: "azure_sas_signature",
        make: azure_sas_url,
        sentences: &["restore is downloading from {} and the SAS expired", "use {} for the backup copy"],
    },
    Kind {
        name: "aws_access_key_id",
        rule: "aws_access_key_id",
        make: |rng| Secret::whole(format!("AKIA{}", random(rng, UPPER_ALNUM, 16))),
        sentences: &["the failing calls are signed with {}, an old IAM user", "aws_access_key_id = {}"],
    },
    Kind {
        name: "aws_secret_access_key",
        rule: "aws_secret_access_key",
        make: |rng| Secret::whole(mixed(rng, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 40)),
        sentences: &[
            "the secret key for that IAM user is {} and it is in the terraform state",
            "AWS secret {} was in the lambda env",
            "aws_secret_access_key = {}",
        ],
    },
    Kind {
        name: "sendgrid",
        rule: "sendgrid",
        make: |rng| Secret::whole(format!("SG.{}.{}", mixed(rng, BASE64URL, 22), mixed(rng, BASE64URL, 43))),
        sentences: &["order emails stopped: {} was revoked by the security scan"],
    },
    Kind {
        name: "twilio_api_key",
        rule: "twilio_api_key",
        make: |rng| Secret::whole(format!("SK{}", random(rng, HEX, 32))),
        sentences: &["sms fallback uses api key {} which is on the old subaccount"],
    },
    Kind {
        name: "twilio_auth_token",
        rule: "twilio_auth_token",
        make: |rng| Secret::whole(random(rng, HEX, 32)),
        sentences: &["twilio auth token is {} in the pager config", "set the Twilio token to {} and retried"],
    },
    Kind {
        name: "npm",
        rule: "npm",
        make: |rng| Secret::whole(format!("npm_{}", mixed(rng, ALNUM, 36))),
        sentences: &["the publish step has //registry.npmjs.org/:_authToken={} in .npmrc"],
    },
    Kind {
        name: "pypi",
        rule: "pypi",
        make: |rng| Secret::whole(format!("pypi-AgEIcHlwaS5vcmc{}", mixed(rng, BASE64URL, 70))),
        sentences: &["twine upload used {} from the maintainer's laptop"],
    },
    Kind {
        name: "discord_bot_token",
        rule: "discord_bot_token",
        make: discord_bot_token,
        sentences: &["the staging bot logged in with {} and got kicked", "DISCORD_TOKEN {} leaked in the crash dump"],
    },
    Kind {
        name: "discord_webhook",
        rule: "discord_webhook",
        make: discord_webhook,
        sentences: &["the on-call notifier posts to {}"],
    },
    Kind {
        name: "vault",
        rule: "vault_token",
        make: |rng| Secret::whole(format!("hvs.{}", mixed(rng, BASE64URL, 90))),
        sentences: &["VAULT_TOKEN={} vault kv get secret/checkout works", "root token {} is still valid, revoke it"],
    },
    Kind {
        name: "datadog",
        rule: "datadog_key",
        make: |rng| Secret::whole(random(rng, HEX, 32)),
        sentences: &["the agent on web-3 runs with datadog api key {} from the old org", "dd api key: {}"],
    },
    Kind {
        name: "heroku",
        rule: "heroku",
        make: |rng| Secret::whole(format!("HRKU-AA{}", mixed(rng, BASE64URL, 58))),
        sentences: &["the review apps pipeline authenticates with {}"],
    },
    Kind {
        name: "digitalocean",
        rule: "digitalocean",
        make: |rng| Secret::whole(format!("dop_v1_{}", random(rng, HEX, 64))),
        sentences: &["doctl auth init with {} gave 401"],
    },
    Kind {
        name: "shopify",
        rule: "shopify",
        make: |rng| Secret::whole(format!("shpat_{}", random(rng, HEX, 32))),
        sentences: &["the inventory sync uses admin token {} and hits 429s"],
    },
    Kind {
        name: "mailgun",
        rule: "mailgun",
        make: |rng| Secret::whole(format!("key-{}", random(rng, HEX, 32))),
        sentences: &["bounce webhooks fail since mailgun rotated {}"],
    },
    Kind {
        name: "openai",
        rule: "openai_anthropic_key",
        make: |rng| Secret::whole(format!("sk-proj-{}", mixed(rng, BASE64URL, 64))),
        sentences: &["the summariser's key {} is over its quota", "OPENAI_API_KEY {} works from my laptop"],
    },
    Kind {
        name: "anthropic",
        rule: "openai_anthropic_key",
        make: |rng| Secret::whole(format!("sk-ant-api03-{}AA", mixed(rng, BASE64URL, 93))),
        sentences: &["the eval job used {} and got 529 overloaded"],
    },
    Kind {
        name: "jwt",
        rule: "jwt",
        make: jwt,
        sentences: &["the admin session cookie was {} and it never expires", "decoded {} — role admin, no exp claim"],
    },
    Kind {
        name: "basic_header",
        rule: "basic_auth",
        make: basic_header,
        sentences: &["curl -H '{}' https://search.internal/_cluster/health works", "the probe sends {}"],
    },
    Kind {
        name: "bearer_header",
        rule: "bearer_token",
        make: |rng| Secret::whole(mixed(rng, BASE64URL, 40)),
        sentences: &[
            "replayed with -H 'Authorization: Bearer {}' and got 200",
            "gateway logs show Bearer {} on every call",
        ],
    },
    Kind {
        name: "password_assignment",
        rule: "secret_assignment",
        make: |rng| Secret::whole(password(rng)),
        sentences: &[
            "DB_PASSWORD={} is what the migration job has",
            "the chart sets password: {} for the replica",
            "{{\"user\": \"orders\", \"password\": \"{}\"}} is in the failing request body",
        ],
    },
    Kind {
        name: "password_prose",
        rule: "secret_in_prose",
        make: |rng| Secret::whole(password(rng)),
        sentences: &[
            "new admin password is {} until we rotate tomorrow",
            "I reset the grafana password to {} for now",
            "the password for the bastion is {}",
        ],
    },
    Kind {
        name: "quoted_passphrase",
        rule: "secret_in_prose",
        make: passphrase,
        sentences: &["the backup key passphrase is \"{}\" per the runbook", "password is '{}' on the old NAS"],
    },
    Kind {
        name: "connection_url",
        rule: "url_credentials",
        make: connection_url,
        sentences: &["the worker connects to {} and times out", "DATABASE_URL={}"],
    },
    Kind {
        name: "pem_private_key",
        rule: "pem_private_key",
        make: |rng| pem_block(rng, "RSA PRIVATE KEY", 6),
        sentences: &["here is the bastion key, please rotate after:\n{}\nthanks", "{}"],
    },
    Kind {
        name: "openssh_private_key",
        rule: "pem_private_key",
        make: |rng| pem_block(rng, "OPENSSH PRIVATE KEY", 4),
        sentences: &["deploy key from the runner:\n{}"],
    },
    Kind {
        name: "pgp_private_key",
        rule: "pgp_private_key_block",
        make: |rng| pem_block(rng, "PGP PRIVATE KEY BLOCK", 5),
        sentences: &["the release signing key was in the repo:\n{}"],
    },
    Kind {
        name: "redis_cli_password",
        rule: "redis_cli_password",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["redis-cli -h cache-1.internal -p 6379 -a {} info replication shows no replica"],
    },
    Kind {
        name: "mysql_password_flag",
        rule: "mysql_password_flag",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["mysql -h db-2 -u orders -p{} -e 'show processlist' hangs"],
    },
    Kind {
        name: "pgpassword",
        rule: "secret_assignment",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["PGPASSWORD={} psql -h db-1 -U app -c 'select 1' works from the bastion"],
    },
    Kind {
        name: "curl_user",
        rule: "curl_user_password",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["curl -u admin:{} https://jenkins.internal/api/json returns 200"],
    },
    Kind {
        name: "docker_login",
        rule: "login_password_flag",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["docker login -u ci -p {} registry.internal fails with 401"],
    },
    Kind {
        name: "json_client_secret",
        rule: "secret_assignment",
        make: |rng| Secret::whole(mixed(rng, BASE64URL, 32)),
        sentences: &["the token request body is {{\"client_id\": \"checkout\", \"client_secret\": \"{}\"}}"],
    },
    Kind {
        name: "session_cookie",
        rule: "session_cookie",
        make: |rng| Secret::whole(random(rng, HEX, 32)),
        sentences: &["replaying with Cookie: sessionid={} reproduces the 500", "the HAR file has JSESSIONID={} in it"],
    },
    Kind {
        name: "netrc_password",
        rule: "password_without_separator",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["the runner's .netrc says machine git.internal login ci password {}"],
    },
    Kind {
        name: "kubectl_literal",
        rule: "secret_assignment",
        make: |rng| Secret::whole(password(rng)),
        sentences: &["kubectl -n orders create secret generic db --from-literal=password={} --dry-run=client -o yaml"],
    },
    Kind {
        name: "jdbc_password",
        rule: "secret_assignment",
        make: |rng| Secret::whole(url_password(rng)),
        sentences: &["jdbc:mysql://db-1:3306/orders?user=app&password={}&useSSL=true in the old properties file"],
    },
    Kind {
        name: "git_remote_token",
        rule: "url_credentials",
        make: |rng| Secret::whole(format!("ghs_{}", mixed(rng, ALNUM, 36))),
        sentences: &["the mirror remote is https://x-access-token:{}@github.com/acme/checkout.git"],
    },
    Kind {
        name: "signing_secret_prose",
        rule: "secret_in_prose",
        make: |rng| Secret::whole(mixed(rng, ALNUM, 32)),
        sentences: &["the webhook signing secret ended up in the access log: {}"],
    },
];

/// `per_kind` secrets of every kind, each in one of its sentences.
pub fn secrets(seed: u64, per_kind: usize) -> Vec<Planted> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut planted = Vec::new();
    for kind in KINDS {
        for index in 0..per_kind {
            let secret = (kind.make)(&mut rng);
            let sentence = kind.sentences[index % kind.sentences.len()].replace("{}", &secret.text);
            planted.push(Planted { kind: kind.name, rule: kind.rule, sentence, hidden: secret.hidden });
        }
    }
    planted
}

/// The number of kinds [`secrets`] draws from.
pub fn kind_count() -> usize {
    KINDS.len()
}

/// Ordinary incident talk; `{sha}`, `{uuid}` and the like are filled with fresh look-alikes.
const ORDINARY: &[&str] = &[
    "deployed {sha7} to checkout, p99 back to {ms}ms",
    "rolling back to {version} (commit {sha})",
    "trace {trace} shows the 504 comes from payments-api",
    "traceparent: 00-{trace}-{span}-01",
    "request id {uuid} failed with invalid token: expired",
    "image digest sha256:{digest} is the bad one",
    "pod checkout-{hex10}-{pod} restarted {n} times",
    "token=expired in the auth-service logs since {time}",
    "we saw 'invalid token' errors on {host}",
    "basic observability is missing for the search cluster",
    "Basic authentication fails for the legacy admin panel since {time}",
    "PWD=/srv/app was wrong in the cron job on {host}",
    "sk-proxy-01.internal is dropping connections to {ip}",
    "curl https://status.example.com/api/v2/summary.json returns 200 in {ms}ms",
    "grafana: https://grafana.internal/d/{hex10}/checkout?orgId=1&from=now-6h&to=now",
    "{ip} and {ip} are the hosts behind lb-{n}",
    "the password reset emails are delayed by {n} minutes",
    "secret rotation job failed on vault-2 at {time}; nothing leaked",
    "the API key quota alert fired at {n}%",
    "the token bucket is at {n}% on {host}",
    "max_tokens={n}00 for the summariser",
    "we need to rotate the key used by the signing service after {version}",
    "key: user:{n} is hot in redis",
    "secretName: checkout-db-credentials in the helm values",
    "the secret is stored in vault under kv/checkout",
    "our TLS cert expires in {n} days (serial {trace})",
    "upgrade redis to 7.2.{n}, version pinned in {sha7}",
    "ETag \"{trace}\" did not change after the deploy",
    "build {n} (commit {sha}) passed",
    "the bearer token expired at {time}, refresh failed",
    "Authorization header missing on calls from mobile app {version}",
    "password: reset via the portal worked for maya",
    "auth: ok, db: ok, cache: degraded",
    "api-key header is required since {version}",
    "the connection string for the replica points at db-2.internal:5432",
    "postgres://db-1.internal:5432/orders is reachable from {host}",
    "redis://cache-1:6379/0 refused connections at {time}",
    "https://hooks.example.com/deploy returns 404",
    "correlation id {uuid} is in every failing span",
    "kafka consumer lag on orders-v2 at {n}k, partition {n}",
    "the key rotation for {host} is scheduled for Friday",
    "the JWT header says alg=RS256 and kid={span}",
    "sha1 {sha} vs sha256 {digest}",
    "CPU at {n}% on ip-10-0-3-{n}.ec2.internal",
    "instance i-{hex17} terminated by the ASG at {time}",
    "version 2.{n}.3-rc.1+build.{n} was promoted",
    "Bearer auth works; Basic auth is disabled on the gateway",
    "invalid token: expired",
    "error=invalid_token description=\"The access token expired\"",
    "the session token TTL is 15m",
    "the API key for staging is in 1password",
    "password is at least 12 chars now per policy",
    "the token is valid for 3600 seconds",
    "secrets manager latency p99 = {ms}ms",
    "token_count: {n} per request on average",
    "the deploy key fingerprint is SHA256:{b64fp}",
    "see https://github.com/acme/checkout/commit/{sha}",
    "rolled back {sha7}..{sha7}, error rate down to 0.{n}%",
    "dns for api.example.com now points at {ip}",
    "the secret key rotation runbook is at https://wiki.internal/runbooks/keys",
    "sk-{n} is the internal ticket for the token refresh bug",
    "authorization: denied for role viewer on {host}",
    "saw 'Basic realm=\"admin\"' in the 401 response",
    "GET /api/v1/orders?page={n}&limit=50 takes {ms}ms",
    "the pg_hba change on {host} fixed password authentication for the replica",
    "payments-api {version} uses {n} connections out of 200",
    "docker pull registry.internal/checkout@sha256:{digest}",
    "helm upgrade checkout ./chart --set image.tag={sha7} --wait",
    "kubectl -n checkout logs deploy/checkout-api --since=10m | grep {uuid}",
    "node ip-172-31-{n}-{n}.eu-west-1.compute.internal is NotReady",
    "OIDC login loops: token endpoint returns 400 invalid_grant",
    "the key is in the usual place, ask maya",
    "we should store the password in vault, not in the chart",
    "the signing key id is {span}",
    "auth=oauth2 on the new gateway route",
    "PASS: {n} tests, FAIL: 0",
    "session_timeout=3600 on the admin app",
    "pass rate: {n}% after the fix",
    "cache key: user:{n}:cart is evicted too early",
    "partition key is customer_id, so one tenant gets all the load",
    "primary key violation on orders.id after the migration",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7{b64fp} maya@laptop is the key we added",
    "X-Request-Id: {uuid}",
    "mysql -u root -p -h db-1 prompts and then hangs",
    "redis-cli -a \"$REDIS_PASSWORD\" ping returns PONG",
    "export GITHUB_TOKEN=$(gh auth token) before running the script",
    "the API token is stored as FIREBREAK_TOKEN in vault",
    "password reset emails are delayed again",
    "token refresh failed: upstream 503 from auth-service",
    "secrets manager throttled us at {n} requests per second",
    "ssh-ed25519 public key for the bastion is in the repo, fingerprint {b64fp}",
];

/// `count` ordinary sentences.
pub fn ordinary(seed: u64, count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|index| fill(ORDINARY[index % ORDINARY.len()], &mut rng)).collect()
}

/// `template` with each `{slot}` filled with a fresh look-alike of its kind.
fn fill(template: &str, rng: &mut StdRng) -> String {
    let mut text = template.to_owned();
    while let Some(start) = text.find('{') {
        let Some(length) = text[start..].find('}') else { break };
        let slot = &text[start + 1..start + length];
        let value = match slot {
            "sha" => random(rng, HEX, 40),
            "sha7" => random(rng, HEX, 7),
            "trace" => random(rng, HEX, 32),
            "span" => random(rng, HEX, 16),
            "digest" => random(rng, HEX, 64),
            "hex10" => random(rng, HEX, 10),
            "hex17" => random(rng, HEX, 17),
            "pod" => random(rng, b"bcdfghjklmnpqrstvwxz2456789", 5),
            "b64fp" => random(rng, BASE64, 43),
            "uuid" => {
                let hex = random(rng, HEX, 32);
                format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
            }
            "ms" => rng.random_range(12..4_000).to_string(),
            "n" => rng.random_range(2..99).to_string(),
            "time" => format!("{:02}:{:02}", rng.random_range(0..24), rng.random_range(0..60)),
            "version" => format!("v{}.{}.{}", rng.random_range(1..5), rng.random_range(0..60), rng.random_range(0..20)),
            "ip" => {
                format!("10.{}.{}.{}", rng.random_range(0..255), rng.random_range(0..255), rng.random_range(1..255))
            }
            "host" => format!(
                "{}-{}.{}",
                ["checkout", "payments", "search", "auth-service", "tokens-api"].choose(rng).expect("not empty"),
                rng.random_range(1..9),
                ["internal", "prod.example.com", "svc.cluster.local"].choose(rng).expect("not empty")
            ),
            other => panic!("unknown slot {{{other}}} in a corpus template"),
        };
        text.replace_range(start..start + length + 1, &value);
    }
    text
}
