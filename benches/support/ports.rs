//! What the benchmarks share: the ports an engine runs on, built the way the app builds them
//! for the console (offline advisor, no diagnostics, incidents declared where typed).

use std::sync::Arc;

use firebreak::adapters::console::InPlace;
use firebreak::advisor::OfflineAdvisor;
use firebreak::core::inbound::{Inbound, Input};
use firebreak::core::ports::{Ports, Store};
use firebreak::core::timeline::Author;
use firebreak::diagnostics::{Catalog, DiagnosticsSettings};
use firebreak::knowledge::KnowledgeBase;

/// Ports over `store` with `knowledge`, no diagnostics and the offline advisor.
pub fn ports(store: Arc<dyn Store>, knowledge: KnowledgeBase) -> Ports {
    Ports {
        store,
        knowledge: Arc::new(knowledge),
        diagnostics: Arc::new(Catalog::from_settings(&DiagnosticsSettings::default()).expect("no tools is valid")),
        advisor: Arc::new(OfflineAdvisor::default()),
        workspace: Arc::new(InPlace),
        observer: Arc::new(firebreak::telemetry::Metrics),
    }
}

/// `input` by a bench user in `channel`, now.
pub fn inbound(channel: &str, input: Input) -> Inbound {
    Inbound::new(channel, Author::new("u", "bench"), input)
}
