//! The advisor port: what turns an incident's state, the similar past incidents the engine
//! found and the evidence gathered into recommendations and answers. The offline advisor works
//! with no model at all; an LLM advisor plugs in behind the same trait.

use async_trait::async_trait;
use thiserror::Error;

use super::{CategoryProfile, Evidence, SimilarIncident, ToolCall, ToolInfo};
use crate::core::incident::Incident;
use crate::core::outbound::Report;
use crate::core::timeline::{Digest, Entry};

/// Everything an advisor may look at for one incident.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The incident's current record.
    pub incident: &'a Incident,
    /// Its timeline, oldest first.
    pub timeline: &'a [Entry],
    /// Resolved incidents most similar to this one, best first (not yet judged relevant).
    pub similar: &'a [SimilarIncident],
    /// The known history's root-cause categories, most frequent first.
    pub categories: &'a [CategoryProfile],
    /// Evidence the diagnostics gathered for it, oldest first.
    pub evidence: &'a [Evidence],
    /// The running summary of the timeline's older entries, as last kept.
    pub digest: Option<&'a Digest>,
    /// Runs more diagnostics on the advisor's behalf, should it want fresh evidence.
    pub investigator: &'a dyn Investigate,
    /// Keeps a newer running summary for the next turn.
    pub memory: &'a dyn Remember,
}

impl std::fmt::Debug for dyn Investigate + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Investigate").field("tools", &self.tools().len()).finish()
    }
}

/// Diagnostics an advisor may run during a turn. Validation, allow-lists, storage of the
/// evidence and its announcement stay with the engine: an advisor only asks.
#[async_trait]
pub trait Investigate: Send + Sync {
    /// The tools on offer, with their parameter schemas.
    fn tools(&self) -> Vec<ToolInfo>;

    /// Runs `calls` (refused ones come back as failed evidence) and keeps what they found.
    async fn run(&self, calls: &[ToolCall]) -> Vec<Evidence>;
}

/// Where an advisor keeps the running summary it folded the timeline's older entries into, so
/// the next turn starts from it (`Context::digest`) and folds only what aged out since.
///
/// This is the seam between a model's token budget and the incident's state: what to fold and
/// when is the advisor's business (only the LLM advisor has a budget; the offline advisor never
/// folds), storing it is the engine's. The engine keeps a digest only when it covers more of
/// the timeline than the stored one, and a failure to keep it loses nothing: the timeline is
/// untouched and the next turn folds again.
#[async_trait]
pub trait Remember: Send + Sync {
    /// Keeps `digest` with the incident.
    async fn remember(&self, digest: &Digest);
}

impl std::fmt::Debug for dyn Remember + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Remember")
    }
}

/// One piece of the current recommendation, as asked for by `/rca`, `/mitigation`, `/similar`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Likely root causes.
    RootCause,
    /// Mitigation steps.
    Mitigation,
    /// Similar past incidents and what fixed them.
    Similar,
}

/// A first response reduced to its texts, best first: what evaluation scores against the root
/// cause, mitigation and category an incident really had. All empty when the advisor abstained.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recommendation {
    /// Candidate root causes, most likely first.
    pub root_causes: Vec<String>,
    /// Candidate mitigations, each a whole plan, best first.
    pub mitigations: Vec<String>,
    /// Root-cause categories of its hypotheses, most likely first, as the channel shows them.
    pub categories: Vec<String>,
    /// How sure it is of its first hypothesis, when it says.
    pub confidence: Option<Confidence>,
}

/// How sure an advisor is of a hypothesis: an estimated probability that it is right, and the
/// word the channel shows for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Confidence {
    /// 0–1, meant to be calibrated: of hypotheses given 0.3, about 3 in 10 should be right.
    pub value: f32,
    /// The word shown.
    pub level: ConfidenceLevel,
}

/// The confidence words people read, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceLevel {
    /// Thin evidence: a lead to check, not an answer.
    Low,
    /// Some consistent support.
    Medium,
    /// Close and consistent precedent.
    High,
}

impl ConfidenceLevel {
    /// The lower-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl Recommendation {
    /// Whether the advisor declined to recommend anything.
    pub fn abstained(&self) -> bool {
        self.root_causes.is_empty() && self.mitigations.is_empty()
    }
}

/// The narrative parts of a postmortem draft, written by the advisor; the rest of the draft
/// (timeline, evidence, ratings, follow-ups, the recorded root cause and mitigation) comes from
/// the incident's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrative {
    /// What happened, in a paragraph.
    pub summary: String,
    /// Who and what was affected, and for how long.
    pub impact: String,
    /// Why it happened and why it spread: the root cause discussed.
    pub analysis: String,
    /// What to learn: what went well, what did not, where we were lucky.
    pub lessons: String,
}

/// Why an advisor could not answer.
#[derive(Debug, Error)]
pub enum AdvisorError {
    /// The backing service (model, index) could not be used this turn.
    #[error("advisor unavailable: {0}")]
    Unavailable(String),
}

/// Produces the bot's recommendations and answers.
#[async_trait]
pub trait Advisor: Send + Sync {
    /// Short name shown in footers and recorded with feedback, e.g. `offline`.
    fn name(&self) -> &'static str;

    /// The suggestion posted when an incident is declared.
    async fn first_response(&self, context: Context<'_>) -> Result<Report, AdvisorError>;

    /// The first response's recommendation as plain texts (see [`Recommendation`]).
    async fn recommend(&self, context: Context<'_>) -> Result<Recommendation, AdvisorError>;

    /// One piece of the current recommendation.
    async fn focus(&self, context: Context<'_>, focus: Focus) -> Result<Report, AdvisorError>;

    /// An answer to a question someone addressed to the bot.
    async fn answer(&self, context: Context<'_>, question: &str) -> Result<String, AdvisorError>;

    /// A catch-up for someone joining the incident late.
    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError>;

    /// The narrative parts of the incident's postmortem draft.
    async fn postmortem(&self, context: Context<'_>) -> Result<Narrative, AdvisorError>;
}

/// An investigator with no tools, for advising outside a live incident (evaluation, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInvestigation;

#[async_trait]
impl Investigate for NoInvestigation {
    fn tools(&self) -> Vec<ToolInfo> {
        Vec::new()
    }

    async fn run(&self, _calls: &[ToolCall]) -> Vec<Evidence> {
        Vec::new()
    }
}

/// A memory that keeps nothing, for advising outside a live incident (evaluation, tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMemory;

#[async_trait]
impl Remember for NoMemory {
    async fn remember(&self, _digest: &Digest) {}
}
