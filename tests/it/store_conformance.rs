//! One suite of store behaviour, run against `MemoryStore` and against `RedisStore` on real
//! Redis deployments — one `redis-server`, one with TLS only, a three-master Redis Cluster and a
//! Sentinel-managed primary: every implementation must agree on every case. A single server is
//! started per case; a Cluster and a Sentinel deployment take seconds to form, so each runs the
//! whole suite in one test, emptied between cases.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use firebreak::core::alert::{AlertState, AlertStates, AlertStatus, Change, ChangeKind};
use firebreak::core::incident::{Declaration, Incident, IncidentId, Person, Role, Severity, Source, Status};
use firebreak::core::ports::{Anchor, KnowledgeCursor, Store, Timer, TimerKind};
use firebreak::core::record::IncidentRecord;
use firebreak::core::timeline::{Author, Digest, Entry, EntryKind};
use firebreak::knowledge::KnowledgeBase;
use firebreak::store::{MemoryStore, RedisOptions, RedisStore};
use firebreak_testkit::{RedisCluster, RedisSentinel, RedisServer};

use crate::cluster::{cluster_store, flush_cluster};
use crate::support::redis_store;

fn incident(number: u64, channel: &str) -> Incident {
    let declaration = Declaration {
        title: "Search latency above 2s".into(),
        summary: "p99 on /search climbed after 09:00".into(),
        severity: Severity::Sev2,
        service: None,
        source: Source::Machine,
    };
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 5, 0).unwrap();
    Incident::declared(IncidentId::from_number(number), declaration, "ana", channel, at)
}

fn entry(text: &str) -> Entry {
    Entry::new(Utc::now(), Author::new("u1", "ana"), EntryKind::Message, text)
}

async fn sequence_counts_up_from_one(store: Arc<dyn Store>) {
    assert_eq!(store.next_sequence().await.unwrap(), 1);
    assert_eq!(store.next_sequence().await.unwrap(), 2);
}

async fn created_incident_is_found_by_id_and_channel(store: Arc<dyn Store>) {
    let created = incident(7, "chan-a");
    store.create(&created, &[entry("declared")]).await.unwrap();

    assert_eq!(store.incident(created.id).await.unwrap(), Some(created.clone()));
    assert_eq!(store.incident_in_channel("chan-a").await.unwrap(), Some(created.clone()));
    assert_eq!(store.open_incidents().await.unwrap(), vec![created.id]);
    assert_eq!(store.timeline(created.id).await.unwrap()[0].text, "declared");
}

async fn missing_things_are_none_not_errors(store: Arc<dyn Store>) {
    assert_eq!(store.incident(IncidentId::from_number(99)).await.unwrap(), None);
    assert_eq!(store.incident_in_channel("nowhere").await.unwrap(), None);
    assert!(store.timeline(IncidentId::from_number(99)).await.unwrap().is_empty());
}

async fn resolving_closes_the_incident_and_keeps_every_field(store: Arc<dyn Store>) {
    let mut stored = incident(8, "chan-b");
    store.create(&stored, &[]).await.unwrap();
    stored.status = Status::Resolved;
    stored.service = Some("search".into());
    stored.resolved_at = Some(Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap());
    stored.root_cause = Some("shard 3 ran out of disk".into());
    stored.mitigation = Some("moved shard 3, raised the watermark".into());

    store.update(&stored, &[entry("resolved")]).await.unwrap();

    assert_eq!(store.incident(stored.id).await.unwrap(), Some(stored.clone()));
    assert!(store.open_incidents().await.unwrap().is_empty());
    assert_eq!(store.timeline(stored.id).await.unwrap().len(), 1);
}

async fn every_incident_is_listed_open_or_resolved_in_id_order(store: Arc<dyn Store>) {
    let mut resolved = incident(1012, "chan-r");
    for stored in [incident(1011, "chan-o"), resolved.clone(), incident(2, "chan-x")] {
        store.create(&stored, &[]).await.unwrap();
    }
    resolved.status = Status::Resolved;
    store.update(&resolved, &[]).await.unwrap();

    let listed: Vec<u64> = store.all_incidents().await.unwrap().into_iter().map(IncidentId::number).collect();
    assert_eq!(listed, [2, 1011, 1012]);
}

