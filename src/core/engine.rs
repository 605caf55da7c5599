//! The engine: one turn per inbound event. It deduplicates platform events, finds the channel's
//! incident, takes the incident's lock when the turn decides something, records the input,
//! decides, gathers what the decision needs (advisor), records its answers and returns what
//! the adapter should post. Each command's handling lives in its own file below.

mod declare;
mod diagnose;
mod evidence;
mod feedback;
mod focus;
mod help;
mod question;
mod resolve;
mod status;
mod summary;
mod timeline;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rand::Rng;
use tracing::{Instrument, debug, error, info_span, warn};

use super::command::Command;
use super::error::UserError;
use super::incident::{Declaration, Incident, IncidentId, Severity, Source};
use super::replies;
use super::timeline::{Author, Digest, Entry, EntryKind};
use super::turn::{Inbound, Input, Message, Outbound};
use crate::advisor::{Advisor, AdvisorError, Context, Focus, Investigate, OfflineAdvisor, Remember};
use crate::diagnostics::{Catalog, DiagnosticsSettings, Evidence, IncidentFacts, ToolCall, ToolInfo};
use crate::knowledge::{KnowledgeBase, KnowledgeError, Match, query_text};
use crate::redact::redact;
use crate::store::{Store, StoreError};

/// Tunables of the engine, with defaults fit for chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSettings {
    /// The bot's name: what `@name` addresses and what its timeline entries are signed with.
    pub bot_name: String,
    /// Number of the first incident declared (`INC-<n>`); later ones count up from it.
    pub first_incident_number: u64,
    /// How long a turn may hold an incident's lock before it expires on its own.
    pub lock_ttl: Duration,
    /// How long a turn waits for another turn of the same incident before giving up.
    pub lock_wait: Duration,
    /// How long a platform event id is remembered for deduplication.
    pub dedupe_ttl: Duration,
    /// Longest message, in characters, that is recorded.
    pub max_message_chars: usize,
    /// Similar past incidents retrieved for the advisor.
    pub similar_k: usize,
    /// Roles allowed to run privileged commands (status changes, resolution); empty means
    /// everyone may.
    pub responder_roles: Vec<String>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            bot_name: "firebreak".to_owned(),
            first_incident_number: 2001,
            lock_ttl: Duration::from_secs(120),
            lock_wait: Duration::from_secs(15),
            dedupe_ttl: Duration::from_secs(24 * 3600),
            max_message_chars: 16_000,
            similar_k: 5,
            responder_roles: Vec::new(),
        }
    }
}

/// The ports a turn reaches the outside world through.
#[derive(Clone)]
pub struct Ports {
    /// Incident state.
    pub store: Arc<dyn Store>,
    /// Resolved incidents to ground recommendations in.
    pub knowledge: Arc<KnowledgeBase>,
    /// Tools that gather live evidence.
    pub diagnostics: Arc<Catalog>,
    /// Recommendations and answers.
    pub advisor: Arc<dyn Advisor>,
}

impl Ports {
    /// `store` with an empty knowledge base, no diagnostics and the offline advisor; replace
    /// what a caller needs with struct update syntax.
    pub fn new(store: Arc<dyn Store>) -> Result<Self, KnowledgeError> {
        Ok(Self {
            store,
            knowledge: Arc::new(KnowledgeBase::new()?),
            // No tools and no handlers leave nothing to get wrong.
            diagnostics: Arc::new(
                Catalog::from_settings(&DiagnosticsSettings::default()).expect("an empty catalog is valid"),
            ),
            advisor: Arc::new(OfflineAdvisor::default()),
        })
    }
}

/// Runs turns against its ports; cheap to share between tasks.
pub struct Engine {
    store: Arc<dyn Store>,
    knowledge: Arc<KnowledgeBase>,
    diagnostics: Arc<Catalog>,
    advisor: Arc<dyn Advisor>,
    settings: EngineSettings,
}

/// Why a turn failed; decides what the person in the channel is told.
#[derive(Debug, thiserror::Error)]
enum TurnError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Advisor(#[from] AdvisorError),
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
}

