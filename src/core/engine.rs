//! The engine: one turn per inbound event. It decides everything a turn decides, once: whether
//! the event was seen already (by any replica), which incident the channel holds, whether the
//! author may do what they ask, whether a new channel follows the bot's pattern. It records the
//! input, gathers what the decision needs, records its answers and returns what the adapter
//! should post. Each command's handling lives in its own file under `command/`; questions in
//! `engine/question.rs`; alerts and changes in `engine/alert.rs`; timers (update reminders,
//! deferred channel edits) in `engine/timer.rs`.
//!
//! Controls and forms (`Input::Action`) are commands for the incident their id names, under the
//! same role rules. Timers live in the store; [`Engine::fire_due`], which adapters call every
//! `timer_poll`, claims each due timer with the same first-sighting mark as platform events, so
//! exactly one replica fires it. Messages the bot keeps and edits (the status card, the
//! announcement) are posted by the adapter, which reports their ids back as `Input::Posted`;
//! each platform event still crosses into the engine once, and the report is an event of its
//! own (the platform confirming a post), never a question asked before a turn.

mod alert;
mod question;
mod timer;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;
use tracing::{Instrument, debug, error, info_span, warn};

use super::channel_names::{is_own_channel, title_from_channel_name};
use super::command::{self, Command, Completion};
use super::error::UserError;
use super::inbound::{Inbound, Input};
use super::incident::{Declaration, Incident, IncidentId, Severity, Source};
use super::outbound::{Choice, Form, Message, Outbound};
use super::ports::{Outcome, Ports, StoreError};
use super::redact::{BlockRedactor, redact};
use super::replies;
use super::settings::EngineSettings;
use super::text::clean;
use super::timeline::Author;
use super::turn::{Origin, Turn, TurnError, TurnResult, require};

/// Timers read per poll at most; the rest wait for the next.
const TIMERS_PER_POLL: usize = 100;
/// The shortest time a replica's claim on a due timer is kept: the replica that claimed it
/// reschedules it within milliseconds, and if it died first, another fires it after this.
const MIN_TIMER_CLAIM: Duration = Duration::from_secs(30);

/// Whether a reply is for everyone in the channel or only for the person who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone in the channel sees it.
    Public,
    /// Only the person who asked sees it (a Discord ephemeral response).
    Private,
}

/// What an adapter may know about a turn before it runs, without the engine touching the
/// store: enough to acknowledge a platform event at once (Discord wants an answer within 3 s)
/// and to refuse privately what the author may not do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Who the replies are for.
    pub visibility: Visibility,
    /// Why the author may not do this, when they may not: the turn would only refuse, so the
    /// adapter can answer with this, privately, without running it.
    pub refusal: Option<String>,
    /// Whether the turn will open a channel of its own for a new incident.
    pub opens_channel: bool,
    /// The form to show at once instead of running a turn: the command asks for its form,
    /// which a platform wants as its first answer (a Discord modal cannot follow a deferral).
    pub form: Option<Form>,
}

/// Why a postmortem draft could not be written outside a turn.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// No incident has that id.
    #[error("{0} does not exist")]
    NoSuchIncident(IncidentId),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Gathering or the advisor failed.
    #[error("could not draft the postmortem: {0}")]
    Failed(String),
}

/// Runs turns against its ports; cheap to share between tasks.
pub struct Engine {
    ports: Ports,
    settings: EngineSettings,
    /// Channels seen holding an incident, so that during a store outage the bot answers only
    /// where it knows it is expected to.
    known_channels: Mutex<HashSet<String>>,
    /// Private key blocks pasted line by line, per channel and author. Every replica feeds it
    /// every message of its incident channels, whichever replica records them, so a block
    /// begun on one is masked on all.
    pasted: Mutex<BlockRedactor>,
}

impl Engine {
    /// An engine over these ports.
    pub fn new(ports: Ports, settings: EngineSettings) -> Self {
        Self { ports, settings, known_channels: Mutex::new(HashSet::new()), pasted: Mutex::new(BlockRedactor::new()) }
    }

