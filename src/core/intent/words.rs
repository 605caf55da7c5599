//! Questions as words: lower-cased, split where letters meet digits or anything else
//! ("sev2?" → `sev`, `2`; "who's" → `who`, `s`), each word cut to a rough stem so "changed",
//! "changes" and "change" read the same. Cues go through the same cutting, so a cue is written
//! as people write it and matches every form of its words.

/// Endings cut from a word, first match only, as long as three letters remain.
const ENDINGS: [&str; 5] = ["ing", "ed", "es", "s", "e"];
/// Letters a word keeps doubled after losing an ending ("rolled" → `roll`, "pressed" →
/// `press`); any other doubled last letter is single in the stem ("stopped" → `stop`).
const KEPT_DOUBLE: [char; 3] = ['l', 's', 'z'];

/// The stemmed words of `text`, in order.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut digits = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let letter = c.is_alphabetic();
        let digit = c.is_ascii_digit();
        if !(letter || digit) || (!current.is_empty() && digit != digits) {
            push_stem(&mut words, &mut current);
        }
        if letter || digit {
            digits = digit;
            current.push(c);
        }
    }
    push_stem(&mut words, &mut current);
    words
}

fn push_stem(words: &mut Vec<String>, current: &mut String) {
    if !current.is_empty() {
        words.push(stem(current));
        current.clear();
    }
}

/// `word` without its ending; short words stay whole.
pub(super) fn stem(word: &str) -> String {
    for ending in ENDINGS {
        if let Some(root) = word.strip_suffix(ending)
            && root.chars().count() >= 3
        {
            return undouble(root, ending);
        }
    }
    word.to_owned()
}

/// "stopp" (from "stopped", "stopping") → "stop"; the double is the ending's doing only after
/// `-ed` and `-ing`.
fn undouble(root: &str, ending: &str) -> String {
    let mut chars = root.chars().rev();
    match (chars.next(), chars.next()) {
        (Some(last), Some(before))
            if (ending == "ed" || ending == "ing") && last == before && !KEPT_DOUBLE.contains(&last) =>
        {
            root[..root.len() - last.len_utf8()].to_owned()
        }
        _ => root.to_owned(),
    }
}

/// Whether `phrase` occurs in `words` as consecutive whole words.
pub(super) fn contains(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|window| window == phrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_a_word_share_a_stem() {
        for forms in [
            ["change", "changed", "changes", "changing"],
            ["deploy", "deployed", "deploys", "deploying"],
            ["stop", "stopped", "stops", "stopping"],
            ["roll", "rolled", "rolls", "rolling"],
        ] {
            let stems: Vec<String> = forms.iter().map(|form| stem(form)).collect();
            assert!(stems.iter().all(|stem| *stem == stems[0]), "{forms:?} → {stems:?}");
        }
    }

    #[test]
    fn words_split_at_punctuation_and_between_letters_and_digits() {
        assert_eq!(words("Who's on SEV2?"), ["who", "s", "on", "sev", "2"]);
        assert_eq!(words("5xx, p99"), ["5", "xx", "p", "99"]);
    }

    #[test]
    fn a_phrase_matches_whole_consecutive_words_only() {
        let question = words("what changed in the last hour");
        assert!(contains(&question, &words("what changes")));
        assert!(contains(&question, &words("last hour")));
        assert!(!contains(&question, &words("what hour")));
        assert!(!contains(&words("unchanged"), &words("change")));
    }
}
