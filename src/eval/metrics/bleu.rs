//! Sentence BLEU-4 as sacrebleu computes it by default: mteval-v13a tokenization, clipped
//! n-gram precisions for n = 1..=4, NIST exponential smoothing of zero counts, the brevity
//! penalty, and an "effective order" that stops at the longest n-gram the hypothesis has.

use std::sync::LazyLock;

use regex::Regex;

use super::text::{is_python_space, python_split, token_ids};

const MAX_ORDER: usize = 4;

/// A period or comma after a non-digit ("end." but not "3.5").
static STOP_AFTER_NON_DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[^0-9][.,]").expect("valid pattern"));
/// A period or comma before a non-digit ("3." at the end, "1,x").
static STOP_BEFORE_NON_DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[.,][^0-9]").expect("valid pattern"));
/// A dash after a digit ("5-10").
static DASH_AFTER_DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9]-").expect("valid pattern"));

/// sacrebleu's `sentence_bleu(hypothesis, [reference]).score / 100`: 0 when no unigram matches
/// (so whenever either side is empty), 1 for an identical non-empty text.
pub fn bleu4(hypothesis: &str, reference: &str) -> f64 {
    let hypothesis = tokenize_13a(hypothesis);
    let reference = tokenize_13a(reference);
    let hypothesis: Vec<&str> = python_split(&hypothesis).collect();
    let reference: Vec<&str> = python_split(&reference).collect();
    let (hypothesis, reference) = token_ids(&hypothesis, &reference);

    let mut correct = [0usize; MAX_ORDER];
    let mut total = [0usize; MAX_ORDER];
    for order in 1..=MAX_ORDER {
        total[order - 1] = (hypothesis.len() + 1).saturating_sub(order);
        correct[order - 1] = clipped_matches(&hypothesis, &reference, order);
    }
    from_counts(&correct, &total, hypothesis.len(), reference.len())
}

/// The mteval-v13a tokenization of one segment: its tokens, separated by Python whitespace.
fn tokenize_13a(segment: &str) -> String {
    let mut line = segment.trim_end_matches(is_python_space).to_owned();
    if line.contains("<skipped>") {
        line = line.replace("<skipped>", "");
    }
    if line.contains('\n') {
        line = line.replace("-\n", "").replace('\n', " ");
    }
    if line.contains('&') {
        line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }
    // The first rule spaces out single characters regardless of context, so a character map
    // does what its substitution does.
    let mut spaced = String::with_capacity(2 * line.len() + 2);
    spaced.push(' ');
    for c in line.chars() {
        if is_symbol(c) {
            spaced.extend([' ', c, ' ']);
        } else {
            spaced.push(c);
        }
    }
    spaced.push(' ');
    // Each match is two characters; the rules insert spaces around or after the ASCII one.
    if spaced.contains(['.', ',']) {
        spaced = substitute(&STOP_AFTER_NON_DIGIT, spaced, |found, out| {
            let (before, stop) = found.split_at(found.len() - 1);
            out.extend([before, " ", stop, " "]);
        });
        spaced = substitute(&STOP_BEFORE_NON_DIGIT, spaced, |found, out| {
            let (stop, after) = found.split_at(1);
            out.extend([" ", stop, " ", after]);
        });
    }
    if spaced.contains('-') {
        spaced = substitute(&DASH_AFTER_DIGIT, spaced, |found, out| {
            let (digit, dash) = found.split_at(1);
            out.extend([digit, " ", dash, " "]);
        });
    }
    spaced
}

/// ASCII punctuation and the space, except `'`, `,`, `-` and `.`: always spaced out.
fn is_symbol(c: char) -> bool {
    matches!(c, ' '..='&' | '('..='+' | '/' | ':'..='@' | '['..='`' | '{'..='~')
}

/// `pattern`'s leftmost non-overlapping matches in `text`, each replaced by what `write` adds:
/// Python's `re.sub` for patterns that cannot match the empty string.
fn substitute(pattern: &Regex, text: String, write: impl Fn(&str, &mut String)) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut copied = 0;
    for found in pattern.find_iter(&text) {
        out.push_str(&text[copied..found.start()]);
        write(found.as_str(), &mut out);
        copied = found.end();
    }
    if copied == 0 {
        return text;
    }
    out.push_str(&text[copied..]);
    out
}