async fn timeline_keeps_append_order(store: Arc<dyn Store>) {
    let created = incident(9, "chan-c");
    store.create(&created, &[entry("first")]).await.unwrap();
    for index in 0..20 {
        store.append(created.id, &entry(&format!("message {index}"))).await.unwrap();
    }
    let texts: Vec<String> = store.timeline(created.id).await.unwrap().into_iter().map(|e| e.text).collect();
    let expected: Vec<String> =
        std::iter::once("first".to_owned()).chain((0..20).map(|index| format!("message {index}"))).collect();
    assert_eq!(texts, expected);
}

async fn lock_is_exclusive_owned_and_expires(store: Arc<dyn Store>) {
    let id = IncidentId::from_number(10);
    let token = store.try_lock(id, Duration::from_secs(30)).await.unwrap().expect("free lock is taken");
    assert!(store.try_lock(id, Duration::from_secs(30)).await.unwrap().is_none(), "a held lock is exclusive");

    let stranger = firebreak::core::ports::LockToken("not-the-owner".into());
    store.unlock(id, &stranger).await.unwrap();
    assert!(store.try_lock(id, Duration::from_secs(30)).await.unwrap().is_none(), "only the owner releases");

    store.unlock(id, &token).await.unwrap();
    let short = store.try_lock(id, Duration::from_millis(100)).await.unwrap();
    assert!(short.is_some(), "a released lock can be taken again");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(store.try_lock(id, Duration::from_secs(30)).await.unwrap().is_some(), "an expired lock is free");
}

async fn an_event_id_is_seen_first_only_once(store: Arc<dyn Store>) {
    assert!(store.first_sighting("discord:123", Duration::from_secs(60)).await.unwrap());
    assert!(!store.first_sighting("discord:123", Duration::from_secs(60)).await.unwrap());
    assert!(store.first_sighting("discord:124", Duration::from_secs(60)).await.unwrap());
}

async fn dedupe_marks_expire(store: Arc<dyn Store>) {
    assert!(store.first_sighting("discord:9", Duration::from_secs(1)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert!(store.first_sighting("discord:9", Duration::from_secs(1)).await.unwrap());
}

async fn resolving_publishes_the_incident_to_the_knowledge_stream(store: Arc<dyn Store>) {
    let mut resolved = incident(11, "chan-d");
    store.create(&resolved, &[]).await.unwrap();
    resolved.status = Status::Resolved;
    resolved.root_cause = Some("disk full".into());
    resolved.mitigation = Some("grew the volume".into());

    store.resolve(&resolved, &[entry("resolved")], &IncidentRecord::from_resolved(&resolved)).await.unwrap();
    let (records, _) = store.knowledge_after(&KnowledgeCursor::default(), 10).await.unwrap();

    assert_eq!(records.len(), 1);
    assert_eq!((records[0].id.as_str(), records[0].root_cause.as_str()), ("INC-11", "disk full"));
    assert!(store.open_incidents().await.unwrap().is_empty());
}

async fn knowledge_is_read_in_batches_from_a_cursor(store: Arc<dyn Store>) {
    let records: Vec<IncidentRecord> = KnowledgeBase::sample_records().into_iter().take(5).collect();
    store.publish(&records[..3]).await.unwrap();

    let (first, cursor) = store.knowledge_after(&KnowledgeCursor::default(), 2).await.unwrap();
    let (second, cursor) = store.knowledge_after(&cursor, 2).await.unwrap();
    let (empty, cursor) = store.knowledge_after(&cursor, 2).await.unwrap();
    store.publish(&records[3..]).await.unwrap();
    let (later, _) = store.knowledge_after(&cursor, 10).await.unwrap();

    let ids = |batch: &[IncidentRecord]| batch.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), ids(&records[..2]));
    assert_eq!(ids(&second), ids(&records[2..3]));
    assert!(empty.is_empty());
    assert_eq!(later, records[3..]);
}

async fn a_digest_is_kept_only_when_it_covers_more_of_the_timeline(store: Arc<dyn Store>) {
    let id = IncidentId::from_number(12);
    assert_eq!(store.digest(id).await.unwrap(), None);
    let first = Digest { text: "pool exhausted after the 09:10 deploy".into(), covers: 8 };
    let narrower = Digest { text: "an older fold".into(), covers: 5 };
    let wider = Digest { text: "pool exhausted; rolled back at 09:40".into(), covers: 14 };

    assert!(store.keep_digest(id, &first).await.unwrap());
    assert!(!store.keep_digest(id, &narrower).await.unwrap(), "a narrower digest never replaces a wider one");
    assert!(!store.keep_digest(id, &Digest { covers: 8, ..narrower }).await.unwrap(), "nor an equal one");
    assert_eq!(store.digest(id).await.unwrap(), Some(first));
    assert!(store.keep_digest(id, &wider).await.unwrap());

    assert_eq!(store.digest(id).await.unwrap(), Some(wider));
    assert_eq!(store.digest(IncidentId::from_number(13)).await.unwrap(), None, "digests are per incident");
}

