//! `RedisStore`: incident state in Redis — one server, a Redis Cluster, or a primary managed by
//! Sentinel — shared by every replica and kept across restarts.
//!
//! Layout (the README's "State in Redis" has the table): everything of one incident shares the
//! hash tag `{inc:N}`, so it lives in one Cluster slot — `fb:{inc:N}:meta` (hash, with the
//! schema version), `:timeline` (stream), `:evidence` (list), `:digest` (hash), `:lock`,
//! `:anchors` (hash: the message ids of the status card and the announcement),
//! `:channel-edits` (sorted set: recent renames of its channel), `:alerts` (hash: fingerprint →
//! the alert's recorded state), and `:write:TOKEN` markers that make a repeated write harmless.
//! Keys across incidents live in other slots: `fb:channel:CHANNEL` → incident number (`N@MS`
//! while reserved at MS, epoch milliseconds, for incident N not yet written), the set
//! `fb:incidents:open`, the counter `fb:incidents:seq`, dedupe marks `fb:seen:EVENT`, the sorted
//! set `fb:timers` (`nudge:N`, `channel:N` by due time in ms), `fb:alert:GROUP` → the incident
//! the alert group last opened, `fb:changes:SERVICE` (sorted set of a service's recent changes)
//! and the stream `fb:incidents:resolved` of knowledge records every replica folds.
//!
//! No atomic step spans two slots. Each write to one incident is one script in its slot; an
//! index and the incident it points at are written one after the other, in the order that
//! leaves, after a crash between the two, only states a reader tolerates or repairs:
//! - an index entry is added *before* the incident it points at is written (a channel as a
//!   reservation, bound for good once the incident is written), and removed only
//!   *after* the incident stops qualifying, so an index may point at too much but never misses
//!   an incident; readers check every entry against the incident's own record and ignore what
//!   it does not confirm (a channel bound to a missing incident, an open-set number whose
//!   incident is missing or closed);
//! - a resolution is written to the incident first (with the knowledge record it publishes),
//!   then published, then the incident leaves the open set; an incident found closed in the
//!   open set may have missed its publication, so it is published (again: the knowledge base
//!   replaces a record with the same id) before it leaves. Every replica settles the open set
//!   this way when it connects, and whenever the open incidents are listed.

mod connection;
mod fields;
mod scripts;
mod target;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use redis::streams::StreamRangeReply;
use redis::{Cmd, FromRedisValue, RedisError, ServerErrorKind};
use tracing::warn;

use self::connection::Connection;
use self::fields::{LEARNED, incident_from_fields, meta_fields};
use self::scripts::{
    APPEND_ALL, BIND_GROUP, CLAIM, CLAIM_CHANNEL, DELETE_IF_EQUAL, KEEP_CHANGE, KEEP_DIGEST, KEEP_FIRST, TAKE_EDIT,
    WRITE,
};
pub use self::target::{InvalidTarget, Target};
use super::new_lock_token;
use crate::core::alert::{AlertState, AlertStates, Change};
use crate::core::incident::{Incident, IncidentId};
use crate::core::ports::{
    Anchor, Anchors, CLAIM_GRACE, Evidence, KnowledgeCursor, LockToken, Store, StoreError, Timer,
};
use crate::core::record::IncidentRecord;
use crate::core::redact::redact_url_credentials;
use crate::core::timeline::{Digest, Entry};

const OPEN_KEY: &str = "fb:incidents:open";
const SEQUENCE_KEY: &str = "fb:incidents:seq";
const KNOWLEDGE_KEY: &str = "fb:incidents:resolved";
const TIMERS_KEY: &str = "fb:timers";
/// How long a write's marker outlives it: far longer than any client retries a request.
const WRITE_MARKER_MS: u64 = 300_000;

/// How to reach the store, and how sure a write must be before the store says it is done.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Where the store lives: `redis://`, `rediss://`, `redis+cluster://`, `redis+sentinel://`
    /// (see [`Target`]).
    pub url: String,
    /// A certificate authority (PEM file) to trust for TLS instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// Replicas that must hold a write before it counts (`WAIT`), so that a failover never loses
    /// what the bot acknowledged; 0 trusts the primary alone (with its append-only file).
    pub wait_replicas: u32,
    /// How long a write waits for those replicas before it is refused as not recorded.
    pub wait_timeout: Duration,
}

impl RedisOptions {
    /// Options for `url` that trust the system's certificate authorities and the primary alone.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), ca_file: None, wait_replicas: 0, wait_timeout: Duration::from_secs(1) }
    }
}

