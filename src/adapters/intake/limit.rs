//! The per-source rate limit: a token bucket for each hook and client address, refilled at the
//! sustained rate and holding at most the burst. It protects the store and the chat platform
//! from a misconfigured sender; it is per replica, so the limit a sender meets grows with the
//! replicas behind a load balancer.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use super::{Hook, HookError};

/// Buckets kept before full ones (idle sources) are dropped.
const BUCKETS_KEPT: usize = 10_000;

/// Token buckets by hook and source.
pub(super) struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<(Hook, IpAddr), Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `rate` requests per second sustained, `burst` at once.
    pub fn new(rate: u32, burst: u32) -> Self {
        Self { rate: f64::from(rate), burst: f64::from(burst), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for a request from `source` to `hook`, or refuses it.
    pub fn check(&self, hook: Hook, source: IpAddr) -> Result<(), HookError> {
        self.check_at(hook, source, Instant::now())
    }

    fn check_at(&self, hook: Hook, source: IpAddr, now: Instant) -> Result<(), HookError> {
        // Plain data behind the lock: a panic elsewhere cannot leave it inconsistent.
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= BUCKETS_KEPT {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, bucket| refilled(*bucket, now, rate, burst) < burst);
        }
        let bucket = buckets.entry((hook, source)).or_insert(Bucket { tokens: self.burst, updated: now });
        let tokens = refilled(*bucket, now, self.rate, self.burst);
        if tokens < 1.0 {
            return Err(HookError::RateLimited);
        }
        *bucket = Bucket { tokens: tokens - 1.0, updated: now };
        Ok(())
    }
}

/// The bucket's tokens at `now`.
fn refilled(bucket: Bucket, now: Instant, rate: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * rate).min(burst)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use super::*;

    const SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn a_burst_passes_then_requests_wait_for_the_refill() {
        let limiter = RateLimiter::new(2, 3);
        let start = Instant::now();

        let burst: Vec<bool> = (0..4).map(|_| limiter.check_at(Hook::Alertmanager, SOURCE, start).is_ok()).collect();
        let later = limiter.check_at(Hook::Alertmanager, SOURCE, start + Duration::from_millis(500)).is_ok();

        assert_eq!(burst, [true, true, true, false]);
        assert!(later, "half a second at 2/s refills one request");
    }

    #[test]
    fn each_hook_and_source_has_its_own_bucket() {
        let limiter = RateLimiter::new(1, 1);
        let now = Instant::now();
        let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));

        assert!(limiter.check_at(Hook::Alertmanager, SOURCE, now).is_ok());
        assert!(limiter.check_at(Hook::Alertmanager, SOURCE, now).is_err());
        assert!(limiter.check_at(Hook::Grafana, SOURCE, now).is_ok());
        assert!(limiter.check_at(Hook::Alertmanager, other, now).is_ok());
    }
}
