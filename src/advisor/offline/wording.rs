//! Every sentence the offline advisor writes, apart from the logic that chooses it: fixed texts
//! as constants, sentences with values as small functions.

use super::analysis::Hypothesis;
use crate::core::ports::{ConfidenceLevel, Evidence, SimilarIncident};

/// Footer of every report.
pub(super) const FOOTER: &str = "offline advisor · retrieval over resolved incidents, no model";
/// A question the offline advisor cannot answer, and what it can.
pub(super) const NEEDS_MODEL: &str = "That needs an LLM backend. Offline I can tell you what changed recently, \
     whether it is still failing (fresh evidence), who is involved, the status, what was tried already, similar \
     past incidents (/similar), likely root causes (/rca), next steps (/mitigation) and what has happened so far. \
     Where things stand:";
/// "What changed?" with no tool that lists changes.
pub(super) const NO_CHANGES_TOOL: &str = "No changes tool is configured, so I can't list recent deploys or config \
     changes. Add a `[[diagnostics.tools]]` with `kind = \"changes\"`: with a `service` parameter and no `url` it \
     lists the changes posted to `POST /hooks/change`; with a `url` it reads your deploy feed (see \
     firebreak.example.toml).";
/// Heading of the changes listed.
pub(super) const RECENT_CHANGES: &str = "Recent changes:";
/// Heading of what was tried.
pub(super) const TRIED: &str = "Tried so far, oldest first:";
/// Nothing on the timeline tells of an action.
pub(super) const NOTHING_TRIED: &str = "Nothing recorded as tried yet: no message or update mentions a restart, \
     rollback, failover, scaling, flush or the like.";
/// An empty timeline.
pub(super) const NO_TIMELINE: &str = "- nothing yet";
/// No evidence to show.
pub(super) const NO_EVIDENCE: &str =
    "No evidence gathered yet: no diagnostics are configured for this incident. `/diagnose <tool>` runs one.";
/// Said before hypotheses whose best confidence is low.
pub(super) const THIN_EVIDENCE: &str = "Thin evidence: no past incident is a close match, so read these as leads \
     to check, not answers.";
/// Said before mitigation steps when the evidence is thin.
pub(super) const THIN_STEPS: &str = "What worked for the closest incidents; the evidence is thin, so check each \
     step fits before acting on it:";

/// One run of a tool that lists changes, with the changes it listed indented below.
pub(super) fn change_run(run: &Evidence) -> String {
    let when = run.started_at.format("%H:%M");
    if !run.ok {
        return format!("- ✗ {} failed ({when}): {}", run.tool, run.summary);
    }
    let changes = run.detail.lines().map(|line| format!("\n    {line}")).collect::<String>();
    format!("- ✓ {} ({when}): {}{changes}", run.tool, run.summary)
}

/// "What changed?" when the tools that list changes have not run for this incident.
pub(super) fn no_change_evidence(tools: &[&str]) -> String {
    let runs: Vec<String> = tools.iter().map(|tool| format!("`/diagnose {tool} …`")).collect();
    format!("Nothing has listed this incident's changes yet; {} lists them.", runs.join(" or "))
}

/// The closest related incident and what caused it.
pub(super) fn precedent_line(precedent: &SimilarIncident) -> String {
    let record = &precedent.record;
    format!(
        "Closest precedent: {} “{}” ({}, similarity {:.2}): {}",
        record.id, record.title, record.category, precedent.similarity, record.root_cause
    )
}

/// One hypothesis: rank, category, confidence with the votes behind it, and its closest
/// incident (its cause told only when it is not the precedent's, already shown).
pub(super) fn hypothesis_line(rank: usize, hypothesis: &Hypothesis, voters: usize, precedent: &str) -> String {
    let (lead, confidence) = (&hypothesis.lead, hypothesis.confidence);
    let record = &lead.record;
    let like = if record.id == precedent {
        format!("Like the precedent {}.", record.id)
    } else {
        format!("Like {} “{}” (similarity {:.2}): {}", record.id, record.title, lead.similarity, record.root_cause)
    };
    let also = if hypothesis.also.is_empty() {
        String::new()
    } else {
        format!(" Also seen in {}.", hypothesis.also.join(", "))
    };
    format!(
        "{rank}. {} — {} confidence ({:.2}; {} of the {voters} closest related incidents). {like}{also}",
        hypothesis.category,
        confidence.level.as_str(),
        confidence.value,
        hypothesis.votes,
    )
}

/// A mitigation step and where it comes from.
pub(super) fn step_line(text: &str, source: &str) -> String {
    format!("- {text} ({source})")
}

/// The history's most frequent other categories, offered when the vote names fewer.
pub(super) fn fallback_line(fallback: &[(String, usize)]) -> String {
    let named: Vec<String> =
        fallback.iter().map(|(category, count)| format!("{category} ({count} incidents)")).collect();
    format!("If none of these fits, the most frequent causes in this history: {}.", named.join(", "))
}

/// One similar incident, with what caused and fixed it.
pub(super) fn similar_entry(found: &SimilarIncident) -> String {
    let record = &found.record;
    let when = record.created_at.map(|at| at.format(" %Y-%m-%d").to_string()).unwrap_or_default();
    format!(
        "- {} “{}” ({}, {}{when}, similarity {:.2})\n  cause: {}\n  fixed by: {}",
        record.id,
        record.title,
        record.service,
        record.category,
        found.similarity,
        record.root_cause,
        record.mitigation
    )
}

/// Why the advisor says nothing: nothing in the history is related.
pub(super) fn abstention(related: f32, closest: Option<&SimilarIncident>) -> String {
    let closest = closest
        .map(|found| {
            format!(
                " The closest, {} “{}”, is only {:.2} similar.",
                found.record.id, found.record.title, found.similarity
            )
        })
        .unwrap_or_default();
    format!(
        "No similar past incident (nothing related at similarity {related:.2} or more), so I won't guess.{closest} \
         Resolve this one with its root cause and the next similar incident will learn from it."
    )
}

/// The footer when the advisor answered, with how much it stood on.
pub(super) fn grounded_footer(related: usize, level: ConfidenceLevel) -> String {
    format!("{FOOTER} · grounded in {related} related incidents · {} confidence", level.as_str())
}

/// The footer when the advisor abstained.
pub(super) fn abstained_footer() -> String {
    format!("{FOOTER} · abstained: nothing related")
}