type TurnResult = Result<Vec<Outbound>, TurnError>;

impl Engine {
    /// An engine over these ports.
    pub fn new(ports: Ports, settings: EngineSettings) -> Self {
        let Ports { store, knowledge, diagnostics, advisor } = ports;
        Self { store, knowledge, diagnostics, advisor, settings }
    }

    /// The engine's settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// Allocates the next incident id, for an adapter that names a channel after the incident
    /// before declaring it there (`Declaration::id`). An id reserved and never used is skipped.
    pub async fn reserve_incident_id(&self) -> Result<IncidentId, StoreError> {
        let sequence = self.store.next_sequence().await?;
        Ok(IncidentId::from_number(self.settings.first_incident_number - 1 + sequence))
    }

    /// Whether `channel` holds an incident (open or resolved).
    pub async fn tracks_channel(&self, channel: &str) -> Result<bool, StoreError> {
        Ok(self.store.incident_in_channel(channel).await?.is_some())
    }

    /// Marks a platform event as handled; true for the first replica to see it. Adapters that
    /// must acknowledge before the turn (Discord interactions) claim the event first and then
    /// hand the turn over without an event id.
    pub async fn claim_event(&self, event_id: &str) -> Result<bool, StoreError> {
        self.store.first_sighting(event_id, self.settings.dedupe_ttl).await
    }

    /// Handles one inbound event and returns the messages to post. Never fails: problems
    /// become an error message for the channel, and internal ones are logged with a reference.
    pub async fn handle(&self, inbound: Inbound) -> Vec<Outbound> {
        let span = info_span!("turn", channel = %inbound.channel, author = %inbound.author.name);
        match self.turn(&inbound).instrument(span).await {
            Ok(outbound) => outbound,
            Err(failure) => vec![self.explain(&inbound.channel, failure)],
        }
    }

    fn explain(&self, channel: &str, failure: TurnError) -> Outbound {
        let text = match failure {
            TurnError::User(user) => user.to_string(),
            TurnError::Store(StoreError::Unavailable(reason))
            | TurnError::Knowledge(KnowledgeError::Store(StoreError::Unavailable(reason))) => {
                warn!(%reason, "state store unavailable");
                UserError::StoreUnavailable.to_string()
            }
            internal => {
                let reference = format!("{:08x}", rand::rng().random::<u32>());
                error!(%reference, error = %redact(&internal.to_string()), "turn failed");
                replies::internal_error(&reference)
            }
        };
        Outbound { channel: channel.to_owned(), message: Message::Error { text } }
    }

    async fn turn(&self, inbound: &Inbound) -> TurnResult {
        if let Some(event_id) = &inbound.event_id
            && !self.store.first_sighting(event_id, self.settings.dedupe_ttl).await?
        {
            return Ok(Vec::new());
        }
        if let Input::Command(command) = &inbound.input {
            self.check_role(command, &inbound.roles)?;
        }
        let incident = self.store.incident_in_channel(&inbound.channel).await?;
        let turn = Turn { engine: self, inbound };
        match &inbound.input {
            Input::Message(text) => turn.record_message(incident, text).await,
            Input::ChannelCreated { name, topic } => match incident {
                Some(_) => Ok(Vec::new()),
                None => declare::handle(&turn, None, followed_channel_declaration(name, topic)).await,
            },
            Input::Question(text) => question::handle(&turn, require(incident)?, text).await,
            Input::Command(command) => match command {
                Command::Declare(declaration) => declare::handle(&turn, incident, declaration.clone()).await,
                Command::Status(status) => status::handle(&turn, require(incident)?, *status).await,
                Command::Resolve { root_cause, mitigation, category } => {
                    resolve::handle(&turn, require(incident)?, root_cause, mitigation, category.as_deref()).await
                }
                Command::RootCause => focus::handle(&turn, require(incident)?, Focus::RootCause).await,
                Command::Mitigation => focus::handle(&turn, require(incident)?, Focus::Mitigation).await,
                Command::Similar => focus::handle(&turn, require(incident)?, Focus::Similar).await,
                Command::Summary => summary::handle(&turn, require(incident)?).await,
                Command::Timeline => timeline::handle(&turn, require(incident)?).await,
                Command::Feedback { rating, comment } => {
                    feedback::handle(&turn, require(incident)?, *rating, comment).await
                }
                Command::Diagnose { tool, args } => {
                    diagnose::handle(&turn, require(incident)?, ToolCall { tool: tool.clone(), args: args.clone() })
                        .await
                }
                Command::Evidence => evidence::handle(&turn, require(incident)?).await,
                Command::Help => Ok(vec![turn.text(help::text(&self.settings.bot_name, &self.diagnostics))]),
            },
        }
    }
}

