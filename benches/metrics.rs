//! Evaluation metrics at scale: BLEU-4, ROUGE-L and METEOR over 40,000 sentence pairs (root
//! causes and mitigations of the sample history paired across incidents), in Rust on one
//! thread, then the Python reference implementations on the same pairs in the same run. Each
//! figure is the fastest of a few runs.
//!
//! The Python side runs `scripts/metrics_reference.py time` with `$FIREBREAK_METRICS_PYTHON`
//! (default `python3`), which needs the packages pinned in
//! `scripts/metrics-reference-requirements.txt`; without them it is skipped with a message.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use firebreak::eval::metrics::{bleu4, meteor, rouge_l, score};
use serde::Deserialize;

const PAIRS: usize = 40_000;
/// Timed runs per metric in Rust; the fastest is reported, as the one least disturbed by other
/// work on the machine.
const RUNS: usize = 5;
/// The same for the Python references, whose runs take tens of seconds.
const PYTHON_RUNS: usize = 2;

#[derive(Deserialize)]
struct Incident {
    root_cause: String,
    mitigation: String,
}

/// Same-field pairs of different incidents: round r pairs incident i with incident i + r + 1,
/// root causes on even rounds and mitigations on odd ones.
fn pairs(incidents: &[Incident]) -> Vec<(String, String)> {
    let count = incidents.len();
    (0..PAIRS)
        .map(|k| {
            let (round, first) = (k / count, k % count);
            let second = (first + round % (count - 1) + 1) % count;
            let field = |incident: &Incident| {
                if round % 2 == 0 { incident.root_cause.clone() } else { incident.mitigation.clone() }
            };
            (field(&incidents[first]), field(&incidents[second]))
        })
        .collect()
}

fn best_seconds(pairs: &[(String, String)], metric: impl Fn(&str, &str) -> f64) -> f64 {
    let run = || {
        let start = Instant::now();
        for (hypothesis, reference) in pairs {
            black_box(metric(black_box(hypothesis), black_box(reference)));
        }
        start.elapsed()
    };
    (0..RUNS).map(|_| run()).min().expect("at least one run").as_secs_f64()
}

#[derive(Deserialize)]
struct PythonSeconds {
    bleu4: f64,
    rouge_l: f64,
    meteor: f64,
}

/// The reference implementations' times on the same pairs, or why they could not be had.
fn python_seconds(root: &Path, pairs: &[(String, String)]) -> Result<PythonSeconds, String> {
    let mut file = tempfile::Builder::new().suffix(".jsonl").tempfile().map_err(|e| e.to_string())?;
    for (hypothesis, reference) in pairs {
        let line = serde_json::json!({ "hypothesis": hypothesis, "reference": reference });
        writeln!(file, "{line}").map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())?;
    let python = std::env::var("FIREBREAK_METRICS_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .arg(root.join("scripts/metrics_reference.py"))
        .arg("time")
        .arg(file.path())
        .arg(PYTHON_RUNS.to_string())
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("unreadable output from {python}: {e}"))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::fs::read_to_string(root.join("data/incidents.jsonl")).expect("the sample history is readable");
    let incidents: Vec<Incident> = corpus
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a JSON line of the fixture"))
        .collect();
    let pairs = pairs(&incidents);
    let words: usize = pairs.iter().map(|(h, r)| h.split_whitespace().count() + r.split_whitespace().count()).sum();
    println!("{} pairs, {:.1} words per text on average", pairs.len(), words as f64 / (2 * pairs.len()) as f64);

    // Warm-up: regexes compiled, stemmer built, caches and allocator settled.
    for (hypothesis, reference) in pairs.iter().take(1_000) {
        black_box(score(hypothesis, reference));
    }
    let rust = [
        ("bleu4", best_seconds(&pairs, bleu4)),
        ("rouge_l", best_seconds(&pairs, rouge_l)),
        ("meteor", best_seconds(&pairs, meteor)),
    ];
    let all = best_seconds(&pairs, |h, r| {
        let scores = score(h, r);
        scores.bleu4 + scores.rouge_l + scores.meteor
    });
    println!("rust, one thread, best of {RUNS} runs:");
    for (name, seconds) in rust {
        println!("  {name:<8} {seconds:>8.3} s  {:>8.2} µs/pair", seconds * 1e6 / PAIRS as f64);
    }
    println!("  {:<8} {all:>8.3} s  {:>8.2} µs/pair", "score()", all * 1e6 / PAIRS as f64);

    match python_seconds(root, &pairs) {
        Err(why) => println!(
            "python reference skipped: {why}\n(set FIREBREAK_METRICS_PYTHON to a python with \
             scripts/metrics-reference-requirements.txt installed)"
        ),
        Ok(python) => {
            println!("python reference (sacrebleu, rouge-score, nltk), best of {PYTHON_RUNS} runs:");
            let python = [python.bleu4, python.rouge_l, python.meteor];
            for ((name, rust), python) in rust.iter().zip(python) {
                println!("  {name:<8} {python:>8.3} s  rust is {:>6.1}x faster", python / rust);
            }
            let total: f64 = python.iter().sum();
            println!("  {:<8} {total:>8.3} s  rust is {:>6.1}x faster", "all", total / all);
        }
    }
}