impl std::fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisOptions")
            .field("url", &redact_url_credentials(&self.url))
            .field("ca_file", &self.ca_file)
            .field("wait_replicas", &self.wait_replicas)
            .field("wait_timeout", &self.wait_timeout)
            .finish()
    }
}

/// Redis-backed state store; cheap to clone, every clone shares one connection.
#[derive(Clone)]
pub struct RedisStore {
    connection: Connection,
    wait_replicas: u32,
    wait_timeout_ms: u64,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (any form [`Target`] reads) with the default [`RedisOptions`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(&RedisOptions::new(url)).await
    }

    /// Connects as `options` say, then settles the open-incident index (see the module docs).
    /// Fails fast, with the URL (credentials hidden) in the error, when the store cannot be
    /// reached.
    pub async fn connect_with(options: &RedisOptions) -> Result<Self, StoreError> {
        let shown = redact_url_credentials(&options.url);
        let target = Target::parse(&options.url).map_err(|error| StoreError::Backend(error.to_string()))?;
        let ca = match &options.ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|error| {
                StoreError::Backend(format!("cannot read the CA file {}: {error}", path.display()))
            })?),
            None => None,
        };
        let connection = Connection::open(&target, ca).await.map_err(|error| match failure(error) {
            StoreError::Unavailable(reason) => {
                StoreError::Unavailable(format!("cannot reach Redis at {shown}: {reason}"))
            }
            other => StoreError::Backend(format!("cannot use Redis at {shown}: {other}")),
        })?;
        let store = Self {
            connection,
            wait_replicas: options.wait_replicas,
            wait_timeout_ms: u64::try_from(options.wait_timeout.as_millis()).unwrap_or(u64::MAX),
        };
        store.settle_open_index().await?;
        Ok(store)
    }

    fn connection(&self) -> Connection {
        self.connection.clone()
    }

    /// Sends `command`, a write, and when replicas must confirm writes, `WAIT`s for them on the
    /// node that took it (a pipeline goes to one node); too few in time and the write is
    /// refused as not recorded.
    async fn write<T: FromRedisValue>(&self, command: Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection();
        if self.wait_replicas == 0 {
            return command.query_async(&mut connection).await.map_err(failure);
        }
        let mut pipe = redis::pipe();
        pipe.add_command(command).cmd("WAIT").arg(self.wait_replicas).arg(self.wait_timeout_ms);
        let (value, confirmed): (T, u32) = pipe.query_async(&mut connection).await.map_err(failure)?;
        if confirmed < self.wait_replicas {
            return Err(StoreError::Unavailable(format!(
                "{confirmed} of {} replicas confirmed the write within {} ms",
                self.wait_replicas, self.wait_timeout_ms
            )));
        }
        Ok(value)
    }

    /// One write to incident `id`, applied once however often it is sent.
    async fn write_incident(&self, id: IncidentId, write: IncidentWrite<'_>) -> Result<(), StoreError> {
        let mut args = vec![WRITE_MARKER_MS.to_string(), (2 * write.record.len()).to_string()];
        for (name, value) in write.record {
            args.extend([name.to_owned(), value]);
        }
        args.push((2 * write.alerts.map_or(0, AlertStates::len)).to_string());
        for (fingerprint, state) in write.alerts.into_iter().flatten() {
            args.extend([fingerprint.clone(), encode(state, "alert state")?]);
        }
        args.push(write.evidence.len().to_string());
        for found in write.evidence {
            args.push(encode(found, "evidence")?);
        }
        for entry in write.entries {
            args.push(encode(entry, "timeline entry")?);
        }
        let marker = key(id, &format!("write:{}", new_lock_token().0));
        let keys = [marker.as_str(), &key(id, "meta"), &key(id, "timeline"), &key(id, "evidence"), &key(id, "alerts")];
        self.write::<i64>(WRITE.call(&keys, args)).await.map(drop)
    }

    /// Reserves the channel and indexes the incident, writes it with `entries` and `alerts`,
    /// then binds the channel for good: a new incident, in the order the module docs give. The
    /// reservation, not a plain binding, stands while the incident is unwritten, so a claim in
    /// that moment sees a creation under way rather than a binding nothing confirms.
    async fn create_with(
        &self,
        incident: &Incident,
        entries: &[Entry],
        alerts: Option<&AlertStates>,
    ) -> Result<(), StoreError> {
        let channel = channel_key(&incident.channel);
        let reservation = channel_reservation(incident.id, Utc::now());
        self.write::<()>(Cmd::set(&channel, reservation)).await?;
        self.index_if_open(incident).await?;
        let record = meta_fields(incident);
        self.write_incident(incident.id, IncidentWrite { record, alerts, entries, ..IncidentWrite::default() }).await?;
        self.write::<()>(Cmd::set(&channel, incident.id.number())).await
    }

    /// Adds the incident to the open index when it is open: before it is written.
    async fn index_if_open(&self, incident: &Incident) -> Result<(), StoreError> {
        if incident.is_open() {
            self.write::<()>(Cmd::sadd(OPEN_KEY, incident.id.number())).await?;
        }
        Ok(())
    }

    /// Takes the incident out of the open index when it is closed: after it is written.
    async fn unindex_if_closed(&self, incident: &Incident) -> Result<(), StoreError> {
        if !incident.is_open() {
            self.write::<()>(Cmd::srem(OPEN_KEY, incident.id.number())).await?;
        }
        Ok(())
    }

    /// Appends encoded knowledge records to the stream every replica folds.
    async fn publish_encoded(&self, records: &[String]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        self.write::<i64>(APPEND_ALL.call(&[KNOWLEDGE_KEY], ("record", records))).await.map(drop)
    }

    /// The open incidents the open index lists, after finishing what an interrupted
    /// resolution left undone: an incident found closed is published (again) from the record
    /// it keeps, then leaves the index. Numbers without an incident — a creation in progress, or
    /// one interrupted — are left alone; so are unreadable incidents, with a warning.
    async fn settle_open_index(&self) -> Result<Vec<IncidentId>, StoreError> {
        let numbers: Vec<u64> = Cmd::smembers(OPEN_KEY).query_async(&mut self.connection()).await.map_err(failure)?;
        let mut open = Vec::new();
        for number in numbers {
            let id = IncidentId::from_number(number);
            let meta = key(id, "meta");
            let mut fields: HashMap<String, String> =
                Cmd::hgetall(&meta).query_async(&mut self.connection()).await.map_err(failure)?;
            if fields.is_empty() {
                continue;
            }
            let learned = fields.remove(LEARNED);
            let incident = match incident_from_fields(&meta, fields) {
                Ok(incident) => incident,
                Err(error) => {
                    warn!(%error, "leaving an unreadable incident in the open index");
                    continue;
                }
            };
            if incident.is_open() {
                open.push(id);
                continue;
            }
            self.publish_encoded(learned.as_slice()).await?;
            self.unindex_if_closed(&incident).await?;
        }
        open.sort_unstable();
        Ok(open)
    }

    /// Takes `key` for `holder` for `ttl` unless someone else holds it; true when `holder`
    /// does.
    async fn claim(&self, key: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.write::<i64>(CLAIM.call(&[key], (holder, ttl_ms))).await.map(|held| held == 1)
    }

    /// The incident holding `channel` bound as `binding` at `now_ms`: an open incident in the
    /// channel, or one reserved within the grace and not yet written. `None` when the binding
    /// has lapsed.
    async fn channel_holder(
        &self,
        channel: &str,
        binding: &str,
        now_ms: i64,
    ) -> Result<Option<IncidentId>, StoreError> {
        let Some((number, reserved_at)) = parse_channel_binding(binding) else { return Ok(None) };
        let id = IncidentId::from_number(number);
        Ok(match self.incident(id).await? {
            Some(incident) => (incident.is_open() && incident.channel == channel).then_some(id),
            None => {
                let grace = i64::try_from(CLAIM_GRACE.as_millis()).unwrap_or(i64::MAX);
                reserved_at.filter(|at| now_ms.saturating_sub(*at) < grace).map(|_| id)
            }
        })
    }

    /// Deletes `key` only while it holds `value`; true when deleted.
    async fn delete_if_equal(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        self.write::<i64>(DELETE_IF_EQUAL.call(&[key], value)).await.map(|deleted| deleted == 1)
    }
}

