//! Fixed wording the engine posts, kept apart from the logic that decides when.

use super::alert::{Alert, Transition};
use super::incident::{Incident, IncidentId, Source, Status};
use super::outbound::{Report, Section};
use super::ports::Evidence;

/// Shown when something failed on our side; the reference is in the logs.
pub fn internal_error(reference: &str) -> String {
    format!(
        "Something went wrong on my side. Nothing you wrote before is lost. (reference {reference} in the bot's logs)"
    )
}

/// Says where a declared incident's channel was opened.
pub fn opened(id: IncidentId, channel_mention: &str) -> String {
    format!("Opened {channel_mention} for {id}.")
}

/// A console line that is not text: refused on its own, nothing recorded.
pub const NOT_UTF8: &str = "That line is not valid UTF-8 text, so I ignored it; the lines after it are read as usual.";

/// Completes a command that had nothing else to say.
pub const DONE: &str = "Done.";

/// Confirms a declaration.
pub fn declared(incident: &Incident, bot_name: &str) -> String {
    let service = incident.service.as_deref().unwrap_or("service unknown");
    let source = match incident.source {
        Source::Unknown => "source unknown".to_owned(),
        known => format!("{known}-reported"),
    };
    let mut text = format!(
        "Declared {} — {} ({}, {service}, {source}). Commander: {}. Talk to me with @{bot_name} or /help.",
        incident.id, incident.title, incident.severity, incident.commander
    );
    if incident.service.is_none() || incident.source == Source::Unknown {
        text.push_str(DECLARATION_DEFAULTS);
    }
    text
}

/// Added to a declaration that left things out: what was assumed, and how to say more.
const DECLARATION_DEFAULTS: &str = " Unless given, severity is sev3, and service and source are unknown (say `severity: sev2 service: checkout source: machine` when declaring).";

/// Refuses a change to an incident that is closed.
pub fn already_resolved(id: IncidentId) -> String {
    format!("{id} is already resolved.")
}

/// Refuses a status change to the status the incident already has.
pub fn already_in_status(id: IncidentId, status: Status) -> String {
    format!("{id} is already {status}.")
}

/// Confirms that a channel no longer tracks its incident.
pub fn detached(incident: &Incident) -> String {
    format!(
        "This channel no longer tracks {} ({}). Its record and timeline are kept; nothing said here from now on is recorded.",
        incident.id, incident.status
    )
}

/// Confirms a status change.
pub fn status_changed(incident: &Incident) -> String {
    format!("{} is now {}.", incident.id, incident.status)
}

/// Confirms a resolution.
pub fn resolved(incident: &Incident, minutes: i64) -> String {
    format!(
        "{} resolved after {} min. Root cause and mitigation are recorded, so future incidents can learn from this one.",
        incident.id, minutes
    )
}

/// Thanks for feedback.
pub fn feedback_recorded(incident: &Incident, rating: u8) -> String {
    format!("Thanks — recorded {rating}/5 for my help on {}.", incident.id)
}

/// `/incident status resolved` is refused: resolution needs its cause and fix.
pub const RESOLVE_WITH_DETAILS: &str = "To close an incident use `/incident resolve root_cause: <text> mitigation: <text>`, so the knowledge base learns from it.";

/// Shown when a first response could not be prepared.
pub fn first_response_failed(reason: &str) -> String {
    format!("I couldn't prepare a first response ({reason}). Ask me again with a question once things settle.")
}

/// Heading of the `/help` reply.
pub const HELP_HEADING: &str = "Commands (options are written `name: value`):";

/// Heading of the diagnostics list in `/help`.
pub const DIAGNOSTICS_HEADING: &str = "Diagnostics (`/diagnose <tool> name=value …`):";

/// Footer of the `/help` reply.
pub fn help_footer(bot_name: &str) -> String {
    format!(
        "Mention me (`@{bot_name} <question>`) to ask about the incident; every other message is recorded on the timeline."
    )
}

/// First line of `/timeline`.
pub fn timeline_heading(incident: &Incident, entries: usize) -> String {
    format!("Timeline of {} — {} ({entries} entries)", incident.id, incident.title)
}

/// Says how many older timeline entries `/timeline` leaves out.
pub fn earlier_entries_hidden(count: usize) -> String {
    format!("… {count} earlier entries not shown")
}

/// First line of `/evidence`.
pub fn evidence_heading(id: IncidentId, runs: usize) -> String {
    format!("Evidence for {id} ({runs} runs, newest first)")
}

/// `/evidence` before anything ran.
pub const NO_EVIDENCE: &str =
    "No evidence yet. Handlers run diagnostics when an incident is declared; `/diagnose <tool>` runs one now.";

/// One line per run in `/evidence`.
pub fn evidence_line(evidence: &Evidence) -> String {
    let mark = if evidence.ok { "✓" } else { "✗" };
    format!(
        "{mark} {} {} ({} ms): {}\n    {}",
        evidence.started_at.format("%H:%M"),
        evidence.tool,
        evidence.duration_ms,
        evidence.summary,
        evidence.query
    )
}

