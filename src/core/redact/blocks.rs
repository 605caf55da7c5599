//! Private keys pasted a line at a time. Chat clients send a multi-line paste as one message,
//! but people also paste a PEM or PGP key line by line, and then no single message holds both
//! its BEGIN and its END. [`BlockRedactor`] remembers, per author, a block that has begun and
//! not ended, and masks that author's following lines until its END line (or until a line that
//! cannot be key material shows the paste is over).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::redact;
use super::rules::BLOCK_MASK;

/// Lines masked for one open block before it is closed regardless: a 4096-bit RSA key is about
/// 50 lines, a PGP key with subkeys a few hundred.
const MAX_BLOCK_LINES: usize = 1_000;

static BEGIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN (?:(?:[A-Z0-9]+ )*PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----")
        .expect("the block start pattern is valid")
});

static END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----END (?:(?:[A-Z0-9]+ )*PRIVATE KEY|PGP PRIVATE KEY BLOCK)-----")
        .expect("the block end pattern is valid")
});

/// Armour headers inside a block: `Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`, `Comment: …`.
static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z-]*: \S").expect("the armour header pattern is valid"));

/// Redaction of a stream of chat lines that remembers private key blocks left open by each
/// author. Use one per place messages arrive in order (a channel, or the whole bot with
/// `author` including the channel).
#[derive(Debug, Default)]
pub struct BlockRedactor {
    /// Authors with a block begun and not ended, and how many lines of it were masked.
    open: HashMap<String, usize>,
}

impl BlockRedactor {
    /// A redactor with no block open.
    pub fn new() -> Self {
        Self::default()
    }

    /// `text`, the next message of `author`, redacted: the rest of a block this author began
    /// earlier is masked up to its END line, the remainder is redacted as [`redact`] does, and a
    /// block begun here and not ended is remembered for the author's next lines.
    pub fn line<'t>(&mut self, author: &str, text: &'t str) -> Cow<'t, str> {
        let mut start = 0;
        if let Some(masked) = self.open.get_mut(author) {
            match consume_block(text, masked) {
                Consumed::Continues => return Cow::Borrowed(BLOCK_MASK),
                Consumed::Ended(at) | Consumed::Abandoned(at) => {
                    self.open.remove(author);
                    start = at;
                }
            }
        }
        let rest = &text[start..];
        let redacted = redact(rest);
        if opens_block(rest) {
            self.open.insert(author.to_owned(), 0);
        }
        if start == 0 {
            return redacted;
        }
        // The masked lines' own line break was dropped with them.
        let separator = if rest.is_empty() || rest.starts_with(char::is_whitespace) { "" } else { "\n" };
        Cow::Owned(format!("{BLOCK_MASK}{separator}{redacted}"))
    }

    /// Whether `author` has a block open.
    pub fn is_open(&self, author: &str) -> bool {
        self.open.contains_key(author)
    }
}

/// What the lines of a message did to an open block.
enum Consumed {
    /// Every line was key material; the block stays open.
    Continues,
    /// The END line came; the text after it starts at this byte.
    Ended(usize),
    /// A line that cannot be key material, at this byte: the paste is over without its END.
    Abandoned(usize),
}

/// Walks `text`'s lines while they belong to the open block, counting them in `masked`.
fn consume_block(text: &str, masked: &mut usize) -> Consumed {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(end) = END.find(line) {
            return Consumed::Ended(offset + end.end());
        }
        if *masked >= MAX_BLOCK_LINES || !key_material(line.trim()) {
            return Consumed::Abandoned(offset);
        }
        *masked += 1;
        offset += line.len();
    }
    Consumed::Continues
}

/// Whether `line` can be part of a key block's body: base64 (a full line, or a short last one
/// that is padded or not a word), an armour header, a PGP checksum, or blank.
fn key_material(line: &str) -> bool {
    if line.is_empty() || HEADER.is_match(line) {
        return true;
    }
    let base64 = line.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'='));
    let wordlike = line.bytes().all(|byte| byte.is_ascii_lowercase());
    base64 && (line.len() >= 16 || line.contains('=') || line.len().is_multiple_of(4) && !wordlike)
}

/// Whether the last block `text` begins has no END after it.
fn opens_block(text: &str) -> bool {
    BEGIN.find_iter(text).last().is_some_and(|begin| !END.is_match(&text[begin.end()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_LINES: [&str; 5] = [
        "-----BEGIN RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
        "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK",
        "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo",
        "-----END RSA PRIVATE KEY-----",
    ];

    #[test]
    fn a_key_pasted_line_by_line_is_masked_from_begin_to_end() {
        let mut redactor = BlockRedactor::new();

        let stored: Vec<String> = KEY_LINES.iter().map(|line| redactor.line("maya", line).into_owned()).collect();

        assert!(stored.iter().all(|line| line == BLOCK_MASK), "{stored:?}");
        assert!(!redactor.is_open("maya"));
        assert_eq!(redactor.line("maya", "thanks, rotating it now"), "thanks, rotating it now");
    }

    #[test]
    fn another_author_talking_in_between_is_not_masked() {
        let mut redactor = BlockRedactor::new();

        redactor.line("maya", KEY_LINES[0]);
        let other = redactor.line("sam", "please don't paste keys here");
        let body = redactor.line("maya", KEY_LINES[1]);

        assert_eq!(other, "please don't paste keys here");
        assert_eq!(body, BLOCK_MASK);
    }

    #[test]
    fn text_after_the_end_line_is_kept_and_redacted() {
        let mut redactor = BlockRedactor::new();
        redactor.line("maya", KEY_LINES[0]);

        let last = redactor.line("maya", "-----END RSA PRIVATE KEY-----\nand the password is Tr0ub4dor&3");

        assert_eq!(last, format!("{BLOCK_MASK}\nand the password is [REDACTED]"));
    }

    #[test]
    fn a_paste_abandoned_without_its_end_closes_at_the_first_line_of_talk() {
        let mut redactor = BlockRedactor::new();
        redactor.line("maya", KEY_LINES[0]);
        redactor.line("maya", KEY_LINES[1]);

        let talk = redactor.line("maya", "oops, wrong channel");

        assert_eq!(talk, "oops, wrong channel");
        assert!(!redactor.is_open("maya"));
    }

    #[test]
    fn a_block_begun_and_ended_in_one_message_leaves_nothing_open() {
        let mut redactor = BlockRedactor::new();
        let pasted = KEY_LINES.join("\n");

        let whole = redactor.line("maya", &pasted);

        assert_eq!(whole, BLOCK_MASK);
        assert!(!redactor.is_open("maya"));
    }
}