fn alert_states(entries: &[(&str, AlertStatus, u32)]) -> AlertStates {
    entries
        .iter()
        .map(|(fingerprint, status, minute)| {
            let starts_at = Utc.with_ymd_and_hms(2026, 3, 1, 9, *minute, 0).unwrap();
            ((*fingerprint).to_owned(), AlertState { status: *status, starts_at })
        })
        .collect()
}

fn change(service: &str, minute: u32, summary: &str) -> Change {
    let at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 3, 1, 9, minute, 0).unwrap();
    Change { service: service.into(), kind: ChangeKind::Deploy, summary: summary.into(), who: Some("maya".into()), at }
}

async fn a_forgotten_event_id_is_seen_first_again(store: Arc<dyn Store>) {
    assert!(store.first_sighting("alert:x", Duration::from_secs(60)).await.unwrap());
    store.forget_sighting("alert:x").await.unwrap();

    assert!(store.first_sighting("alert:x", Duration::from_secs(60)).await.unwrap());
    store.forget_sighting("never-seen").await.unwrap();
}

async fn an_alert_group_is_bound_once_and_taken_over_only_from_the_incident_named(store: Arc<dyn Store>) {
    let group = "alertmanager:{}:{alertname=\"CheckoutErrors\"}";
    let (first, second, third) =
        (IncidentId::from_number(21), IncidentId::from_number(22), IncidentId::from_number(23));
    assert_eq!(store.alert_incident(group).await.unwrap(), None);

    assert_eq!(store.bind_alert_group(group, first, None).await.unwrap(), first);
    assert_eq!(store.bind_alert_group(group, second, None).await.unwrap(), first, "a bound group stays bound");
    assert_eq!(
        store.bind_alert_group(group, second, Some(third)).await.unwrap(),
        first,
        "only from the incident named"
    );
    assert_eq!(store.bind_alert_group(group, second, Some(first)).await.unwrap(), second);

    assert_eq!(store.alert_incident(group).await.unwrap(), Some(second));
    assert_eq!(store.alert_incident("grafana:other").await.unwrap(), None);
}

async fn an_alerted_incident_keeps_its_labels_and_its_alert_states_with_their_entries(store: Arc<dyn Store>) {
    let mut created = incident(24, "chan-alert");
    created.labels =
        [("alertname".to_owned(), "CheckoutErrors".to_owned()), ("team".to_owned(), "payments".to_owned())].into();
    let opening = alert_states(&[("a", AlertStatus::Firing, 5)]);
    store.create_alerted(&created, &[entry("declared"), entry("a firing")], &opening).await.unwrap();

    let update = alert_states(&[("a", AlertStatus::Resolved, 5), ("b", AlertStatus::Firing, 7)]);
    store.record_alerts(created.id, &update, &[entry("a resolved"), entry("b firing")]).await.unwrap();

    assert_eq!(store.incident(created.id).await.unwrap(), Some(created.clone()));
    assert_eq!(store.incident_in_channel("chan-alert").await.unwrap(), Some(created.clone()));
    assert_eq!(store.alert_states(created.id).await.unwrap(), update);
    let texts: Vec<String> = store.timeline(created.id).await.unwrap().into_iter().map(|e| e.text).collect();
    assert_eq!(texts, ["declared", "a firing", "a resolved", "b firing"]);
    assert!(store.alert_states(IncidentId::from_number(25)).await.unwrap().is_empty());
}

async fn changes_are_kept_per_service_newest_first_bounded_and_once(store: Arc<dyn Store>) {
    for (minute, summary) in [(10, "v2.40"), (30, "v2.42"), (20, "v2.41"), (5, "v2.39")] {
        store.record_change(&change("checkout", minute, summary), 3).await.unwrap();
    }
    store.record_change(&change("checkout", 30, "v2.42"), 3).await.unwrap();
    store.record_change(&change("search", 40, "v9"), 3).await.unwrap();

    let kept: Vec<String> =
        store.recent_changes("checkout", 10).await.unwrap().into_iter().map(|c| c.summary).collect();
    let newest = store.recent_changes("checkout", 1).await.unwrap();

    assert_eq!(kept, ["v2.42", "v2.41", "v2.40"], "the oldest falls out, the repeat is kept once");
    assert_eq!(newest, [change("checkout", 30, "v2.42")]);
    assert!(store.recent_changes("payments", 10).await.unwrap().is_empty());
}

