//! What people see of an incident at a glance, drawn from its record and timeline: the status
//! card in its channel (with the controls that act on it), the one-line announcement for
//! everyone else, the channel's topic, and the rating controls under an advisor's answer. Pure
//! functions: the turn gathers what they need and decides when to post them.

use chrono::{DateTime, Utc};

use super::action::{Act, ActionId, FormKind};
use super::incident::{Incident, Role, Severity, Status};
use super::outbound::{Announcement, ButtonStyle, Card, Choice, Control, ControlKind, Message, Rated, Section};
use super::ratings::{Rating, counted};
use super::replies;
use super::text::shortened;
use super::timeline::{Entry, EntryKind};

/// Characters of a card field's value (Discord's field limit is 1,024).
const FIELD_CHARS: usize = 1_000;
/// Characters of the last update shown on the card.
const UPDATE_CHARS: usize = 400;
/// Follow-ups listed on the card; more are counted.
const FOLLOW_UPS_SHOWN: usize = 10;

/// The status card of `incident` as it stands at `as_of`, given its `timeline`, how many
/// diagnostics ran for it and the message the card already is (`posted`), if any.
pub fn status_card(
    incident: &Incident,
    timeline: &[Entry],
    evidence_runs: usize,
    posted: Option<&str>,
    as_of: DateTime<Utc>,
) -> Card {
    let mut fields = vec![
        Section::new("Severity", incident.severity.as_str().to_uppercase()),
        Section::new("Status", incident.status.to_string()),
    ];
    for role in Role::ALL {
        if let Some(person) = incident.holder(*role) {
            fields.push(Section::new(replies::role_heading(*role), person.name.clone()));
        }
    }
    fields.push(Section::new("Service", incident.service.clone().unwrap_or_else(|| "unknown".to_owned())));
    if let Some(ack) = timeline.iter().find(|entry| entry.kind == EntryKind::Acknowledged) {
        fields.push(Section::new("Acknowledged", replies::by_at(&ack.author.name, ack.at)));
    }
    let update = timeline.iter().rev().find(|entry| entry.kind == EntryKind::Update);
    fields.push(Section::new(
        "Last update",
        replies::last_update(update.map(|entry| (entry.at, shortened(&entry.text, UPDATE_CHARS)))),
    ));
    fields.push(Section::new("First response", first_response(timeline)));
    fields.push(Section::new("Evidence", replies::evidence_runs(evidence_runs)));
    if !incident.is_open() {
        let minutes = incident.resolved_at.map(|at| (at - incident.created_at).num_minutes().max(0));
        fields.push(Section::new("Resolved", replies::resolved_after(minutes)));
        for (heading, text) in [("Root cause", &incident.root_cause), ("Mitigation", &incident.mitigation)] {
            fields.push(Section::new(heading, shortened(text.as_deref().unwrap_or("—"), FIELD_CHARS)));
        }
    }
    let follow_ups: Vec<&Entry> = timeline.iter().filter(|entry| entry.kind == EntryKind::FollowUp).collect();
    if !follow_ups.is_empty() {
        fields.push(Section::new("Follow-ups", follow_up_list(&follow_ups)));
    }
    Card {
        incident: incident.id,
        message: posted.map(str::to_owned),
        note: None,
        title: format!("{} · {}", incident.id, incident.title),
        severity: incident.severity,
        status: incident.status,
        started_at: incident.created_at,
        as_of,
        fields,
        footer: replies::card_footer(incident),
        controls: if incident.is_open() { card_controls(incident) } else { Vec::new() },
    }
}

/// What can be done from an open incident's card.
fn card_controls(incident: &Incident) -> Vec<Control> {
    let id = |act: Act| ActionId::new(Some(incident.id), act).to_string();
    let button = |act: Act, label: &str, style: ButtonStyle, command: &str| Control {
        id: id(act),
        label: label.to_owned(),
        kind: ControlKind::Button { style },
        command: command.to_owned(),
    };
    let mut controls = vec![
        button(Act::Acknowledge, "Acknowledge", ButtonStyle::Secondary, "/incident ack"),
        button(Act::Open(FormKind::Update), "Post update", ButtonStyle::Primary, "/incident update"),
    ];
    let next = match incident.status {
        Status::Investigating => Some(Status::Identified),
        Status::Identified => Some(Status::Mitigated),
        Status::Mitigated | Status::Resolved => None,
    };
    if let Some(status) = next {
        let label = replies::mark_as(status);
        controls.push(button(Act::Status(status), &label, ButtonStyle::Success, &format!("/incident status {status}")));
    }
    controls.push(button(Act::Open(FormKind::Resolve), "Resolve", ButtonStyle::Danger, "/incident resolve"));
    let severities = Severity::ALL
        .iter()
        .map(|severity| Choice::new(replies::severity_label(*severity), severity.as_str()))
        .collect();
    controls.push(Control {
        id: id(Act::Severity),
        label: "Change severity".to_owned(),
        kind: ControlKind::Choice { options: severities, current: Some(incident.severity.as_str().to_owned()) },
        command: "/incident severity <sev1-sev4>".to_owned(),
    });
    controls.push(Control {
        id: id(Act::Commander),
        label: "Hand command over".to_owned(),
        kind: ControlKind::Person,
        command: "/incident role commander <person>".to_owned(),
    });
    controls
}

