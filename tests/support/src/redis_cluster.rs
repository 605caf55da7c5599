//! A private Redis Cluster for one test: six `redis-server` processes in cluster mode on free
//! loopback ports (each with its own cluster-bus port and directory), joined by
//! `redis-cli --cluster create … --cluster-replicas 1` into three masters with one replica
//! each. The test can ask who serves a slot and kill a master (SIGKILL) to watch its replica
//! take over. Every process is killed when the cluster is dropped.
//!
//! Ready (every node says `cluster_state:ok` and every replica is in sync) about 2.1 s after it
//! is started, most of it `redis-cli` waiting for the nodes to agree; a killed master's replica
//! serves its slots about 2.5 s later, with the 1 s node timeout (measured on 2 cores, while other
//! builds ran).

use std::ops::RangeInclusive;
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::redis_node::RedisNode;
use crate::resp::Reply;

/// Nodes in the cluster: three masters and a replica of each.
const NODES: usize = 6;
/// How long a node may be unreachable before the others fail it over. Short, so a test sees a
/// failover within seconds; long enough that a busy machine does not fail a healthy node.
const NODE_TIMEOUT_MS: &str = "1000";
/// How long forming the cluster, or recovering from a killed master, may take.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Every slot of a Redis Cluster.
const SLOTS: u16 = 16384;

/// A running six-node Redis Cluster owned by the test, killed when dropped.
pub struct RedisCluster {
    nodes: Vec<RedisNode>,
    // Holds the nodes' directories until they are gone.
    _dir: TempDir,
}

/// One node as `CLUSTER NODES` describes it.
#[derive(Debug)]
struct NodeView {
    id: String,
    port: u16,
    master: bool,
    failed: bool,
    master_id: Option<String>,
    slots: Vec<RangeInclusive<u16>>,
}

impl RedisCluster {
    /// Starts six nodes, creates the cluster (three masters, one replica each) and waits until
    /// every node reports `cluster_state:ok` and every replica is in sync with its master.
    ///
    /// # Panics
    /// If `redis-server` or `redis-cli` is missing, or the cluster is not ready within 30 s.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("create a directory for the cluster's nodes");
        let ports = crate::free_ports(2 * NODES);
        let nodes = ports
            .chunks(2)
            .enumerate()
            .map(|(index, ports)| {
                let (port, bus) = (ports[0].to_string(), ports[1].to_string());
                let args = ["--bind", "127.0.0.1", "--port", &port, "--save", "", "--appendonly", "no"]
                    .into_iter()
                    .chain(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
                    // An explicit bus port: the default, port + 10000, may be taken or out of range.
                    .chain(["--cluster-port", &bus, "--cluster-node-timeout", NODE_TIMEOUT_MS])
                    // A replica syncs at once rather than after the default 5 s wait for others.
                    .chain(["--repl-diskless-sync-delay", "0"])
                    .map(str::to_owned)
                    .collect();
                RedisNode::start(ports[0], &dir.path().join(format!("node-{index}")), args)
            })
            .collect::<Vec<_>>();
        let cluster = Self { nodes, _dir: dir };
        cluster.create();
        cluster.wait_until_settled("the new cluster", |view| {
            view.len() == NODES && view.iter().filter(|node| node.serves()).count() == NODES / 2
        });
        cluster
    }

