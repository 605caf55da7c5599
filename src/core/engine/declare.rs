//! `/incident declare`: opens an incident in the channel, runs the diagnostics its handlers
//! call for, and posts the first response grounded in that evidence and in similar incidents.

use super::{Turn, TurnError, TurnHelpers, TurnResult};
use crate::core::error::UserError;
use crate::core::incident::{Declaration, Incident};
use crate::core::replies;
use crate::core::timeline::EntryKind;
use crate::core::turn::Message;
use crate::redact::redact;

pub(super) async fn handle(turn: &Turn<'_>, existing: Option<Incident>, declaration: Declaration) -> TurnResult {
    if let Some(open) = existing.filter(Incident::is_open) {
        return Err(UserError::AlreadyDeclared(open.id).into());
    }
    turn.check_length(&declaration.title)?;
    turn.check_length(&declaration.summary)?;
    let declaration = Declaration {
        title: redact(&declaration.title).into_owned(),
        summary: redact(&declaration.summary).into_owned(),
        ..declaration
    };
    let id = match declaration.id {
        Some(reserved) => reserved,
        None => turn.engine.reserve_incident_id().await?,
    };
    let inbound = turn.inbound;
    let incident = Incident::declared(id, declaration, &inbound.author.name, &inbound.channel, inbound.at);
    let declared = turn.by_author(EntryKind::Declared, &incident.title);
    turn.store().create(&incident, &[declared]).await?;

    let mut outbound = vec![turn.text(replies::declared(&incident, &turn.engine.settings.bot_name))];
    let first_response = turn.locked(id, |incident| first_response(turn, incident)).await;
    match first_response {
        Ok(mut posts) => outbound.append(&mut posts),
        // The incident exists whatever happens next; say what failed instead of hiding it.
        Err(TurnError::Advisor(failure)) => {
            outbound.push(turn.post(Message::Error { text: replies::first_response_failed(&failure.to_string()) }));
        }
        Err(failure) => return Err(failure),
    }
    Ok(outbound)
}

/// Gathers evidence with the handlers that match the incident, then asks the advisor.
async fn first_response(turn: &Turn<'_>, incident: Incident) -> TurnResult {
    turn.investigate(&incident, &turn.triggered(&incident)).await?;
    let gathered = turn.gather(&incident).await?;
    let helpers = TurnHelpers::new(turn, &incident);
    let report = turn.advisor().first_response(gathered.context(&incident, &helpers)).await?;
    turn.store().append(incident.id, &turn.by_bot(EntryKind::Recommendation, &report.to_plain_text())).await?;
    Ok(vec![turn.post(Message::Report(report))])
}
