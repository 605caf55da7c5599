//! Discord's rate limits. Each limit is a bucket that allows so many requests per window, the
//! window starting with the first request after the last one ended:
//!
//! - **global**: every request of the bot except interaction callbacks and interaction webhooks
//!   (Discord: 50 per second). Discord announces it only by refusing: 429 with
//!   `X-RateLimit-Global: true`, `X-RateLimit-Scope: global` and `"global": true`.
//! - **create message** (`POST /channels/{c}/messages`), per channel (Discord: 5 per 5 s). Every
//!   answer on the route carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (Unix seconds),
//!   `-Reset-After` (seconds) and `-Bucket`, so a client can wait before it is refused.
//! - **channel rename** (`PATCH /channels/{c}` with `name` or `topic`), per channel (Discord: 2 per
//!   10 minutes). Discord sends no headers for it until it refuses, with `X-RateLimit-Scope: shared`.
//!
//! A refused request gets 429 with `Retry-After` (whole seconds, rounded up), the bucket's
//! headers and the body `{"message", "retry_after" (seconds, fractional), "global"}`; the server
//! keeps a [`RateLimitHit`] for each.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::error::ApiError;
use super::records::RateLimitHit;

/// At most `requests` requests in every window of `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Requests a window allows.
    pub requests: u32,
    /// How long a window lasts from its first request.
    pub per: Duration,
}

impl Limit {
    /// `requests` per `per`.
    pub const fn new(requests: u32, per: Duration) -> Self {
        Self { requests, per }
    }
}

/// The limits a server enforces; `None` leaves that kind of request unlimited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Every request but interaction callbacks and webhooks (Discord: 50 per second).
    pub global: Option<Limit>,
    /// Messages created in one channel (Discord: 5 per 5 seconds).
    pub messages_per_channel: Option<Limit>,
    /// Renames and topic changes of one channel (Discord: 2 per 10 minutes).
    pub channel_renames: Option<Limit>,
}

impl RateLimits {
    /// Discord's numbers.
    pub const fn discord() -> Self {
        Self {
            global: Some(Limit::new(50, Duration::from_secs(1))),
            messages_per_channel: Some(Limit::new(5, Duration::from_secs(5))),
            channel_renames: Some(Limit::new(2, Duration::from_secs(600))),
        }
    }

    /// No limits at all.
    pub const fn unlimited() -> Self {
        Self { global: None, messages_per_channel: None, channel_renames: None }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::discord()
    }
}

/// What the limiter decided about one request.
pub(crate) struct Admission {
    /// Headers for the answer.
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The 429 answer, when the request is refused.
    pub(crate) refusal: Option<ApiError>,
}

/// The bucket a request falls in.
struct Rule {
    /// The `X-RateLimit-Bucket` name, shared by every channel.
    bucket: &'static str,
    /// The window's key: the bucket and the channel.
    key: String,
    limit: Limit,
    /// Whether successful answers announce the bucket in headers.
    announced: bool,
}

/// One bucket's current window.
struct Window {
    started: Instant,
    used: u32,
}

/// Counts requests per bucket and refuses the ones over a limit.
pub(crate) struct Limiter {
    limits: RateLimits,
    windows: HashMap<String, Window>,
    hits: Vec<RateLimitHit>,
}

impl Limiter {
    /// A limiter enforcing `limits`.
    pub(crate) fn new(limits: RateLimits) -> Self {
        Self { limits, windows: HashMap::new(), hits: Vec::new() }
    }

    /// Counts a request to `segments` (the path under `/api/v10`, split) and decides whether it
    /// goes through. A refused request uses up nothing.
    pub(crate) fn admit(&mut self, method: &str, segments: &[&str], body: &Value, path: &str) -> Admission {
        let now = Instant::now();
        let global = match segments.first() {
            Some(&("interactions" | "webhooks")) => None,
            _ => self.limits.global.map(|limit| Rule {
                bucket: "global",
                key: "global".to_owned(),
                limit,
                announced: false,
            }),
        };
        let route = self.route_rule(method, segments, body);
        for (rule, is_global) in [(&global, true), (&route, false)] {
            let Some(rule) = rule else { continue };
            if let Some(wait) = self.exhausted(rule, now) {
                return self.refuse(rule, is_global, wait, method, path);
            }
        }
        let mut headers = Vec::new();
        for rule in [global, route].into_iter().flatten() {
            let window = self.windows.entry(rule.key.clone()).or_insert(Window { started: now, used: 0 });
            if now.duration_since(window.started) >= rule.limit.per {
                *window = Window { started: now, used: 0 };
            }
            window.used += 1;
            if rule.announced {
                let reset_after = rule.limit.per.saturating_sub(now.duration_since(window.started));
                headers = bucket_headers(&rule, rule.limit.requests.saturating_sub(window.used), reset_after);
            }
        }
        Admission { headers, refusal: None }
    }

    /// Every request refused so far, oldest first.
    pub(crate) fn hits(&self) -> Vec<RateLimitHit> {
        self.hits.clone()
    }

    /// The route bucket of a request, if it has one.
    fn route_rule(&self, method: &str, segments: &[&str], body: &Value) -> Option<Rule> {
        match (method, segments) {
            ("POST", ["channels", channel, "messages"]) => self.limits.messages_per_channel.map(|limit| Rule {
                bucket: "create-message",
                key: format!("create-message:{channel}"),
                limit,
                announced: true,
            }),
            ("PATCH", ["channels", channel]) if body.get("name").is_some() || body.get("topic").is_some() => {
                self.limits.channel_renames.map(|limit| Rule {
                    bucket: "channel-rename",
                    key: format!("channel-rename:{channel}"),
                    limit,
                    announced: false,
                })
            }
            _ => None,
        }
    }

