//! The load-and-fault harness at CI size: 100 incidents × 10 messages through two replica
//! processes (the `firebreak` binary as `load-worker`), every replica getting every event, with
//! the store failing mid-run. Nothing acknowledged may be lost and every question is answered
//! exactly once; times are reported on stderr, never asserted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use firebreak::cli::load::{self, Fault, Plan, ReplicaCommand, Report};
use firebreak::store::{RedisOptions, RedisStore};
use firebreak_testkit::{RedisCluster, RedisServer};

use crate::cluster::cluster_url;

/// The CI size; a writer gives up on an event after 40 tries, so a store that never recovers
/// fails the test within minutes instead of hanging it.
fn ci_plan() -> Plan {
    Plan {
        incidents: 100,
        messages: 10,
        question_every: 5,
        writers: 8,
        retry_pause: Duration::from_millis(100),
        attempts: 40,
        ..Plan::default()
    }
}

/// Runs the CI plan on the store `options` name, with `fault` a third of the way in.
async fn run(options: &RedisOptions, fault: Fault) -> Report {
    let store = Arc::new(RedisStore::connect_with(options).await.expect("the driver reaches the store"));
    let replicas = ReplicaCommand::firebreak(env!("CARGO_BIN_EXE_firebreak"), options);
    let report = load::run(&ci_plan(), &replicas, store, Some(fault)).await.expect("the run completes");
    eprintln!("{}", report.to_markdown());
    report
}

fn assert_kept_everything(report: &Report) {
    let (messages, questions) = (&report.messages, &report.questions);
    assert_eq!(messages.lost, 0, "acknowledged messages missing from the store: {messages:?}");
    assert_eq!(messages.acknowledged, messages.sent, "every message was acknowledged in the end: {messages:?}");
    assert_eq!(messages.stored, messages.sent, "{messages:?}");
    assert_eq!(questions.answered_once, questions.asked, "every question answered exactly once: {questions:?}");
    assert_eq!(report.incidents.missing, 0, "{:?}", report.incidents);
    assert!(report.kept_everything());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_killed_and_restarted_mid_run_loses_no_acknowledged_message() {
    let server = Arc::new(Mutex::new(RedisServer::start()));
    let options = RedisOptions::new(server.lock().unwrap().url());
    let fault = Fault {
        name: "redis-server (appendfsync always) SIGKILLed, restarted 1 s later".into(),
        inject: Box::new({
            let server = server.clone();
            move || {
                server.lock().unwrap().kill();
                // An outage long enough that turns are refused meanwhile.
                std::thread::sleep(Duration::from_secs(1));
                server.lock().unwrap().restart();
            }
        }),
    };

    let report = run(&options, fault).await;

    assert_kept_everything(&report);
    assert!(report.messages.refused_attempts > 0 || report.phases[1].refused > 0, "the outage was felt: {report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_master_failing_over_mid_run_loses_no_acknowledged_message() {
    let cluster = Arc::new(Mutex::new(RedisCluster::start()));
    let options = RedisOptions { wait_replicas: 1, ..RedisOptions::new(cluster_url(&cluster.lock().unwrap())) };
    let fault = Fault {
        name: "one master SIGKILLed, its replica promoted, the killed node restarted to rejoin as a replica".into(),
        inject: Box::new({
            let cluster = cluster.clone();
            move || {
                let mut cluster = cluster.lock().unwrap();
                let master = cluster.masters()[0];
                cluster.kill_master(master);
                // Until it is back, its master has no replica to confirm writes with, and
                // refuses them (see `[redis] wait_replicas`).
                cluster.restart_node(master);
            }
        }),
    };

    let report = run(&options, fault).await;

    assert_kept_everything(&report);
}