/// Hypothesis n-grams of one order that the reference has, each counted at most as often as
/// the reference has it (the size of the two multisets' intersection).
fn clipped_matches(hypothesis: &[u32], reference: &[u32], order: usize) -> usize {
    fn sorted_grams(tokens: &[u32], order: usize) -> Vec<&[u32]> {
        let mut grams: Vec<&[u32]> = tokens.windows(order).collect();
        grams.sort_unstable();
        grams
    }
    let (hypothesis, reference) = (sorted_grams(hypothesis, order), sorted_grams(reference, order));
    let (mut h, mut r, mut matched) = (0, 0, 0);
    while h < hypothesis.len() && r < reference.len() {
        match hypothesis[h].cmp(reference[r]) {
            std::cmp::Ordering::Less => h += 1,
            std::cmp::Ordering::Greater => r += 1,
            std::cmp::Ordering::Equal => {
                matched += 1;
                h += 1;
                r += 1;
            }
        }
    }
    matched
}

/// The score from n-gram counts and lengths, with sacrebleu's smoothing and effective order.
fn from_counts(correct: &[usize; MAX_ORDER], total: &[usize; MAX_ORDER], hyp_len: usize, ref_len: usize) -> f64 {
    if correct.iter().all(|&count| count == 0) {
        return 0.0;
    }
    let brevity = if hyp_len >= ref_len { 1.0 } else { (1.0 - ref_len as f64 / hyp_len as f64).exp() };
    // Precisions are percentages and the smoothing halves 100/total for each further order
    // without a match, as sacrebleu does; the mean of the logs runs over the orders present.
    let (mut smoothing, mut log_sum, mut orders) = (1.0f64, 0.0f64, 0usize);
    for (&correct, &total) in correct.iter().zip(total) {
        if total == 0 {
            break;
        }
        orders += 1;
        let precision = if correct == 0 {
            smoothing *= 2.0;
            100.0 / (smoothing * total as f64)
        } else {
            100.0 * correct as f64 / total as f64
        };
        log_sum += precision.ln();
    }
    brevity * (log_sum / orders as f64).exp() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(segment: &str) -> String {
        python_split(&tokenize_13a(segment)).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn thirteen_a_splits_symbols_but_keeps_decimals_and_thousands_together() {
        assert_eq!(tokens("Latency: 3.5s, p99 1,000ms (x2)."), "Latency : 3.5s , p99 1,000ms ( x2 ) .");
    }

    #[test]
    fn thirteen_a_unescapes_html_and_joins_words_hyphenated_across_lines() {
        assert_eq!(tokens("&quot;re-\nstart&quot; &amp; go"), "\" restart \" & go");
    }

    #[test]
    fn thirteen_a_splits_a_dash_after_a_digit_only() {
        assert_eq!(tokens("5-10 re-run v2-rc"), "5 - 10 re-run v2 - rc");
    }

    #[test]
    fn the_symbol_class_is_ascii_punctuation_and_space_but_apostrophe_comma_dash_period() {
        let symbols: String = (' '..='~').filter(|&c| is_symbol(c)).collect();

        assert_eq!(symbols, " !\"#$%&()*+/:;<=>?@[\\]^_`{|}~");
    }

    #[test]
    fn an_identical_sentence_of_four_tokens_scores_one() {
        assert!((bleu4("restart the web pod", "restart the web pod") - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_short_hypothesis_is_scored_on_the_orders_it_has_and_penalised_for_brevity() {
        // Two tokens, both matching: unigrams 2/2, bigrams 1/1, no trigrams, so the order is 2;
        // brevity penalty exp(1 - 4/2).
        let expected = (1.0f64 - 2.0).exp();

        assert!((bleu4("the pod", "the pod restarted twice") - expected).abs() < 1e-12);
    }

    #[test]
    fn orders_without_a_match_are_smoothed_by_halving() {
        // "a b c d" vs "a x c y": unigrams 2/4, no bigram, trigram or 4-gram matches:
        // precisions 50, 100/(2*3), 100/(4*2), 100/(8*1).
        let expected = (50.0f64 * (100.0 / 6.0) * (100.0 / 8.0) * (100.0 / 8.0)).powf(0.25) / 100.0;

        assert!((bleu4("a b c d", "a x c y") - expected).abs() < 1e-12);
    }

    #[test]
    fn n_gram_matches_are_clipped_by_the_reference_count() {
        assert_eq!(clipped_matches(&[1, 1, 1, 1], &[1, 2, 1], 1), 2);
        assert_eq!(clipped_matches(&[1, 2, 1, 2], &[1, 2, 3], 2), 1);
    }
}
