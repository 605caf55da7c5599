//! Snowflake ids made the way Discord makes them: milliseconds since the Discord epoch (2015) in
//! the high bits and a counter below, so every id is unique, increases in creation order and
//! carries a plausible creation time.

use std::time::{SystemTime, UNIX_EPOCH};

/// 2015-01-01T00:00:00Z in Unix milliseconds, the zero of Discord's ids.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Hands out increasing snowflake ids.
#[derive(Default)]
pub(crate) struct Snowflakes {
    last: u64,
}

impl Snowflakes {
    /// A fresh id, greater than every id handed out before.
    pub(crate) fn next(&mut self) -> u64 {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(DISCORD_EPOCH_MS, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX >> 22));
        let candidate = now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last = candidate.max(self.last + 1);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_encode_the_creation_time() {
        let mut snowflakes = Snowflakes::default();
        let first = snowflakes.next();
        let second = snowflakes.next();
        assert!(second > first);
        let created_ms = (first >> 22) + DISCORD_EPOCH_MS;
        let now_ms = u64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap();
        assert!(now_ms - created_ms < 60_000, "creation time {created_ms} is not close to now {now_ms}");
    }
}
