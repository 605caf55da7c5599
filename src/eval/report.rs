//! A run's outcomes averaged: overall and broken down by source, category, dataset, staleness
//! and year, every system side by side. This is the stable JSON report (`schema_version`); the
//! Markdown and HTML renderings are drawn from it.

use std::collections::BTreeMap;

use chrono::Datelike;
use serde::Serialize;

use super::calibration::ConfidenceReport;
use super::harness::{EvalOptions, Evaluation, Outcome, Scores, SystemOutcome, TargetScores};

/// Bumped when a field changes meaning or goes away. 2: category match is the advisor's own
/// first hypothesis (an abstention misses), not retrieval's first match.
pub const SCHEMA_VERSION: u32 = 2;

/// Upper bounds (days) of the staleness buckets, and their labels; older falls in the last.
const STALENESS_BUCKETS: &[(f64, &str)] =
    &[(1.0, "≤ 1 day"), (7.0, "≤ 1 week"), (30.0, "≤ 1 month"), (90.0, "≤ 3 months"), (365.0, "≤ 1 year")];
const STALER: &str = "> 1 year";

/// Mean scores of one target (root cause or mitigation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct TargetSummary {
    /// Incidents with this target recorded (a history may lack mitigations).
    pub scored: usize,
    /// Mean scores of the first candidate.
    pub top1: Scores,
    /// Mean best-of-k scores.
    pub best_of_k: Scores,
}

/// One system's means over a group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemSummary {
    /// `offline`, `llm`, or a baseline's name.
    pub system: String,
    /// Share of incidents it recommended nothing for (scored as 0).
    pub abstained: f64,
    /// Against the real root causes.
    pub root_cause: TargetSummary,
    /// Against the real mitigations.
    pub mitigation: TargetSummary,
    /// Share whose top category matched.
    pub category_at_1: f64,
    /// Share with a matching category within the top k.
    pub category_at_k: f64,
}

/// Incidents sharing a key (a source, a category…), every system's means over them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// What they share, e.g. `machine`.
    pub key: String,
    /// How many.
    pub incidents: usize,
    /// The advisor first, then the other systems.
    pub systems: Vec<SystemSummary>,
}

/// Groups along one dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// `source`, `category`, `dataset`, `staleness` or `year`.
    pub dimension: String,
    /// In a meaningful order (sources as listed, categories by size, buckets by age).
    pub groups: Vec<Group>,
}

/// The machine-readable report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// See [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The history file.
    pub dataset: String,
    /// The advisor evaluated.
    pub advisor: String,
    /// How the run was set up.
    pub options: EvalOptions,
    /// Records in the history.
    pub records: usize,
    /// Records left out for lack of a creation time.
    pub undated: usize,
    /// Records not tested because nothing was visible to them.
    pub without_history: usize,
    /// Incidents tested.
    pub evaluated: usize,
    /// Turns where the advisor failed (counted as abstentions).
    pub advisor_errors: usize,
    /// Whether semantic similarity was scored.
    pub semantic: bool,
    /// Every tested incident.
    pub overall: Group,
    /// By source, category, dataset, staleness and year.
    pub breakdowns: Vec<Breakdown>,
    /// Every system on only the incidents the advisor did not abstain on (all, then by
    /// source): how good its answers are when it gives one, beside the baselines there.
    pub where_answered: Breakdown,
    /// Coverage against accuracy and calibration of the advisor's confidence, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<ConfidenceReport>,
}

