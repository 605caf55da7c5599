//! A private Redis Sentinel deployment for one test: a primary, a replica of it and three
//! sentinels (quorum two) watching it under the name [`MASTER_NAME`], every process
//! `redis-server` on its own free loopback port and directory. The test can kill the primary
//! (SIGKILL) and wait until the sentinels have promoted the replica. Every process is killed
//! when the deployment is dropped.
//!
//! redis-rs has no URL form for Sentinel: its `sentinel` module takes the sentinels' own URLs
//! ([`RedisSentinel::sentinel_urls`]) and the master's name. [`RedisSentinel::sentinel_url`]
//! gives the one-string form other clients accept (`redis+sentinel://host:port,…/name`), for
//! settings that need a single URL.
//!
//! Ready (the replica in sync, every sentinel knowing the replica and the two other sentinels)
//! about 2.2 s after it is started, most of it the sentinels finding each other (they announce
//! themselves every 2 s); a killed primary is replaced about 2.3 s later, with the 1 s down-after
//! time (measured on 2 cores, while other builds ran).

use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::redis_node::RedisNode;
use crate::resp::Reply;

/// The name the sentinels monitor the primary under.
pub const MASTER_NAME: &str = "firebreak";
/// Sentinels watching the primary.
const SENTINELS: usize = 3;
/// Sentinels that must agree the primary is down before one fails it over.
const QUORUM: &str = "2";
/// How long the primary may be unreachable before a sentinel calls it down. Short, so a test
/// sees a failover within seconds; long enough that a busy machine does not fail a healthy one.
const DOWN_AFTER_MS: &str = "1000";
/// How long starting, or recovering from a killed primary, may take.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A running primary, replica and three sentinels owned by the test, killed when dropped.
pub struct RedisSentinel {
    data: Vec<RedisNode>,
    sentinels: Vec<RedisNode>,
    // Holds the processes' directories until they are gone.
    _dir: TempDir,
}

