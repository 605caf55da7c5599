//! The intake against a real `redis-server` shared by replicas: a burst of copies of one
//! notification across two replicas is handled once, a copy that outlives its claim changes
//! nothing, and while Redis is down the hooks answer 503 and `/readyz` says so, and the
//! sender's retry succeeds once Redis is back.

use std::time::Duration;

use firebreak::core::incident::IncidentId;
use firebreak::core::ports::Store;
use firebreak::core::timeline::EntryKind;
use firebreak_testkit::RedisServer;
use futures_util::future::join_all;

use crate::intake::{alertmanager, intake_on};
use crate::support::redis_store;

/// How many entries of kind alert incident `id` has.
async fn alert_entries(store: &dyn Store, id: IncidentId) -> usize {
    let timeline = store.timeline(id).await.unwrap();
    timeline.iter().filter(|entry| matches!(entry.kind, EntryKind::Alert { .. })).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_100_identical_notifications_across_two_replicas_opens_one_incident_and_records_one_entry() {
    let redis = RedisServer::start();
    let first = intake_on(redis_store(&redis.url()).await).start().await;
    let second = intake_on(redis_store(&redis.url()).await).start().await;
    let notification = alertmanager(&[("a", "firing", 5)]);

    let burst = (0..100).map(|index| {
        let replica = if index % 2 == 0 { &first } else { &second };
        replica.post("alertmanager", &notification)
    });
    let statuses: Vec<u16> = join_all(burst).await.into_iter().map(|(status, _)| status).collect();

    let store = redis_store(&redis.url()).await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    assert_eq!(store.all_incidents().await.unwrap(), [IncidentId::from_number(2001)]);
    assert_eq!(alert_entries(store.as_ref(), IncidentId::from_number(2001)).await, 1);
    let openings = [&first, &second]
        .iter()
        .flat_map(|replica| replica.delivered.all())
        .filter(|reply| crate::support::text_of(std::slice::from_ref(reply)).contains("Alertmanager opened"))
        .count();
    assert_eq!(openings, 1, "one replica opened it and said so");
}

#[tokio::test]
async fn a_copy_that_outlives_its_claim_changes_nothing() {
    let redis = RedisServer::start();
    let running = intake_on(redis_store(&redis.url()).await).start().await;
    let notification = alertmanager(&[("a", "firing", 5), ("b", "resolved", 3)]);
    running.post("alertmanager", &notification).await;
    let mut connection = redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let claims: Vec<String> = redis::cmd("KEYS").arg("fb:seen:alert:*").query_async(&mut connection).await.unwrap();
    let _: () = redis::cmd("DEL").arg(&claims).query_async(&mut connection).await.unwrap();

    let (status, _) = running.post("alertmanager", &notification).await;

    let store = redis_store(&redis.url()).await;
    assert_eq!((status, claims.len()), (200, 1));
    assert_eq!(alert_entries(store.as_ref(), IncidentId::from_number(2001)).await, 2, "a firing and b resolved, once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_redis_is_down_hooks_answer_503_and_readyz_fails_and_the_retry_succeeds_once_it_is_back() {
    let mut redis = RedisServer::start();
    let running = intake_on(redis_store(&redis.url()).await).start().await;
    let notification = alertmanager(&[("a", "firing", 5)]);
    let (ready_before, _) = running.get("/readyz").await;

    redis.stop();
    let (during, refusal) = running.post("alertmanager", &notification).await;
    let (ready_during, readiness) = running.get("/readyz").await;
    redis.restart();
    let mut retried = 0;
    for _ in 0..20 {
        retried = running.post("alertmanager", &notification).await.0;
        if retried == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (ready_after, _) = running.get("/readyz").await;

    assert_eq!((ready_before, during, ready_during), (200, 503, 503));
    assert!(refusal["error"].as_str().unwrap().contains("please retry"), "{refusal}");
    assert!(readiness.contains(r#""store":"unavailable""#), "{readiness}");
    assert_eq!((retried, ready_after), (200, 200));
    let store = redis_store(&redis.url()).await;
    assert_eq!(store.all_incidents().await.unwrap(), [IncidentId::from_number(2001)]);
    assert_eq!(alert_entries(store.as_ref(), IncidentId::from_number(2001)).await, 1);
}