async fn timers_fall_due_in_order_and_stay_until_rescheduled_or_cancelled(store: Arc<dyn Store>) {
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let minutes = |count: i64| at + chrono::Duration::minutes(count);
    let nudge = Timer::new(TimerKind::Nudge, IncidentId::from_number(21));
    let sync = Timer::new(TimerKind::ChannelSync, IncidentId::from_number(21));
    let other = Timer::new(TimerKind::Nudge, IncidentId::from_number(22));
    store.schedule(nudge, minutes(10)).await.unwrap();
    store.schedule(sync, minutes(5)).await.unwrap();
    store.schedule(other, minutes(30)).await.unwrap();

    assert!(store.due_timers(minutes(4), 10).await.unwrap().is_empty());
    assert_eq!(store.due_timers(minutes(10), 10).await.unwrap(), [(sync, minutes(5)), (nudge, minutes(10))]);
    assert_eq!(store.due_timers(minutes(10), 1).await.unwrap(), [(sync, minutes(5))], "a limit is honoured");
    assert_eq!(store.due_timers(minutes(10), 10).await.unwrap().len(), 2, "due timers stay until handled");

    store.schedule(nudge, minutes(40)).await.unwrap();
    store.cancel(sync).await.unwrap();
    store.cancel(sync).await.unwrap();

    assert!(store.due_timers(minutes(29), 10).await.unwrap().is_empty(), "rescheduled and cancelled");
    assert_eq!(store.due_timers(minutes(40), 10).await.unwrap(), [(other, minutes(30)), (nudge, minutes(40))]);
}

async fn the_first_post_of_an_anchor_is_kept(store: Arc<dyn Store>) {
    let id = IncidentId::from_number(23);
    assert_eq!(store.anchors(id).await.unwrap().get(Anchor::Card), None);

    assert!(store.keep_anchor(id, Anchor::Card, "1001").await.unwrap());
    assert!(!store.keep_anchor(id, Anchor::Card, "1002").await.unwrap(), "a second card never replaces the first");
    assert!(store.keep_anchor(id, Anchor::Announcement, "2001").await.unwrap());

    let anchors = store.anchors(id).await.unwrap();
    assert_eq!((anchors.card.as_deref(), anchors.announcement.as_deref()), (Some("1001"), Some("2001")));
    assert_eq!(store.anchors(IncidentId::from_number(24)).await.unwrap().card, None, "anchors are per incident");
}

async fn channel_edits_are_budgeted_per_window(store: Arc<dyn Store>) {
    let id = IncidentId::from_number(25);
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let seconds = |count: i64| at + chrono::Duration::seconds(count);
    let window = Duration::from_secs(600);

    assert_eq!(store.take_channel_edit(id, at, window, 2).await.unwrap(), None);
    assert_eq!(store.take_channel_edit(id, seconds(60), window, 2).await.unwrap(), None);
    let refused = store.take_channel_edit(id, seconds(120), window, 2).await.unwrap();
    let other = store.take_channel_edit(IncidentId::from_number(26), seconds(120), window, 2).await.unwrap();

    assert_eq!(refused, Some(seconds(600)), "the next edit frees up when the oldest leaves the window");
    assert_eq!(other, None, "each channel has its own budget");
    assert_eq!(store.take_channel_edit(id, seconds(600), window, 2).await.unwrap(), None);
    assert_eq!(store.take_channel_edit(id, seconds(601), window, 2).await.unwrap(), Some(seconds(660)));
}

async fn roles_and_the_channel_name_are_kept_with_the_incident(store: Arc<dyn Store>) {
    let mut stored = incident(27, "chan-roles");
    store.create(&stored, &[]).await.unwrap();
    stored.assign(Role::Commander, Person::new("discord:1", "Maya Lee"));
    stored.assign(Role::Scribe, Person::new("discord:2", "Li"));
    stored.status = Status::Identified;
    stored.channel_name = Some("inc-27-search".into());

    store.update(&stored, &[]).await.unwrap();

    assert_eq!(store.incident(stored.id).await.unwrap(), Some(stored));
}