/// The first response's line on the card: when it was posted and how it was rated.
fn first_response(timeline: &[Entry]) -> String {
    let Some(entry) = timeline.iter().find(|entry| matches!(entry.kind, EntryKind::Recommendation { .. })) else {
        return replies::NO_FIRST_RESPONSE.to_owned();
    };
    let EntryKind::Recommendation { id } = &entry.kind else { return replies::NO_FIRST_RESPONSE.to_owned() };
    let ratings: Vec<Rating> =
        counted(timeline).into_iter().filter(|rating| rating.answer.is_some() && rating.answer == *id).collect();
    replies::first_response_line(entry.at, &ratings)
}

fn follow_up_list(follow_ups: &[&Entry]) -> String {
    let mut lines: Vec<String> =
        follow_ups.iter().take(FOLLOW_UPS_SHOWN).map(|entry| format!("☐ {}", shortened(&entry.text, 90))).collect();
    if follow_ups.len() > FOLLOW_UPS_SHOWN {
        lines.push(replies::more_follow_ups(follow_ups.len() - FOLLOW_UPS_SHOWN));
    }
    lines.join("\n")
}

/// The announcement of `incident` for the announcements channel; `posted` is the message it
/// already is, `ping` the role to notify (first post only).
pub fn announcement(incident: &Incident, posted: Option<&str>, ping: Option<String>) -> Announcement {
    Announcement {
        incident: incident.id,
        message: posted.map(str::to_owned),
        incident_channel: incident.channel.clone(),
        text: replies::announcement(incident),
        ping,
    }
}

/// The topic of an incident's channel: how bad, where it stands, what it is.
pub fn topic(incident: &Incident) -> String {
    replies::channel_topic(incident.id, incident.severity, incident.status, &incident.title)
}

/// `content`, an answer of the advisor, with the controls that rate it as `answer`.
pub fn rated(incident: &Incident, answer: &str, content: Message) -> Message {
    let controls = (1..=5u8)
        .map(|rating| Control {
            id: ActionId::new(Some(incident.id), Act::Rate { answer: answer.to_owned(), rating }).to_string(),
            label: rating.to_string(),
            kind: ControlKind::Button { style: ButtonStyle::Secondary },
            command: format!("/feedback {rating} answer: {answer}"),
        })
        .collect();
    Message::Rated(Rated { content: Box::new(content), answer: answer.to_owned(), controls })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::core::incident::{Declaration, IncidentId, Person, Source};

    fn incident() -> Incident {
        let declaration = Declaration {
            title: "Checkout 502s".into(),
            summary: String::new(),
            severity: Severity::Sev2,
            service: Some("checkout".into()),
            source: Source::Machine,
        };
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0).unwrap();
        Incident::declared(IncidentId::from_number(2001), declaration, Person::new("u1", "maya"), "c1", at)
    }

    fn field<'a>(card: &'a Card, heading: &str) -> Option<&'a str> {
        card.fields.iter().find(|field| field.heading == heading).map(|field| field.body.as_str())
    }

    #[test]
    fn an_open_incident_card_shows_its_state_and_offers_every_action() {
        let incident = incident();
        let update = Entry::new(incident.created_at, Person::new("u1", "maya"), EntryKind::Update, "pool exhausted");

        let card = status_card(&incident, &[update], 3, Some("m1"), incident.created_at);

        assert_eq!((field(&card, "Severity"), field(&card, "Commander")), (Some("SEV2"), Some("maya")));
        assert!(field(&card, "Last update").is_some_and(|text| text.contains("pool exhausted")));
        assert!(field(&card, "Evidence").is_some_and(|text| text.contains('3')));
        let ids: Vec<&str> = card.controls.iter().map(|control| control.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "fb:2001:ack",
                "fb:2001:open:update",
                "fb:2001:status:identified",
                "fb:2001:open:resolve",
                "fb:2001:severity",
                "fb:2001:commander"
            ]
        );
        assert_eq!(card.message.as_deref(), Some("m1"));
    }

    #[test]
    fn a_resolved_card_shows_the_outcome_and_offers_nothing() {
        let mut incident = incident();
        incident.status = Status::Resolved;
        incident.resolved_at = Some(incident.created_at + chrono::Duration::minutes(42));
        incident.root_cause = Some("pool size 2\nfrom a test profile".into());
        let follow_up =
            Entry::new(incident.created_at, Person::new("u1", "maya"), EntryKind::FollowUp, "alert on pool");

        let card = status_card(&incident, &[follow_up], 0, None, incident.created_at);

        assert!(card.controls.is_empty());
        assert_eq!(field(&card, "Root cause"), Some("pool size 2\nfrom a test profile"));
        assert!(field(&card, "Resolved").is_some_and(|text| text.contains("42 min")));
        assert!(field(&card, "Follow-ups").is_some_and(|text| text.contains("alert on pool")));
    }
}
