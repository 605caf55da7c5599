//! The offline advisor's postmortem narrative: a template filled from the incident's record —
//! what happened and who ran it, the impact as declared and how long it lasted, the evidence
//! and the similar past incidents behind the analysis, and lessons drawn from the timeline's
//! own clock (time to the first update, to mitigation, reminders needed). No model: every
//! sentence is a fact of the record, and gaps are named for the authors to fill.

use chrono::{DateTime, Utc};

use crate::core::incident::{Incident, Role, Status};
use crate::core::ports::{Context, Narrative};
use crate::core::timeline::{Entry, EntryKind};

/// The narrative of `context`'s incident.
pub(super) fn narrative(context: &Context<'_>) -> Narrative {
    let incident = context.incident;
    let timeline = context.timeline;
    Narrative {
        summary: summary(incident, timeline, context.evidence.len()),
        impact: impact(incident),
        analysis: analysis(context),
        lessons: lessons(incident, timeline),
    }
}

/// `1 status update`, `3 status updates`.
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_minutes().max(0)
}

fn summary(incident: &Incident, timeline: &[Entry], runs: usize) -> String {
    let service = incident.service.as_deref().unwrap_or("an unknown service");
    let outcome = match incident.resolved_at {
        Some(at) => format!("resolved after {} min", minutes_between(incident.created_at, at)),
        None => format!("still {}", incident.status),
    };
    let helpers: Vec<String> = [Role::Scribe, Role::Comms]
        .into_iter()
        .filter_map(|role| incident.holder(role).map(|person| format!("{person} as {role}")))
        .collect();
    let helped = if helpers.is_empty() { String::new() } else { format!(", with {}", helpers.join(" and ")) };
    let updates = timeline.iter().filter(|entry| entry.kind == EntryKind::Update).count();
    let updates = counted(updates, "status update was", "status updates were");
    let runs = counted(runs, "diagnostic", "diagnostics");
    format!(
        "{} — {}: a {} incident on {service}, reported by {} on {}, {outcome}. {} was commander{helped}. \
         {updates} posted and {runs} ran.",
        incident.id,
        incident.title,
        incident.severity,
        incident.source,
        incident.created_at.format("%Y-%m-%d at %H:%M UTC"),
        incident.commander,
    )
}

fn impact(incident: &Incident) -> String {
    let declared = if incident.summary.trim().is_empty() {
        "Not described when it was declared: say who was affected, how, and how many.".to_owned()
    } else {
        format!("As declared: {}", incident.summary.trim())
    };
    let lasted = match incident.resolved_at {
        Some(at) => format!(
            "Impact lasted at most {} min, from declaration to resolution.",
            minutes_between(incident.created_at, at)
        ),
        None => "The incident is not resolved yet.".to_owned(),
    };
    format!("{declared}\n\n{lasted}")
}

fn analysis(context: &Context<'_>) -> String {
    let incident = context.incident;
    let mut parts = Vec::new();
    let failed = context.evidence.iter().filter(|evidence| !evidence.ok).count();
    if let Some(first) = context.evidence.iter().find(|evidence| evidence.ok) {
        parts.push(format!(
            "The diagnostics ran {} times ({failed} without an observation); the first observation was {}: {}.",
            context.evidence.len(),
            first.tool,
            first.summary
        ));
    }
    let similar: Vec<String> = context
        .similar
        .iter()
        .filter(|found| found.record.id != incident.id.to_string())
        .take(3)
        .map(|found| format!("{} \"{}\" ({})", found.record.id, found.record.title, found.record.category))
        .collect();
    if !similar.is_empty() {
        parts.push(format!("The most similar past incidents were {}.", similar.join(", ")));
    }
    if let Some(category) = &incident.category {
        let same = context.similar.iter().filter(|found| found.record.category == *category).count();
        parts.push(match same {
            0 => format!("None of them shares its category, `{category}`: this failure is new to the knowledge base."),
            count => format!("{count} of them share its category, `{category}`: look for what keeps causing it."),
        });
    }
    parts.push("Why did it happen, and why did it spread this far? Write the contributing factors here.".to_owned());
    parts.join(" ")
}

fn lessons(incident: &Incident, timeline: &[Entry]) -> String {
    let after = |kind: fn(&EntryKind) -> bool| {
        timeline.iter().find(|entry| kind(&entry.kind)).map(|entry| minutes_between(incident.created_at, entry.at))
    };
    let mut facts = Vec::new();
    match after(|kind| *kind == EntryKind::Acknowledged) {
        Some(minutes) => facts.push(format!("- Acknowledged after {minutes} min.")),
        None => facts.push("- Nobody acknowledged it on the card.".to_owned()),
    }
    match after(|kind| *kind == EntryKind::Update) {
        Some(minutes) => facts.push(format!("- First status update after {minutes} min.")),
        None => facts.push("- No status update was posted.".to_owned()),
    }
    if let Some(minutes) = after(|kind| matches!(kind, EntryKind::StatusChange { status: Status::Mitigated })) {
        facts.push(format!("- Mitigated after {minutes} min."));
    }
    let reminders = timeline.iter().filter(|entry| entry.kind == EntryKind::Nudge).count();
    if reminders > 0 {
        facts.push(format!(
            "- The commander was reminded {} that an update was due.",
            counted(reminders, "time", "times")
        ));
    }
    facts.push("- What went well? What went badly? Where were we lucky?".to_owned());
    facts.join("\n")
}
