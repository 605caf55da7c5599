//! Text cut to fit: one rule for every place that bounds what people read (channel topics,
//! embed titles, evidence, timeline lines), so nothing is ever cut without saying so.

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
    fn text_at_the_limit_is_kept_whole_and_longer_text_is_marked() {
        assert_eq!(shortened("abcd", 4), "abcd");
        assert_eq!(shortened("abcde", 4), "abc…");
        assert_eq!(shortened("éééé", 3), "éé…");
        assert_eq!(shortened("", 4), "");
    }
}
