//! The observer port: what the engine tells the outside world about its own work — each turn
//! and how it ended, incidents opened, waits for an incident's lock, events recognised as
//! already handled, ratings of its help — so they can be counted and timed. Telling never
//! changes a turn; the implementation (metrics) only records.

use std::fmt;
use std::time::Duration;

use crate::core::incident::Source;

/// How a turn ended, for whoever must answer its sender (a webhook's HTTP status) and for
/// metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Handled: what it asked for was done, or there was nothing to do (a repeat).
    Done,
    /// Refused: the input cannot be handled as it is (bad usage, not allowed, too long).
    Refused,
    /// Not handled because something it needs (the store, the chat platform, the incident's
    /// lock) is unavailable right now; nothing of it was recorded, so sending it again later
    /// is safe.
    Unavailable,
    /// Failed on our side; logged with a reference.
    Failed,
}

impl Outcome {
    /// The lower-case word, as metrics label it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Refused => "refused",
            Outcome::Unavailable => "unavailable",
            Outcome::Failed => "failed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Receives what the engine reports about its own work.
pub trait Observer: Send + Sync {
    /// A turn of `kind` (see `Input::kind`) ended with `outcome` after `elapsed`.
    fn turn(&self, kind: &'static str, outcome: Outcome, elapsed: Duration);

    /// An incident was opened, reported by `source`.
    fn incident_opened(&self, source: Source);

    /// A turn waited `waited` for an incident's lock, whether it got it or gave up.
    fn lock_waited(&self, waited: Duration);

    /// An event of `kind` was recognised as handled already (a retry, a replay, a duplicate
    /// delivery) and skipped.
    fn duplicate(&self, kind: &'static str);

    /// Someone rated the bot's help 1–5.
    fn rated(&self, rating: u8);
}
