//! Builders shared by the integration tests.

use std::sync::Arc;

use chrono::Utc;
use firebreak::advisor::OfflineAdvisor;
use firebreak::core::command::Command;
use firebreak::core::engine::{Engine, EngineSettings};
use firebreak::core::timeline::Author;
use firebreak::core::turn::{Inbound, Input, Message, Outbound};
use firebreak::knowledge::KnowledgeBase;
use firebreak::store::{MemoryStore, RedisStore, Store};

/// An engine over `store` with the offline advisor, default settings and the sample history.
pub fn engine_on(store: Arc<dyn Store>) -> Engine {
    let knowledge = KnowledgeBase::new().expect("empty knowledge base");
    knowledge.add(KnowledgeBase::sample_records()).expect("index the sample history");
    Engine::new(store, Arc::new(knowledge), Arc::new(OfflineAdvisor::default()), EngineSettings::default())
}

/// An engine over a fresh in-memory store.
pub fn memory_engine() -> Engine {
    engine_on(Arc::new(MemoryStore::new()))
}

/// A store connected to `url`.
pub async fn redis_store(url: &str) -> Arc<dyn Store> {
    Arc::new(RedisStore::connect(url).await.expect("connect to the test redis-server"))
}

/// An inbound event in `channel` by `who`.
pub fn event(channel: &str, who: &str, input: Input) -> Inbound {
    Inbound {
        event_id: None,
        channel: channel.to_owned(),
        author: Author::new(who, who),
        roles: Vec::new(),
        at: Utc::now(),
        input,
    }
}

/// `/command …` typed in `channel`.
pub fn command(channel: &str, who: &str, line: &str) -> Inbound {
    event(channel, who, Input::Command(Command::parse(line).expect("test command parses")))
}

/// A plain message in `channel`.
pub fn message(channel: &str, who: &str, text: &str) -> Inbound {
    event(channel, who, Input::Message(text.to_owned()))
}

/// A question to the bot in `channel`.
pub fn question(channel: &str, who: &str, text: &str) -> Inbound {
    event(channel, who, Input::Question(text.to_owned()))
}

/// The plain text of every reply, joined.
pub fn text_of(replies: &[Outbound]) -> String {
    replies
        .iter()
        .map(|reply| match &reply.message {
            Message::Text { text } | Message::Error { text } => text.clone(),
            Message::Report(report) => report.to_plain_text(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether any reply is an error.
pub fn has_error(replies: &[Outbound]) -> bool {
    replies.iter().any(|reply| matches!(reply.message, Message::Error { .. }))
}
