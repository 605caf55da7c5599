//! How incident channels are named, both ways: the bot names the channels it opens
//! `inc-<number>-<title slug>`, and a channel it follows or is attached to gives its name, in
//! words, as the incident's title. Platform adapters never repeat these rules.

use std::sync::LazyLock;

use regex::Regex;

use super::incident::IncidentId;

/// Longest channel name (Discord's limit).
const NAME_LIMIT: usize = 100;

/// `inc-1042-checkout-returning-502s`: the number, then the title's words in lower-case ASCII,
/// as many whole words as fit.
pub fn incident_channel_name(id: IncidentId, title: &str) -> String {
    let words = title.split(|c: char| !c.is_ascii_alphanumeric()).filter(|word| !word.is_empty());
    let mut name = format!("inc-{}", id.number());
    for word in words.map(str::to_ascii_lowercase) {
        if name.len() + 1 + word.len() > NAME_LIMIT {
            break;
        }
        name.push('-');
        name.push_str(&word);
    }
    name
}

/// The title an incident takes from its channel's name: `search-latency_eu` → `search latency eu`.
pub fn title_from_channel_name(name: &str) -> String {
    name.split(['-', '_']).filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Whether the bot named this channel itself (`inc-<number>…`): such channels are declared by
/// the bot, never followed.
pub fn is_own_channel(name: &str) -> bool {
    static OWN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^inc-\d+(-|$)").expect("static regex is valid"));
    OWN.is_match(name)
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
    fn titles_from_channel_names_are_their_words() {
        assert_eq!(title_from_channel_name("incident-search--latency_eu"), "incident search latency eu");
    }

    #[test]
    fn the_bot_recognises_the_channels_it_named() {
        assert!(is_own_channel("inc-2001-search-slow"));
        assert!(is_own_channel("inc-2001"));
        assert!(!is_own_channel("inc-search-slow"));
    }
}
