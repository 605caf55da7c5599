//! One turn in progress: the event being handled, the ports and settings it reaches them
//! through, and the steps every command shares — recording entries, gathering what an advisor
//! needs, running diagnostics and announcing them, taking the incident's lock to decide, and
//! bringing what shows the incident up to date after a change (`refresh`).

mod refresh;

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use tracing::{debug, warn};

use super::error::UserError;
use super::incident::{Incident, IncidentId};
use super::outbound::{Message, Outbound};
use super::ports::{
    Advisor, AdvisorError, CatchUpError, CategoryProfile, Context, Evidence, IncidentFacts, Investigate,
    KnowledgeError, Ports, Remember, SimilarIncident, Store, StoreError, ToolCall, ToolInfo, query_text,
};
use super::postmortem::{Record, draft};
use super::redact::redact;
use super::replies;
use super::settings::EngineSettings;
use super::timeline::{Author, Digest, Entry, EntryKind, in_channel_order};

pub(super) use self::refresh::Refresh;

/// Why a turn failed; decides what the person in the channel is told.
#[derive(Debug, thiserror::Error)]
pub(super) enum TurnError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Advisor(#[from] AdvisorError),
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
}

impl From<CatchUpError> for TurnError {
    fn from(failure: CatchUpError) -> Self {
        match failure {
            CatchUpError::Store(failure) => Self::Store(failure),
            CatchUpError::Knowledge(failure) => Self::Knowledge(failure),
        }
    }
}

/// What a turn posts, or why it failed.
pub(super) type TurnResult = Result<Vec<Outbound>, TurnError>;

/// The incident a command needs, or the error saying there is none here.
pub(super) fn require(incident: Option<Incident>) -> Result<Incident, UserError> {
    incident.ok_or(UserError::NoIncident)
}

/// Where and by whom a turn's event happened: the parts of the inbound event every step
/// needs, apart from what happened (which the engine has already dispatched on).
pub(super) struct Origin<'a> {
    pub channel: &'a str,
    pub channel_name: Option<&'a str>,
    pub server: Option<&'a str>,
    pub author: &'a Author,
    pub at: DateTime<Utc>,
    pub order: Option<u64>,
}

/// One turn in progress: where it happened and what it reaches the world through.
pub(super) struct Turn<'a> {
    pub ports: &'a Ports,
    pub settings: &'a EngineSettings,
    pub origin: Origin<'a>,
    /// Whether the author may run diagnostics: every tool run, whoever asked for it (a
    /// handler, a person, a model), needs a responder role.
    pub responder: bool,
}