impl Engine {
    fn check_role(&self, command: &Command, roles: &[String]) -> Result<(), UserError> {
        let allowed = &self.settings.responder_roles;
        if !command.is_privileged() || allowed.is_empty() || roles.iter().any(|role| allowed.contains(role)) {
            return Ok(());
        }
        Err(UserError::Forbidden { roles: allowed.join(", ") })
    }
}

/// The declaration for a channel followed because of its name: the name, in words, is the title.
fn followed_channel_declaration(name: &str, topic: &str) -> Declaration {
    let title = name.split(['-', '_']).filter(|word| !word.is_empty()).collect::<Vec<_>>().join(" ");
    Declaration {
        title,
        summary: topic.to_owned(),
        severity: Severity::Sev3,
        service: None,
        source: Source::Customer,
        id: None,
    }
}

fn require(incident: Option<Incident>) -> Result<Incident, UserError> {
    incident.ok_or(UserError::NoIncident)
}

/// What a turn gathered for the advisor.
struct Gathered {
    timeline: Vec<Entry>,
    digest: Option<Digest>,
    similar: Vec<Match>,
    evidence: Vec<Evidence>,
}

impl Gathered {
    fn context<'a>(&'a self, incident: &'a Incident, helpers: &'a TurnHelpers<'a>) -> Context<'a> {
        Context {
            incident,
            timeline: &self.timeline,
            digest: self.digest.as_ref(),
            similar: &self.similar,
            evidence: &self.evidence,
            investigator: &helpers.investigator,
            memory: &helpers.memory,
        }
    }
}

/// What the engine does for an advisor during a turn: run diagnostics, keep a digest.
struct TurnHelpers<'a> {
    investigator: TurnInvestigator<'a>,
    memory: TurnMemory<'a>,
}

impl<'a> TurnHelpers<'a> {
    fn new(turn: &'a Turn<'a>, incident: &'a Incident) -> Self {
        Self { investigator: TurnInvestigator::new(turn, incident), memory: TurnMemory { turn, id: incident.id } }
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

/// Runs diagnostics for an advisor within a turn, through the engine's catalog and store.
struct TurnInvestigator<'a> {
    turn: &'a Turn<'a>,
    incident: &'a Incident,
    /// Everything run so far this turn, to say afterwards what ran.
    ran: std::sync::Mutex<Vec<Evidence>>,
}

impl<'a> TurnInvestigator<'a> {
    fn new(turn: &'a Turn<'a>, incident: &'a Incident) -> Self {
        Self { turn, incident, ran: std::sync::Mutex::new(Vec::new()) }
    }

    /// What ran through this investigator.
    fn ran(&self) -> Vec<Evidence> {
        self.ran.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl Investigate for TurnInvestigator<'_> {
    fn tools(&self) -> Vec<ToolInfo> {
        self.turn.engine.diagnostics.tools()
    }

    async fn run(&self, calls: &[ToolCall]) -> Vec<Evidence> {
        let found = match self.turn.investigate(self.incident, calls).await {
            Ok(found) => found,
            Err(failure) => {
                // The model still gets what the tools saw; only keeping it failed.
                warn!(error = %failure, "could not store evidence gathered for the advisor");
                self.turn.engine.diagnostics.run_all(calls).await
            }
        };
        self.ran.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend(found.iter().cloned());
        found
    }
}

/// One turn in progress: the engine and the event, plus helpers the handlers share.
struct Turn<'a> {
    engine: &'a Engine,
    inbound: &'a Inbound,
}

impl Turn<'_> {
    fn store(&self) -> &dyn Store {
        self.engine.store.as_ref()
    }

