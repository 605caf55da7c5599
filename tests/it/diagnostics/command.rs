//! The command tool with real allow-listed programs: injection attempts are refused before
//! anything runs (option look-alikes in any slot, `..` segments in a value or made by two),
//! shell syntax is never interpreted, runaway programs are killed at their timeout, output is
//! capped and redacted, and the child sees none of our environment.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::{call, catalog};
use crate::support::touch_tool;

/// A catalog whose only tool is [`touch_tool`] in `dir`.
fn touch_in(dir: &Path) -> firebreak::diagnostics::Catalog {
    catalog(&touch_tool(dir))
}

#[tokio::test]
async fn injection_attempts_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = touch_in(dir.path());
    let attempts = [
        "app.log; rm -rf /",
        "$(id).log",
        "`id`.log",
        "../../etc/passwd",
        "../../tmp/owned.log",
        "app.log\n/etc/passwd",
        "app.log\0",
        "app.log | nc 127.0.0.1 9",
    ];

    for attempt in attempts {
        let evidence = catalog.run(&call("touch", &[("file", attempt)])).await;
        assert!(!evidence.ok, "{attempt:?} ran: {evidence:?}");
        assert!(evidence.summary.contains("argument `file` of tool `touch`"), "{attempt:?}: {evidence:?}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no attempt created anything");

    let allowed = catalog.run(&call("touch", &[("file", "app.log")])).await;
    assert!(allowed.ok, "{allowed:?}");
    assert!(dir.path().join("app.log").exists(), "a valid argument does run");
}

#[tokio::test]
async fn shell_syntax_in_an_allowed_value_reaches_the_program_as_plain_text() {
    let catalog = catalog(
        r#"
        [[diagnostics.tools]]
        name = "say"
        description = "Echoes a note"
        kind = "command"
        program = "/bin/echo"
        args = ["note:", "{text}"]
        params = { text = '[^\n]+' }
        "#,
    );

    let evidence = catalog.run(&call("say", &[("text", "$(id) `id` ; echo pwned > /tmp/x | cat")])).await;

    assert!(evidence.ok, "{evidence:?}");
    assert_eq!(evidence.detail, "stdout:\nnote: $(id) `id` ; echo pwned > /tmp/x | cat");
    assert_eq!(evidence.query, "/bin/echo note: '$(id) `id` ; echo pwned > /tmp/x | cat'");
}

#[tokio::test]
async fn line_breaks_nul_and_option_lookalikes_are_refused_even_when_the_regex_allows_them() {
    let catalog = catalog(
        r#"
        [[diagnostics.tools]]
        name = "say"
        description = "Echoes anything"
        kind = "command"
        program = "/bin/echo"
        args = ["{text}"]
        params = { text = '(?s).+' }
        "#,
    );

    for (value, reason) in [
        ("a\nb", "line break"),
        ("a\r\nb", "line break"),
        ("a\0b", "NUL"),
        ("-e", "read as an option"),
        ("--help", "read as an option"),
    ] {
        let evidence = catalog.run(&call("say", &[("text", value)])).await;
        assert!(!evidence.ok && evidence.summary.contains(reason), "{value:?}: {evidence:?}");
    }
}

#[tokio::test]
async fn an_empty_slot_cannot_turn_the_next_value_into_an_option() {
    let catalog = catalog(
        r#"
        [[diagnostics.tools]]
        name = "list"
        description = "Lists a directory"
        kind = "command"
        program = "/bin/ls"
        args = ["{prefix}{path}"]
        params = { prefix = '[a-z/]*', path = '[-a-z/.]+' }

        [[diagnostics.tools]]
        name = "say"
        description = "Echoes a word after a dash"
        kind = "command"
        program = "/bin/echo"
        args = ["{prefix}-{word}"]
        params = { prefix = '[a-z]*', word = '[a-z]+' }
        "#,
    );

    let help = catalog.run(&call("list", &[("prefix", ""), ("path", "--help")])).await;
    let joined = catalog.run(&call("say", &[("prefix", ""), ("word", "n")])).await;
    let listed = catalog.run(&call("list", &[("prefix", "/"), ("path", "usr")])).await;

    assert!(!help.ok && help.summary.contains("argument `path` of tool `list`"), "{help:?}");
    assert!(help.summary.contains("read as an option") && help.detail.is_empty(), "{help:?}");
    assert!(!joined.ok, "{joined:?}");
    assert!(
        joined.summary.starts_with(r#"tool `say`: argument 1 of the command line would be "-n", which is refused"#),
        "{joined:?}"
    );
    assert!(listed.ok && listed.detail.contains("bin"), "a value after a non-empty slot still runs: {listed:?}");
}

#[tokio::test]
async fn a_path_that_climbs_out_is_refused_even_when_every_regex_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("logs")).unwrap();
    std::fs::write(dir.path().join("logs/app.log"), "app started\n").unwrap();
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "read"
        description = "Shows a log file"
        kind = "command"
        program = "/bin/cat"
        args = ["{}/logs/{{name}}"]
        params = {{ name = '.+' }}

        [[diagnostics.tools]]
        name = "read_parts"
        description = "Shows a log file named in two parts"
        kind = "command"
        program = "/bin/cat"
        args = ["{}/logs/{{stem}}{{ext}}"]
        params = {{ stem = '[a-z./]+', ext = '[a-z./]+' }}
        "#,
        dir.path().display(),
        dir.path().display()
    ));

    let climbed = catalog.run(&call("read", &[("name", "../../../../etc/passwd")])).await;
    let glued = catalog.run(&call("read_parts", &[("stem", "app/."), ("ext", "./app.log")])).await;
    let fine = catalog.run(&call("read_parts", &[("stem", "app"), ("ext", ".log")])).await;

    assert!(!climbed.ok && climbed.summary.contains("`..` path segment"), "{climbed:?}");
    assert!(!climbed.detail.contains("root:"), "{climbed:?}");
    assert!(!glued.ok && glued.summary.contains("its arguments together make a `..` path segment"), "{glued:?}");
    assert!(fine.ok && fine.detail.contains("app started"), "{fine:?}");
}

