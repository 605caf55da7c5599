//! Incident channels on Discord: the names the bot gives the channels it creates, and which
//! channels created by people it follows.

use std::sync::LazyLock;

use regex::Regex;

use crate::core::incident::IncidentId;

/// Longest channel name Discord accepts.
const NAME_LIMIT: usize = 100;

/// `inc-1042-checkout-returning-502s`: the incident number, then the title in lower-case words.
pub fn incident_channel_name(id: IncidentId, title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut name = format!("inc-{}", id.number());
    for word in words {
        if name.len() + 1 + word.len() > NAME_LIMIT {
            break;
        }
        name.push('-');
        name.push_str(&word);
    }
    name
}

/// Whether a newly created channel called `name` should become an incident channel: it matches
/// the configured pattern and is not one the bot named itself (those are declared already).
pub fn follows(pattern: Option<&Regex>, name: &str) -> bool {
    static OWN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^inc-\d+(-|$)").expect("static regex is valid"));
    pattern.is_some_and(|pattern| pattern.is_match(name)) && !OWN.is_match(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_slugs_of_the_title_after_the_number() {
        let id = IncidentId::from_number(1042);
        assert_eq!(incident_channel_name(id, "Checkout returning 502s!"), "inc-1042-checkout-returning-502s");
        assert_eq!(incident_channel_name(id, "Ünïcode only"), "inc-1042-n-code-only");
        assert!(incident_channel_name(id, &"word ".repeat(50)).len() <= NAME_LIMIT);
    }

    #[test]
    fn the_bot_never_follows_its_own_channels() {
        let pattern = Regex::new("^inc").unwrap();
        assert!(follows(Some(&pattern), "inc-search-slow"));
        assert!(!follows(Some(&pattern), "inc-2001-search-slow"));
        assert!(!follows(None, "incident-x"));
    }
}