    /// The engine's settings.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// The ports the engine reaches the world through.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// What `inbound`'s turn will be like, decided without the store.
    pub fn plan(&self, inbound: &Inbound) -> Plan {
        let command = command_of(&inbound.input);
        let reads_only = command.is_some_and(|(command, _)| command.spec().reads_only);
        // A rating from an answer's buttons is thanked privately: the channel needs no echo of
        // every click.
        let rating_click =
            matches!(&inbound.input, Input::Action { command: Command::Feedback { answer: Some(_), .. }, .. });
        let private = (reads_only && self.settings.private_reads) || rating_click;
        let refusal =
            command.and_then(|(command, _)| self.check_role(command, &inbound.roles).err()).map(|e| e.to_string());
        let form = match command {
            Some((Command::Form(kind), incident)) if refusal.is_none() => Some(command::form(*kind, incident)),
            _ => None,
        };
        Plan {
            visibility: if private { Visibility::Private } else { Visibility::Public },
            refusal,
            opens_channel: matches!(command, Some((Command::Declare(_), _))) && self.ports.workspace.opens_channels(),
            form,
        }
    }

    /// Suggestions for an option being typed, decided without the store.
    pub fn complete(&self, completion: &Completion) -> Vec<Choice> {
        command::complete(completion, &self.ports)
    }

