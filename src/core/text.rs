//! Text as it may enter and leave: cleaned of control characters where it enters (so a NUL or
//! a terminal escape is kept nowhere and shown nowhere), and cut to fit with one rule for every
//! place that bounds what people read (channel topics, embed titles, evidence, timeline lines),
//! so nothing is ever cut without saying so.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// `text` without control characters other than line breaks and tabs; terminal escape
/// sequences (`ESC [ … m` and the like) go whole, not only their first character.
pub fn clean(text: &str) -> Cow<'_, str> {
    static ESCAPE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
            .expect("static regex is valid")
    });
    let kept = |c: char| !c.is_control() || c == '\n' || c == '\t';
    if text.chars().all(kept) {
        return Cow::Borrowed(text);
    }
    let without_escapes = ESCAPE.replace_all(text, "");
    Cow::Owned(without_escapes.chars().filter(|c| kept(*c)).collect())
}

/// `text` cut to at most `limit` characters, ending in `…` when something was cut.
pub fn shortened(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit.saturating_sub(1)) {
        Some((cut, _)) if text[cut..].chars().nth(1).is_some() => format!("{}…", &text[..cut]),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_terminal_escapes_are_removed_and_lines_kept() {
        assert_eq!(clean("a\u{0}b\r\n\tc\u{1b}[31mred\u{1b}[0m \u{7}"), "ab\n\tcred ");
        assert_eq!(clean("\u{1b}]0;title\u{7}text"), "text");
        assert!(matches!(clean("plain text\nwith lines"), Cow::Borrowed(_)));
    }

    #[test]
    fn text_at_the_limit_is_kept_whole_and_longer_text_is_marked() {
        assert_eq!(shortened("abcd", 4), "abcd");
        assert_eq!(shortened("abcde", 4), "abc…");
        assert_eq!(shortened("éééé", 3), "éé…");
        assert_eq!(shortened("", 4), "");
    }
}