/// What one write to an incident replaces or adds.
#[derive(Default)]
struct IncidentWrite<'a> {
    /// The record's fields, replacing it whole; empty leaves it alone.
    record: Vec<(&'static str, String)>,
    /// Alert states to set, by fingerprint.
    alerts: Option<&'a AlertStates>,
    /// Evidence to keep.
    evidence: &'a [Evidence],
    /// Timeline entries to append.
    entries: &'a [Entry],
}

/// `fb:{inc:N}:PART`, a key of incident `id`.
fn key(id: IncidentId, part: &str) -> String {
    format!("fb:{{inc:{}}}:{part}", id.number())
}

fn channel_key(channel: &str) -> String {
    format!("fb:channel:{channel}")
}

/// `N@MS`: a channel reserved at `at` for incident N, not yet written.
fn channel_reservation(id: IncidentId, at: DateTime<Utc>) -> String {
    format!("{}@{}", id.number(), at.timestamp_millis())
}

/// The incident number of a channel binding, and when it was reserved if it is a reservation
/// (`N@MS`) rather than the binding of a written incident (`N`).
fn parse_channel_binding(binding: &str) -> Option<(u64, Option<i64>)> {
    match binding.split_once('@') {
        Some((number, at)) => Some((number.parse().ok()?, Some(at.parse().ok()?))),
        None => Some((binding.parse().ok()?, None)),
    }
}

