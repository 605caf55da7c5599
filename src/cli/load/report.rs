//! What a load run found, as figures: messages acknowledged against those stored, questions
//! answered once or more, turn latency before, during and after the fault, recovery time and
//! throughput. Serializable as JSON and rendered as Markdown tables for BENCHMARKS.md.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// Everything a load run measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was run: sizes, replicas, delivery, fault.
    pub setup: String,
    /// Incidents declared and found in the store.
    pub incidents: IncidentFigures,
    /// Plain messages.
    pub messages: MessageFigures,
    /// Questions to the bot.
    pub questions: QuestionFigures,
    /// Turn latency per phase of the run.
    pub phases: Vec<Phase>,
    /// The fault injected, if any.
    pub fault: Option<FaultFigures>,
    /// Work done per second.
    pub throughput: Throughput,
}

/// Incidents declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentFigures {
    /// Declarations asked for.
    pub declared: usize,
    /// Channels holding no incident at the end.
    pub missing: usize,
}

/// Plain messages, each counted once however often it was repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageFigures {
    /// Messages sent.
    pub sent: usize,
    /// Messages some attempt of which was acknowledged (no replica said "not recorded").
    pub acknowledged: usize,
    /// Messages found in the store.
    pub stored: usize,
    /// Acknowledged messages not in the store: must be 0.
    pub lost: usize,
    /// Stored copies beyond the first of a message (a repeat of one whose acknowledgement was lost).
    pub duplicates: usize,
    /// Attempts refused as "not recorded" and repeated.
    pub refused_attempts: usize,
    /// Messages never acknowledged after every attempt.
    pub gave_up: usize,
}

/// Questions, each counted once however often it was repeated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionFigures {
    /// Questions asked.
    pub asked: usize,
    /// Questions answered exactly once, over every attempt and replica.
    pub answered_once: usize,
    /// Questions answered more than once: must be 0.
    pub answered_more: usize,
    /// Questions never answered after every attempt.
    pub unanswered: usize,
    /// Answers in the store.
    pub answers_stored: usize,
}

/// Turn latency of the attempts that started in one phase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// `before`, `during` or `after` the fault, or `whole run`.
    pub name: &'static str,
    /// Attempts started in it.
    pub attempts: usize,
    /// Of those, refused as not recorded (or failed otherwise).
    pub refused: usize,
    /// Median turn latency, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Slowest, ms.
    pub max_ms: f64,
}

/// When the fault happened and how long it took to get over it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultFigures {
    /// What was done.
    pub name: String,
    /// When it began, seconds into the run.
    pub at_s: f64,
    /// How long injecting it took (kill and restart, or kill and failover), seconds.
    pub lasted_s: f64,
    /// From its start until the first turn begun after it was acknowledged, seconds.
    pub first_acknowledged_after_s: Option<f64>,
    /// From its start until the last refused turn ended, seconds: on a Cluster, where only the
    /// failed master's share of incidents is refused, this is the recovery time.
    pub last_refusal_after_s: Option<f64>,
}

/// Work per second over the whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Throughput {
    /// Length of the run, seconds.
    pub elapsed_s: f64,
    /// Acknowledged plain messages per second, all replicas together.
    pub messages_per_s: f64,
    /// Requests each replica answered per second.
    pub per_replica_per_s: Vec<f64>,
}

/// Nearest-rank percentiles of some latencies.
pub(super) fn phase(name: &'static str, mut latencies: Vec<Duration>, refused: usize) -> Phase {
    latencies.sort_unstable();
    let at = |quantile: f64| {
        let rank = ((latencies.len() as f64 * quantile).ceil() as usize).clamp(1, latencies.len().max(1)) - 1;
        latencies.get(rank).map_or(0.0, |latency| latency.as_secs_f64() * 1000.0)
    };
    Phase {
        name,
        attempts: latencies.len(),
        refused,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: latencies.last().map_or(0.0, |latency| latency.as_secs_f64() * 1000.0),
    }
}

impl Report {
    /// Whether nothing acknowledged was lost and every question was answered exactly once.
    pub fn kept_everything(&self) -> bool {
        self.messages.lost == 0
            && self.messages.gave_up == 0
            && self.questions.answered_more == 0
            && self.questions.unanswered == 0
            && self.incidents.missing == 0
    }

    /// The figures as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let (incidents, messages, questions) = (&self.incidents, &self.messages, &self.questions);
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{}\n", self.setup);
        let _ =
            writeln!(out, "| messages sent | acknowledged | stored | lost | duplicates | refused attempts | gave up |");
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            messages.sent,
            messages.acknowledged,
            messages.stored,
            messages.lost,
            messages.duplicates,
            messages.refused_attempts,
            messages.gave_up
        );
        let _ = writeln!(
            out,
            "| questions | answered once | more than once | unanswered | answers stored | incidents missing |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} of {} |\n",
            questions.asked,
            questions.answered_once,
            questions.answered_more,
            questions.unanswered,
            questions.answers_stored,
            incidents.missing,
            incidents.declared
        );
        let _ = writeln!(out, "| phase | turns | refused | p50 | p99 | max |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for phase in &self.phases {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
                phase.name, phase.attempts, phase.refused, phase.p50_ms, phase.p99_ms, phase.max_ms
            );
        }
        if let Some(fault) = &self.fault {
            let seconds =
                |after: Option<f64>, none: &str| after.map_or(none.to_owned(), |after| format!("{after:.2} s"));
            let _ = writeln!(
                out,
                "\nFault: {} at {:.1} s, injected in {:.2} s; first turn begun after it acknowledged {} after it began, \
                 last turn refused ended {} after it began.",
                fault.name,
                fault.at_s,
                fault.lasted_s,
                seconds(fault.first_acknowledged_after_s, "never"),
                seconds(fault.last_refusal_after_s, "— none refused —"),
            );
        }
        let throughput = &self.throughput;
        let per_replica =
            throughput.per_replica_per_s.iter().map(|rate| format!("{rate:.0}")).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            out,
            "\nThroughput: {:.0} acknowledged messages/s in {:.1} s; requests answered per replica per second: {per_replica}.",
            throughput.messages_per_s, throughput.elapsed_s
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_and_an_empty_phase_is_all_zero() {
        let latencies = (1..=100).map(Duration::from_millis).collect();

        let measured = phase("before", latencies, 2);
        let empty = phase("during", Vec::new(), 0);

        assert_eq!((measured.p50_ms, measured.p99_ms, measured.max_ms), (50.0, 99.0, 100.0));
        assert_eq!((measured.attempts, measured.refused), (100, 2));
        assert_eq!((empty.attempts, empty.p50_ms, empty.max_ms), (0, 0.0, 0.0));
    }
}
