//! Input hygiene and what errors repeat back: control characters kept nowhere and shown
//! nowhere, repeated options refused by name, a bad console line refused on its own, and
//! secrets typed into a command never echoed by its refusal.

use firebreak::core::command::Command;

use crate::cli::firebreak;
use crate::support::{command, memory_engine, message, text_of};

const CHANNEL: &str = "inc-checkout";
const DECLARE: &str = "/incident declare Checkout 502s service: checkout";
/// A GitHub token in its documented shape (not a real one).
const TOKEN: &str = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";

#[tokio::test]
async fn nul_bytes_and_terminal_escapes_are_kept_nowhere_and_shown_nowhere() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", "/incident declare Checkout \u{1b}[31m502s\u{0} service: checkout")).await;

    engine.handle(message(CHANNEL, "sam", "pods\u{0} restarting \u{1b}[2J\u{1b}]0;pwned\u{7}now")).await;
    let timeline = text_of(&engine.handle(command(CHANNEL, "sam", "/timeline")).await);

    assert!(timeline.contains("sam: pods restarting now"), "{timeline:?}");
    assert!(timeline.contains("Checkout 502s"), "{timeline:?}");
    assert!(!timeline.chars().any(|c| c.is_control() && c != '\n'), "{timeline:?}");
}

#[test]
fn an_option_given_twice_is_refused_by_name() {
    let refusal = Command::parse("/incident declare Checkout 502s severity: sev1 severity: sev4").unwrap_err().reply();

    assert!(refusal.contains("`severity:` is given twice"), "{refusal}");
}

#[tokio::test]
async fn refusals_never_repeat_a_secret_that_was_typed() {
    let engine = memory_engine();
    engine.handle(command(CHANNEL, "maya", DECLARE)).await;

    let refusals = [
        Command::parse(&format!("/feedback {TOKEN}")).unwrap_err().reply(),
        Command::parse(&format!("/incident status {TOKEN}")).unwrap_err().reply(),
        Command::parse(&format!("/incident declare x severity: {TOKEN}")).unwrap_err().reply(),
        text_of(&engine.handle(command(CHANNEL, "maya", &format!("/diagnose health service={TOKEN}"))).await),
    ];

    for refusal in &refusals {
        assert!(!refusal.contains(TOKEN) && !refusal.contains("A1b2C3d4"), "{refusal}");
        assert!(refusal.contains("[REDACTED]") || refusal.contains("won't run"), "{refusal}");
    }
}

#[test]
fn a_console_line_that_is_not_utf8_is_refused_alone_and_the_chat_goes_on() {
    let lines: &[u8] = b"/incident declare Orders DB lag\ncaf\xe9 \xff\xfe broken\nreplica lag is 40s\n/timeline\n";

    let output = firebreak(&["chat", "--channel", "inc-db"], lines);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("not valid UTF-8"), "{stdout}");
    assert!(stdout.contains("you: replica lag is 40s"), "the lines after it were read: {stdout}");
}
