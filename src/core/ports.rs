//! The ports: the traits through which the engine reaches the outside world, and the plain
//! types they speak. Each has real implementations outside the core (`store`, `knowledge`,
//! `diagnostics`, `advisor`, the chat adapters' workspaces) that depend on it, never the
//! other way round.

mod advisor;
mod diagnostics;
mod knowledge;
mod observer;
mod store;
mod workspace;

use std::sync::Arc;

pub use self::advisor::{
    Advisor, AdvisorError, Confidence, ConfidenceLevel, Context, Focus, Investigate, Narrative, NoInvestigation,
    NoMemory, Recommendation, Remember,
};
pub use self::diagnostics::{Diagnostics, Evidence, IncidentFacts, Refusal, ToolCall, ToolInfo};
pub use self::knowledge::{CategoryProfile, Knowledge, KnowledgeError, SimilarIncident, query_text};
pub use self::observer::{Observer, Outcome};
pub use self::store::{Anchor, Anchors, CLAIM_GRACE, KnowledgeCursor, LockToken, Store, StoreError, Timer, TimerKind};
pub use self::workspace::{ChannelRequest, OpenedChannel, Workspace, WorkspaceError};

/// Records folded from the store per read while catching up.
const CATCH_UP_BATCH: usize = 500;

/// Every port a turn reaches the outside world through.
#[derive(Clone)]
pub struct Ports {
    /// Incident state shared by every replica.
    pub store: Arc<dyn Store>,
    /// Resolved incidents to ground recommendations in.
    pub knowledge: Arc<dyn Knowledge>,
    /// Tools that gather live evidence.
    pub diagnostics: Arc<dyn Diagnostics>,
    /// Recommendations and answers.
    pub advisor: Arc<dyn Advisor>,
    /// Where declared incidents get their own channel.
    pub workspace: Arc<dyn Workspace>,
    /// What the engine reports about its own work (metrics).
    pub observer: Arc<dyn Observer>,
}

/// Why catching up with the store's knowledge stream failed.
#[derive(Debug, thiserror::Error)]
pub enum CatchUpError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The knowledge base could not take the records.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
}

impl Ports {
    /// Folds into the knowledge base every record published to the store (resolutions and
    /// imports, by any replica) since it last caught up; returns how many.
    pub async fn catch_up(&self) -> Result<usize, CatchUpError> {
        let mut folded = 0;
        loop {
            let cursor = self.knowledge.published_cursor();
            let (records, next) = self.store.knowledge_after(&cursor, CATCH_UP_BATCH).await?;
            let count = records.len();
            self.knowledge.learn(records, Some(next))?;
            folded += count;
            if count < CATCH_UP_BATCH {
                return Ok(folded);
            }
        }
    }
}
