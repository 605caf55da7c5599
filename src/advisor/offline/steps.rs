//! Mitigation steps from past write-ups: each mitigation split into its sentences and
//! `;`-separated parts, sentences that report an outcome ("lag drained in about two hours")
//! left out, and a step kept only when it says something the steps before it did not.

use std::collections::HashSet;
use std::sync::Arc;

use crate::core::record::IncidentRecord;

/// Mitigation steps offered at most.
const MAX_STEPS: usize = 6;
/// Past incidents whose mitigations are mined for steps: the lead and at most this many more.
const STEP_SOURCES: usize = 1;
/// Word overlap (Jaccard) above which two steps say the same thing.
const SAME_STEP: f32 = 0.5;
/// Verbs that, after a sentence's first word, mark it as reporting an outcome ("errors cleared
/// within minutes", "lag drained in about two hours") rather than an action, which starts with
/// its verb ("cleared the cache", "drained the node").
const OUTCOME_WORDS: &[&str] = &[
    "recovered",
    "cleared",
    "normal",
    "subsided",
    "stabilised",
    "stabilized",
    "resolved",
    "drained",
    "returned",
    "dropped",
    "resumed",
    "caught",
    "fell",
    "recovering",
    "disappeared",
    "stopped",
];
/// How many words after the first are searched for an outcome word.
const OUTCOME_WINDOW: usize = 5;

/// A mitigation step and the incident it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Step {
    /// The step, as the past write-up put it.
    pub text: String,
    /// Id of the past incident.
    pub source: String,
}

/// Steps from `sources`, the first one's all before any other's; later sources add only steps
/// unlike those already taken.
pub(super) fn steps(sources: &[Arc<IncidentRecord>]) -> Vec<Step> {
    let mut steps: Vec<(Step, HashSet<String>)> = Vec::new();
    for record in sources.iter().take(1 + STEP_SOURCES) {
        for clause in clauses(&record.mitigation) {
            let words = words(&clause);
            let repeated = steps.iter().any(|(_, seen)| jaccard(seen, &words) >= SAME_STEP);
            if !repeated && steps.len() < MAX_STEPS {
                steps.push((Step { text: clause, source: record.id.clone() }, words));
            }
        }
    }
    steps.into_iter().map(|(step, _)| step).collect()
}

/// Sentences and `;`-separated parts of a mitigation, each long enough to be a step.
fn clauses(text: &str) -> Vec<String> {
    text.split(['\n', ';'])
        .flat_map(|part| part.split(". "))
        .map(|clause| clause.trim().trim_end_matches('.').trim())
        .filter(|clause| clause.split_whitespace().count() >= 3)
        .filter(|clause| !reports_outcome(clause))
        .map(|clause| {
            let mut chars = clause.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
        .collect()
}

fn reports_outcome(clause: &str) -> bool {
    clause.split_whitespace().skip(1).take(OUTCOME_WINDOW).any(|word| {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        OUTCOME_WORDS.contains(&word.as_str())
    })
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 2).map(str::to_lowercase).collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f32 {
    let union = a.union(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f32 / union as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RecordSource;

    fn record(id: &str, mitigation: &str) -> Arc<IncidentRecord> {
        Arc::new(IncidentRecord {
            id: id.into(),
            title: "t".into(),
            summary: String::new(),
            source: RecordSource::Machine,
            service: "checkout".into(),
            category: "deployment".into(),
            severity: None,
            created_at: None,
            resolved_at: None,
            root_cause: "c".into(),
            mitigation: mitigation.into(),
            url: None,
            tags: Vec::new(),
            dataset: None,
        })
    }

    fn texts(steps: &[Step]) -> Vec<(&str, &str)> {
        steps.iter().map(|s| (s.text.as_str(), s.source.as_str())).collect()
    }

    #[test]
    fn steps_are_split_deduplicated_and_cited_with_the_lead_first() {
        let sources = [
            record("A", "Rolled back checkout-api to the previous release; paused the pipeline."),
            record(
                "B",
                "rolled back the checkout-api to previous release. Errors cleared in 2 minutes. \
                 Set the route to the secondary, which cleared the failures",
            ),
        ];

        let steps = steps(&sources);

        assert_eq!(
            texts(&steps),
            [
                ("Rolled back checkout-api to the previous release", "A"),
                ("Paused the pipeline", "A"),
                ("Set the route to the secondary, which cleared the failures", "B"),
            ]
        );
    }

    #[test]
    fn sentences_reporting_an_outcome_are_never_steps_but_actions_with_the_same_verb_are() {
        let sources = [record(
            "A",
            "Paused the consumer group and raised max.poll.interval.ms. Lag drained in about two hours. \
             Drained the node and cordoned it. The 502s returned to normal within minutes",
        )];

        let steps = steps(&sources);

        assert_eq!(
            texts(&steps),
            [
                ("Paused the consumer group and raised max.poll.interval.ms", "A"),
                ("Drained the node and cordoned it", "A")
            ]
        );
    }
}
