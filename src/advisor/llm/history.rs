//! The conversation a follow-up or `/summary` shows the model, within `[llm] history_tokens`:
//! the newest timeline lines verbatim and, standing in for the older ones, a running summary (a
//! [`Digest`]) kept with the incident.
//!
//! When the lines not yet in the digest outgrow what the budget leaves beside it, the oldest of
//! them are due to be folded into it, as many as it takes for the rest to fit in half the
//! budget: the model is then asked to fold once every several turns rather than every turn.
//! Tokens are estimated, not counted: a quarter of the characters, rounded up, per line.

use std::ops::Range;

use crate::core::timeline::{Digest, Entry};

/// What of the timeline a request shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conversation {
    /// The running summary of the older lines, if there is one.
    pub running_summary: Option<String>,
    /// The newest lines, verbatim, oldest first.
    pub recent: Vec<String>,
}

/// Estimated tokens of `text`: a quarter of its characters, rounded up.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// The part of an incident's timeline a digest does not cover yet, as lines, measured against
/// a token budget. Lines are made only for that part: a long incident's covered past costs
/// nothing per turn.
#[derive(Debug)]
pub struct History<'a> {
    /// The digest as last kept.
    digest: Option<&'a Digest>,
    /// Where `lines` start in the timeline: the entries `digest` covers come before.
    first: usize,
    /// One line per entry from `first` on.
    lines: Vec<String>,
    budget: usize,
}

impl<'a> History<'a> {
    /// The timeline past what `digest` covers, against `budget` tokens.
    pub fn new(timeline: &[Entry], digest: Option<&'a Digest>, budget: usize) -> Self {
        let first = digest.map_or(0, |digest| digest.covers.min(timeline.len()));
        Self { digest, first, lines: timeline[first..].iter().map(Entry::summary_line).collect(), budget }
    }

    /// The lines due to be folded into the digest now, by position in the timeline; `None`
    /// while everything the digest does not cover fits beside it.
    pub fn due(&self) -> Option<Range<usize>> {
        let allowance = self.allowance(self.digest);
        if newest_fitting(&self.lines, allowance) == 0 {
            return None;
        }
        let fold = newest_fitting(&self.lines, allowance.min(self.budget / 2));
        Some(self.first..self.first + fold)
    }

    /// The lines at `positions` in the timeline, which must be past what the digest covers.
    pub fn lines(&self, positions: Range<usize>) -> &[String] {
        &self.lines[positions.start - self.first..positions.end - self.first]
    }

    /// `digest` (the one this history was made with, or one folded from it) and the newest
    /// lines it does not cover that fit beside it. Lines neither shown nor covered stay on the
    /// timeline for a later fold.
    pub fn conversation(&self, digest: Option<&Digest>) -> Conversation {
        let covered = digest.map_or(0, |digest| digest.covers.saturating_sub(self.first).min(self.lines.len()));
        let rest = &self.lines[covered..];
        let start = covered + newest_fitting(rest, self.allowance(digest));
        Conversation { running_summary: digest.map(|digest| digest.text.clone()), recent: self.lines[start..].to_vec() }
    }

    /// The tokens `digest` leaves for lines.
    fn allowance(&self, digest: Option<&Digest>) -> usize {
        self.budget.saturating_sub(digest.map_or(0, |digest| estimate_tokens(&digest.text)))
    }
}

/// Where the newest of `lines` that together fit `allowance` tokens start (`lines.len()` when
/// not even the newest fits).
fn newest_fitting(lines: &[String], allowance: usize) -> usize {
    let mut used = 0;
    for (index, line) in lines.iter().enumerate().rev() {
        used += estimate_tokens(line);
        if used > allowance {
            return index + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::core::timeline::{Author, EntryKind};

    /// `count` messages, each 40 characters as a line ("09:00 ana: " plus 29), so 10 tokens.
    fn timeline(count: usize) -> Vec<Entry> {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        (0..count).map(|n| Entry::new(at, Author::new("u", "ana"), EntryKind::Message, format!("{n:029}"))).collect()
    }

    #[test]
    fn tokens_are_a_quarter_of_the_characters_rounded_up() {
        assert_eq!((estimate_tokens(""), estimate_tokens("abcd"), estimate_tokens("abcde")), (0, 1, 2));
        assert_eq!(estimate_tokens("ééé"), 1, "characters, not bytes");
    }

    #[test]
    fn a_conversation_within_the_budget_is_shown_whole_and_nothing_is_due() {
        let history = History::new(&timeline(10), None, 100);

        assert_eq!(history.due(), None);
        assert_eq!(history.conversation(None).recent, history.lines(0..10));
    }

    #[test]
    fn an_outgrown_conversation_folds_until_the_rest_fits_half_the_budget() {
        let history = History::new(&timeline(11), None, 100);

        assert_eq!(history.due(), Some(0..6), "the newest 5 lines take 50 tokens, half of 100");
        let shown = history.conversation(None);
        assert_eq!(shown.recent, history.lines(1..11), "until folded, the newest 100 tokens are shown");
        let folded = Digest { text: "x".repeat(80), covers: 6 };
        assert_eq!(history.conversation(Some(&folded)).recent, history.lines(6..11));
    }

    #[test]
    fn the_digest_takes_its_share_of_the_budget_and_only_uncovered_lines_are_due() {
        let entries = timeline(20);
        // 80 characters: 20 tokens, leaving 80 for lines.
        let digest = Digest { text: "x".repeat(80), covers: 10 };
        let history = History::new(&entries, Some(&digest), 100);

        assert_eq!(history.due(), Some(10..15), "10 uncovered lines need 100 of 80 tokens");
        let shown = history.conversation(Some(&digest));
        assert_eq!(shown.running_summary.as_deref(), Some(digest.text.as_str()));
        assert_eq!(shown.recent, history.lines(12..20), "the newest 8 uncovered lines fit 80 tokens");

        let folded = Digest { text: "x".repeat(80), covers: 15 };
        assert_eq!(history.conversation(Some(&folded)).recent, history.lines(15..20));
        assert_eq!(History::new(&entries, Some(&folded), 100).due(), None);
    }

    #[test]
    fn a_digest_covering_more_than_the_timeline_covers_all_of_it() {
        let digest = Digest { text: "s".into(), covers: 9 };
        let history = History::new(&timeline(3), Some(&digest), 100);

        assert_eq!(history.due(), None);
        assert!(history.conversation(Some(&digest)).recent.is_empty());
    }
}