/// What one `/diagnose` found.
pub fn evidence_report(evidence: &Evidence) -> Report {
    let outcome = if evidence.ok { "found" } else { "failed" };
    let mut sections = vec![
        Section::new("Result", evidence.summary.clone()),
        Section::new("Ran", format!("{} ({} ms)", evidence.query, evidence.duration_ms)),
    ];
    if !evidence.detail.is_empty() {
        sections.push(Section::new("Detail", evidence.detail.clone()));
    }
    Report {
        title: format!("{} {outcome}", evidence.tool),
        sections,
        footer: "kept as evidence on the incident".to_owned(),
    }
}

/// Why a diagnostic an advisor asked for did not run.
pub fn tool_refused_without_role(roles: &str) -> String {
    format!("refused: running diagnostics needs one of these roles: {roles}")
}

/// Says why a question about the live state got no fresh evidence.
pub fn no_fresh_evidence_without_role(roles: &str) -> String {
    format!("I didn't re-run diagnostics for this: that needs one of these roles: {roles}.")
}

/// Says which diagnostics ran before an answer.
pub fn ran_diagnostics(evidence: &[Evidence]) -> String {
    let runs: Vec<String> =
        evidence.iter().map(|found| format!("`{}` ({})", found.tool, if found.ok { "ok" } else { "failed" })).collect();
    format!("Ran {} for fresh evidence.", runs.join(", "))
}

/// The first message in the channel of an incident an alert opened.
pub fn alert_opened(incident: &Incident, reporter: &str, bot_name: &str) -> String {
    let service = incident.service.as_deref().unwrap_or("service unknown");
    format!(
        "{reporter} opened {} — {} ({}, {}, machine-reported). Talk to me with @{bot_name} or /help.",
        incident.id, incident.title, incident.severity, service
    )
}

/// Most alerts an alert report or update lists one by one.
const ALERTS_LISTED: usize = 10;

/// The alerts behind an incident an alert opened, each with its labels and description.
pub fn alert_report(id: IncidentId, news: &[(&Alert, Transition)]) -> Report {
    let mut sections: Vec<Section> = news
        .iter()
        .take(ALERTS_LISTED)
        .map(|(alert, transition)| {
            let mut body: Vec<String> = own_words(alert).into_iter().map(str::to_owned).collect();
            body.extend(alert.labels.iter().map(|(name, value)| format!("- {name}={value}")));
            if let Some(link) = &alert.link {
                body.push(link.clone());
            }
            let since = alert.starts_at.format("%Y-%m-%d %H:%M UTC");
            Section::new(format!("{} {} (since {since})", alert.name, transition_word(*transition)), body.join("\n"))
        })
        .collect();
    if news.len() > ALERTS_LISTED {
        sections.push(Section::new("More", format!("… and {} more alerts", news.len() - ALERTS_LISTED)));
    }
    Report {
        title: format!("{id} · alerts"),
        sections,
        footer: "labels are kept on the incident for handlers".to_owned(),
    }
}

/// One line for the timeline about an alert: its name, what happened, its labels and summary.
pub fn alert_line(alert: &Alert, transition: Transition) -> String {
    let labels: Vec<String> = alert
        .labels
        .iter()
        .filter(|(name, _)| name.as_str() != "alertname")
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let mut line = format!("{} {} {{{}}}", alert.name, transition_word(transition), labels.join(", "));
    if let Some(text) = own_words(alert).first() {
        line.push_str(&format!(" — {text}"));
    }
    line
}

/// What a later notification changed, for the incident's channel.
pub fn alert_update(id: IncidentId, reporter: &str, news: &[(&Alert, Transition)]) -> String {
    let mut lines = vec![format!("{reporter} on {id}:")];
    lines.extend(
        news.iter().take(ALERTS_LISTED).map(|(alert, transition)| format!("- {}", alert_line(alert, *transition))),
    );
    if news.len() > ALERTS_LISTED {
        lines.push(format!("- … and {} more", news.len() - ALERTS_LISTED));
    }
    lines.join("\n")
}

/// Recorded on the timeline when every alert of an open incident has resolved.
pub const ALERTS_ALL_RESOLVED_NOTE: &str = "Every alert of the incident has resolved; suggested resolving it.";

/// Suggests closing an incident whose alerts have all resolved; it is never closed for people.
pub fn alerts_all_resolved(id: IncidentId) -> String {
    format!(
        "Every alert of {id} has resolved. If the impact is over too, close it with `/incident resolve root_cause: <text> mitigation: <text>` so the knowledge base learns from it."
    )
}

fn transition_word(transition: Transition) -> &'static str {
    match transition {
        Transition::Fired => "firing",
        Transition::FiredAgain => "firing again",
        Transition::Resolved => "resolved",
    }
}

/// The alert's own words: its summary, then its description when it says more.
fn own_words(alert: &Alert) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    for name in ["summary", "description"] {
        if let Some(text) = alert.annotations.get(name).map(|text| text.trim())
            && !text.is_empty()
            && !words.contains(&text)
        {
            words.push(text);
        }
    }
    words
}
