//! The store on Redis deployments of more than one node, and the cluster-safe layout: an
//! incident's keys share a slot, a master or primary failing mid-conversation loses no
//! acknowledged message, and what a crash between an incident and its index leaves behind is
//! ignored or repaired.

use std::sync::Arc;

use firebreak::core::incident::IncidentId;
use firebreak::core::ports::{KnowledgeCursor, Store};
use firebreak::core::timeline::EntryKind;
use firebreak::store::{RedisOptions, RedisStore};
use firebreak_testkit::{RedisCluster, RedisSentinel, RedisServer};

use crate::support::{command, engine_on, has_error, message, question, redis_store, text_of};

const CHANNEL: &str = "inc-search";
const DECLARE: &str = "/incident declare Search latency above 2s severity: sev2 service: search";

/// `redis+cluster://…` naming every node of `cluster`.
pub fn cluster_url(cluster: &RedisCluster) -> String {
    let hosts = cluster.seed_urls().iter().map(|url| url.trim_start_matches("redis://").to_owned()).collect::<Vec<_>>();
    format!("redis+cluster://{}", hosts.join(","))
}

/// A store on `cluster` whose every write its master's replica confirms.
pub async fn cluster_store(cluster: &RedisCluster) -> Arc<dyn Store> {
    let options = RedisOptions { wait_replicas: 1, ..RedisOptions::new(cluster_url(cluster)) };
    Arc::new(RedisStore::connect_with(&options).await.expect("connect to the test cluster"))
}

/// Empties every master of `cluster`, and their replicas with them.
pub async fn flush_cluster(cluster: &RedisCluster) {
    let client = redis::cluster::ClusterClient::new(cluster.seed_urls()).unwrap();
    let mut connection = client.get_async_connection().await.unwrap();
    redis::cmd("FLUSHALL").exec_async(&mut connection).await.unwrap();
    redis::cmd("WAIT").arg(1).arg(5_000).exec_async(&mut connection).await.unwrap();
}

/// A plain connection to a single server, to leave behind what a crash would.
async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_on_a_cluster_keeps_each_incident_in_one_slot() {
    let cluster = RedisCluster::start();
    let store = cluster_store(&cluster).await;
    let engine = engine_on(store.clone());

    let declared = engine.handle(command(CHANNEL, "ic", DECLARE)).await;
    engine.handle(message(CHANNEL, "sam", "shard 3 is at 97% disk")).await;
    let answer = engine.handle(question(CHANNEL, "sam", "what should we check first?")).await;
    let resolved = engine
        .handle(command(CHANNEL, "ic", "/incident resolve root_cause: shard 3 disk full mitigation: moved shard 3"))
        .await;

    assert!(
        !has_error(&declared) && !has_error(&answer) && !has_error(&resolved),
        "{declared:?} {answer:?} {resolved:?}"
    );
    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let timeline = store.timeline(incident.id).await.unwrap();
    assert!(timeline.iter().any(|entry| entry.text == "shard 3 is at 97% disk"));
    assert!(timeline.iter().any(|entry| matches!(entry.kind, EntryKind::Answer { .. })));
    assert!(store.open_incidents().await.unwrap().is_empty());
    let (learned, _) = store.knowledge_after(&KnowledgeCursor::default(), 10).await.unwrap();
    assert_eq!(learned.iter().map(|record| record.id.clone()).collect::<Vec<_>>(), [incident.id.to_string()]);
    let number = incident.id.number();
    let slots = ["meta", "timeline", "evidence", "digest", "lock"]
        .map(|part| cluster.slot_of(&format!("fb:{{inc:{number}}}:{part}")));
    assert!(slots.iter().all(|slot| *slot == slots[0]), "{slots:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_mid_conversation_loses_no_acknowledged_message() {
    let cluster = RedisCluster::start();
    let store = cluster_store(&cluster).await;
    let engine = Arc::new(engine_on(store.clone()));
    engine.handle(command(CHANNEL, "ic", DECLARE)).await;
    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let master = cluster.master_for_slot(cluster.slot_of(&format!("fb:{{inc:{}}}:timeline", incident.id.number())));
    let (killed, killing) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn({
        let engine = engine.clone();
        async move {
            let mut killed = Some(killed);
            let mut acknowledged = Vec::new();
            for index in 0..300 {
                if index == 100 {
                    // The master goes down while the conversation goes on.
                    let _ = killed.take().unwrap().send(());
                }
                let text = format!("update #{index}");
                if engine.handle(message(CHANNEL, "sam", &text)).await.is_empty() {
                    acknowledged.push(text);
                }
            }
            acknowledged
        }
    });

    killing.await.unwrap();
    let cluster = tokio::task::spawn_blocking(move || {
        let mut cluster = cluster;
        cluster.kill_master(master);
        // Until it rejoins, the promoted master has no replica to confirm writes: they are
        // refused as not recorded.
        cluster.restart_node(master);
        cluster
    })
    .await
    .unwrap();
    let acknowledged = writer.await.unwrap();

    let stored: Vec<String> = store
        .timeline(incident.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.kind == EntryKind::Message)
        .map(|entry| entry.text)
        .collect();
    for text in &acknowledged {
        assert_eq!(stored.iter().filter(|stored| *stored == text).count(), 1, "{text} stored once");
    }
    let mut distinct = stored.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), stored.len(), "no message is stored twice");
    assert!(acknowledged.len() >= 100, "the messages before the failover were acknowledged");
    drop(cluster);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_follows_the_sentinels_to_the_promoted_replica() {
    let mut deployment = RedisSentinel::start();
    let connect = |wait_replicas| {
        let options = RedisOptions { wait_replicas, ..RedisOptions::new(deployment.sentinel_url()) };
        async move { Arc::new(RedisStore::connect_with(&options).await.unwrap()) as Arc<dyn Store> }
    };
    // Before the failover the replica confirms every write; after it, the promoted replica has
    // none of its own left to confirm anything.
    let confirmed = engine_on(connect(1).await);
    let unconfirmed = engine_on(connect(0).await);
    confirmed.handle(command(CHANNEL, "ic", DECLARE)).await;
    let before = confirmed.handle(message(CHANNEL, "sam", "before the failover")).await;

    let deployment = tokio::task::spawn_blocking(move || {
        deployment.kill_primary();
        deployment
    })
    .await
    .unwrap();
    let mut after = unconfirmed.handle(message(CHANNEL, "sam", "after the failover")).await;
    for _ in 0..20 {
        if after.is_empty() {
            break;
        }
        // The old primary's connection may fail once more before the new one is asked for;
        // a person told "not recorded" repeats the message.
        after = unconfirmed.handle(message(CHANNEL, "sam", "after the failover")).await;
    }

    assert!(before.is_empty() && after.is_empty(), "{before:?} {after:?}");
    let store = unconfirmed.ports().store.clone();
    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let texts: Vec<String> = store.timeline(incident.id).await.unwrap().into_iter().map(|entry| entry.text).collect();
    assert!(texts.contains(&"before the failover".to_owned()) && texts.contains(&"after the failover".to_owned()));
    drop(deployment);
}

