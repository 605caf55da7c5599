//! The knowledge port: resolved incidents, searchable by similarity to a new one. It learns
//! from histories imported at start-up and from every incident resolved by any replica (the
//! store's stream of published records, folded through [`super::Ports::catch_up`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use thiserror::Error;

use super::KnowledgeCursor;
use crate::core::incident::Incident;
use crate::core::record::IncidentRecord;

/// Why the knowledge base could not do what was asked.
#[derive(Debug, Error)]
pub enum KnowledgeError {
    /// The search index failed.
    #[error("knowledge index failed: {0}")]
    Index(String),
}

/// A past incident judged similar to a query.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarIncident {
    /// The past incident.
    pub record: Arc<IncidentRecord>,
    /// Retrieval score: orders matches, not comparable across queries.
    pub score: f32,
    /// Share (0–1) of the query's informative words, weighted by rarity, that the past incident
    /// also uses: comparable across queries, so it decides when nothing is similar enough.
    pub similarity: f32,
}

/// One root-cause category of the known history: how many incidents had it, and the latest.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryProfile {
    /// The root-cause category.
    pub category: String,
    /// Known incidents of this category.
    pub incidents: usize,
    /// Its most recently created incidents, newest first (undated ones after the dated), at
    /// most [`CategoryProfile::RECENT`]: how incidents of this kind have lately been handled.
    pub recent: Vec<Arc<IncidentRecord>>,
}

impl CategoryProfile {
    /// Incidents a profile carries in [`CategoryProfile::recent`] at most.
    pub const RECENT: usize = 40;
}

/// What an incident is looked up by: its title, summary and service.
pub fn query_text(incident: &Incident) -> String {
    format!("{} {} {}", incident.title, incident.summary, incident.service.as_deref().unwrap_or(""))
}

/// Resolved incidents, searchable by similarity.
#[async_trait::async_trait]
pub trait Knowledge: Send + Sync {
    /// The `k` records most similar to `text`, best first. With `before`, only records created
    /// strictly before it are seen (records without a creation time never are): the view an
    /// advisor had at that moment.
    async fn similar(
        &self,
        text: &str,
        k: usize,
        before: Option<DateTime<Utc>>,
    ) -> Result<Vec<SimilarIncident>, KnowledgeError>;

    /// The known history's root-cause categories, most frequent first (ties by name), each with
    /// its latest incidents: how an advisor ranks the categories its similar incidents do not
    /// name, and how it learns the way incidents of a kind are usually mitigated.
    fn categories(&self) -> Vec<CategoryProfile>;

    /// Adds records, replacing any with the same id. When they were read from the store's
    /// stream of published records, `published` is the position after them, where the next
    /// catch-up starts.
    fn learn(&self, records: Vec<IncidentRecord>, published: Option<KnowledgeCursor>) -> Result<(), KnowledgeError>;

    /// How far the store's stream of published records has been learned.
    fn published_cursor(&self) -> KnowledgeCursor;
}
