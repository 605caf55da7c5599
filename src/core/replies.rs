//! Fixed wording the engine posts, kept apart from the logic that decides when.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::alert::{Alert, Transition};
use super::incident::{Incident, IncidentId, Person, Role, Severity, Source, Status};
use super::outbound::{Report, Section};
use super::ports::Evidence;
use super::ratings::{Rating, mean};

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

/// Thanks for a rating that replaced the person's earlier one of the same answer.
pub fn rating_changed(incident: &Incident, rating: u8, was: u8) -> String {
    format!("Thanks — changed your rating of that answer on {} from {was}/5 to {rating}/5.", incident.id)
}

/// `/incident status resolved` is refused: resolution needs its cause and fix.
pub const RESOLVE_WITH_DETAILS: &str = "To close an incident use `/incident resolve root_cause: <text> mitigation: <text>` (or `/incident resolve` alone for the form), so the knowledge base learns from it.";

/// Confirms a severity change.
pub fn severity_changed(incident: &Incident, was: Severity) -> String {
    format!("{} is now {} (was {was}).", incident.id, incident.severity.as_str().to_uppercase())
}

/// Refuses a severity change to the severity the incident already has.
pub fn already_at_severity(id: IncidentId, severity: Severity) -> String {
    format!("{id} is already {severity}.")
}

/// Confirms a role handover.
pub fn role_changed(incident: &Incident, role: Role, person: &Person, was: Option<&Person>) -> String {
    match was {
        Some(previous) if previous != person => {
            format!("{person} is now {role} of {} (handed over from {previous}).", incident.id)
        }
        _ => format!("{person} is now {role} of {}.", incident.id),
    }
}

/// Refuses giving a role to who holds it already.
pub fn already_holds(id: IncidentId, role: Role, person: &Person) -> String {
    format!("{person} is already {role} of {id}.")
}

/// Confirms an acknowledgement.
pub fn acknowledged(incident: &Incident, by: &str) -> String {
    format!("{by} acknowledged {}. Commander: {}.", incident.id, incident.commander)
}

/// A status update as posted in the channel.
pub fn update_posted(incident: &Incident, by: &str, update: &str) -> String {
    format!("📣 Update on {} ({}, {}) from {by}:\n{update}", incident.id, incident.severity, incident.status)
}

/// Confirms a follow-up.
pub fn follow_up_added(incident: &Incident, count: usize) -> String {
    format!(
        "Added to the follow-ups of {} ({count} so far). They are listed on the card and in /postmortem.",
        incident.id
    )
}

/// Confirms a reopening.
pub fn reopened(incident: &Incident) -> String {
    format!("{} is open again and investigating. Its earlier resolution stays on the timeline.", incident.id)
}

/// Refuses reopening an incident that is open.
pub fn not_resolved(id: IncidentId) -> String {
    format!("{id} is still open; only a resolved incident can be reopened.")
}

/// Reminds the commander that an update is due.
pub fn nudge(incident: &Incident, silent_for: Duration, interval: Duration, reminder: usize) -> String {
    format!(
        "⏰ Reminder {reminder} for {}: {} has had no status update for {} ({} incidents get one every {}). Post one with `/incident update` or the card's **Post update** button.",
        incident.commander,
        incident.id,
        duration(silent_for),
        incident.severity,
        duration(interval)
    )
}

/// The postmortem draft's caption.
pub fn postmortem_attached(incident: &Incident) -> String {
    format!("Postmortem draft for {} — edit it, then share it.", incident.id)
}

/// `90 s`, `15 min`, `2 h 5 min`: a duration as people say it.
pub fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3_600 => format!("{} min", seconds / 60),
        _ if seconds % 3_600 < 60 => format!("{} h", seconds / 3_600),
        _ => format!("{} h {} min", seconds / 3_600, seconds % 3_600 / 60),
    }
}

/// A role as a card's field names it.
pub fn role_heading(role: Role) -> &'static str {
    match role {
        Role::Commander => "Commander",
        Role::Scribe => "Scribe",
        Role::Comms => "Comms",
    }
}

/// `maya at 14:05 UTC`.
pub fn by_at(name: &str, at: DateTime<Utc>) -> String {
    format!("{name} at {}", at.format("%H:%M UTC"))
}

/// The card's last update.
pub fn last_update(update: Option<(DateTime<Utc>, String)>) -> String {
    match update {
        Some((at, text)) => format!("{} · {text}", at.format("%H:%M UTC")),
        None => "none yet — post one with /incident update".to_owned(),
    }
}

/// The card's evidence line.
pub fn evidence_runs(runs: usize) -> String {
    match runs {
        0 => "none yet · /diagnose runs a tool".to_owned(),
        1 => "1 diagnostic run · /evidence lists it".to_owned(),
        _ => format!("{runs} diagnostic runs · /evidence lists them"),
    }
}

/// The card's first-response line before there is one.
pub const NO_FIRST_RESPONSE: &str = "not posted yet";

/// The card's first-response line: when, and how it was rated.
pub fn first_response_line(at: DateTime<Utc>, ratings: &[Rating]) -> String {
    match mean(ratings) {
        Some(average) => format!(
            "posted {} · rated {average:.1}/5 by {} {}",
            at.format("%H:%M UTC"),
            ratings.len(),
            if ratings.len() == 1 { "person" } else { "people" }
        ),
        None => format!("posted {} · not rated yet", at.format("%H:%M UTC")),
    }
}

/// How long a resolved incident lasted, on its card.
pub fn resolved_after(minutes: Option<i64>) -> String {
    minutes.map_or_else(|| "yes".to_owned(), |minutes| format!("after {minutes} min"))
}

/// Says how many follow-ups the card leaves out.
pub fn more_follow_ups(count: usize) -> String {
    format!("… and {count} more")
}

/// The card's small print.
pub fn card_footer(incident: &Incident) -> String {
    if incident.is_open() {
        "Live status card · edited as the incident changes · /incident update posts an update".to_owned()
    } else {
        "Resolved · /postmortem drafts the write-up · /incident reopen if it comes back".to_owned()
    }
}

/// A status button's label.
pub fn mark_as(status: Status) -> String {
    let word = status.as_str();
    format!("{}{}", word[..1].to_uppercase(), &word[1..])
}

/// A severity as a choice offers it.
pub fn severity_label(severity: Severity) -> String {
    let meaning = match severity {
        Severity::Sev1 => "critical",
        Severity::Sev2 => "major",
        Severity::Sev3 => "minor",
        Severity::Sev4 => "low",
    };
    format!("{} · {meaning}", severity.as_str().to_uppercase())
}

/// The one line announcing an incident to everyone else.
pub fn announcement(incident: &Incident) -> String {
    let service = incident.service.as_deref().unwrap_or("service unknown");
    let state = match (&incident.status, incident.resolved_at) {
        (Status::Resolved, Some(at)) => {
            format!("resolved after {} min", (at - incident.created_at).num_minutes().max(0))
        }
        (status, _) => status.to_string(),
    };
    format!(
        "{} {} — {} · {} · {} · {service} · commander {}",
        if incident.is_open() { "🔥" } else { "✅" },
        incident.id,
        incident.title,
        incident.severity.as_str().to_uppercase(),
        state,
        incident.commander
    )
}

/// The topic of an incident's channel.
pub fn channel_topic(id: IncidentId, severity: Severity, status: Status, title: &str) -> String {
    format!("{id} · {} · {status} · {title}", severity.as_str().to_uppercase())
}

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
