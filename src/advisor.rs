//! The advisor port: what turns an incident's state, the similar past incidents the engine
//! found, and (later) live evidence into recommendations and answers. The offline advisor works
//! with no model at all; an LLM advisor plugs in behind the same trait.

pub mod offline;

use async_trait::async_trait;
use thiserror::Error;

use crate::core::incident::Incident;
use crate::core::timeline::Entry;
use crate::core::turn::Report;
use crate::diagnostics::Evidence;
use crate::knowledge::Match;

pub use self::offline::OfflineAdvisor;

/// Everything an advisor may look at for one incident.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The incident's current record.
    pub incident: &'a Incident,
    /// Its timeline, oldest first.
    pub timeline: &'a [Entry],
    /// Resolved incidents most similar to this one, best first (not yet judged relevant).
    pub similar: &'a [Match],
    /// Evidence the diagnostics gathered for it, oldest first.
    pub evidence: &'a [Evidence],
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

    /// One piece of the current recommendation.
    async fn focus(&self, context: Context<'_>, focus: Focus) -> Result<Report, AdvisorError>;

    /// An answer to a question someone addressed to the bot.
    async fn answer(&self, context: Context<'_>, question: &str) -> Result<String, AdvisorError>;

    /// A catch-up for someone joining the incident late.
    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError>;
}
