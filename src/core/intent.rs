//! What a question addressed to the bot is about, read from its words: the one place both the
//! engine (should fresh evidence be gathered first, and from which tools?) and the advisors
//! (what should the answer be about?) look.
//!
//! Each intent has cues — words and phrases, weighted (see `cues`) — matched as whole, stemmed
//! words, so "changes", "changed" and "changing" all meet the cue "change", while "unchanged"
//! does not. The intent with the highest score wins. A question with no cue at all is
//! [`Intent::Other`]: it needs a model.
//!
//! Ties are settled by [`Intent::BY_PRIORITY`]: a request for judgement first ("should we roll
//! back the deploy?" is a decision, not a list of deploys); then the specific asks — changes,
//! what was tried, precedents, causes, next steps — before the broad ones — people, status,
//! live state, catch-up — which specific questions mention in passing ("did anything ship
//! right before the alerts?" is about changes, not about history).

mod cues;
mod words;

use std::fmt;
use std::sync::LazyLock;

use self::cues::{ACTION_WEIGHT, ACTIONS, CUES};
use self::words::{contains, words};

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    /// What changed recently: deploys, config and flag changes.
    RecentChanges,
    /// The systems' state now: error rates, latency, "is it still failing?".
    LiveState,
    /// Who is involved, who commands, who to reach.
    People,
    /// The incident's status and severity.
    Status,
    /// What was tried or done already: restarts, rollbacks, failovers.
    Tried,
    /// Similar past incidents.
    Similar,
    /// The likely root cause.
    Cause,
    /// What to do next: mitigation steps and checks.
    NextSteps,
    /// What has happened so far, for someone catching up.
    CatchUp,
    /// Anything else: a judgement, a piece of writing, a question the state cannot answer.
    Other,
}

/// A cue stemmed once: its intent, weight and words.
struct Cue {
    intent: Intent,
    weight: u32,
    words: Vec<String>,
}

static COMPILED: LazyLock<Vec<Cue>> = LazyLock::new(|| {
    CUES.iter()
        .flat_map(|cues| {
            cues.phrases.iter().map(|phrase| Cue { intent: cues.intent, weight: cues.weight, words: words(phrase) })
        })
        .collect()
});

static ACTION_WORDS: LazyLock<Vec<Vec<String>>> =
    LazyLock::new(|| ACTIONS.iter().map(|action| words(action)).collect());

impl Intent {
    /// Every intent, in declaration order.
    pub const ALL: [Intent; 10] = [
        Intent::RecentChanges,
        Intent::LiveState,
        Intent::People,
        Intent::Status,
        Intent::Tried,
        Intent::Similar,
        Intent::Cause,
        Intent::NextSteps,
        Intent::CatchUp,
        Intent::Other,
    ];

    /// Who wins a tie: judgement first, then specific asks before broad ones (see the module
    /// documentation).
    pub const BY_PRIORITY: [Intent; 10] = [
        Intent::Other,
        Intent::RecentChanges,
        Intent::Tried,
        Intent::Similar,
        Intent::Cause,
        Intent::NextSteps,
        Intent::People,
        Intent::Status,
        Intent::LiveState,
        Intent::CatchUp,
    ];

    /// What `question` asks for.
    pub fn of(question: &str) -> Intent {
        let words = words(question);
        let mut scores = [0_u32; Intent::ALL.len()];
        for cue in COMPILED.iter().filter(|cue| contains(&words, &cue.words)) {
            scores[cue.intent.index()] += cue.weight;
        }
        if ACTION_WORDS.iter().any(|action| contains(&words, action)) {
            scores[Intent::Tried.index()] += ACTION_WEIGHT;
        }
        let mut best = (Intent::Other, 0);
        for intent in Intent::BY_PRIORITY {
            // Strictly greater: on a tie the intent earlier in priority stays.
            if scores[intent.index()] > best.1 {
                best = (intent, scores[intent.index()]);
            }
        }
        best.0
    }

    /// Whether answering it is worth running diagnostics first: it asks about the present.
    pub fn wants_fresh_evidence(self) -> bool {
        matches!(self, Intent::RecentChanges | Intent::LiveState)
    }

    /// Its name in snake case, as fixtures and logs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::RecentChanges => "recent_changes",
            Intent::LiveState => "live_state",
            Intent::People => "people",
            Intent::Status => "status",
            Intent::Tried => "tried",
            Intent::Similar => "similar",
            Intent::Cause => "cause",
            Intent::NextSteps => "next_steps",
            Intent::CatchUp => "catch_up",
            Intent::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `text` tells of something done to the systems (a restart, a rollback, a failover, a
/// flush, "tried …"): what the timeline is searched for when someone asks what was tried.
pub fn mentions_action(text: &str) -> bool {
    let words = words(text);
    ACTION_WORDS.iter().any(|action| contains(&words, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_intent_is_listed_once_in_order_and_once_by_priority() {
        for (position, intent) in Intent::ALL.iter().enumerate() {
            assert_eq!(intent.index(), position, "{intent}");
            assert_eq!(Intent::BY_PRIORITY.iter().filter(|other| *other == intent).count(), 1, "{intent}");
        }
    }

    #[test]
    fn a_question_without_cues_is_other() {
        assert_eq!(Intent::of("translate this into French"), Intent::Other);
        assert_eq!(Intent::of(""), Intent::Other);
    }

    #[test]
    fn forms_of_a_cue_all_count() {
        assert_eq!(Intent::of("what changed?"), Intent::RecentChanges);
        assert_eq!(Intent::of("any changes?"), Intent::RecentChanges);
        assert_eq!(Intent::of("is it still erroring?"), Intent::LiveState);
    }

    #[test]
    fn a_tie_goes_to_the_intent_earlier_in_priority() {
        // "ship" (changes, 2) against "before" (similar, 2).
        assert_eq!(Intent::of("did anything ship before?"), Intent::RecentChanges);
        // "should we" (judgement, 2) against "deploy" (changes, 2).
        assert_eq!(Intent::of("should we pause the deploy?"), Intent::Other);
    }

    #[test]
    fn actions_are_recognised_in_any_form() {
        assert!(mentions_action("Rolling back checkout-api to v2.40"));
        assert!(mentions_action("restarted the pods, no change"));
        assert!(mentions_action("we failed over to eu-west"));
        assert!(!mentions_action("gateway shows upstream connect errors"));
    }

    #[test]
    fn only_questions_about_the_present_want_fresh_evidence() {
        let fresh: Vec<Intent> = Intent::ALL.into_iter().filter(|intent| intent.wants_fresh_evidence()).collect();
        assert_eq!(fresh, [Intent::RecentChanges, Intent::LiveState]);
    }
}
