//! Alerts and changes, as the engine handles them. A notification about a group of alerts
//! opens an incident for the group — its own channel, the alerts and their labels on record,
//! the handlers' evidence and a first response — or tells the group's incident what changed:
//! alerts firing, firing again or resolved, and a suggestion to resolve once every alert has.
//! The engine never resolves an incident itself.
//!
//! Each notification is handled exactly once, across replicas and retries: a claim on its id
//! absorbs bursts of copies, and what it changes is worked out under the incident's lock
//! against the alert states recorded with the incident, which are written in the same step as
//! the timeline entries that tell of them. A copy that slips past the claim changes nothing.
//! A change event is kept in its service's bounded history, where the `changes` tool reads it.

use std::time::Duration;

use tracing::{info, warn};

use crate::core::alert::{self, AlertGroup, AlertStates, Change, Transition};
use crate::core::channel_names::incident_channel_name;
use crate::core::command::first_response;
use crate::core::error::UserError;
use crate::core::incident::{Declaration, Incident, IncidentId};
use crate::core::outbound::{Message, Outbound, Report, Section};
use crate::core::ports::ChannelRequest;
use crate::core::redact::redact;
use crate::core::replies;
use crate::core::timeline::{Entry, EntryKind};
use crate::core::turn::{Refresh, Turn, TurnError, TurnResult};

/// How long a notification's id stays claimed: long enough to absorb a burst of copies and
/// quick retries. Nothing depends on it for correctness, so a claim a failed turn could not
/// release costs a retry at most this long.
const CLAIM_TTL: Duration = Duration::from_secs(60);

/// Changes kept per service, newest by the time they happened.
const CHANGES_KEPT: usize = 200;

/// Handles one notification about `group`.
pub(super) async fn handle(turn: &Turn<'_>, group: &AlertGroup) -> TurnResult {
    let store = turn.store();
    let claim = group.notification_id();
    if !store.first_sighting(&claim, CLAIM_TTL).await? {
        turn.ports.observer.duplicate("alert");
        return Ok(Vec::new());
    }
    let result = route(turn, group).await;
    if result.is_err()
        && let Err(failure) = store.forget_sighting(&claim).await
    {
        warn!(error = %failure, "could not release a failed notification's claim; its retry is handled once it expires");
    }
    result
}

/// Joins the group's incident, or opens one: when the group has none yet, when its incident is
/// resolved and an alert starts again, or when whoever bound the group failed to open it.
async fn route(turn: &Turn<'_>, group: &AlertGroup) -> TurnResult {
    let store = turn.store();
    let mut replacing = None;
    if let Some(id) = store.alert_incident(&group.group_id()).await? {
        let reopens = match store.incident(id).await? {
            Some(closed) if !closed.is_open() => {
                alert::starts_new_episode(&store.alert_states(id).await?, &group.alerts)
            }
            _ => false,
        };
        if !reopens {
            match join(turn, id, group).await {
                Err(TurnError::User(UserError::NoIncident)) => {
                    info!(incident = %id, "alert group bound to an incident never opened; opening it anew");
                }
                joined => return joined,
            }
        }
        replacing = Some(id);
    }
    if !group.any_firing() {
        info!(group = %group.group_id(), "resolved alerts of a group with no incident; nothing to do");
        return Ok(Vec::new());
    }
    open(turn, group, replacing).await
}

/// What binding a new incident to a group led to.
enum Opened {
    /// The incident was created: what to say of its opening, and the report of its alerts.
    Created(Box<Incident>, String, Report),
    /// Another turn bound the group first, to this incident.
    Taken(IncidentId),
}

/// Opens an incident for `group`, taking over the group's binding from `replacing`.
async fn open(turn: &Turn<'_>, group: &AlertGroup, replacing: Option<IncidentId>) -> TurnResult {
    let store = turn.store();
    let id = turn.next_incident_id().await?;
    // Held until the incident exists, so a turn joining the group meanwhile waits for it. The
    // id is new: nobody else can hold its lock.
    let token = store.try_lock(id, turn.settings.lock_ttl).await?.ok_or(UserError::Busy(id))?;
    let opened = bind_and_create(turn, group, id, replacing).await;
    if let Err(failure) = store.unlock(id, &token).await {
        warn!(incident = %id, error = %failure, "could not release lock; it will expire");
    }
    match opened? {
        Opened::Created(incident, opened, alerts) => {
            let first = respond(turn, &incident).await;
            let mut outbound = turn.introduced(&incident, opened).await;
            outbound.push(turn.post_in(&incident.channel, Message::Report(alerts)));
            outbound.extend(first);
            Ok(outbound)
        }
        Opened::Taken(other) => match join(turn, other, group).await {
            // The other turn has not opened it (yet): the sender's retry finds out.
            Err(TurnError::User(UserError::NoIncident)) => Err(UserError::Busy(other).into()),
            joined => joined,
        },
    }
}

/// Binds the group to `id` and, unless another turn bound it first, opens the incident's
/// channel and stores the incident with its alerts.
async fn bind_and_create(
    turn: &Turn<'_>,
    group: &AlertGroup,
    id: IncidentId,
    replacing: Option<IncidentId>,
) -> Result<Opened, TurnError> {
    let store = turn.store();
    let bound = store.bind_alert_group(&group.group_id(), id, replacing).await?;
    if bound != id {
        return Ok(Opened::Taken(bound));
    }
    let declaration = fitted(turn, &group.declaration);
    let channel = channel_for(turn, id, &declaration.title).await?;
    let origin = &turn.origin;
    let mut incident = Incident::declared(id, declaration, origin.author.clone(), &channel, origin.at);
    incident.labels = group.labels.iter().map(|(name, value)| (name.clone(), redact(value).into_owned())).collect();
    let news = alert::changes(&AlertStates::new(), &group.alerts);
    let mut entries = vec![turn.by_author(EntryKind::Declared, &incident.title)];
    entries.extend(alert_entries(turn, &news));
    store.create_alerted(&incident, &entries, &alert::apply(&AlertStates::new(), &news)).await?;
    turn.ports.observer.incident_opened(incident.source);

    let opened = replies::alert_opened(&incident, &origin.author.name, &turn.settings.bot_name);
    Ok(Opened::Created(Box::new(incident), opened, redacted(replies::alert_report(id, &news))))
}

