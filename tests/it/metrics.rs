//! The evaluation metrics against the Python implementations they reproduce: every pair in
//! `tests/fixtures/metrics_reference.json` (made by `scripts/metrics_reference.py generate`
//! with the versions pinned in `scripts/metrics-reference-requirements.txt`) must get the same
//! BLEU-4, ROUGE-L and METEOR to within 1e-4.

use std::collections::BTreeMap;
use std::path::Path;

use firebreak::eval::metrics::score;
use serde::Deserialize;

const TOLERANCE: f64 = 1e-4;

#[derive(Deserialize)]
struct Fixture {
    versions: BTreeMap<String, String>,
    pairs: Vec<ReferencePair>,
}

#[derive(Deserialize)]
struct ReferencePair {
    case: String,
    hypothesis: String,
    reference: String,
    bleu4: f64,
    rouge_l: f64,
    meteor: f64,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Fixture {
    let path = root().join("tests/fixtures/metrics_reference.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_reference_pair_gets_the_python_scores_to_within_1e_4() {
    let fixture = fixture();
    assert!(fixture.pairs.len() >= 250, "only {} pairs in the fixture", fixture.pairs.len());

    let mut failures = Vec::new();
    let mut largest = [("bleu4", 0.0f64), ("rouge_l", 0.0), ("meteor", 0.0)];
    for (index, pair) in fixture.pairs.iter().enumerate() {
        let ours = score(&pair.hypothesis, &pair.reference);
        let compared = [(ours.bleu4, pair.bleu4), (ours.rouge_l, pair.rouge_l), (ours.meteor, pair.meteor)];
        for ((name, largest), (ours, theirs)) in largest.iter_mut().zip(compared) {
            let difference = (ours - theirs).abs();
            *largest = largest.max(difference);
            if difference.is_nan() || difference > TOLERANCE {
                failures.push(format!(
                    "pair {index} ({}): {name} is {ours:.6}, the reference {theirs:.6}\n    hypothesis: {:?}\n    \
                     reference:  {:?}",
                    pair.case, pair.hypothesis, pair.reference
                ));
            }
        }
    }

    println!("{} pairs; largest differences: {largest:?}", fixture.pairs.len());
    assert!(
        failures.is_empty(),
        "{} scores differ from the Python references by more than {TOLERANCE}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_fixture_was_made_with_the_pinned_reference_versions() {
    let requirements = std::fs::read_to_string(root().join("scripts/metrics-reference-requirements.txt")).unwrap();
    let pinned: BTreeMap<String, String> = requirements
        .lines()
        .filter_map(|line| line.split_once("=="))
        .map(|(name, version)| (name.trim().to_owned(), version.trim().to_owned()))
        .collect();

    assert_eq!(fixture().versions, pinned);
}