    fn create(&self) {
        let addresses = self.nodes.iter().map(|node| format!("127.0.0.1:{}", node.port()));
        let output = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .output()
            .expect(
                "redis-cli is not installed: run `bash scripts/test.sh` as root or `apt-get install -y redis-tools`",
            );
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// `redis://127.0.0.1:PORT` of every running node, as a cluster client takes its seeds.
    pub fn seed_urls(&self) -> Vec<String> {
        self.running().map(|node| format!("redis://127.0.0.1:{}", node.port())).collect()
    }

    /// The ports of the masters serving slots now, in slot order.
    pub fn masters(&self) -> Vec<u16> {
        let mut masters = self.topology().into_iter().filter(|node| node.serves()).collect::<Vec<_>>();
        masters.sort_by_key(|node| node.slots.first().map(|slots| *slots.start()));
        masters.into_iter().map(|node| node.port).collect()
    }

    /// The port of the master serving `slot` now.
    ///
    /// # Panics
    /// If no master serves it (never in a ready cluster) or `slot` is not below 16384.
    pub fn master_for_slot(&self, slot: u16) -> u16 {
        assert!(slot < SLOTS, "a cluster has slots 0 to {}, not {slot}", SLOTS - 1);
        self.topology()
            .into_iter()
            .find(|node| node.serves() && node.slots.iter().any(|slots| slots.contains(&slot)))
            .map(|node| node.port)
            .unwrap_or_else(|| panic!("no master serves slot {slot}"))
    }

    /// The slot `key` hashes to (`CLUSTER KEYSLOT`), hash tags included.
    pub fn slot_of(&self, key: &str) -> u16 {
        match self.ask_any(&["CLUSTER", "KEYSLOT", key]) {
            Reply::Integer(slot) => u16::try_from(slot).expect("slots fit in u16"),
            other => panic!("CLUSTER KEYSLOT answered {other:?}"),
        }
    }

    /// Kills the master on `port` (SIGKILL) and waits until its replica has been promoted and
    /// every node left says `cluster_state:ok` again; returns the port of the new master.
    ///
    /// # Panics
    /// If `port` is not a master serving slots, or the failover does not finish within 30 s.
    pub fn kill_master(&mut self, port: u16) -> u16 {
        let topology = self.topology();
        let master = topology
            .iter()
            .find(|node| node.port == port && node.serves())
            .unwrap_or_else(|| panic!("port {port} is not a master serving slots: {topology:?}"));
        let replica = topology
            .iter()
            .find(|node| node.master_id.as_deref() == Some(&master.id) && !node.failed)
            .unwrap_or_else(|| panic!("the master on port {port} has no replica: {topology:?}"))
            .port;
        let first_slot = *master.slots[0].start();
        self.nodes
            .iter_mut()
            .find(|node| node.port() == port)
            .expect("every node of the topology is one of ours")
            .kill();
        self.wait_until_settled("the failover", |view| {
            view.iter()
                .any(|node| node.port == replica && node.serves() && node.slots.iter().any(|s| s.contains(&first_slot)))
        });
        replica
    }

    /// Waits until every running node says `cluster_state:ok`, every running replica is in
    /// sync, and `settled` holds for every running node's view of the cluster.
    fn wait_until_settled(&self, what: &str, settled: impl Fn(&[NodeView]) -> bool) {
        let started = Instant::now();
        while started.elapsed() < SETTLE_TIMEOUT {
            if self.running().all(|node| node_settled(node) && view_of(node).is_some_and(|view| settled(&view))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let states = self
            .running()
            .map(|node| format!("port {}: {:?}\n{}", node.port(), node.call(&["CLUSTER", "INFO"]), node.log_tail()))
            .collect::<Vec<_>>()
            .join("\n\n");
        panic!("{what} did not settle within {} s:\n{states}", SETTLE_TIMEOUT.as_secs());
    }

    fn running(&self) -> impl Iterator<Item = &RedisNode> {
        self.nodes.iter().filter(|node| node.is_running())
    }

    /// The cluster as the first running node that answers sees it.
    fn topology(&self) -> Vec<NodeView> {
        self.running().find_map(view_of).expect("a running node answers CLUSTER NODES")
    }

    /// The reply of the first running node that answers `args`.
    fn ask_any(&self, args: &[&str]) -> Reply {
        self.running().find_map(|node| node.call(args).ok()).expect("a running node answers")
    }
}

impl NodeView {
    /// A master not failed with slots to serve.
    fn serves(&self) -> bool {
        self.master && !self.failed && !self.slots.is_empty()
    }

    /// Reads one line of `CLUSTER NODES`:
    /// `<id> <ip:port@bus> <flags> <master id or -> <ping> <pong> <epoch> <link> <slots>…`.
    fn parse(line: &str) -> Option<Self> {
        let fields = line.split_whitespace().collect::<Vec<_>>();
        let (id, address, flags, master_id) = (fields.first()?, fields.get(1)?, fields.get(2)?, fields.get(3)?);
        let port = address.split('@').next()?.rsplit(':').next()?.parse().ok()?;
        let flags = flags.split(',').collect::<Vec<_>>();
        let slots = fields
            .get(8..)
            .unwrap_or_default()
            .iter()
            // `[slot->-id]` entries are slots migrating, not served.
            .filter(|range| !range.starts_with('['))
            .filter_map(|range| {
                let (start, end) = range.split_once('-').unwrap_or((range, range));
                Some(start.parse().ok()?..=end.parse().ok()?)
            })
            .collect();
        Some(Self {
            id: (*id).to_owned(),
            port,
            master: flags.contains(&"master"),
            failed: flags.iter().any(|flag| flag.starts_with("fail")),
            master_id: (*master_id != "-").then(|| (*master_id).to_owned()),
            slots,
        })
    }
}

/// `node`'s view of the cluster, if it answers.
fn view_of(node: &RedisNode) -> Option<Vec<NodeView>> {
    let reply = node.call(&["CLUSTER", "NODES"]).ok()?;
    reply.text()?.lines().map(NodeView::parse).collect()
}

/// Whether `node` says the cluster is ok and, if it is a replica, that it is in sync.
fn node_settled(node: &RedisNode) -> bool {
    let ok = node.call(&["CLUSTER", "INFO"]).is_ok_and(|info| info.field("cluster_state") == Some("ok"));
    ok && node.call(&["INFO", "replication"]).is_ok_and(|info| match info.field("role") {
        Some("slave") => info.field("master_link_status") == Some("up"),
        role => role == Some("master"),
    })
}