async fn a_channel_is_claimed_once_and_freed_when_its_incident_is_resolved(store: Arc<dyn Store>) {
    let (first, second) = (IncidentId::from_number(40), IncidentId::from_number(41));

    assert_eq!(store.claim_channel("chan-claim", first).await.unwrap(), None);
    assert_eq!(store.claim_channel("chan-claim", first).await.unwrap(), None, "a repeated claim is still its own");
    assert_eq!(store.claim_channel("chan-claim", second).await.unwrap(), Some(first), "reserved while created");
    assert_eq!(store.incident_in_channel("chan-claim").await.unwrap(), None, "a reservation is no incident");
    let mut created = incident(40, "chan-claim");
    store.create(&created, &[]).await.unwrap();
    assert_eq!(store.incident_in_channel("chan-claim").await.unwrap(), Some(created.clone()));
    assert_eq!(store.claim_channel("chan-claim", second).await.unwrap(), Some(first), "held while open");
    created.status = Status::Resolved;
    store.update(&created, &[]).await.unwrap();

    assert_eq!(store.claim_channel("chan-claim", second).await.unwrap(), None, "free once resolved");
    assert_eq!(store.claim_channel("chan-claim", IncidentId::from_number(42)).await.unwrap(), Some(second));
}

/// A store on the TLS-only `server`, trusting only its CA.
async fn tls_store(server: &RedisServer) -> Arc<dyn Store> {
    let options = RedisOptions { ca_file: server.ca_file(), ..RedisOptions::new(server.url()) };
    Arc::new(RedisStore::connect_with(&options).await.expect("connect over TLS"))
}

/// A store on the primary `deployment`'s sentinels name, with every write confirmed by its
/// replica.
async fn sentinel_store(deployment: &RedisSentinel) -> Arc<dyn Store> {
    let options = RedisOptions { wait_replicas: 1, ..RedisOptions::new(deployment.sentinel_url()) };
    Arc::new(RedisStore::connect_with(&options).await.expect("connect through the sentinels"))
}

/// Empties the Sentinel deployment's primary, and its replica with it.
async fn flush_primary(deployment: &RedisSentinel) {
    let url = format!("redis://127.0.0.1:{}", deployment.primary_port());
    let mut primary = ::redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap();
    ::redis::cmd("FLUSHALL").exec_async(&mut primary).await.unwrap();
    ::redis::cmd("WAIT").arg(1).arg(5_000).exec_async(&mut primary).await.unwrap();
}

macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(std::sync::Arc::new(super::MemoryStore::new())).await;
                }
            )+
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $case() {
                    let server = super::RedisServer::start();
                    super::$case(super::redis_store(&server.url()).await).await;
                }
            )+
        }
        mod redis_tls {
            $(
                #[tokio::test]
                async fn $case() {
                    let server = super::RedisServer::start_tls().expect("redis-server with TLS support");
                    super::$case(super::tls_store(&server).await).await;
                }
            )+
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn every_case_holds_on_a_three_master_cluster_with_replicas_confirming_writes() {
            let cluster = RedisCluster::start();
            $(
                flush_cluster(&cluster).await;
                eprintln!("case {}", stringify!($case));
                $case(cluster_store(&cluster).await).await;
            )+
        }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn every_case_holds_on_a_sentinel_managed_primary() {
            let deployment = RedisSentinel::start();
            $(
                flush_primary(&deployment).await;
                eprintln!("case {}", stringify!($case));
                $case(sentinel_store(&deployment).await).await;
            )+
        }
    };
}

conformance!(
    sequence_counts_up_from_one,
    created_incident_is_found_by_id_and_channel,
    missing_things_are_none_not_errors,
    resolving_closes_the_incident_and_keeps_every_field,
    every_incident_is_listed_open_or_resolved_in_id_order,
    timeline_keeps_append_order,
    lock_is_exclusive_owned_and_expires,
    an_event_id_is_seen_first_only_once,
    dedupe_marks_expire,
    resolving_publishes_the_incident_to_the_knowledge_stream,
    knowledge_is_read_in_batches_from_a_cursor,
    a_digest_is_kept_only_when_it_covers_more_of_the_timeline,
    a_forgotten_event_id_is_seen_first_again,
    an_alert_group_is_bound_once_and_taken_over_only_from_the_incident_named,
    an_alerted_incident_keeps_its_labels_and_its_alert_states_with_their_entries,
    changes_are_kept_per_service_newest_first_bounded_and_once,
    timers_fall_due_in_order_and_stay_until_rescheduled_or_cancelled,
    the_first_post_of_an_anchor_is_kept,
    channel_edits_are_budgeted_per_window,
    roles_and_the_channel_name_are_kept_with_the_incident,
    a_channel_is_claimed_once_and_freed_when_its_incident_is_resolved,
);
