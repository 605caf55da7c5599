//! What a question addressed to the bot is about, read from its words: the one place both the
//! engine (should fresh evidence be gathered first?) and the advisors (what should the answer
//! be about?) look.

/// Words that ask about the live state of the systems: worth re-running the incident's
/// diagnostics for, and answered with the latest evidence.
const LIVE_STATE_WORDS: &[&str] =
    &["evidence", "metric", "error rate", "latency", "right now", "currently", "still", "changes", "diagnos"];

/// Whether `question` asks about the live state (error rates, latency, what changed, "still").
pub fn asks_about_live_state(question: &str) -> bool {
    let question = question.to_lowercase();
    LIVE_STATE_WORDS.iter().any(|word| question.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_about_the_present_ask_about_live_state() {
        assert!(asks_about_live_state("Is checkout STILL failing?"));
        assert!(asks_about_live_state("what does the error rate look like"));
        assert!(!asks_about_live_state("who is the commander?"));
    }
}
