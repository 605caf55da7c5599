//! The load-and-fault harness on real servers, for the figures of BENCHMARKS.md: it starts a
//! private `redis-server` (append-only file fsynced on every write) or a six-node Redis Cluster
//! (three masters with a replica each, writes confirmed by the replica), runs the plan through
//! replica processes of the `firebreak` binary, kills the server (and restarts it a second
//! later) or a master (and waits for its replica to take over) a third of the way in, and
//! prints the report as Markdown.
//!
//! `cargo bench --bench load -- [--store standalone|cluster] [--no-fault] [--spread]
//! [--incidents 1000] [--messages 20] [--question-every 10] [--writers 16] [--replicas 2]
//! [--json FILE]`

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use firebreak::cli::load::{self, Delivery, Fault, Plan, ReplicaCommand};
use firebreak::store::{RedisOptions, RedisStore};
use firebreak_testkit::{RedisCluster, RedisServer};

/// Which deployment the run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deployment {
    /// One `redis-server`; the fault kills it and restarts it a second later.
    Standalone,
    /// Three masters with a replica each; the fault kills a master.
    Cluster,
}

/// Load and faults on a real Redis.
#[derive(Debug, Parser)]
struct Args {
    /// Deployment.
    #[arg(long, value_enum, default_value_t = Deployment::Standalone)]
    store: Deployment,
    /// Run without a fault (for throughput).
    #[arg(long)]
    no_fault: bool,
    /// Send each event to one replica instead of all.
    #[arg(long)]
    spread: bool,
    /// Incidents declared.
    #[arg(long, default_value_t = 1_000)]
    incidents: usize,
    /// Messages per incident.
    #[arg(long, default_value_t = 20)]
    messages: usize,
    /// One message in this many is a question (0: none).
    #[arg(long, default_value_t = 10)]
    question_every: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 16)]
    writers: usize,
    /// Replica processes.
    #[arg(long, default_value_t = 2)]
    replicas: usize,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The servers of a run, kept alive until it ends.
enum Servers {
    Standalone(Arc<Mutex<RedisServer>>),
    Cluster(Arc<Mutex<RedisCluster>>),
}

impl Servers {
    fn start(deployment: Deployment) -> (Self, RedisOptions) {
        match deployment {
            Deployment::Standalone => {
                let server = RedisServer::start();
                let options = RedisOptions::new(server.url());
                (Self::Standalone(Arc::new(Mutex::new(server))), options)
            }
            Deployment::Cluster => {
                let cluster = RedisCluster::start();
                let hosts = cluster
                    .seed_urls()
                    .iter()
                    .map(|url| url.trim_start_matches("redis://").to_owned())
                    .collect::<Vec<_>>();
                let url = format!("redis+cluster://{}", hosts.join(","));
                let options = RedisOptions { wait_replicas: 1, ..RedisOptions::new(url) };
                (Self::Cluster(Arc::new(Mutex::new(cluster))), options)
            }
        }
    }

    fn fault(&self) -> Fault {
        match self {
            Self::Standalone(server) => {
                let server = server.clone();
                Fault {
                    name: "redis-server SIGKILLed, restarted 1 s later on its append-only file".into(),
                    inject: Box::new(move || {
                        server.lock().expect("the server is not poisoned").kill();
                        std::thread::sleep(Duration::from_secs(1));
                        server.lock().expect("the server is not poisoned").restart();
                    }),
                }
            }
            Self::Cluster(cluster) => {
                let cluster = cluster.clone();
                Fault {
                    name:
                        "one master SIGKILLed, its replica promoted, the killed node restarted to rejoin as a replica"
                            .into(),
                    inject: Box::new(move || {
                        let mut cluster = cluster.lock().expect("the cluster is not poisoned");
                        let master = cluster.masters()[0];
                        cluster.kill_master(master);
                        cluster.restart_node(master);
                    }),
                }
            }
        }
    }
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (servers, options) = Servers::start(args.store);
    let plan = Plan {
        incidents: args.incidents,
        messages: args.messages,
        question_every: args.question_every,
        writers: args.writers,
        replicas: args.replicas,
        delivery: if args.spread { Delivery::Spread } else { Delivery::Broadcast },
        ..Plan::default()
    };
    let fault = (!args.no_fault).then(|| servers.fault());
    let report = runtime.block_on(async {
        let store = Arc::new(RedisStore::connect_with(&options).await.expect("the driver reaches the store"));
        let replicas = ReplicaCommand::firebreak(env!("CARGO_BIN_EXE_firebreak"), &options);
        load::run(&plan, &replicas, store, fault).await.expect("the run completes")
    });
    println!("{:?} store\n\n{}", args.store, report.to_markdown());
    if let Some(path) = args.json {
        let json = serde_json::to_string_pretty(&report).expect("the report is JSON");
        std::fs::write(&path, json).expect("write the JSON report");
    }
    drop(servers);
}
