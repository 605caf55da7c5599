//! `RedisStore`: incident state in Redis, shared by every replica and kept across restarts.
//!
//! Layout (see ARCHITECTURE.md): per-incident keys share the hash tag `{inc:N}` —
//! `fb:{inc:N}:meta` (hash, with the schema version), `fb:{inc:N}:timeline` (stream, one JSON
//! entry per stream item), `fb:{inc:N}:evidence` (list of JSON evidence), `fb:{inc:N}:digest`
//! (hash: `text`, the running summary of older entries, and `covers`, how many it stands in for),
//! `fb:{inc:N}:lock` (owner token with expiry), `fb:{inc:N}:anchors` (hash: the message ids of
//! the status card and the announcement), `fb:{inc:N}:channel-edits` (sorted set: recent
//! renames and topic changes of its channel, by time) — plus `fb:channel:CHANNEL` → incident
//! number, the set `fb:incidents:open`, the counter `fb:incidents:seq`, dedupe marks
//! `fb:seen:EVENT`, the sorted set `fb:timers` (`nudge:N`, `channel:N` by due time in ms) and
//! the stream `fb:incidents:resolved` of knowledge records (resolutions and imports) that every
//! replica folds. Alerts add `fb:{inc:N}:alerts` (hash: fingerprint → the alert's recorded
//! state), `fb:alert:GROUP` → the incident the alert group last opened, and
//! `fb:changes:SERVICE` (sorted set of the service's changes as JSON, scored by when they
//! happened, trimmed to the newest). Writes that belong together go in one MULTI.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::streams::StreamRangeReply;
use redis::{AsyncCommands, Pipeline, RedisError, Script};

use super::{SCHEMA_VERSION, new_lock_token};
use crate::core::alert::{AlertState, AlertStates, Change};
use crate::core::incident::{Incident, IncidentId, Person, Severity, Source, Status};
use crate::core::ports::{Anchor, Anchors, Evidence, KnowledgeCursor, LockToken, Store, StoreError, Timer};
use crate::core::record::IncidentRecord;
use crate::core::redact::redact_url_credentials;
use crate::core::timeline::{Digest, Entry};

const OPEN_KEY: &str = "fb:incidents:open";
const SEQUENCE_KEY: &str = "fb:incidents:seq";
const KNOWLEDGE_KEY: &str = "fb:incidents:resolved";
const TIMERS_KEY: &str = "fb:timers";

/// Redis-backed state store over one auto-reconnecting connection.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Deletes `key` only while it holds `value`, in one step: a lock released only by its
    /// owner, a channel released only from the incident it points at.
    async fn delete_if_equal(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        static DELETE_IF_EQUAL: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
            Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
            )
        });
        let deleted: i64 =
            DELETE_IF_EQUAL.key(key).arg(value).invoke_async(&mut self.connection()).await.map_err(failure)?;
        Ok(deleted == 1)
    }

    /// Connects to `url` (`redis://[user:password@]host:port[/db]`). Fails fast, with the URL
    /// (credentials hidden) in the error, when the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let shown = redact_url_credentials(url);
        let client = redis::Client::open(url)
            .map_err(|error| StoreError::Backend(format!("invalid Redis URL {shown}: {error}")))?;
        // Short timeouts and few reconnect attempts: a turn should report an outage within a
        // couple of seconds rather than hang the channel.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|error| StoreError::Unavailable(format!("cannot reach Redis at {shown}: {error}")))?;
        Ok(Self { connection })
    }

    fn connection(&self) -> ConnectionManager {
        self.connection.clone()
    }
}

fn meta_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:meta", id.number())
}

fn timeline_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:timeline", id.number())
}

fn evidence_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:evidence", id.number())
}

fn digest_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:digest", id.number())
}

fn lock_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:lock", id.number())
}

fn anchors_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:anchors", id.number())
}

fn channel_edits_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:channel-edits", id.number())
}

fn channel_key(channel: &str) -> String {
    format!("fb:channel:{channel}")
}

fn seen_key(event_id: &str) -> String {
    format!("fb:seen:{event_id}")
}