impl Turn<'_> {
    pub fn store(&self) -> &dyn Store {
        self.ports.store.as_ref()
    }

    pub fn advisor(&self) -> &dyn Advisor {
        self.ports.advisor.as_ref()
    }

    fn bot(&self) -> Author {
        Author::new(self.settings.bot_name.clone(), self.settings.bot_name.clone())
    }

    /// When the turn's event happened: the time every decision of the turn is recorded at.
    pub fn now(&self) -> DateTime<Utc> {
        self.origin.at
    }

    /// A fresh id for an answer people can rate.
    pub fn answer_id(&self) -> String {
        format!("{:08x}", rand::rng().random::<u32>())
    }

    /// An entry by the person who caused this turn, at the time it happened.
    pub fn by_author(&self, kind: EntryKind, text: &str) -> Entry {
        Entry::new(self.origin.at, self.origin.author.clone(), kind, redact(text)).with_order(self.origin.order)
    }

    /// An entry by the bot, now.
    pub fn by_bot(&self, kind: EntryKind, text: &str) -> Entry {
        Entry::new(Utc::now(), self.bot(), kind, redact(text))
    }

    /// A plain reply in the turn's channel.
    pub fn text(&self, text: impl AsRef<str>) -> Outbound {
        self.text_in(self.origin.channel, text)
    }

    /// A plain message in `channel`.
    pub fn text_in(&self, channel: &str, text: impl AsRef<str>) -> Outbound {
        self.post_in(channel, Message::Text { text: redact(text.as_ref()).into_owned() })
    }

    /// `message` in the turn's channel.
    pub fn post(&self, message: Message) -> Outbound {
        self.post_in(self.origin.channel, message)
    }

    /// `message` in `channel`.
    pub fn post_in(&self, channel: &str, message: Message) -> Outbound {
        Outbound { channel: channel.to_owned(), message }
    }

    /// Refuses text longer than the engine records.
    pub fn check_length(&self, text: &str) -> Result<(), UserError> {
        let length = text.chars().count();
        let limit = self.settings.max_message_chars;
        if length > limit { Err(UserError::TooLong { length, limit }) } else { Ok(()) }
    }

    /// Allocates the next incident id.
    pub async fn next_incident_id(&self) -> Result<IncidentId, StoreError> {
        let sequence = self.store().next_sequence().await?;
        Ok(IncidentId::from_number(self.settings.first_incident_number - 1 + sequence))
    }

    /// A plain message is one atomic append, so it takes no lock: it never waits behind a slow
    /// answer and its order in the stream is the order the store received it.
    pub async fn record_message(&self, incident: &Incident, text: &str) -> TurnResult {
        self.check_length(text)?;
        self.store().append(incident.id, &self.by_author(EntryKind::Message, text)).await?;
        Ok(Vec::new())
    }

    /// What the advisor needs besides the incident: its timeline and digest, its evidence, and
    /// the resolved incidents most similar to its description and the history's categories,
    /// after folding whatever other replicas have learned.
    pub async fn gather(&self, incident: &Incident) -> Result<Gathered, TurnError> {
        let timeline = self.timeline(incident.id).await?;
        let digest = self.store().digest(incident.id).await?;
        let evidence = self.store().evidence(incident.id).await?;
        self.ports.catch_up().await?;
        let similar = self.ports.knowledge.similar(&query_text(incident), self.settings.similar_k, None).await?;
        let categories = self.ports.knowledge.categories();
        Ok(Gathered { timeline, digest, similar, categories, evidence })
    }

    /// The postmortem draft of `incident`, in Markdown: the advisor's narrative, written from
    /// everything gathered for it, and the record.
    pub async fn postmortem(&self, incident: &Incident) -> Result<String, TurnError> {
        let gathered = self.gather(incident).await?;
        let helpers = TurnHelpers::new(self, incident);
        let narrative = self.advisor().postmortem(gathered.context(incident, &helpers)).await?;
        Ok(draft(&Record {
            incident,
            timeline: &gathered.timeline,
            evidence: &gathered.evidence,
            narrative: &narrative,
            advisor: self.advisor().name(),
        }))
    }

    /// The incident's timeline in the channel's order.
    pub async fn timeline(&self, id: IncidentId) -> Result<Vec<Entry>, StoreError> {
        let mut timeline = self.store().timeline(id).await?;
        in_channel_order(&mut timeline);
        Ok(timeline)
    }

    /// The diagnostics the configured handlers want for this incident: none when the author
    /// may not run diagnostics.
    pub fn triggered(&self, incident: &Incident) -> Vec<ToolCall> {
        self.may_run(incident).map(|facts| self.ports.diagnostics.triggered(&facts)).unwrap_or_default()
    }

    /// The diagnostics that list this incident's recent changes, or, when no tool does, the
    /// handlers' (they may show a change too): none when the author may not run diagnostics.
    pub fn change_calls(&self, incident: &Incident) -> Vec<ToolCall> {
        let Some(facts) = self.may_run(incident) else { return Vec::new() };
        let changes = self.ports.diagnostics.changes(&facts);
        if changes.is_empty() { self.ports.diagnostics.triggered(&facts) } else { changes }
    }

    /// What the diagnostics may know of `incident`, when the author may run them.
    fn may_run(&self, incident: &Incident) -> Option<IncidentFacts> {
        if !self.responder {
            debug!(incident = %incident.id, "diagnostics not run: the author holds no responder role");
            return None;
        }
        Some(IncidentFacts {
            title: incident.title.clone(),
            summary: incident.summary.clone(),
            service: incident.service.clone(),
            source: incident.source.to_string(),
            labels: incident.labels.clone(),
        })
    }

    /// Runs `calls` (concurrently, each bounded, capped per turn), keeps what they found with
    /// the incident and announces each run on the timeline.
    pub async fn investigate(&self, incident: &Incident, calls: &[ToolCall]) -> Result<Vec<Evidence>, TurnError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.ports.diagnostics.run_all(calls).await;
        let entries: Vec<Entry> = found
            .iter()
            .map(|evidence| {
                let kind = EntryKind::Evidence { tool: evidence.tool.clone(), ok: evidence.ok };
                self.by_bot(kind, &evidence.summary)
            })
            .collect();
        self.store().add_evidence(incident.id, &found, &entries).await?;
        Ok(found)
    }

    /// Runs `work` holding the incident's lock, with the incident re-read under the lock.
    pub async fn locked<F, Fut>(&self, id: IncidentId, work: F) -> TurnResult
    where
        F: FnOnce(Incident) -> Fut,
        Fut: Future<Output = TurnResult>,
    {
        let settings = self.settings;
        let started = Instant::now();
        let token = loop {
            if let Some(token) = self.store().try_lock(id, settings.lock_ttl).await? {
                break token;
            }
            if started.elapsed() >= settings.lock_wait {
                self.ports.observer.lock_waited(started.elapsed());
                return Err(UserError::Busy(id).into());
            }
            let pause = rand::rng().random_range(5..25);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        };
        self.ports.observer.lock_waited(started.elapsed());
        let result = match self.store().incident(id).await {
            Ok(Some(incident)) => work(incident).await,
            Ok(None) => Err(UserError::NoIncident.into()),
            Err(failure) => Err(failure.into()),
        };
        if let Err(failure) = self.store().unlock(id, &token).await {
            warn!(incident = %id, error = %failure, "could not release lock; it will expire");
        }
        result
    }
}

