//! Behaviour that only a shared, persistent store can show, on a real `redis-server`:
//! restarts, concurrent writers, duplicate events, several replicas and outages.

use std::collections::HashMap;
use std::sync::Arc;

use std::time::Duration;

use chrono::Utc;
use firebreak::core::incident::IncidentId;
use firebreak::core::ports::{CLAIM_GRACE, Store};
use firebreak::core::timeline::EntryKind;
use firebreak_testkit::RedisServer;

use crate::support::{command, declare_at_once, engine_on, has_error, message, question, redis_store, text_of};

const CHANNEL: &str = "inc-payments";
const DECLARE: &str = "/incident declare Card payments timing out severity: sev2 service: payments";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_writers_lose_nothing_and_keep_their_order() {
    let server = RedisServer::start();
    let store = redis_store(&server.url()).await;
    let engine = Arc::new(engine_on(store.clone()));
    engine.handle(command(CHANNEL, "ic", DECLARE)).await;

    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let engine = engine.clone();
            tokio::spawn(async move {
                for index in 0..500 {
                    let replies =
                        engine.handle(message(CHANNEL, &format!("w{writer}"), &format!("w{writer} #{index}"))).await;
                    assert!(replies.is_empty(), "plain messages get no reply: {replies:?}");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }

    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let timeline = store.timeline(incident.id).await.unwrap();
    let mut per_writer: HashMap<String, Vec<usize>> = HashMap::new();
    for entry in timeline.iter().filter(|entry| entry.kind == EntryKind::Message) {
        let (_, index) = entry.text.split_once(" #").unwrap();
        per_writer.entry(entry.author.name.clone()).or_default().push(index.parse().unwrap());
    }
    assert_eq!(per_writer.len(), 8);
    for (writer, indices) in per_writer {
        assert_eq!(indices, (0..500).collect::<Vec<_>>(), "{writer} lost or reordered messages");
    }
}

#[tokio::test]
async fn a_duplicate_platform_event_is_handled_once() {
    let server = RedisServer::start();
    let store = redis_store(&server.url()).await;
    let engine = engine_on(store.clone());
    engine.handle(command(CHANNEL, "ic", DECLARE)).await;
    let mut event = message(CHANNEL, "sam", "processor latency is 9s");
    event.event_id = Some("discord:msg:42".into());

    engine.handle(event.clone()).await;
    engine.handle(event).await;

    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let timeline = store.timeline(incident.id).await.unwrap();
    assert_eq!(timeline.iter().filter(|entry| entry.text == "processor latency is 9s").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_engines_on_one_redis_answer_a_turn_exactly_once() {
    let server = RedisServer::start();
    let replica_a = Arc::new(engine_on(redis_store(&server.url()).await));
    let replica_b = Arc::new(engine_on(redis_store(&server.url()).await));
    replica_a.handle(command(CHANNEL, "ic", DECLARE)).await;

    for round in 0..20 {
        let mut event = question(CHANNEL, "sam", "what is the status?");
        event.event_id = Some(format!("discord:msg:{round}"));
        let (a, b) = tokio::join!(
            tokio::spawn({
                let replica = replica_a.clone();
                let event = event.clone();
                async move { replica.handle(event).await }
            }),
            tokio::spawn({
                let replica = replica_b.clone();
                async move { replica.handle(event).await }
            }),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.len() + b.len(), 1, "round {round}: replies {a:?} / {b:?}");
    }

    let store = redis_store(&server.url()).await;
    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let answers = store
        .timeline(incident.id)
        .await
        .unwrap()
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Answer { .. }))
        .count();
    assert_eq!(answers, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_declaring_in_one_channel_at_once_open_one_incident() {
    let server = RedisServer::start();
    let replica_a = Arc::new(engine_on(redis_store(&server.url()).await));
    let replica_b = Arc::new(engine_on(redis_store(&server.url()).await));
    let store = redis_store(&server.url()).await;

    declare_at_once(replica_a, replica_b, store.as_ref(), 50).await;
}

#[tokio::test]
async fn a_channel_reserved_for_an_incident_never_written_is_free_after_the_grace() {
    let server = RedisServer::start();
    let store = redis_store(&server.url()).await;
    let mut redis = ::redis::Client::open(server.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let reserve = |channel: &str, ago: Duration| {
        let at = Utc::now().timestamp_millis() - i64::try_from(ago.as_millis()).unwrap();
        ::redis::cmd("SET").arg(format!("fb:channel:{channel}")).arg(format!("9@{at}")).clone()
    };
    reserve("inc-fresh", Duration::from_secs(1)).exec_async(&mut redis).await.unwrap();
    reserve("inc-lapsed", CLAIM_GRACE + Duration::from_secs(1)).exec_async(&mut redis).await.unwrap();
    let claimant = IncidentId::from_number(10);

    assert_eq!(store.claim_channel("inc-fresh", claimant).await.unwrap(), Some(IncidentId::from_number(9)));
    assert_eq!(store.claim_channel("inc-lapsed", claimant).await.unwrap(), None);
    assert_eq!(store.claim_channel("inc-lapsed", IncidentId::from_number(11)).await.unwrap(), Some(claimant));
}

#[tokio::test]
async fn a_redis_outage_mid_conversation_is_reported_and_recovered_from() {
    let mut server = RedisServer::start();
    let store: Arc<dyn Store> = redis_store(&server.url()).await;
    let engine = engine_on(store.clone());
    engine.handle(command(CHANNEL, "ic", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "before the outage")).await;

    server.kill();
    let during = engine.handle(message(CHANNEL, "sam", "during the outage")).await;
    server.restart();
    let mut after = engine.handle(message(CHANNEL, "sam", "after the outage")).await;
    for _ in 0..50 {
        if after.is_empty() {
            break;
        }
        // The connection manager may need a moment to reconnect; the user would retry too.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = engine.handle(message(CHANNEL, "sam", "after the outage")).await;
    }
    let timeline = text_of(&engine.handle(command(CHANNEL, "sam", "/timeline")).await);

    assert!(has_error(&during), "{during:?}");
    assert!(text_of(&during).contains("can't reach the incident store"), "{during:?}");
    assert!(after.is_empty(), "still failing after the restart: {after:?}");
    assert!(timeline.contains("before the outage") && timeline.contains("after the outage"), "{timeline}");
    assert!(!timeline.contains("during the outage"));
}