#[tokio::test]
async fn secrets_a_program_prints_are_masked_by_the_rule_table() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = [
        "github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
        "glpat-Ab3dEf6hIj9kLm2nOp5q",
        "Xk9mP2qLw7",
        "hvs.CAESIJ1aBcDeFgHiJkLmNoPqRsTuVwXyZ0123",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
    ];
    let output = format!(
        "remote: https://oauth2:{}@gitlab.internal/x.git\nci token {}\nran: redis-cli -a {} ping\nVAULT_TOKEN={}\n\
         -----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\nstatus: ok\n",
        secrets[1], secrets[0], secrets[2], secrets[3], secrets[4]
    );
    std::fs::write(dir.path().join("out.txt"), output).unwrap();
    let catalog = catalog(&format!(
        r#"
        [[diagnostics.tools]]
        name = "show"
        description = "Prints a saved output"
        kind = "command"
        program = "/bin/cat"
        args = ["{}/out.txt"]
        "#,
        dir.path().display()
    ));

    let evidence = catalog.run(&call("show", &[])).await;

    let stored = serde_json::to_string(&evidence).unwrap();
    assert!(evidence.ok, "{evidence:?}");
    for secret in secrets {
        assert!(!stored.contains(secret), "{secret} leaked: {stored}");
    }
    assert!(evidence.detail.contains("[REDACTED PRIVATE KEY]\nstatus: ok"), "{evidence:?}");
}

#[tokio::test]
async fn a_program_that_overruns_its_timeout_is_killed() {
    let catalog = catalog(
        r#"
        [[diagnostics.tools]]
        name = "hang"
        description = "Never finishes in time"
        kind = "command"
        program = "/bin/sleep"
        args = ["{seconds}"]
        params = { seconds = '[0-9]+\.[0-9]+' }
        timeout_secs = 1
        "#,
    );
    let started = Instant::now();

    let evidence = catalog.run(&call("hang", &[("seconds", "30.4127")])).await;

    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert_eq!(evidence.summary, "timed out after 1 s and was stopped");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!running("30.4127"), "the sleep was left running");
}

#[tokio::test]
async fn output_beyond_the_cap_is_dropped_and_counted() {
    let catalog = catalog(
        r#"
        [[diagnostics.tools]]
        name = "count"
        description = "Prints many numbers"
        kind = "command"
        program = "/usr/bin/seq"
        args = ["{last}"]
        params = { last = '[0-9]+' }
        max_output_bytes = 1000
        "#,
    );

    let evidence = catalog.run(&call("count", &[("last", "100000")])).await;

    assert!(evidence.ok, "{evidence:?}");
    assert_eq!(evidence.summary, "/usr/bin/seq exited 0; stdout cut to 1000 of 588895 bytes");
    assert!(evidence.detail.starts_with("stdout:\n1\n2\n3\n") && evidence.detail.len() < 1100, "{evidence:?}");
}

const SECRET_VAR: &str = "FIREBREAK_TEST_SECRET";
const SECRET: &str = "correct-horse-battery-staple";

#[test]
fn no_environment_variable_of_ours_reaches_the_program() {
    // Setting a variable in this multi-threaded process would race other tests, so the check
    // runs in a fresh copy of this test binary started with the secret in its environment.
    let probe = "diagnostics::command::environment_seen_by_the_program";
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", probe, "--ignored", "--test-threads=1"])
        .env(SECRET_VAR, SECRET)
        .output()
        .unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("test {probe} ... ok")), "the probe ran: {stdout}");
}

#[tokio::test]
#[ignore = "run by no_environment_variable_of_ours_reaches_the_program, with a secret in the environment"]
async fn environment_seen_by_the_program() {
    assert_eq!(std::env::var(SECRET_VAR).as_deref(), Ok(SECRET), "started with the secret");
    let catalog = catalog(
        r#"
        [[diagnostics.tools]]
        name = "env"
        description = "The environment a program sees"
        kind = "command"
        program = "/usr/bin/env"
        "#,
    );

    let evidence = catalog.run(&call("env", &[])).await;

    assert!(evidence.ok, "{evidence:?}");
    let mut seen: Vec<&str> = evidence.detail.lines().collect();
    seen.sort_unstable();
    assert_eq!(seen, ["LANG=C.UTF-8", "PATH=/usr/bin:/bin", "stdout:"]);
}

/// Whether a process with `marker` among its arguments is alive (zombies have no arguments).
fn running(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read(entry.path().join("cmdline"))
            .is_ok_and(|cmdline| cmdline.split(|byte| *byte == 0).any(|arg| arg == marker.as_bytes()))
    })
}
