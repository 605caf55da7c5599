//! "What have we tried?" answered from the timeline: what people said or posted that tells of
//! something done to the systems (a restart, a rollback, a failover …), oldest first.

use super::wording;
use crate::core::intent::mentions_action;
use crate::core::timeline::{Entry, EntryKind};

/// Entries listed at most: the newest of them.
const LISTED: usize = 10;

/// The entries of `timeline` (oldest first) written by people that tell of an action, the
/// newest `LISTED` of them, oldest first; or that nothing was recorded.
pub(super) fn tried(timeline: &[Entry]) -> String {
    let done: Vec<&Entry> =
        timeline.iter().filter(|entry| said_by_people(&entry.kind) && mentions_action(&entry.text)).collect();
    if done.is_empty() {
        return wording::NOTHING_TRIED.to_owned();
    }
    let skip = done.len().saturating_sub(LISTED);
    let lines: Vec<String> = done[skip..].iter().map(|entry| format!("- {}", entry.summary_line())).collect();
    format!("{}\n{}", wording::TRIED, lines.join("\n"))
}

/// Whether entries of `kind` are what people wrote about the work (messages, updates, status
/// changes with their note), rather than questions, the bot's words or bookkeeping.
fn said_by_people(kind: &EntryKind) -> bool {
    matches!(kind, EntryKind::Message | EntryKind::Update | EntryKind::StatusChange { .. })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::core::timeline::Author;

    fn entry(minute: u32, kind: EntryKind, text: &str) -> Entry {
        Entry::new(Utc.with_ymd_and_hms(2026, 5, 1, 14, minute, 0).unwrap(), Author::new("sam", "sam"), kind, text)
    }

    #[test]
    fn actions_people_reported_are_listed_oldest_first() {
        let timeline = [
            entry(1, EntryKind::Message, "gateway shows upstream connect errors"),
            entry(2, EntryKind::Message, "restarted two checkout pods, no change"),
            entry(3, EntryKind::Question, "have we rolled back yet?"),
            entry(4, EntryKind::Update, "rolling back checkout-api to v2.40"),
        ];

        let answer = tried(&timeline);

        let listed: Vec<&str> = answer.lines().skip(1).collect();
        assert_eq!(
            listed,
            [
                "- 14:02 sam: restarted two checkout pods, no change",
                "- 14:04 sam posted an update: rolling back checkout-api to v2.40"
            ]
        );
    }

    #[test]
    fn with_nothing_done_it_says_so() {
        assert_eq!(tried(&[entry(1, EntryKind::Message, "looking at the dashboards")]), wording::NOTHING_TRIED);
    }
}
