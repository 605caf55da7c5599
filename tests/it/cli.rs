//! The `firebreak` binary as people run it: chat over stdin, demo replay, start-up errors.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use firebreak::core::command::COMMANDS;
use firebreak_testkit::{RedisServer, free_port};

/// Runs the `firebreak` binary with `args` and `stdin` as its input, away from any Redis or
/// model the environment names, and waits for it.
pub fn firebreak(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(args)
        .env_remove("REDIS_URL")
        .env_remove("FIREBREAK_REDIS_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("FIREBREAK_LLM_BASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the firebreak binary");
    child.stdin.take().unwrap().write_all(stdin.as_ref()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn chat_state_survives_a_process_restart_on_redis() {
    let server = RedisServer::start();
    let url = server.url();

    let first = firebreak(
        &["chat", "--redis", &url, "--user", "maya", "--channel", "inc-db"],
        "/incident declare Orders DB replication lag service: postgres\nreplica lag is 40s on orders-db-2\n",
    );
    let second = firebreak(&["chat", "--redis", &url, "--user", "sam", "--channel", "inc-db"], "/timeline\n");

    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let timeline = stdout(&second);
    assert!(timeline.contains("maya declared the incident: Orders DB replication lag"), "{timeline}");
    assert!(timeline.contains("maya: replica lag is 40s on orders-db-2"), "{timeline}");
}

#[test]
fn chat_refuses_to_start_with_a_clear_error_when_redis_is_unreachable() {
    let url = format!("redis://127.0.0.1:{}", free_port());

    let output = firebreak(&["chat", "--redis", &url], "/help\n");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("cannot reach Redis at {url}")), "{stderr}");
}

#[test]
fn chat_json_prints_one_object_per_bot_message() {
    let output = firebreak(
        &["chat", "--format", "json"],
        "/incident declare Search is slow service: search\nhello\n/nonsense\n",
    );

    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect();
    let kinds: Vec<&str> = lines.iter().map(|line| line["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["card", "rated", "error"]);
    assert_eq!(lines[1]["content"]["kind"], "report", "the first response, with its rating controls");
    assert_eq!(lines[0]["channel"], "console");
}

#[test]
fn every_scripted_conversation_replays_with_its_expectations_met() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conversations");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            let output = firebreak(&["demo", "--check", path.to_str().unwrap()], "");
            assert!(output.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&output.stderr));
            replayed += 1;
        }
    }
    assert!(replayed >= 1);
}

#[test]
fn the_default_demo_needs_no_service_and_shows_the_whole_incident() {
    let output = firebreak(&["demo"], "");

    let transcript = stdout(&output);
    assert!(output.status.success());
    assert!(transcript.contains("Declared INC-2001"), "{transcript}");
    assert!(transcript.contains("INC-2001 resolved"), "{transcript}");
}

fn write_history(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path.to_str().unwrap().to_owned()
}

fn record(id: &str, title: &str) -> String {
    serde_json::json!({
        "id": id, "title": title, "summary": "", "source": "machine", "service": "ledger",
        "category": "capacity", "severity": "sev3", "created_at": "2025-01-02T03:04:05Z",
        "resolved_at": "2025-01-02T05:00:00Z", "root_cause": "ensemble ran out of file descriptors",
        "mitigation": "raised the nofile limit"
    })
    .to_string()
}

#[test]
fn kb_import_rejects_a_bad_file_whole_and_names_its_lines() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let bad = write_history(
        dir.path(),
        "bad.jsonl",
        &[record("L-1", "Ledger zookeeper out of descriptors"), "{oops".into(), record("L-1", "duplicate")],
    );

    let import = firebreak(&["kb", "import", &bad, "--redis", &server.url()], "");
    let stats = firebreak(&["kb", "stats", "--format", "json", "--redis", &server.url()], "");

    let stderr = String::from_utf8_lossy(&import.stderr);
    assert!(!import.status.success());
    assert!(stderr.contains("line 2:") && stderr.contains("line 3: duplicate id `L-1`"), "{stderr}");
    let counts: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    assert_eq!(counts["by_service"].get("ledger"), None, "a bad file imported something");
}