impl EvalReport {
    /// Averages `evaluation` of the history at `dataset`.
    pub fn new(evaluation: &Evaluation, dataset: &str) -> Self {
        let all: Vec<&Outcome> = evaluation.outcomes.iter().collect();
        let answered: Vec<&Outcome> =
            all.iter().copied().filter(|o| o.systems.first().is_some_and(|s| !s.abstained)).collect();
        let mut where_answered =
            breakdown("answered", &answered, |o| o.source.as_str().to_owned(), |key, _| source_rank(key));
        where_answered.groups.insert(0, group("all".into(), &answered));
        let breakdowns = vec![
            breakdown("source", &all, |o| o.source.as_str().to_owned(), |key, _| source_rank(key)),
            breakdown("category", &all, |o| o.category.clone(), |_, size| usize::MAX - size),
            breakdown("dataset", &all, |o| o.dataset.clone().unwrap_or_else(|| "-".into()), |_, _| 0),
            breakdown("staleness", &all, |o| staleness_bucket(o.staleness_days).to_owned(), |key, _| bucket_rank(key)),
            breakdown("year", &all, |o| o.created_at.year().to_string(), |_, _| 0),
        ];
        Self {
            schema_version: SCHEMA_VERSION,
            dataset: dataset.to_owned(),
            advisor: evaluation.advisor.clone(),
            options: evaluation.options,
            records: evaluation.records,
            undated: evaluation.undated,
            without_history: evaluation.without_history,
            evaluated: evaluation.outcomes.len(),
            advisor_errors: evaluation.advisor_errors,
            semantic: evaluation.semantic,
            overall: group("all".into(), &all),
            breakdowns,
            where_answered,
            confidence: ConfidenceReport::new(&evaluation.outcomes),
        }
    }

    /// The breakdown along `dimension`, if any.
    pub fn breakdown(&self, dimension: &str) -> Option<&Breakdown> {
        self.breakdowns.iter().find(|b| b.dimension == dimension)
    }

    /// System names in report order: the advisor, then the baselines.
    pub fn systems(&self) -> Vec<&str> {
        self.overall.systems.iter().map(|s| s.system.as_str()).collect()
    }
}

/// The staleness bucket of an age gap in days.
pub fn staleness_bucket(days: f64) -> &'static str {
    STALENESS_BUCKETS.iter().find(|(limit, _)| days <= *limit).map_or(STALER, |(_, label)| label)
}

fn bucket_rank(label: &str) -> usize {
    STALENESS_BUCKETS.iter().position(|(_, l)| *l == label).unwrap_or(STALENESS_BUCKETS.len())
}

fn source_rank(source: &str) -> usize {
    ["machine", "customer", "unknown"].iter().position(|s| *s == source).unwrap_or(3)
}

/// Groups `outcomes` by `key`, ordered by `rank(key, size)` then key.
fn breakdown(
    dimension: &str,
    outcomes: &[&Outcome],
    key: impl Fn(&Outcome) -> String,
    rank: impl Fn(&str, usize) -> usize,
) -> Breakdown {
    let mut members: BTreeMap<String, Vec<&Outcome>> = BTreeMap::new();
    for outcome in outcomes {
        members.entry(key(outcome)).or_default().push(outcome);
    }
    let mut groups: Vec<Group> = members.into_iter().map(|(key, outcomes)| group(key, &outcomes)).collect();
    groups.sort_by_key(|g| rank(&g.key, g.incidents));
    Breakdown { dimension: dimension.to_owned(), groups }
}

fn group(key: String, outcomes: &[&Outcome]) -> Group {
    let names: Vec<&str> =
        outcomes.first().map(|o| o.systems.iter().map(|s| s.system.as_str()).collect()).unwrap_or_default();
    let systems = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let runs: Vec<&SystemOutcome> = outcomes.iter().map(|o| &o.systems[index]).collect();
            summarise(name, &runs)
        })
        .collect();
    Group { key, incidents: outcomes.len(), systems }
}

fn summarise(name: &str, runs: &[&SystemOutcome]) -> SystemSummary {
    let share = |value: &dyn Fn(&SystemOutcome) -> f64| mean(runs.iter().map(|run| value(run)));
    let mitigations: Vec<&TargetScores> = runs.iter().filter_map(|run| run.mitigation.as_ref()).collect();
    let root_causes: Vec<&TargetScores> = runs.iter().map(|run| &run.root_cause).collect();
    SystemSummary {
        system: name.to_owned(),
        abstained: share(&|run| f64::from(u8::from(run.abstained))),
        root_cause: target_summary(&root_causes),
        mitigation: target_summary(&mitigations),
        category_at_1: share(&|run| run.category_at_1),
        category_at_k: share(&|run| run.category_at_k),
    }
}