fn seen_key(event_id: &str) -> String {
    format!("fb:seen:{event_id}")
}

fn alert_group_key(group: &str) -> String {
    format!("fb:alert:{group}")
}

fn changes_key(service: &str) -> String {
    format!("fb:changes:{service}")
}

/// JSON items read back from `key`, each an error naming the key when unreadable.
fn decode_all<T: serde::de::DeserializeOwned>(key: &str, items: &[String]) -> Result<Vec<T>, StoreError> {
    items
        .iter()
        .map(|json| {
            serde_json::from_str(json)
                .map_err(|error| StoreError::Corrupt { key: key.to_owned(), reason: error.to_string() })
        })
        .collect()
}

/// What a Redis error means for the turn: the store out of reach for now — down, moving a
/// slot, failing over — or anything else.
fn failure(error: RedisError) -> StoreError {
    let passing = matches!(
        error.kind(),
        redis::ErrorKind::ClusterConnectionNotFound
            | redis::ErrorKind::Server(
                ServerErrorKind::ReadOnly
                    | ServerErrorKind::Moved
                    | ServerErrorKind::Ask
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::BusyLoading
            )
    );
    if passing
        || error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
    {
        StoreError::Unavailable(error.to_string())
    } else {
        StoreError::Backend(error.to_string())
    }
}

fn encode<T: serde::Serialize>(value: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Backend(format!("cannot encode {what}: {error}")))
}

#[async_trait]
impl Store for RedisStore {
    async fn next_sequence(&self) -> Result<u64, StoreError> {
        self.write(Cmd::incr(SEQUENCE_KEY, 1u64)).await
    }

    async fn create(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
        self.create_with(incident, entries, None).await
    }

    async fn update(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
        self.index_if_open(incident).await?;
        let record = meta_fields(incident);
        self.write_incident(incident.id, IncidentWrite { record, entries, ..IncidentWrite::default() }).await?;
        self.unindex_if_closed(incident).await
    }

    async fn resolve(
        &self,
        incident: &Incident,
        entries: &[Entry],
        learned: &IncidentRecord,
    ) -> Result<(), StoreError> {
        let learned = encode(learned, "knowledge record")?;
        let mut record = meta_fields(incident);
        record.push((LEARNED, learned.clone()));
        self.write_incident(incident.id, IncidentWrite { record, entries, ..IncidentWrite::default() }).await?;
        self.publish_encoded(&[learned]).await?;
        self.unindex_if_closed(incident).await
    }

    async fn publish(&self, records: &[IncidentRecord]) -> Result<(), StoreError> {
        let encoded = records.iter().map(|record| encode(record, "knowledge record")).collect::<Result<Vec<_>, _>>()?;
        self.publish_encoded(&encoded).await
    }