    /// Fires the timers due at `now` that no other replica has claimed, one turn each, and
    /// returns what they post. Adapters call it every `timer_poll`.
    pub async fn fire_due(&self, now: DateTime<Utc>) -> Vec<Outbound> {
        let store = self.ports.store.as_ref();
        let due = match store.due_timers(now, TIMERS_PER_POLL).await {
            Ok(due) => due,
            Err(failure) => {
                debug!(error = %failure, "could not read due timers; trying again next poll");
                return Vec::new();
            }
        };
        let claim_ttl = MIN_TIMER_CLAIM.max(self.settings.timer_poll * 10);
        let mut outbound = Vec::new();
        for (timer, due_at) in due {
            let claim = format!("timer:{timer}:{}", due_at.timestamp_millis());
            match store.first_sighting(&claim, claim_ttl).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(failure) => {
                    debug!(error = %failure, %timer, "could not claim a due timer");
                    continue;
                }
            }
            let bot = Author::new(self.settings.bot_name.clone(), self.settings.bot_name.clone());
            let mut inbound = Inbound::new(String::new(), bot, Input::Timer(timer));
            inbound.at = now;
            outbound.extend(self.handle(inbound).await);
        }
        outbound
    }

    /// The postmortem draft of incident `id`, in Markdown, written outside a chat turn (the
    /// `postmortem` subcommand).
    pub async fn postmortem(&self, id: IncidentId) -> Result<String, DraftError> {
        let incident = self.ports.store.incident(id).await?.ok_or(DraftError::NoSuchIncident(id))?;
        let author = Author::new(self.settings.bot_name.clone(), self.settings.bot_name.clone());
        let origin = Origin {
            channel: &incident.channel,
            channel_name: None,
            server: None,
            author: &author,
            at: Utc::now(),
            order: None,
        };
        // Drafting runs no diagnostics: what was found is what the draft reports.
        let turn = Turn { ports: &self.ports, settings: &self.settings, origin, responder: false };
        turn.postmortem(&incident).await.map_err(|failure| match failure {
            TurnError::Store(failure) => DraftError::Store(failure),
            other => DraftError::Failed(other.to_string()),
        })
    }

    /// Handles one inbound event and returns the messages to post. Never fails: problems
    /// become an error message for the channel, and internal ones are logged with a reference.
    pub async fn handle(&self, inbound: Inbound) -> Vec<Outbound> {
        self.handle_for_sender(inbound).await.outbound
    }

    /// Like [`handle`](Self::handle), also saying how the turn ended, for adapters that owe the
    /// sender an answer (a webhook's HTTP status: retry later, or do not send that again).
    pub async fn handle_for_sender(&self, inbound: Inbound) -> Handled {
        let inbound = cleaned(inbound);
        let span = info_span!("turn", channel = %inbound.channel, author = %inbound.author.name);
        let started = Instant::now();
        let result = self.turn(&inbound).instrument(span).await;
        let outcome = result.as_ref().map_or_else(outcome_of, |_| Outcome::Done);
        self.ports.observer.turn(inbound.input.kind(), outcome, started.elapsed());
        let outbound = match result {
            Ok(outbound) => outbound,
            // Nobody asked for a timer or a report of a post: a failure is the logs' business.
            Err(failure) if matches!(inbound.input, Input::Timer(_) | Input::Posted { .. }) => {
                warn!(error = %redact(&failure.to_string()), "a timer or a post report failed; it is retried");
                Vec::new()
            }
            Err(TurnError::Store(StoreError::Unavailable(reason))) if !self.expected_to_answer(&inbound) => {
                warn!(%reason, channel = %inbound.channel, "state store unavailable; not answering unaddressed input");
                Vec::new()
            }
            Err(failure) => vec![self.explain(&inbound.channel, failure)],
        };
        Handled { outbound, outcome }
    }

    /// Whether a failure of this turn should be explained in the channel: yes to a person who
    /// ran a command or typed at the console; to a question only in a channel known to hold an
    /// incident; never to chatter or a channel event (which could be anywhere, and would get
    /// one apology per replica).
    fn expected_to_answer(&self, inbound: &Inbound) -> bool {
        match &inbound.input {
            // A person ran a command, used a control or typed at the console; an alert source
            // waits for its answer (and retries when told the store is down).
            Input::Command(_) | Input::Action { .. } | Input::Message(_) | Input::Alert(_) | Input::Change(_) => true,
            Input::Question(_) => {
                let known = self.known_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                known.contains(&inbound.channel) || inbound.parent.as_ref().is_some_and(|parent| known.contains(parent))
            }
            Input::Overheard(_) | Input::ChannelCreated { .. } | Input::Timer(_) | Input::Posted { .. } => false,
        }
    }

    fn explain(&self, channel: &str, failure: TurnError) -> Outbound {
        let text = match failure {
            TurnError::User(user) => user.reply(),
            TurnError::Store(StoreError::Unavailable(reason)) => {
                warn!(%reason, "state store unavailable");
                UserError::StoreUnavailable.reply()
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
        if let Some((command, _)) = command_of(&inbound.input) {
            self.check_role(command, &inbound.roles)?;
        }
        let store = self.ports.store.as_ref();
        let incident = self.incident_of(inbound).await?;
        if matches!(inbound.input, Input::Overheard(_)) && !incident.as_ref().is_some_and(Incident::is_open) {
            // Chatter outside incident channels is none of the bot's business, and once an
            // incident is resolved its channel goes back to being an ordinary one.
            return Ok(Vec::new());
        }
        let pasted = match &inbound.input {
            Input::Message(text) | Input::Overheard(text) => Some(self.redact_pasted(inbound, text)),
            _ => None,
        };
        if let Some(event_id) = &inbound.event_id
            && !store.first_sighting(event_id, self.settings.dedupe_ttl).await?
        {
            self.ports.observer.duplicate(inbound.input.kind());
            return Ok(Vec::new());
        }
        let origin = Origin {
            channel: &inbound.channel,
            channel_name: inbound.channel_name.as_deref(),
            server: inbound.server.as_deref(),
            author: &inbound.author,
            at: inbound.at,
            order: inbound.order,
        };
        // An authenticated alert source may gather evidence for what it reports.
        let responder =
            matches!(inbound.input, Input::Alert(_) | Input::Change(_)) || self.is_responder(&inbound.roles);
        let turn = Turn { ports: &self.ports, settings: &self.settings, origin, responder };
        match &inbound.input {
            Input::Message(text) | Input::Overheard(text) => {
                turn.record_message(&require(incident)?, pasted.as_deref().unwrap_or(text)).await
            }
            Input::Question(text) => question::handle(&turn, require(incident)?, text).await,
            Input::Command(command) | Input::Action { command, .. } => command::run(&turn, incident, command).await,
            Input::Timer(timer) => timer::handle(&turn, *timer, incident).await,
            Input::Posted { incident, anchor, message } => {
                if !store.keep_anchor(*incident, *anchor, message).await? {
                    debug!(%incident, anchor = anchor.as_str(), "an earlier post is kept as this anchor");
                }
                Ok(Vec::new())
            }
            Input::ChannelCreated { name, topic } => {
                if incident.is_some() || !self.follows(name) {
                    return Ok(Vec::new());
                }
                command::declare_here(&turn, None, followed_channel_declaration(name, topic)).await
            }
            Input::Alert(group) => alert::handle(&turn, group).await,
            Input::Change(change) => alert::record_change(&turn, change).await,
        }
    }

    /// `text` redacted as the next line its author pasted in this channel: the rest of a
    /// private key block begun in an earlier message is masked too.
    fn redact_pasted(&self, inbound: &Inbound, text: &str) -> String {
        let key = format!("{}\u{1f}{}", inbound.channel, inbound.author.id);
        let mut pasted = self.pasted.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        pasted.line(&key, text).into_owned()
    }

    /// The incident the inbound names (a control's, a timer's), else the incident of its
    /// channel, or of its parent when the channel is a thread.
    async fn incident_of(&self, inbound: &Inbound) -> Result<Option<Incident>, StoreError> {
        let store = self.ports.store.as_ref();
        match &inbound.input {
            Input::Action { incident, .. } | Input::Timer(super::ports::Timer { incident, .. }) => {
                return store.incident(*incident).await;
            }
            Input::Posted { .. } => return Ok(None),
            _ => {}
        }
        let mut incident = store.incident_in_channel(&inbound.channel).await?;
        if incident.is_none()
            && let Some(parent) = &inbound.parent
        {
            incident = store.incident_in_channel(parent).await?;
        }
        if let Some(found) = &incident {
            let mut known = self.known_channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            known.insert(found.channel.clone());
            known.insert(inbound.channel.clone());
        }
        Ok(incident)
    }

    /// Whether someone holding `roles` (ids) may run privileged commands and diagnostics.
    fn is_responder(&self, roles: &[String]) -> bool {
        let allowed = &self.settings.responder_roles;
        allowed.is_empty() || allowed.iter().any(|role| roles.contains(&role.id))
    }

    fn check_role(&self, command: &Command, roles: &[String]) -> Result<(), UserError> {
        if !command.is_privileged() || self.is_responder(roles) {
            return Ok(());
        }
        Err(UserError::Forbidden { roles: self.settings.responder_role_names() })
    }

    /// Whether a channel created with this name becomes an incident channel: it matches the
    /// followed pattern and is not one the bot named itself.
    fn follows(&self, name: &str) -> bool {
        self.settings.follow.as_ref().is_some_and(|pattern| pattern.0.is_match(name)) && !is_own_channel(name)
    }
}

/// `inbound` with its texts cleaned of control characters, before anything keeps or shows them
/// (commands are cleaned when they are parsed).
fn cleaned(mut inbound: Inbound) -> Inbound {
    let owned = |text: &str| clean(text).into_owned();
    inbound.author.name = owned(&inbound.author.name);
    inbound.input = match inbound.input {
        Input::Message(text) => Input::Message(owned(&text)),
        Input::Overheard(text) => Input::Overheard(owned(&text)),
        Input::Question(text) => Input::Question(owned(&text)),
        Input::ChannelCreated { name, topic } => Input::ChannelCreated { name: owned(&name), topic: owned(&topic) },
        Input::Alert(group) => Input::Alert(group.cleaned()),
        Input::Change(change) => Input::Change(change.cleaned()),
        // Cleaned by the command parser; or written by the bot itself.
        parsed @ (Input::Command(_) | Input::Action { .. } | Input::Timer(_) | Input::Posted { .. }) => parsed,
    };
    inbound
}

/// What a turn posts and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The messages to post.
    pub outbound: Vec<Outbound>,
    /// How the turn ended.
    pub outcome: Outcome,
}

/// How a failed turn ended: whether sending the event again later could succeed.
fn outcome_of(failure: &TurnError) -> Outcome {
    match failure {
        TurnError::Store(StoreError::Unavailable(_))
        | TurnError::User(UserError::Busy(_) | UserError::StoreUnavailable | UserError::ChannelFailed(_)) => {
            Outcome::Unavailable
        }
        TurnError::User(_) => Outcome::Refused,
        TurnError::Store(_) | TurnError::Advisor(_) | TurnError::Knowledge(_) => Outcome::Failed,
    }
}

/// The command an input runs, with the incident it names, if any.
fn command_of(input: &Input) -> Option<(&Command, Option<IncidentId>)> {
    match input {
        Input::Command(command) => Some((command, None)),
        Input::Action { incident, command } => Some((command, Some(*incident))),
        _ => None,
    }
}

/// The declaration for a channel followed because of its name: the name, in words, is the title.
fn followed_channel_declaration(name: &str, topic: &str) -> Declaration {
    Declaration {
        title: title_from_channel_name(name),
        summary: topic.to_owned(),
        severity: Severity::Sev3,
        service: None,
        source: Source::Unknown,
    }
}