fn alerts_key(id: IncidentId) -> String {
    format!("fb:{{inc:{}}}:alerts", id.number())
}

fn alert_group_key(group: &str) -> String {
    format!("fb:alert:{group}")
}

fn changes_key(service: &str) -> String {
    format!("fb:changes:{service}")
}

fn queue_alert_states(pipe: &mut Pipeline, id: IncidentId, alerts: &AlertStates) -> Result<(), StoreError> {
    for (fingerprint, state) in alerts {
        pipe.hset(alerts_key(id), fingerprint, encode(state, "alert state")?).ignore();
    }
    Ok(())
}

fn failure(error: RedisError) -> StoreError {
    if error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal() || error.is_timeout() {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Backend(error.to_string())
    }
}

fn encode<T: serde::Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Backend(format!("cannot encode {what}: {error}")))
}

fn queue_entries(pipe: &mut Pipeline, id: IncidentId, entries: &[Entry]) -> Result<(), StoreError> {
    for entry in entries {
        pipe.cmd("XADD").arg(timeline_key(id)).arg("*").arg("entry").arg(encode(entry, "timeline entry")?).ignore();
    }
    Ok(())
}

/// Adds the commands that store `incident`'s record, replacing the previous one whole, and
/// append `entries`, keeping the open set in step.
fn queue_write(pipe: &mut Pipeline, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
    let meta = meta_key(incident.id);
    pipe.del(&meta).ignore();
    pipe.hset_multiple(&meta, &meta_fields(incident)).ignore();
    queue_entries(pipe, incident.id, entries)?;
    if incident.is_open() {
        pipe.sadd(OPEN_KEY, incident.id.number()).ignore();
    } else {
        pipe.srem(OPEN_KEY, incident.id.number()).ignore();
    }
    Ok(())
}

fn queue_publish(pipe: &mut Pipeline, records: &[IncidentRecord]) -> Result<(), StoreError> {
    for record in records {
        pipe.cmd("XADD").arg(KNOWLEDGE_KEY).arg("*").arg("record").arg(encode(record, "knowledge record")?).ignore();
    }
    Ok(())
}

