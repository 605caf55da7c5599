//! How incident channels are named, both ways: the bot names the channels it opens
//! `inc-<number>-<title slug>`, and a channel it follows or is attached to gives its name, in
//! words, as the incident's title. Platform adapters never repeat these rules.

use std::sync::LazyLock;

use regex::Regex;

use super::incident::{Incident, IncidentId};

/// Longest channel name (Discord's limit).
const NAME_LIMIT: usize = 100;
/// What a resolved incident's channel is renamed with.
const RESOLVED_PREFIX: &str = "resolved-";

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

/// What the incident's channel should be called as the incident stands: `resolved-<name>` once
/// resolved (when `rename_resolved`), its name at opening otherwise. `None` when its name was
/// never known, so it is left alone.
pub fn name_for(incident: &Incident, rename_resolved: bool) -> Option<String> {
    let name = incident.channel_name.as_deref()?;
    if incident.is_open() || !rename_resolved {
        return Some(name.to_owned());
    }
    let mut renamed = format!("{RESOLVED_PREFIX}{name}");
    while renamed.len() > NAME_LIMIT {
        renamed.pop();
    }
    Some(renamed)
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
    fn a_resolved_channel_is_renamed_with_a_prefix_within_the_limit() {
        use crate::core::incident::{Declaration, Person, Severity, Source, Status};
        let declaration = Declaration {
            title: "t".into(),
            summary: String::new(),
            severity: Severity::Sev3,
            service: None,
            source: Source::Customer,
        };
        let mut incident =
            Incident::declared(IncidentId::from_number(7), declaration, Person::new("a", "a"), "c", chrono::Utc::now());
        assert_eq!(name_for(&incident, true), None);
        incident.channel_name = Some(format!("inc-7-{}", "x".repeat(94)));
        assert_eq!(name_for(&incident, true).as_deref(), incident.channel_name.as_deref());
        incident.status = Status::Resolved;
        let renamed = name_for(&incident, true).unwrap();
        assert!(renamed.starts_with("resolved-inc-7-") && renamed.len() == NAME_LIMIT, "{renamed}");
        assert_eq!(name_for(&incident, false).as_deref(), incident.channel_name.as_deref());
    }

    #[test]
    fn the_bot_recognises_the_channels_it_named() {
        assert!(is_own_channel("inc-2001-search-slow"));
        assert!(is_own_channel("inc-2001"));
        assert!(!is_own_channel("inc-search-slow"));
    }
}