impl RedisSentinel {
    /// Starts a primary, a replica of it and three sentinels, and waits until the replica is in
    /// sync and every sentinel knows the replica and the other sentinels.
    ///
    /// # Panics
    /// If `redis-server` is missing or the deployment is not ready within 30 s.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("create a directory for the Sentinel deployment");
        let ports = crate::free_ports(2 + SENTINELS);
        let data_node = |name: &str, port: u16, extra: &[&str]| {
            let port_arg = port.to_string();
            // A replica syncs at once rather than after the default 5 s wait for others.
            let args = ["--bind", "127.0.0.1", "--port", &port_arg, "--save", "", "--appendonly", "no"]
                .iter()
                .chain(&["--repl-diskless-sync-delay", "0"])
                .chain(extra)
                .map(|arg| (*arg).to_owned())
                .collect();
            RedisNode::start(port, &dir.path().join(name), args)
        };
        let primary = data_node("primary", ports[0], &[]);
        let primary_port = primary.port().to_string();
        let replica = data_node("replica", ports[1], &["--replicaof", "127.0.0.1", &primary_port]);
        let sentinels = ports[2..]
            .iter()
            .enumerate()
            .map(|(index, &port)| {
                let node_dir = dir.path().join(format!("sentinel-{index}"));
                std::fs::create_dir_all(&node_dir).expect("create a sentinel's directory");
                // A sentinel rewrites its configuration file as it learns, so each has its own.
                let config = format!(
                    "bind 127.0.0.1\nport {port}\n\
                     sentinel monitor {MASTER_NAME} 127.0.0.1 {primary_port} {QUORUM}\n\
                     sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n\
                     sentinel failover-timeout {MASTER_NAME} 10000\n"
                );
                std::fs::write(node_dir.join("sentinel.conf"), config).expect("write a sentinel's configuration");
                RedisNode::start(port, &node_dir, vec!["sentinel.conf".to_owned(), "--sentinel".to_owned()])
            })
            .collect();
        let deployment = Self { data: vec![primary, replica], sentinels, _dir: dir };
        let primary = deployment.data[0].port();
        deployment.wait_until_settled("the new Sentinel deployment", primary);
        deployment
    }

    /// `redis://127.0.0.1:PORT` of each sentinel, as redis-rs's `Sentinel::build` and
    /// `SentinelClient::build` take them (with [`MASTER_NAME`]).
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels.iter().map(|sentinel| format!("redis://127.0.0.1:{}", sentinel.port())).collect()
    }

    /// `redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/firebreak`: the sentinels and
    /// the master's name in one URL, the form redis-py-based tools accept; a client of
    /// redis-rs splits it into [`sentinel_urls`](Self::sentinel_urls) and [`MASTER_NAME`].
    pub fn sentinel_url(&self) -> String {
        let hosts = self.sentinels.iter().map(|sentinel| format!("127.0.0.1:{}", sentinel.port())).collect::<Vec<_>>();
        format!("redis+sentinel://{}/{MASTER_NAME}", hosts.join(","))
    }

    /// The port of the primary, as the first sentinel reports it.
    pub fn primary_port(&self) -> u16 {
        master_reported_by(&self.sentinels[0]).expect("the sentinel reports the primary's address")
    }

    /// Kills the primary (SIGKILL) and waits until every sentinel reports the replica as the new
    /// primary and the replica says it is one; returns the new primary's port.
    ///
    /// # Panics
    /// If the failover does not finish within 30 s, or the primary was killed before.
    pub fn kill_primary(&mut self) -> u16 {
        let old = self.primary_port();
        let (killed, promoted): (Vec<_>, Vec<_>) = self.data.iter_mut().partition(|node| node.port() == old);
        let (Some(killed), Some(promoted)) =
            (killed.into_iter().next(), promoted.into_iter().find(|node| node.is_running()))
        else {
            panic!("the primary on port {old} has no running replica left to promote");
        };
        killed.kill();
        let new = promoted.port();
        self.wait_until_settled("the failover", new);
        new
    }

    /// Waits until the node on `primary` says it is the primary, every other running data node
    /// is its replica in sync, and every sentinel reports `primary` and knows of the running
    /// replicas and the other sentinels.
    fn wait_until_settled(&self, what: &str, primary: u16) {
        let replicas = self.data.iter().filter(|node| node.is_running() && node.port() != primary).count();
        let started = Instant::now();
        while started.elapsed() < SETTLE_TIMEOUT {
            let data_settled = self.data.iter().filter(|node| node.is_running()).all(|node| {
                let info = node.call(&["INFO", "replication"]);
                if node.port() == primary {
                    info.is_ok_and(|info| info.field("role") == Some("master"))
                } else {
                    info.is_ok_and(|info| {
                        info.field("master_port") == Some(&primary.to_string())
                            && info.field("master_link_status") == Some("up")
                    })
                }
            });
            let sentinels_settled = self.sentinels.iter().all(|sentinel| {
                master_reported_by(sentinel) == Some(primary)
                    // At least: a killed primary stays on the sentinels' books as a replica that is down.
                    && sentinel_knows(sentinel, "num-slaves").is_some_and(|known| known >= replicas)
                    && sentinel_knows(sentinel, "num-other-sentinels") == Some(SENTINELS - 1)
            });
            if data_settled && sentinels_settled {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let logs = self
            .data
            .iter()
            .chain(&self.sentinels)
            .map(|node| format!("port {}:\n{}", node.port(), node.log_tail()))
            .collect::<Vec<_>>()
            .join("\n\n");
        panic!(
            "{what} did not settle within {} s (primary expected on port {primary}):\n{logs}",
            SETTLE_TIMEOUT.as_secs()
        );
    }
}

/// The primary's port as `sentinel` reports it (`SENTINEL GET-MASTER-ADDR-BY-NAME`).
fn master_reported_by(sentinel: &RedisNode) -> Option<u16> {
    match sentinel.call(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME]).ok()? {
        Reply::Array(Some(address)) => address.get(1)?.text()?.parse().ok(),
        _ => None,
    }
}

/// A count from `SENTINEL MASTER` (a flat list of field names and values), such as the replicas
/// or the other sentinels `sentinel` knows of.
fn sentinel_knows(sentinel: &RedisNode, field: &str) -> Option<usize> {
    let Reply::Array(Some(fields)) = sentinel.call(&["SENTINEL", "MASTER", MASTER_NAME]).ok()? else { return None };
    let position = fields.iter().position(|name| name.text() == Some(field))?;
    fields.get(position + 1)?.text()?.parse().ok()
}