#[test]
fn kb_import_is_learned_by_every_later_process() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let good = write_history(dir.path(), "good.jsonl", &[record("L-1", "Ledger zookeeper out of file descriptors")]);

    let import = firebreak(&["kb", "import", &good, "--redis", &server.url()], "");
    let similar =
        firebreak(&["kb", "similar", "zookeeper file descriptors", "--format", "json", "--redis", &server.url()], "");

    assert!(stdout(&import).contains("imported 1 incident from"), "{}", String::from_utf8_lossy(&import.stderr));
    let best: serde_json::Value = serde_json::from_str(stdout(&similar).lines().next().unwrap()).unwrap();
    assert_eq!(best["id"], "L-1");
}

#[test]
fn kb_import_without_redis_says_why_it_needs_it() {
    let output = firebreak(&["kb", "import", "whatever.jsonl"], "");

    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("kb import needs Redis"));
}

#[test]
fn kb_stats_describe_the_built_in_sample() {
    let output = firebreak(&["kb", "stats"], "");

    let text = stdout(&output);
    assert!(text.starts_with("260 resolved incidents, 2021-"), "{text}");
    assert!(text.contains("by category (13)"), "{text}");
}

#[test]
fn kb_export_finetune_writes_a_training_and_a_validation_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("incidents.jsonl");

    let output = firebreak(&["kb", "export-finetune", "--out", out.to_str().unwrap(), "--validation", "0.2"], "");

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let training = std::fs::read_to_string(&out).unwrap();
    let validation = std::fs::read_to_string(dir.path().join("incidents.validation.jsonl")).unwrap();
    assert_eq!(training.lines().count() + validation.lines().count(), 520, "two examples per sample incident");
    assert!(validation.lines().count() > 40, "about a fifth held out");
    let example: serde_json::Value = serde_json::from_str(training.lines().next().unwrap()).unwrap();
    assert_eq!(example["messages"].as_array().unwrap().len(), 3);
}

#[test]
fn kb_import_says_what_was_new_replaced_or_skipped_and_why() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let first = write_history(dir.path(), "first.jsonl", &[record("L-1", "Ledger zookeeper out of file descriptors")]);
    let again = write_history(
        dir.path(),
        "again.jsonl",
        &[record("L-1", "Ledger zookeeper out of file descriptors"), record("L-2", "Ledger disk full")],
    );
    let changed = write_history(dir.path(), "changed.jsonl", &[record("L-1", "Ledger ensemble lost quorum")]);

    let import = |file: &str| stdout(&firebreak(&["kb", "import", file, "--redis", &server.url()], ""));
    let (first, again, changed) = (import(&first), import(&again), import(&changed));
    let stats = firebreak(&["kb", "stats", "--format", "json", "--redis", &server.url()], "");

    assert!(first.contains("1 new, 0 replacing"), "{first}");
    assert!(
        again.contains("imported 1 incident")
            && again.contains("1 new, 0 replacing")
            && again.contains("1 skipped as identical"),
        "{again}"
    );
    assert!(changed.contains("0 new, 1 replacing known incidents with the same id"), "{changed}");
    let counts: serde_json::Value = serde_json::from_str(&stdout(&stats)).unwrap();
    assert_eq!(counts["by_service"]["ledger"], 2);
}

#[test]
fn each_subcommand_shows_only_its_own_options_in_its_own_words() {
    let eval = stdout(&firebreak(&["eval", "--help"], ""));
    let chat = stdout(&firebreak(&["chat", "--help"], ""));

    assert!(!eval.contains("--redis") && !eval.contains("transcript"), "{eval}");
    assert!(eval.contains("the Markdown report"), "{eval}");
    assert!(chat.contains("--redis") && chat.contains("channel transcript"), "{chat}");
}

#[test]
fn the_readme_lists_every_command_and_help_with_its_usage() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let help = stdout(&firebreak(&["chat"], "/help\n"));

    for spec in COMMANDS {
        let row = format!("| `/{}", spec.name);
        assert!(readme.contains(&row), "README's command table has no row for /{}", spec.name);
        assert!(help.contains(spec.usage), "/help does not give {}: {help}", spec.usage);
    }
}

#[test]
fn a_missing_file_is_named_once_and_its_os_error_once() {
    let output = firebreak(&["eval", "--dataset", "/nonexistent/history.jsonl"], "");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/history.jsonl"), "{stderr}");
}

#[test]
fn output_cut_short_by_the_reader_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(["kb", "similar", "checkout deploy 502", "--k", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the firebreak binary");
    drop(child.stdout.take());

    let output = child.wait_with_output().unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("Broken pipe") && !stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    let output = Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .args(["kb", "stats"])
        .env("RUST_LOG", "[not a filter")
        .output()
        .expect("run the firebreak binary");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid log filter"), "a log line was written: {stderr:?}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}