    fn advisor(&self) -> &dyn Advisor {
        self.engine.advisor.as_ref()
    }

    fn bot(&self) -> Author {
        Author::new(self.engine.settings.bot_name.clone(), self.engine.settings.bot_name.clone())
    }

    /// An entry by the person who caused this turn, at the time it happened.
    fn by_author(&self, kind: EntryKind, text: &str) -> Entry {
        Entry::new(self.inbound.at, self.inbound.author.clone(), kind, redact(text))
    }

    /// An entry by the bot, now.
    fn by_bot(&self, kind: EntryKind, text: &str) -> Entry {
        Entry::new(Utc::now(), self.bot(), kind, redact(text))
    }

    fn text(&self, text: impl AsRef<str>) -> Outbound {
        self.post(Message::Text { text: redact(text.as_ref()).into_owned() })
    }

    fn post(&self, message: Message) -> Outbound {
        Outbound { channel: self.inbound.channel.clone(), message }
    }

    /// What the advisor needs besides the incident: its timeline and digest, its evidence, and the
    /// resolved incidents most similar to its description, after folding whatever other
    /// replicas have learned.
    async fn gather(&self, incident: &Incident) -> Result<Gathered, TurnError> {
        let timeline = self.store().timeline(incident.id).await?;
        let digest = self.store().digest(incident.id).await?;
        let evidence = self.store().evidence(incident.id).await?;
        let knowledge = &self.engine.knowledge;
        knowledge.catch_up(self.store()).await?;
        let similar = knowledge.similar(&query_text(incident), self.engine.settings.similar_k)?;
        Ok(Gathered { timeline, digest, similar, evidence })
    }

    /// The diagnostics the configured handlers want for this incident.
    fn triggered(&self, incident: &Incident) -> Vec<ToolCall> {
        let facts = IncidentFacts {
            title: incident.title.clone(),
            summary: incident.summary.clone(),
            service: incident.service.clone(),
            source: incident.source.to_string(),
            labels: Default::default(),
        };
        self.engine.diagnostics.triggered(&facts)
    }

    /// Runs `calls` (concurrently, each bounded, capped per turn), keeps what they found with
    /// the incident and announces each run on the timeline.
    async fn investigate(&self, incident: &Incident, calls: &[ToolCall]) -> Result<Vec<Evidence>, TurnError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.engine.diagnostics.run_all(calls).await;
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

    fn check_length(&self, text: &str) -> Result<(), UserError> {
        let length = text.chars().count();
        let limit = self.engine.settings.max_message_chars;
        if length > limit { Err(UserError::TooLong { length, limit }) } else { Ok(()) }
    }

    /// A plain message is one atomic append, so it takes no lock: it never waits behind a slow
    /// answer and its order in the stream is the order Redis received it.
    async fn record_message(&self, incident: Option<Incident>, text: &str) -> TurnResult {
        let incident = require(incident)?;
        self.check_length(text)?;
        self.store().append(incident.id, &self.by_author(EntryKind::Message, text)).await?;
        Ok(Vec::new())
    }

    /// Runs `work` holding the incident's lock, with the incident re-read under the lock.
    async fn locked<F, Fut>(&self, id: IncidentId, work: F) -> TurnResult
    where
        F: FnOnce(Incident) -> Fut,
        Fut: Future<Output = TurnResult>,
    {
        let settings = &self.engine.settings;
        let started = Instant::now();
        let token = loop {
            if let Some(token) = self.store().try_lock(id, settings.lock_ttl).await? {
                break token;
            }
            if started.elapsed() >= settings.lock_wait {
                return Err(UserError::Busy(id).into());
            }
            let pause = rand::rng().random_range(5..25);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        };
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