    async fn knowledge_after(
        &self,
        cursor: &KnowledgeCursor,
        count: usize,
    ) -> Result<(Vec<IncidentRecord>, KnowledgeCursor), StoreError> {
        let reply: StreamRangeReply = Cmd::xrange_count(KNOWLEDGE_KEY, format!("({}", cursor.0), "+", count)
            .query_async(&mut self.connection())
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
                    .inspect_err(|reason| warn!(stream = KNOWLEDGE_KEY, id = %item.id, %reason, "skipping unreadable knowledge record"))
                    .ok()
            })
            .collect();
        Ok((records, next))
    }

    async fn add_evidence(&self, id: IncidentId, evidence: &[Evidence], entries: &[Entry]) -> Result<(), StoreError> {
        self.write_incident(id, IncidentWrite { evidence, entries, ..IncidentWrite::default() }).await
    }

    async fn evidence(&self, id: IncidentId) -> Result<Vec<Evidence>, StoreError> {
        let key = key(id, "evidence");
        let items: Vec<String> = Cmd::lrange(&key, 0, -1).query_async(&mut self.connection()).await.map_err(failure)?;
        decode_all(&key, &items)
    }

    async fn append(&self, id: IncidentId, entry: &Entry) -> Result<(), StoreError> {
        let entries = std::slice::from_ref(entry);
        self.write_incident(id, IncidentWrite { entries, ..IncidentWrite::default() }).await
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        let key = key(id, "meta");
        let fields: HashMap<String, String> =
            Cmd::hgetall(&key).query_async(&mut self.connection()).await.map_err(failure)?;
        if fields.is_empty() {
            return Ok(None);
        }
        incident_from_fields(&key, fields).map(Some)
    }

    async fn claim_channel(&self, channel: &str, id: IncidentId) -> Result<Option<IncidentId>, StoreError> {
        /// Attempts before giving up on a binding that keeps changing under us.
        const ATTEMPTS: usize = 3;
        let key = channel_key(channel);
        let now = Utc::now();
        let (now_ms, reservation) = (now.timestamp_millis(), channel_reservation(id, now));
        let mut binding: String = Cmd::get(&key)
            .query_async::<Option<String>>(&mut self.connection())
            .await
            .map_err(failure)?
            .unwrap_or_default();
        for _ in 0..ATTEMPTS {
            if let Some(holder) = self.channel_holder(channel, &binding, now_ms).await? {
                return Ok((holder != id).then_some(holder));
            }
            // Taken only if nobody changed the binding since it was judged free.
            binding = self.write(CLAIM_CHANNEL.call(&[&key], (&binding, &reservation))).await?;
            if binding == reservation {
                return Ok(None);
            }
        }
        let holder = parse_channel_binding(&binding).map(|(number, _)| IncidentId::from_number(number));
        Ok(holder.filter(|holder| *holder != id))
    }

    async fn incident_in_channel(&self, channel: &str) -> Result<Option<Incident>, StoreError> {
        let binding: Option<String> =
            Cmd::get(channel_key(channel)).query_async(&mut self.connection()).await.map_err(failure)?;
        let Some((number, _)) = binding.as_deref().and_then(parse_channel_binding) else { return Ok(None) };
        // A binding its incident does not confirm is what a creation interrupted after binding
        // the channel leaves: nothing is in this channel.
        Ok(self.incident(IncidentId::from_number(number)).await?.filter(|incident| incident.channel == channel))
    }

    async fn timeline(&self, id: IncidentId) -> Result<Vec<Entry>, StoreError> {
        let key = key(id, "timeline");
        let reply: StreamRangeReply =
            Cmd::xrange_all(&key).query_async(&mut self.connection()).await.map_err(failure)?;
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
        let key = key(id, "digest");
        let mut fields: HashMap<String, String> =
            Cmd::hgetall(&key).query_async(&mut self.connection()).await.map_err(failure)?;
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
        let command = KEEP_DIGEST.call(&[&key(id, "digest")], (&digest.text, digest.covers));
        self.write::<i64>(command).await.map(|kept| kept == 1)
    }

    async fn open_incidents(&self) -> Result<Vec<IncidentId>, StoreError> {
        self.settle_open_index().await
    }

    async fn all_incidents(&self) -> Result<Vec<IncidentId>, StoreError> {
        // Every incident has a record; SCAN walks them without blocking the servers.
        let keys = self.connection.scan_match("fb:{inc:*}:meta").await.map_err(failure)?;
        let mut numbers: Vec<u64> =
            keys.iter().filter_map(|key| key.strip_prefix("fb:{inc:")?.strip_suffix("}:meta")?.parse().ok()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        Ok(numbers.into_iter().map(IncidentId::from_number).collect())
    }

    async fn try_lock(&self, id: IncidentId, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        let token = new_lock_token();
        Ok(self.claim(&key(id, "lock"), &token.0, ttl).await?.then_some(token))
    }

    async fn unlock(&self, id: IncidentId, token: &LockToken) -> Result<(), StoreError> {
        self.delete_if_equal(&key(id, "lock"), &token.0).await.map(drop)
    }

    async fn release_channel(&self, channel: &str, id: IncidentId) -> Result<bool, StoreError> {
        self.delete_if_equal(&channel_key(channel), &id.number().to_string()).await
    }

    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError> {
        // The holder is this call alone, so a repeat of the same claim still counts as first.
        let holder = new_lock_token();
        self.claim(&seen_key(event_id), &holder.0, Duration::from_secs(ttl.as_secs().max(1))).await
    }

    async fn forget_sighting(&self, event_id: &str) -> Result<(), StoreError> {
        self.write(Cmd::del(seen_key(event_id))).await
    }

    async fn alert_incident(&self, group: &str) -> Result<Option<IncidentId>, StoreError> {
        let number: Option<u64> =
            Cmd::get(alert_group_key(group)).query_async(&mut self.connection()).await.map_err(failure)?;
        Ok(number.map(IncidentId::from_number))
    }

    async fn bind_alert_group(
        &self,
        group: &str,
        id: IncidentId,
        replacing: Option<IncidentId>,
    ) -> Result<IncidentId, StoreError> {
        let replacing = replacing.map(|old| old.number().to_string()).unwrap_or_default();
        let key = alert_group_key(group);
        let bound: String = self.write(BIND_GROUP.call(&[&key], (id.number(), replacing))).await?;
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
        self.create_with(incident, entries, Some(alerts)).await
    }

    async fn alert_states(&self, id: IncidentId) -> Result<AlertStates, StoreError> {
        let key = key(id, "alerts");
        let fields: HashMap<String, String> =
            Cmd::hgetall(&key).query_async(&mut self.connection()).await.map_err(failure)?;
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
        self.write_incident(id, IncidentWrite { alerts: Some(alerts), entries, ..IncidentWrite::default() }).await
    }

    async fn record_change(&self, change: &Change, keep: usize) -> Result<(), StoreError> {
        let key = changes_key(&change.service);
        let command = KEEP_CHANGE.call(&[&key], (encode(change, "change")?, change.at.timestamp_millis(), keep));
        self.write::<i64>(command).await.map(drop)
    }

    async fn recent_changes(&self, service: &str, limit: usize) -> Result<Vec<Change>, StoreError> {
        let key = changes_key(service);
        let last = isize::try_from(limit).unwrap_or(isize::MAX) - 1;
        if last < 0 {
            return Ok(Vec::new());
        }
        let members: Vec<String> =
            Cmd::zrevrange(&key, 0, last).query_async(&mut self.connection()).await.map_err(failure)?;
        decode_all(&key, &members)
    }

    async fn schedule(&self, timer: Timer, due: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(Cmd::zadd(TIMERS_KEY, timer.to_string(), due.timestamp_millis())).await
    }

    async fn cancel(&self, timer: Timer) -> Result<(), StoreError> {
        self.write(Cmd::zrem(TIMERS_KEY, timer.to_string())).await
    }

    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(Timer, DateTime<Utc>)>, StoreError> {
        let limit = isize::try_from(limit).unwrap_or(isize::MAX);
        let due: Vec<(String, i64)> =
            Cmd::zrangebyscore_limit_withscores(TIMERS_KEY, "-inf", now.timestamp_millis(), 0, limit)
                .query_async(&mut self.connection())
                .await
                .map_err(failure)?;
        Ok(due
            .into_iter()
            .filter_map(|(member, at)| {
                let timer = Timer::parse(&member).or_else(|| {
                    warn!(key = TIMERS_KEY, %member, "skipping an unreadable timer");
                    None
                })?;
                Some((timer, Utc.timestamp_millis_opt(at).single()?))
            })
            .collect())
    }

    async fn anchors(&self, id: IncidentId) -> Result<Anchors, StoreError> {
        let mut fields: HashMap<String, String> =
            Cmd::hgetall(key(id, "anchors")).query_async(&mut self.connection()).await.map_err(failure)?;
        Ok(Anchors {
            card: fields.remove(Anchor::Card.as_str()),
            announcement: fields.remove(Anchor::Announcement.as_str()),
        })
    }

    async fn keep_anchor(&self, id: IncidentId, anchor: Anchor, message: &str) -> Result<bool, StoreError> {
        let command = KEEP_FIRST.call(&[&key(id, "anchors")], (anchor.as_str(), message));
        self.write::<i64>(command).await.map(|kept| kept == 1)
    }

    async fn take_channel_edit(
        &self,
        id: IncidentId,
        at: DateTime<Utc>,
        window: Duration,
        limit: u32,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let edit = new_lock_token().0;
        let command = TAKE_EDIT.call(&[&key(id, "channel-edits")], (at.timestamp_millis(), window_ms, limit, edit));
        let next: i64 = self.write(command).await?;
        Ok((next >= 0).then(|| Utc.timestamp_millis_opt(next).single()).flatten())
    }
}
