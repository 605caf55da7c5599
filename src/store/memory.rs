//! `MemoryStore`: the whole state in one process, for the demo and a console chat without
//! Redis. Same semantics as `RedisStore`, nothing survives the process.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::new_lock_token;
use crate::core::alert::{AlertStates, Change};
use crate::core::incident::{Incident, IncidentId};
use crate::core::ports::{
    Anchor, Anchors, CLAIM_GRACE, Evidence, KnowledgeCursor, LockToken, Store, StoreError, Timer,
};
use crate::core::record::IncidentRecord;
use crate::core::timeline::{Digest, Entry};

/// In-process state store.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    sequence: u64,
    incidents: HashMap<IncidentId, Incident>,
    timelines: HashMap<IncidentId, Vec<Entry>>,
    channels: HashMap<String, IncidentId>,
    /// When each channel bound to an incident not yet created was reserved.
    reserved: HashMap<String, Instant>,
    open: BTreeSet<IncidentId>,
    locks: HashMap<IncidentId, (LockToken, Instant)>,
    seen: HashMap<String, Instant>,
    knowledge: Vec<IncidentRecord>,
    evidence: HashMap<IncidentId, Vec<Evidence>>,
    digests: HashMap<IncidentId, Digest>,
    alert_groups: HashMap<String, IncidentId>,
    alert_states: HashMap<IncidentId, AlertStates>,
    changes: HashMap<String, Vec<Change>>,
    timers: HashMap<Timer, DateTime<Utc>>,
    anchors: HashMap<IncidentId, Anchors>,
    channel_edits: HashMap<IncidentId, Vec<DateTime<Utc>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with_state<T>(&self, work: impl FnOnce(&mut State) -> T) -> T {
        // A panic while holding the lock leaves plain data behind, still consistent enough to
        // keep serving: recover it instead of poisoning every later turn.
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut state)
    }
}

impl State {
    /// Binds the incident's channel to it, ending the channel's reservation.
    fn bind(&mut self, incident: &Incident) {
        self.channels.insert(incident.channel.clone(), incident.id);
        self.reserved.remove(&incident.channel);
    }