    /// How long until `rule`'s window ends, if it has no request left.
    fn exhausted(&self, rule: &Rule, now: Instant) -> Option<Duration> {
        let window = self.windows.get(&rule.key)?;
        let elapsed = now.duration_since(window.started);
        (elapsed < rule.limit.per && window.used >= rule.limit.requests).then(|| rule.limit.per - elapsed)
    }

    /// The 429 answer for a request over `rule`, noted as a hit.
    fn refuse(&mut self, rule: &Rule, global: bool, wait: Duration, method: &str, path: &str) -> Admission {
        // Whole milliseconds, rounded up, so a client that waits exactly this long is not early.
        let retry_after = wait.as_micros().div_ceil(1000) as f64 / 1000.0;
        self.hits.push(RateLimitHit {
            method: method.to_owned(),
            path: path.to_owned(),
            bucket: rule.bucket.to_owned(),
            global,
            retry_after,
        });
        let mut headers = bucket_headers(rule, 0, wait);
        headers.push(("retry-after", (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).to_string()));
        let scope = if global {
            headers.push(("x-ratelimit-global", "true".to_owned()));
            "global"
        } else if rule.announced {
            "user"
        } else {
            "shared"
        };
        headers.push(("x-ratelimit-scope", scope.to_owned()));
        let body = json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global });
        Admission { headers, refusal: Some(ApiError { status: StatusCode::TOO_MANY_REQUESTS, body }) }
    }
}

/// The `X-RateLimit-*` headers of a bucket with `remaining` requests left for `reset_after`.
fn bucket_headers(rule: &Rule, remaining: u32, reset_after: Duration) -> Vec<(&'static str, String)> {
    let reset = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + reset_after;
    vec![
        ("x-ratelimit-limit", rule.limit.requests.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
        ("x-ratelimit-reset-after", format!("{:.3}", reset_after.as_secs_f64())),
        ("x-ratelimit-bucket", rule.bucket.to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(admission: &'a Admission, name: &str) -> Option<&'a str> {
        admission.headers.iter().find(|(key, _)| *key == name).map(|(_, value)| value.as_str())
    }

    fn post_message(limiter: &mut Limiter, channel: &str) -> Admission {
        limiter.admit("POST", &["channels", channel, "messages"], &Value::Null, "/channels/x/messages")
    }

    #[test]
    fn the_sixth_message_in_a_channel_is_refused_with_the_wait() {
        let mut limiter = Limiter::new(RateLimits::discord());
        for left in (0..5).rev() {
            let admitted = post_message(&mut limiter, "1");
            assert!(admitted.refusal.is_none());
            assert_eq!(header(&admitted, "x-ratelimit-remaining"), Some(left.to_string().as_str()));
            assert_eq!(header(&admitted, "x-ratelimit-bucket"), Some("create-message"));
        }
        let refused = post_message(&mut limiter, "1");
        let error = refused.refusal.as_ref().expect("over the limit");
        assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(error.body["global"], false);
        let retry_after = error.body["retry_after"].as_f64().unwrap();
        assert!(retry_after > 4.0 && retry_after <= 5.0, "{retry_after}");
        assert_eq!(header(&refused, "retry-after"), Some("5"));
        assert_eq!(header(&refused, "x-ratelimit-scope"), Some("user"));
        assert!(post_message(&mut limiter, "2").refusal.is_none(), "another channel has its own bucket");
        assert_eq!(limiter.hits().len(), 1);
    }

    #[test]
    fn the_global_limit_spares_interaction_endpoints_and_says_it_is_global() {
        let limits = RateLimits { global: Some(Limit::new(2, Duration::from_secs(60))), ..RateLimits::unlimited() };
        let mut limiter = Limiter::new(limits);
        assert!(limiter.admit("GET", &["users", "@me"], &Value::Null, "/users/@me").refusal.is_none());
        assert!(limiter.admit("GET", &["gateway"], &Value::Null, "/gateway").refusal.is_none());
        let callback = limiter.admit("POST", &["interactions", "1", "t", "callback"], &Value::Null, "/interactions");
        assert!(callback.refusal.is_none());
        let refused = limiter.admit("GET", &["users", "@me"], &Value::Null, "/users/@me");
        assert_eq!(refused.refusal.as_ref().unwrap().body["global"], true);
        assert_eq!(header(&refused, "x-ratelimit-global"), Some("true"));
        assert!(limiter.hits()[0].global);
    }

    #[test]
    fn renames_are_limited_without_headers_until_refused() {
        let mut limiter = Limiter::new(RateLimits::discord());
        let rename = serde_json::json!({ "name": "inc-1" });
        let first = limiter.admit("PATCH", &["channels", "9"], &rename, "/channels/9");
        assert!(first.refusal.is_none() && first.headers.is_empty());
        assert!(
            limiter
                .admit("PATCH", &["channels", "9"], &serde_json::json!({ "parent_id": null }), "/c")
                .refusal
                .is_none()
        );
        assert!(
            limiter.admit("PATCH", &["channels", "9"], &serde_json::json!({ "topic": "t" }), "/c").refusal.is_none()
        );
        let refused = limiter.admit("PATCH", &["channels", "9"], &rename, "/channels/9");
        assert!(refused.refusal.is_some());
        assert_eq!(header(&refused, "x-ratelimit-scope"), Some("shared"));
        assert!(header(&refused, "retry-after").unwrap().parse::<u64>().unwrap() > 500);
    }

    #[test]
    fn unlimited_refuses_nothing() {
        let mut limiter = Limiter::new(RateLimits::unlimited());
        for _ in 0..100 {
            assert!(post_message(&mut limiter, "1").refusal.is_none());
        }
    }
}
