//! Implementations of the advisor port ([`crate::core::ports::Advisor`]): the offline advisor
//! (retrieval, no model), the LLM advisor (a model through async-openai) and the fallback that
//! puts the first in front of the second.

pub mod fallback;
pub mod llm;
pub mod offline;

pub use self::offline::OfflineAdvisor;