fn meta_fields(incident: &Incident) -> Vec<(&'static str, String)> {
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

fn incident_from_fields(key: &str, mut fields: HashMap<String, String>) -> Result<Incident, StoreError> {
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

#[async_trait]
impl Store for RedisStore {
    async fn next_sequence(&self) -> Result<u64, StoreError> {
        self.connection().incr(SEQUENCE_KEY, 1u64).await.map_err(failure)
    }

    async fn create(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.set(channel_key(&incident.channel), incident.id.number()).ignore();
        queue_write(&mut pipe, incident, entries)?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn update(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        queue_write(&mut pipe, incident, entries)?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn resolve(
        &self,
        incident: &Incident,
        entries: &[Entry],
        learned: &IncidentRecord,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        queue_write(&mut pipe, incident, entries)?;
        queue_publish(&mut pipe, std::slice::from_ref(learned))?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn publish(&self, records: &[IncidentRecord]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        queue_publish(&mut pipe, records)?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn knowledge_after(
        &self,
        cursor: &KnowledgeCursor,
        count: usize,
    ) -> Result<(Vec<IncidentRecord>, KnowledgeCursor), StoreError> {
        let reply: StreamRangeReply = self
            .connection()
            .xrange_count(KNOWLEDGE_KEY, format!("({}", cursor.0), "+", count)
            .await
            .map_err(failure)?;
        let next = reply.ids.last().map_or_else(|| cursor.clone(), |item| KnowledgeCursor(item.id.clone()));
        let records = reply
            .ids
            .iter()
            .filter_map(|item| {
                let decoded = item
                    .get::<String>("record")
                    .ok_or_else(|| "no record field".to_owned())
                    .and_then(|json| serde_json::from_str::<IncidentRecord>(&json).map_err(|error| error.to_string()));
                decoded
                    .inspect_err(|reason| tracing::warn!(stream = KNOWLEDGE_KEY, id = %item.id, %reason, "skipping unreadable knowledge record"))
                    .ok()
            })
            .collect();
        Ok((records, next))
    }

    async fn add_evidence(&self, id: IncidentId, evidence: &[Evidence], entries: &[Entry]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        for found in evidence {
            pipe.rpush(evidence_key(id), encode(found, "evidence")?).ignore();
        }
        queue_entries(&mut pipe, id, entries)?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn evidence(&self, id: IncidentId) -> Result<Vec<Evidence>, StoreError> {
        let key = evidence_key(id);
        let items: Vec<String> = self.connection().lrange(&key, 0, -1).await.map_err(failure)?;
        items
            .iter()
            .map(|json| {
                serde_json::from_str(json)
                    .map_err(|error| StoreError::Corrupt { key: key.clone(), reason: error.to_string() })
            })
            .collect()
    }

    async fn append(&self, id: IncidentId, entry: &Entry) -> Result<(), StoreError> {
        redis::cmd("XADD")
            .arg(timeline_key(id))
            .arg("*")
            .arg("entry")
            .arg(encode(entry, "timeline entry")?)
            .query_async::<String>(&mut self.connection())
            .await
            .map(drop)
            .map_err(failure)
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        let key = meta_key(id);
        let fields: HashMap<String, String> = self.connection().hgetall(&key).await.map_err(failure)?;
        if fields.is_empty() {
            return Ok(None);
        }
        incident_from_fields(&key, fields).map(Some)
    }

    async fn incident_in_channel(&self, channel: &str) -> Result<Option<Incident>, StoreError> {
        let number: Option<u64> = self.connection().get(channel_key(channel)).await.map_err(failure)?;
        match number {
            Some(number) => self.incident(IncidentId::from_number(number)).await,
            None => Ok(None),
        }
    }

    async fn timeline(&self, id: IncidentId) -> Result<Vec<Entry>, StoreError> {
        let key = timeline_key(id);
        let reply: StreamRangeReply = self.connection().xrange_all(&key).await.map_err(failure)?;
        reply
            .ids
            .iter()
            .map(|item| {
                let json: String = item.get("entry").ok_or_else(|| StoreError::Corrupt {
                    key: format!("{key} {}", item.id),
                    reason: "no entry field".into(),
                })?;
                serde_json::from_str(&json).map_err(|error| StoreError::Corrupt {
                    key: format!("{key} {}", item.id),
                    reason: error.to_string(),
                })
            })
            .collect()
    }

    async fn digest(&self, id: IncidentId) -> Result<Option<Digest>, StoreError> {
        let key = digest_key(id);
        let mut fields: HashMap<String, String> = self.connection().hgetall(&key).await.map_err(failure)?;
        if fields.is_empty() {
            return Ok(None);
        }
        let corrupt = |reason: &str| StoreError::Corrupt { key: key.clone(), reason: reason.to_owned() };
        let covers =
            fields.get("covers").and_then(|covers| covers.parse().ok()).ok_or_else(|| corrupt("bad covers"))?;
        let text = fields.remove("text").ok_or_else(|| corrupt("no text"))?;
        Ok(Some(Digest { text, covers }))
    }

    async fn keep_digest(&self, id: IncidentId, digest: &Digest) -> Result<bool, StoreError> {
        // Compared and written in one script, so two replicas folding at once keep the wider one.
        static KEEP: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
            Script::new(
                "local stored = tonumber(redis.call('HGET', KEYS[1], 'covers') or '-1') \
                 if tonumber(ARGV[2]) > stored then \
                   redis.call('HSET', KEYS[1], 'text', ARGV[1], 'covers', ARGV[2]) return 1 \
                 end return 0",
            )
        });
        KEEP.key(digest_key(id))
            .arg(&digest.text)
            .arg(digest.covers)
            .invoke_async::<i64>(&mut self.connection())
            .await
            .map(|kept| kept == 1)
            .map_err(failure)
    }

    async fn open_incidents(&self) -> Result<Vec<IncidentId>, StoreError> {
        let mut numbers: Vec<u64> = self.connection().smembers(OPEN_KEY).await.map_err(failure)?;
        numbers.sort_unstable();
        Ok(numbers.into_iter().map(IncidentId::from_number).collect())
    }

    async fn all_incidents(&self) -> Result<Vec<IncidentId>, StoreError> {
        // Every incident has a meta record; SCAN walks them without blocking the server.
        let mut connection = self.connection();
        let mut keys = connection.scan_match::<_, String>("fb:{inc:*}:meta").await.map_err(failure)?;
        let mut numbers = Vec::new();
        while let Some(key) = keys.next_item().await {
            let key = key.map_err(failure)?;
            if let Some(number) = key.strip_prefix("fb:{inc:").and_then(|rest| rest.strip_suffix("}:meta")) {
                numbers.extend(number.parse::<u64>().ok());
            }
        }
        numbers.sort_unstable();
        numbers.dedup();
        Ok(numbers.into_iter().map(IncidentId::from_number).collect())
    }

    async fn try_lock(&self, id: IncidentId, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        let token = new_lock_token();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let acquired: Option<String> = redis::cmd("SET")
            .arg(lock_key(id))
            .arg(&token.0)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut self.connection())
            .await
            .map_err(failure)?;
        Ok(acquired.map(|_| token))
    }

    async fn unlock(&self, id: IncidentId, token: &LockToken) -> Result<(), StoreError> {
        self.delete_if_equal(&lock_key(id), &token.0).await.map(drop)
    }

    async fn release_channel(&self, channel: &str, id: IncidentId) -> Result<bool, StoreError> {
        self.delete_if_equal(&channel_key(channel), &id.number().to_string()).await
    }

    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError> {
        let marked: Option<String> = redis::cmd("SET")
            .arg(seen_key(event_id))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl.as_secs().max(1))
            .query_async(&mut self.connection())
            .await
            .map_err(failure)?;
        Ok(marked.is_some())
    }

    async fn forget_sighting(&self, event_id: &str) -> Result<(), StoreError> {
        self.connection().del::<_, ()>(seen_key(event_id)).await.map_err(failure)
    }

    async fn alert_incident(&self, group: &str) -> Result<Option<IncidentId>, StoreError> {
        let number: Option<u64> = self.connection().get(alert_group_key(group)).await.map_err(failure)?;
        Ok(number.map(IncidentId::from_number))
    }

    async fn bind_alert_group(
        &self,
        group: &str,
        id: IncidentId,
        replacing: Option<IncidentId>,
    ) -> Result<IncidentId, StoreError> {
        // Compared and set in one script, so of two replicas opening the group at once one binds
        // it and the other learns which incident won.
        static BIND: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
            Script::new(
                "local bound = redis.call('GET', KEYS[1]) \
                 if not bound or bound == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] end \
                 return bound",
            )
        });
        let replacing = replacing.map(|old| old.number().to_string()).unwrap_or_default();
        let key = alert_group_key(group);
        let bound: String = BIND
            .key(&key)
            .arg(id.number())
            .arg(replacing)
            .invoke_async(&mut self.connection())
            .await
            .map_err(failure)?;
        bound
            .parse()
            .map(IncidentId::from_number)
            .map_err(|_| StoreError::Corrupt { key, reason: format!("{bound:?} is not an incident number") })
    }

    async fn create_alerted(
        &self,
        incident: &Incident,
        entries: &[Entry],
        alerts: &AlertStates,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.set(channel_key(&incident.channel), incident.id.number()).ignore();
        queue_write(&mut pipe, incident, entries)?;
        queue_alert_states(&mut pipe, incident.id, alerts)?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn alert_states(&self, id: IncidentId) -> Result<AlertStates, StoreError> {
        let key = alerts_key(id);
        let fields: HashMap<String, String> = self.connection().hgetall(&key).await.map_err(failure)?;
        fields
            .into_iter()
            .map(|(fingerprint, json)| {
                let state: AlertState = serde_json::from_str(&json).map_err(|error| StoreError::Corrupt {
                    key: format!("{key} {fingerprint}"),
                    reason: error.to_string(),
                })?;
                Ok((fingerprint, state))
            })
            .collect()
    }

    async fn record_alerts(&self, id: IncidentId, alerts: &AlertStates, entries: &[Entry]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        queue_alert_states(&mut pipe, id, alerts)?;
        queue_entries(&mut pipe, id, entries)?;
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn record_change(&self, change: &Change, keep: usize) -> Result<(), StoreError> {
        // The same change encodes to the same member, so keeping it twice keeps it once.
        let key = changes_key(&change.service);
        let newest_kept = isize::try_from(keep).unwrap_or(isize::MAX);
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.zadd(&key, encode(change, "change")?, change.at.timestamp_millis()).ignore();
        pipe.zremrangebyrank(&key, 0, -newest_kept - 1).ignore();
        pipe.query_async::<()>(&mut self.connection()).await.map_err(failure)
    }

    async fn recent_changes(&self, service: &str, limit: usize) -> Result<Vec<Change>, StoreError> {
        let key = changes_key(service);
        let last = isize::try_from(limit).unwrap_or(isize::MAX) - 1;
        if last < 0 {
            return Ok(Vec::new());
        }
        let members: Vec<String> = self.connection().zrevrange(&key, 0, last).await.map_err(failure)?;
        members
            .iter()
            .map(|json| {
                serde_json::from_str(json)
                    .map_err(|error| StoreError::Corrupt { key: key.clone(), reason: error.to_string() })
            })
            .collect()
    }

    async fn schedule(&self, timer: Timer, due: DateTime<Utc>) -> Result<(), StoreError> {
        self.connection().zadd(TIMERS_KEY, timer.to_string(), due.timestamp_millis()).await.map_err(failure)
    }

    async fn cancel(&self, timer: Timer) -> Result<(), StoreError> {
        self.connection().zrem(TIMERS_KEY, timer.to_string()).await.map_err(failure)
    }

    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(Timer, DateTime<Utc>)>, StoreError> {
        let limit = isize::try_from(limit).unwrap_or(isize::MAX);
        let due: Vec<(String, i64)> = self
            .connection()
            .zrangebyscore_limit_withscores(TIMERS_KEY, "-inf", now.timestamp_millis(), 0, limit)
            .await
            .map_err(failure)?;
        Ok(due
            .into_iter()
            .filter_map(|(member, at)| {
                let timer = Timer::parse(&member).or_else(|| {
                    tracing::warn!(key = TIMERS_KEY, %member, "skipping an unreadable timer");
                    None
                })?;
                Some((timer, Utc.timestamp_millis_opt(at).single()?))
            })
            .collect())
    }

    async fn anchors(&self, id: IncidentId) -> Result<Anchors, StoreError> {
        let mut fields: HashMap<String, String> = self.connection().hgetall(anchors_key(id)).await.map_err(failure)?;
        Ok(Anchors {
            card: fields.remove(Anchor::Card.as_str()),
            announcement: fields.remove(Anchor::Announcement.as_str()),
        })
    }

    async fn keep_anchor(&self, id: IncidentId, anchor: Anchor, message: &str) -> Result<bool, StoreError> {
        self.connection().hset_nx(anchors_key(id), anchor.as_str(), message).await.map_err(failure)
    }

    async fn take_channel_edit(
        &self,
        id: IncidentId,
        at: DateTime<Utc>,
        window: Duration,
        limit: u32,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        // Counted and taken in one script, so replicas editing at once share one budget.
        static TAKE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
            Script::new(
                "local now, window = tonumber(ARGV[1]), tonumber(ARGV[2]) \
                 redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window) \
                 if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then \
                   redis.call('ZADD', KEYS[1], now, ARGV[4]) redis.call('PEXPIRE', KEYS[1], window) return -1 \
                 end \
                 local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES') \
                 return tonumber(oldest[2]) + window",
            )
        });
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let next: i64 = TAKE
            .key(channel_edits_key(id))
            .arg(at.timestamp_millis())
            .arg(window_ms)
            .arg(limit)
            .arg(new_lock_token().0)
            .invoke_async(&mut self.connection())
            .await
            .map_err(failure)?;
        Ok((next >= 0).then(|| Utc.timestamp_millis_opt(next).single()).flatten())
    }
}