/// The channel incident `id` lives in: its own when the workspace opens channels, the turn's
/// otherwise.
async fn channel_for(turn: &Turn<'_>, id: IncidentId, title: &str) -> Result<String, UserError> {
    let workspace = turn.ports.workspace.as_ref();
    if !workspace.opens_channels() {
        return Ok(turn.origin.channel.to_owned());
    }
    let name = incident_channel_name(id, title);
    let request = ChannelRequest { server: turn.origin.server, name: &name, topic: title };
    Ok(workspace.open_channel(request).await?.id)
}

/// The first response for an incident just opened. The incident exists whatever happens here,
/// so a failure is said in its channel rather than failing the notification.
async fn respond(turn: &Turn<'_>, incident: &Incident) -> Vec<Outbound> {
    let channel = incident.channel.clone();
    match first_response(turn, incident).await {
        Ok(posts) => posts,
        Err(failure) => {
            let reason = match &failure {
                TurnError::Advisor(advisor) => advisor.to_string(),
                other => {
                    warn!(error = %redact(&other.to_string()), "first response for an alert failed");
                    "an internal error".to_owned()
                }
            };
            vec![turn.post_in(&channel, Message::Error { text: replies::first_response_failed(&reason) })]
        }
    }
}

/// Tells incident `id` what `group` changed, under its lock.
async fn join(turn: &Turn<'_>, id: IncidentId, group: &AlertGroup) -> TurnResult {
    turn.locked(id, |incident| async move {
        let store = turn.store();
        let known = store.alert_states(id).await?;
        let news = alert::changes(&known, &group.alerts);
        if news.is_empty() {
            turn.ports.observer.duplicate("alert");
            return Ok(Vec::new());
        }
        let states = alert::apply(&known, &news);
        let settled = incident.is_open()
            && news.iter().any(|(_, transition)| *transition == Transition::Resolved)
            && states.values().all(|state| state.status == alert::AlertStatus::Resolved);
        let mut entries = alert_entries(turn, &news);
        if settled {
            entries.push(turn.by_bot(EntryKind::Message, replies::ALERTS_ALL_RESOLVED_NOTE));
        }
        let changed: AlertStates = news
            .iter()
            .filter_map(|(alert, _)| Some((alert.fingerprint.clone(), *states.get(&alert.fingerprint)?)))
            .collect();
        store.record_alerts(id, &changed, &entries).await?;
        let mut outbound = vec![status_update(turn, &incident, &news)];
        if settled {
            outbound.push(turn.text_in(&incident.channel, replies::alerts_all_resolved(id)));
        }
        outbound.extend(turn.refreshed(&incident, Refresh::CARD).await);
        Ok(outbound)
    })
    .await
}

/// What a later notification changed, posted in the incident's channel (the status card is
/// redrawn beside it).
fn status_update(turn: &Turn<'_>, incident: &Incident, news: &[(&alert::Alert, Transition)]) -> Outbound {
    turn.text_in(&incident.channel, replies::alert_update(incident.id, &turn.origin.author.name, news))
}

/// `report` with secrets masked: it quotes the alerts' labels and annotations as they came.
fn redacted(report: Report) -> Report {
    let sections = report
        .sections
        .into_iter()
        .map(|section| Section::new(redact(&section.heading), redact(&section.body)))
        .collect();
    Report { sections, ..report }
}

/// One timeline entry per alert that changed, by the alert's source.
fn alert_entries(turn: &Turn<'_>, news: &[(&alert::Alert, Transition)]) -> Vec<Entry> {
    news.iter()
        .map(|(alert, transition)| {
            turn.by_author(EntryKind::Alert { status: alert.status }, &replies::alert_line(alert, *transition))
        })
        .collect()
}

/// The declaration within the engine's length limit, its texts redacted: an alert is never
/// refused for a long description.
fn fitted(turn: &Turn<'_>, declaration: &Declaration) -> Declaration {
    let limit = turn.settings.max_message_chars;
    let fit = |text: &str| redact(&shortened(text, limit)).into_owned();
    Declaration {
        title: fit(declaration.title.lines().next().unwrap_or("")),
        summary: fit(&declaration.summary),
        ..declaration.clone()
    }
}

/// `text` cut to `limit` characters, with an ellipsis when it was longer.
fn shortened(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit.saturating_sub(1)) {
        Some((cut, _)) if text.chars().count() > limit => format!("{}…", &text[..cut]),
        _ => text.to_owned(),
    }
}

/// Keeps `change` in its service's history, its texts redacted.
pub(super) async fn record_change(turn: &Turn<'_>, change: &Change) -> TurnResult {
    turn.check_length(&change.summary)?;
    let change = Change {
        summary: redact(&change.summary).into_owned(),
        who: change.who.as_deref().map(|who| redact(who).into_owned()),
        ..change.clone()
    };
    turn.store().record_change(&change, CHANGES_KEPT).await?;
    Ok(Vec::new())
}
