//! An incident's record as the fields of its `meta` hash, and back: every value a string, the
//! optional ones left out when empty, the layout version in `schema` so a newer layout is
//! refused rather than misread.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::core::incident::{Incident, IncidentId, Person, Severity, Source, Status};
use crate::core::ports::StoreError;
use crate::store::SCHEMA_VERSION;

/// The field holding the knowledge record a resolution publishes, kept with the resolved
/// incident so a resolution interrupted before publishing can be published later.
pub(super) const LEARNED: &str = "learned";

/// The fields of `incident`'s record.
pub(super) fn meta_fields(incident: &Incident) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("schema", SCHEMA_VERSION.to_string()),
        ("id", incident.id.to_string()),
        ("title", incident.title.clone()),
        ("summary", incident.summary.clone()),
        ("severity", incident.severity.to_string()),
        ("source", incident.source.to_string()),
        ("status", incident.status.to_string()),
        ("commander", incident.commander.name.clone()),
        ("commander_id", incident.commander.id.clone()),
        ("channel", incident.channel.clone()),
        ("created_at", incident.created_at.to_rfc3339()),
        ("updated_at", incident.updated_at.to_rfc3339()),
    ];
    let labels = (!incident.labels.is_empty()).then(|| serde_json::to_string(&incident.labels).unwrap_or_default());
    let optional = [
        ("labels", labels),
        ("scribe", incident.scribe.as_ref().map(|person| person.name.clone())),
        ("scribe_id", incident.scribe.as_ref().map(|person| person.id.clone())),
        ("comms", incident.comms.as_ref().map(|person| person.name.clone())),
        ("comms_id", incident.comms.as_ref().map(|person| person.id.clone())),
        ("channel_name", incident.channel_name.clone()),
        ("service", incident.service.clone()),
        ("category", incident.category.clone()),
        ("resolved_at", incident.resolved_at.map(|at| at.to_rfc3339())),
        ("root_cause", incident.root_cause.clone()),
        ("mitigation", incident.mitigation.clone()),
    ];
    fields.extend(optional.into_iter().filter_map(|(name, value)| Some((name, value?))));
    fields
}

/// The incident stored at `key` as `fields`; fields it does not know (such as [`LEARNED`]) are
/// left aside.
pub(super) fn incident_from_fields(key: &str, mut fields: HashMap<String, String>) -> Result<Incident, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { key: key.to_owned(), reason };
    let schema: u32 =
        fields.get("schema").and_then(|v| v.parse().ok()).ok_or_else(|| corrupt("no schema version".into()))?;
    if schema > SCHEMA_VERSION {
        return Err(corrupt(format!(
            "schema version {schema} is newer than this build's {SCHEMA_VERSION}; upgrade Firebreak"
        )));
    }
    let time = |value: String| {
        DateTime::parse_from_rfc3339(&value)
            .map(|at| at.with_timezone(&Utc))
            .map_err(|e| corrupt(format!("bad time {value:?}: {e}")))
    };
    let user = |error: crate::core::invalid::InvalidValue| corrupt(error.to_string());
    // A role is its holder's name and id; records written before roles had ids kept the name
    // alone, which then stands for the id too.
    let mut person = |role: &str| {
        let name = fields.remove(role)?;
        let id = fields.remove(&format!("{role}_id")).unwrap_or_else(|| name.clone());
        Some(Person::new(id, name))
    };
    let commander = person("commander").ok_or_else(|| corrupt("missing field commander".into()))?;
    let scribe = person("scribe");
    let comms = person("comms");
    let mut take = |name: &str| fields.remove(name).ok_or_else(|| corrupt(format!("missing field {name}")));
    let incident = Incident {
        id: IncidentId::parse(&take("id")?).map_err(user)?,
        title: take("title")?,
        summary: take("summary")?,
        severity: Severity::parse(&take("severity")?).map_err(user)?,
        source: Source::parse(&take("source")?).map_err(user)?,
        status: Status::parse(&take("status")?).map_err(user)?,
        commander,
        scribe,
        comms,
        channel: take("channel")?,
        created_at: time(take("created_at")?)?,
        updated_at: time(take("updated_at")?)?,
        service: fields.remove("service"),
        category: fields.remove("category"),
        resolved_at: fields.remove("resolved_at").map(time).transpose()?,
        root_cause: fields.remove("root_cause"),
        mitigation: fields.remove("mitigation"),
        labels: match fields.remove("labels") {
            Some(json) => serde_json::from_str::<BTreeMap<String, String>>(&json)
                .map_err(|error| corrupt(format!("bad labels: {error}")))?,
            None => BTreeMap::new(),
        },
        channel_name: fields.remove("channel_name"),
    };
    Ok(incident)
}
