//! What one system (the advisor or a baseline) proposed for one tested incident, before it is
//! scored.

use crate::core::ports::Confidence;

/// What one system recommended for one incident.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidates {
    /// Root causes, best first.
    pub root_causes: Vec<String>,
    /// Mitigations, best first.
    pub mitigations: Vec<String>,
    /// Whether (or how likely) its top category is the incident's.
    pub category_at_1: f64,
    /// Whether (or how likely) one of its top-k categories is the incident's.
    pub category_at_k: f64,
    /// How sure it said it was, if it says.
    pub confidence: Option<Confidence>,
}