    fn write(&mut self, incident: &Incident, entries: &[Entry]) {
        self.incidents.insert(incident.id, incident.clone());
        self.timelines.entry(incident.id).or_default().extend_from_slice(entries);
        if incident.is_open() {
            self.open.insert(incident.id);
        } else {
            self.open.remove(&incident.id);
        }
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn next_sequence(&self) -> Result<u64, StoreError> {
        Ok(self.with_state(|state| {
            state.sequence += 1;
            state.sequence
        }))
    }

    async fn create(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
        self.with_state(|state| {
            state.bind(incident);
            state.write(incident, entries);
        });
        Ok(())
    }

    async fn update(&self, incident: &Incident, entries: &[Entry]) -> Result<(), StoreError> {
        self.with_state(|state| state.write(incident, entries));
        Ok(())
    }

    async fn resolve(
        &self,
        incident: &Incident,
        entries: &[Entry],
        learned: &IncidentRecord,
    ) -> Result<(), StoreError> {
        self.with_state(|state| {
            state.write(incident, entries);
            state.knowledge.push(learned.clone());
        });
        Ok(())
    }

    async fn publish(&self, records: &[IncidentRecord]) -> Result<(), StoreError> {
        self.with_state(|state| state.knowledge.extend_from_slice(records));
        Ok(())
    }

    async fn knowledge_after(
        &self,
        cursor: &KnowledgeCursor,
        count: usize,
    ) -> Result<(Vec<IncidentRecord>, KnowledgeCursor), StoreError> {
        let start: usize = cursor.0.parse().map_err(|_| StoreError::Corrupt {
            key: "knowledge cursor".into(),
            reason: format!("{:?} is not a memory-store cursor", cursor.0),
        })?;
        Ok(self.with_state(|state| {
            let end = state.knowledge.len().min(start.saturating_add(count));
            let records = state.knowledge.get(start..end).map(<[IncidentRecord]>::to_vec).unwrap_or_default();
            (records, KnowledgeCursor(end.max(start).to_string()))
        }))
    }

    async fn add_evidence(&self, id: IncidentId, evidence: &[Evidence], entries: &[Entry]) -> Result<(), StoreError> {
        self.with_state(|state| {
            state.evidence.entry(id).or_default().extend_from_slice(evidence);
            state.timelines.entry(id).or_default().extend_from_slice(entries);
        });
        Ok(())
    }

    async fn evidence(&self, id: IncidentId) -> Result<Vec<Evidence>, StoreError> {
        Ok(self.with_state(|state| state.evidence.get(&id).cloned().unwrap_or_default()))
    }

    async fn append(&self, id: IncidentId, entry: &Entry) -> Result<(), StoreError> {
        self.with_state(|state| state.timelines.entry(id).or_default().push(entry.clone()));
        Ok(())
    }

    async fn incident(&self, id: IncidentId) -> Result<Option<Incident>, StoreError> {
        Ok(self.with_state(|state| state.incidents.get(&id).cloned()))
    }

    async fn release_channel(&self, channel: &str, id: IncidentId) -> Result<bool, StoreError> {
        Ok(self.with_state(|state| match state.channels.get(channel) {
            Some(bound) if *bound == id => state.channels.remove(channel).is_some(),
            _ => false,
        }))
    }

    async fn claim_channel(&self, channel: &str, id: IncidentId) -> Result<Option<IncidentId>, StoreError> {
        Ok(self.with_state(|state| {
            if let Some(&bound) = state.channels.get(channel).filter(|bound| **bound != id) {
                let held = match state.incidents.get(&bound) {
                    Some(incident) => incident.is_open() && incident.channel == channel,
                    None => state.reserved.get(channel).is_some_and(|at| at.elapsed() < CLAIM_GRACE),
                };
                if held {
                    return Some(bound);
                }
            }
            state.channels.insert(channel.to_owned(), id);
            state.reserved.insert(channel.to_owned(), Instant::now());
            None
        }))
    }

    async fn incident_in_channel(&self, channel: &str) -> Result<Option<Incident>, StoreError> {
        Ok(self.with_state(|state| state.channels.get(channel).and_then(|id| state.incidents.get(id)).cloned()))
    }

    async fn timeline(&self, id: IncidentId) -> Result<Vec<Entry>, StoreError> {
        Ok(self.with_state(|state| state.timelines.get(&id).cloned().unwrap_or_default()))
    }

    async fn digest(&self, id: IncidentId) -> Result<Option<Digest>, StoreError> {
        Ok(self.with_state(|state| state.digests.get(&id).cloned()))
    }

    async fn keep_digest(&self, id: IncidentId, digest: &Digest) -> Result<bool, StoreError> {
        Ok(self.with_state(|state| {
            let newer = state.digests.get(&id).is_none_or(|stored| stored.covers < digest.covers);
            if newer {
                state.digests.insert(id, digest.clone());
            }
            newer
        }))
    }

    async fn open_incidents(&self) -> Result<Vec<IncidentId>, StoreError> {
        Ok(self.with_state(|state| state.open.iter().copied().collect()))
    }

    async fn all_incidents(&self) -> Result<Vec<IncidentId>, StoreError> {
        let mut ids: Vec<IncidentId> = self.with_state(|state| state.incidents.keys().copied().collect());
        ids.sort_unstable_by_key(|id| id.number());
        Ok(ids)
    }

    async fn try_lock(&self, id: IncidentId, ttl: Duration) -> Result<Option<LockToken>, StoreError> {
        let now = Instant::now();
        Ok(self.with_state(|state| match state.locks.get(&id) {
            Some((_, expires)) if *expires > now => None,
            _ => {
                let token = new_lock_token();
                state.locks.insert(id, (token.clone(), now + ttl));
                Some(token)
            }
        }))
    }

    async fn unlock(&self, id: IncidentId, token: &LockToken) -> Result<(), StoreError> {
        self.with_state(|state| {
            if state.locks.get(&id).is_some_and(|(owner, _)| owner == token) {
                state.locks.remove(&id);
            }
        });
        Ok(())
    }

    async fn first_sighting(&self, event_id: &str, ttl: Duration) -> Result<bool, StoreError> {
        let now = Instant::now();
        Ok(self.with_state(|state| {
            state.seen.retain(|_, expires| *expires > now);
            state.seen.insert(event_id.to_owned(), now + ttl).is_none()
        }))
    }

    async fn forget_sighting(&self, event_id: &str) -> Result<(), StoreError> {
        self.with_state(|state| state.seen.remove(event_id));
        Ok(())
    }

    async fn alert_incident(&self, group: &str) -> Result<Option<IncidentId>, StoreError> {
        Ok(self.with_state(|state| state.alert_groups.get(group).copied()))
    }

    async fn bind_alert_group(
        &self,
        group: &str,
        id: IncidentId,
        replacing: Option<IncidentId>,
    ) -> Result<IncidentId, StoreError> {
        Ok(self.with_state(|state| {
            let bound = state.alert_groups.entry(group.to_owned()).or_insert(id);
            if Some(*bound) == replacing {
                *bound = id;
            }
            *bound
        }))
    }

    async fn create_alerted(
        &self,
        incident: &Incident,
        entries: &[Entry],
        alerts: &AlertStates,
    ) -> Result<(), StoreError> {
        self.with_state(|state| {
            state.bind(incident);
            state.write(incident, entries);
            state.alert_states.entry(incident.id).or_default().extend(alerts.clone());
        });
        Ok(())
    }

    async fn alert_states(&self, id: IncidentId) -> Result<AlertStates, StoreError> {
        Ok(self.with_state(|state| state.alert_states.get(&id).cloned().unwrap_or_default()))
    }

    async fn record_alerts(&self, id: IncidentId, alerts: &AlertStates, entries: &[Entry]) -> Result<(), StoreError> {
        self.with_state(|state| {
            state.alert_states.entry(id).or_default().extend(alerts.clone());
            state.timelines.entry(id).or_default().extend_from_slice(entries);
        });
        Ok(())
    }

    async fn record_change(&self, change: &Change, keep: usize) -> Result<(), StoreError> {
        self.with_state(|state| {
            let history = state.changes.entry(change.service.clone()).or_default();
            if !history.contains(change) {
                history.push(change.clone());
                history.sort_by_key(|kept| std::cmp::Reverse(kept.at));
                history.truncate(keep);
            }
        });
        Ok(())
    }

    async fn recent_changes(&self, service: &str, limit: usize) -> Result<Vec<Change>, StoreError> {
        Ok(self.with_state(|state| {
            state.changes.get(service).map(|history| history.iter().take(limit).cloned().collect()).unwrap_or_default()
        }))
    }

    async fn schedule(&self, timer: Timer, due: DateTime<Utc>) -> Result<(), StoreError> {
        self.with_state(|state| state.timers.insert(timer, due));
        Ok(())
    }

    async fn cancel(&self, timer: Timer) -> Result<(), StoreError> {
        self.with_state(|state| state.timers.remove(&timer));
        Ok(())
    }

    async fn due_timers(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(Timer, DateTime<Utc>)>, StoreError> {
        let mut due: Vec<(Timer, DateTime<Utc>)> = self.with_state(|state| {
            state.timers.iter().filter(|(_, due)| **due <= now).map(|(timer, due)| (*timer, *due)).collect()
        });
        due.sort_by_key(|(timer, due)| (*due, timer.to_string()));
        due.truncate(limit);
        Ok(due)
    }

    async fn anchors(&self, id: IncidentId) -> Result<Anchors, StoreError> {
        Ok(self.with_state(|state| state.anchors.get(&id).cloned().unwrap_or_default()))
    }

    async fn keep_anchor(&self, id: IncidentId, anchor: Anchor, message: &str) -> Result<bool, StoreError> {
        Ok(self.with_state(|state| {
            let anchors = state.anchors.entry(id).or_default();
            let slot = match anchor {
                Anchor::Card => &mut anchors.card,
                Anchor::Announcement => &mut anchors.announcement,
            };
            let free = slot.is_none();
            if free {
                *slot = Some(message.to_owned());
            }
            free
        }))
    }

    async fn take_channel_edit(
        &self,
        id: IncidentId,
        at: DateTime<Utc>,
        window: Duration,
        limit: u32,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        Ok(self.with_state(|state| {
            let edits = state.channel_edits.entry(id).or_default();
            edits.retain(|edit| *edit + window > at);
            if edits.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
                edits.push(at);
                return None;
            }
            edits.iter().min().map(|oldest| *oldest + window)
        }))
    }
}