/// What a turn gathered for the advisor.
pub(super) struct Gathered {
    timeline: Vec<Entry>,
    digest: Option<Digest>,
    similar: Vec<SimilarIncident>,
    categories: Vec<CategoryProfile>,
    evidence: Vec<Evidence>,
}

impl Gathered {
    /// The incident's timeline, in the channel's order.
    pub fn timeline(&self) -> &[Entry] {
        &self.timeline
    }

    /// The advisor's view of `incident`, with `helpers` to run diagnostics and keep a digest.
    pub fn context<'a>(&'a self, incident: &'a Incident, helpers: &'a TurnHelpers<'a>) -> Context<'a> {
        Context {
            incident,
            timeline: &self.timeline,
            digest: self.digest.as_ref(),
            similar: &self.similar,
            categories: &self.categories,
            evidence: &self.evidence,
            investigator: &helpers.investigator,
            memory: &helpers.memory,
        }
    }
}

/// What the engine does for an advisor during a turn: run diagnostics, keep a digest.
pub(super) struct TurnHelpers<'a> {
    investigator: TurnInvestigator<'a>,
    memory: TurnMemory<'a>,
}

impl<'a> TurnHelpers<'a> {
    pub fn new(turn: &'a Turn<'a>, incident: &'a Incident) -> Self {
        Self {
            investigator: TurnInvestigator { turn, incident, ran: Mutex::new(Vec::new()) },
            memory: TurnMemory { turn, id: incident.id },
        }
    }

    /// What the advisor ran through these helpers.
    pub fn ran(&self) -> Vec<Evidence> {
        self.investigator.ran.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

/// Keeps an advisor's digest of the incident's older timeline entries in the store.
struct TurnMemory<'a> {
    turn: &'a Turn<'a>,
    id: IncidentId,
}

#[async_trait::async_trait]
impl Remember for TurnMemory<'_> {
    async fn remember(&self, digest: &Digest) {
        // Not kept, the digest is folded again next turn: nothing stored is lost.
        match self.turn.store().keep_digest(self.id, digest).await {
            Ok(true) => {}
            Ok(false) => debug!(incident = %self.id, "a digest covering as much was kept already"),
            Err(failure) => warn!(incident = %self.id, error = %failure, "could not keep the conversation digest"),
        }
    }
}

/// Runs diagnostics for an advisor within a turn, through the engine's ports.
struct TurnInvestigator<'a> {
    turn: &'a Turn<'a>,
    incident: &'a Incident,
    /// Everything run so far this turn, to say afterwards what ran.
    ran: Mutex<Vec<Evidence>>,
}

#[async_trait::async_trait]
impl Investigate for TurnInvestigator<'_> {
    fn tools(&self) -> Vec<ToolInfo> {
        self.turn.ports.diagnostics.tools()
    }

    async fn run(&self, calls: &[ToolCall]) -> Vec<Evidence> {
        if !self.turn.responder {
            return self.refuse(calls).await;
        }
        let found = match self.turn.investigate(self.incident, calls).await {
            Ok(found) => found,
            Err(failure) => {
                // The model still gets what the tools saw; only keeping it failed.
                warn!(error = %failure, "could not store evidence gathered for the advisor");
                self.turn.ports.diagnostics.run_all(calls).await
            }
        };
        self.ran.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(found.iter().cloned());
        found
    }
}

impl TurnInvestigator<'_> {
    /// Refuses `calls` without running them, recording each refusal on the timeline: the
    /// author may not run diagnostics, however the request reached the advisor.
    async fn refuse(&self, calls: &[ToolCall]) -> Vec<Evidence> {
        let turn = self.turn;
        let roles = turn.settings.responder_role_names();
        let refused: Vec<Evidence> = calls
            .iter()
            .map(|call| Evidence {
                tool: call.tool.clone(),
                query: redact(&call.to_string()).into_owned(),
                started_at: Utc::now(),
                duration_ms: 0,
                ok: false,
                summary: replies::tool_refused_without_role(&roles),
                detail: String::new(),
            })
            .collect();
        let entries: Vec<Entry> = refused
            .iter()
            .map(|evidence| {
                turn.by_bot(EntryKind::Evidence { tool: evidence.tool.clone(), ok: false }, &evidence.summary)
            })
            .collect();
        for entry in &entries {
            if let Err(failure) = turn.store().append(self.incident.id, entry).await {
                warn!(error = %failure, "could not record a refused diagnostic");
            }
        }
        refused
    }
}