#[tokio::test]
async fn a_resolution_interrupted_before_publishing_is_published_by_the_next_replica_to_connect() {
    let server = RedisServer::start();
    let store = redis_store(&server.url()).await;
    let engine = engine_on(store.clone());
    engine.handle(command(CHANNEL, "ic", DECLARE)).await;
    let incident = store.incident_in_channel(CHANNEL).await.unwrap().unwrap();
    let number = incident.id.number();
    // What a replica dying right after writing the resolution to the incident leaves: the
    // incident resolved with the record it learned, not published, still in the open set.
    let learned = format!(
        r#"{{"id":"{}","title":"{}","summary":null,"source":"machine","service":"search","category":"capacity","root_cause":"shard 3 disk full","mitigation":"moved shard 3"}}"#,
        incident.id, incident.title
    );
    redis::cmd("HSET")
        .arg(format!("fb:{{inc:{number}}}:meta"))
        .arg(&["status", "resolved", "learned", learned.as_str()][..])
        .exec_async(&mut raw(&server).await)
        .await
        .unwrap();

    let next_replica = redis_store(&server.url()).await;

    let (records, _) = next_replica.knowledge_after(&KnowledgeCursor::default(), 10).await.unwrap();
    assert_eq!(records.iter().map(|record| record.root_cause.as_str()).collect::<Vec<_>>(), ["shard 3 disk full"]);
    assert!(next_replica.open_incidents().await.unwrap().is_empty());
    let still_indexed: bool = redis::cmd("SISMEMBER")
        .arg("fb:incidents:open")
        .arg(number)
        .query_async(&mut raw(&server).await)
        .await
        .unwrap();
    assert!(!still_indexed, "the resolved incident left the open set");
}

#[tokio::test]
async fn indexes_pointing_at_an_incident_never_written_are_ignored() {
    let server = RedisServer::start();
    let store = redis_store(&server.url()).await;
    // What a replica dying between binding a channel (and listing the incident as open) and
    // writing the incident leaves.
    let mut connection = raw(&server).await;
    redis::cmd("SET").arg(format!("fb:channel:{CHANNEL}")).arg(77).exec_async(&mut connection).await.unwrap();
    redis::cmd("SADD").arg("fb:incidents:open").arg(77).exec_async(&mut connection).await.unwrap();

    let found = store.incident_in_channel(CHANNEL).await.unwrap();
    let open = store.open_incidents().await.unwrap();
    let declared = engine_on(store.clone()).handle(command(CHANNEL, "ic", DECLARE)).await;

    assert_eq!(found, None);
    assert!(!open.contains(&IncidentId::from_number(77)), "{open:?}");
    assert!(!has_error(&declared), "{}", text_of(&declared));
    let incident = store.incident_in_channel(CHANNEL).await.unwrap().expect("the channel holds the new incident");
    assert_eq!(store.open_incidents().await.unwrap(), [incident.id]);
}