fn target_summary(scores: &[&TargetScores]) -> TargetSummary {
    let means = |pick: fn(&TargetScores) -> Scores| {
        let all: Vec<Scores> = scores.iter().map(|s| pick(s)).collect();
        let semantic: Vec<f64> = all.iter().filter_map(|s| s.semantic).collect();
        Scores {
            bleu4: mean(all.iter().map(|s| s.bleu4)),
            rouge_l: mean(all.iter().map(|s| s.rouge_l)),
            meteor: mean(all.iter().map(|s| s.meteor)),
            semantic: (!semantic.is_empty()).then(|| mean(semantic.into_iter())),
        }
    };
    TargetSummary { scored: scores.len(), top1: means(|s| s.top1), best_of_k: means(|s| s.best_of_k) }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0usize), |(sum, count), value| (sum + value, count + 1));
    if count == 0 { 0.0 } else { sum / count as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::RecordSource;
    use crate::eval::protocol::Protocol;

    fn run(system: &str, rouge_l: f64, abstained: bool, mitigation: Option<f64>) -> SystemOutcome {
        let target = |value: f64| TargetScores {
            top1: Scores { rouge_l: value, ..Scores::default() },
            best_of_k: Scores { rouge_l: value, ..Scores::default() },
        };
        SystemOutcome {
            system: system.into(),
            abstained,
            root_cause: target(rouge_l),
            mitigation: mitigation.map(target),
            category_at_1: 1.0,
            category_at_k: 1.0,
            confidence: None,
            level: None,
        }
    }

    fn outcome(source: RecordSource, staleness_days: f64, advisor: SystemOutcome) -> Outcome {
        Outcome {
            id: "X".into(),
            source,
            category: "deploy".into(),
            dataset: None,
            created_at: "2024-05-01T00:00:00Z".parse().unwrap(),
            staleness_days,
            systems: vec![advisor, run("random-past-incident", 0.1, false, Some(0.1))],
        }
    }

    #[test]
    fn means_split_by_source_count_abstentions_as_zero_and_skip_missing_mitigations() {
        let evaluation = Evaluation {
            advisor: "offline".into(),
            options: EvalOptions { k: 5, similar: 10, protocol: Protocol::Chronological, limit: None, seed: 1 },
            records: 3,
            undated: 0,
            without_history: 0,
            advisor_errors: 0,
            semantic: false,
            outcomes: vec![
                outcome(RecordSource::Customer, 0.5, run("offline", 0.8, false, Some(0.6))),
                outcome(RecordSource::Machine, 40.0, run("offline", 0.0, true, None)),
                outcome(RecordSource::Machine, 400.0, run("offline", 0.4, false, Some(0.2))),
            ],
        };
        let report = EvalReport::new(&evaluation, "history.jsonl");
        let offline = &report.overall.systems[0];
        assert!((offline.root_cause.top1.rouge_l - 0.4).abs() < 1e-12);
        assert!((offline.abstained - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(offline.mitigation.scored, 2);
        assert!((offline.mitigation.top1.rouge_l - 0.4).abs() < 1e-12);

        let sources = report.breakdown("source").unwrap();
        let keys: Vec<&str> = sources.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["machine", "customer"]);
        assert!((sources.groups[0].systems[0].root_cause.top1.rouge_l - 0.2).abs() < 1e-12);
        let staleness: Vec<&str> =
            report.breakdown("staleness").unwrap().groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(staleness, ["≤ 1 day", "≤ 3 months", "> 1 year"]);
        assert_eq!(report.systems(), ["offline", "random-past-incident"]);

        // The abstained machine incident drops out of the answered view, baselines included.
        let answered = &report.where_answered.groups;
        assert_eq!((answered[0].key.as_str(), answered[0].incidents), ("all", 2));
        assert!((answered[0].systems[0].root_cause.top1.rouge_l - 0.6).abs() < 1e-12);
        assert_eq!(answered[1].key, "machine");
    }
}
