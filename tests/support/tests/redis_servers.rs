//! Runs the Redis spawners against the real client the bot uses (redis-rs): a standalone server
//! that pauses, crashes, stops and comes back with its data; a TLS server reachable only with
//! the spawner's CA; a Cluster whose killed master is replaced by its replica; and a Sentinel
//! deployment that promotes the replica when the primary dies. Each test starts its own
//! processes on free loopback ports.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use firebreak_testkit::redis_sentinel::MASTER_NAME;
use firebreak_testkit::{RedisCluster, RedisSentinel, RedisServer};
use redis::cluster::ClusterClient;
use redis::sentinel::{SentinelClient, SentinelServerType};
use redis::{Client, Connection, ConnectionLike, TlsCertificates};

/// A connection to `url`, for a test's commands.
fn connect(url: &str) -> Connection {
    Client::open(url)
        .and_then(|client| client.get_connection())
        .unwrap_or_else(|error| panic!("connect to {url}: {error}"))
}

fn set(connection: &mut impl ConnectionLike, key: &str, value: &str) {
    redis::cmd("SET").arg(key).arg(value).query::<()>(connection).expect("SET");
}

fn get(connection: &mut impl ConnectionLike, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(connection).expect("GET")
}

/// How many replicas acknowledged the connection's writes so far (`WAIT 1 5000`).
fn replicas_acknowledging(connection: &mut Connection) -> i64 {
    redis::cmd("WAIT").arg(1).arg(5000).query(connection).expect("WAIT")
}

#[test]
fn a_paused_server_answers_nothing_until_it_is_resumed() {
    let server = RedisServer::start();
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream.set_read_timeout(Some(Duration::from_millis(300))).expect("set a read timeout");

    server.pause();
    stream.write_all(b"PING\r\n").expect("send PING to the paused server");
    let mut reply = [0u8; 7];
    let while_paused = stream.read(&mut reply).map_err(|error| error.kind());
    server.resume();
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("set a read timeout");
    stream.read_exact(&mut reply).expect("the resumed server answers the PING sent while it was paused");

    assert!(
        matches!(while_paused, Err(ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "a paused server must not answer, got {while_paused:?}"
    );
    assert_eq!(&reply, b"+PONG\r\n");
}

#[test]
fn an_acknowledged_write_survives_a_kill_and_a_restart_on_the_same_port() {
    let mut server = RedisServer::start();
    let url = server.url();
    set(&mut connect(&url), "fb:{inc:1}:meta", "sev2 checkout");

    server.kill();
    let refused = Client::open(url.as_str()).expect("a valid URL").get_connection();
    server.restart();

    assert!(refused.is_err(), "a killed server refuses connections");
    assert_eq!(server.url(), url, "the same port after the restart");
    assert_eq!(get(&mut connect(&url), "fb:{inc:1}:meta").as_deref(), Some("sev2 checkout"));
}

#[test]
fn a_stopped_server_refuses_connections_until_it_is_restarted_with_its_data() {
    let mut server = RedisServer::start();
    set(&mut connect(&server.url()), "fb:incidents:seq", "41");

    server.stop();
    let during_outage = Client::open(server.url()).expect("a valid URL").get_connection();
    server.restart();

    assert!(during_outage.is_err(), "a stopped server refuses connections");
    assert_eq!(get(&mut connect(&server.url()), "fb:incidents:seq").as_deref(), Some("41"));
}

#[test]
fn a_server_started_in_memory_keeps_nothing_on_disk() {
    let mut server = RedisServer::start_in_memory();
    set(&mut connect(&server.url()), "fb:seen:event-1", "1");

    server.kill();
    server.restart();

    assert_eq!(get(&mut connect(&server.url()), "fb:seen:event-1"), None);
}

#[test]
fn a_tls_server_serves_clients_trusting_its_ca_and_no_one_else() {
    firebreak_testkit::ensure_crypto_provider();
    let server = match RedisServer::start_tls() {
        Ok(server) => server,
        Err(unsupported) => {
            eprintln!("skipped: {unsupported}");
            return;
        }
    };
    let ca = std::fs::read(server.ca_file().expect("a TLS server has a CA file")).expect("read the CA file");
    let trusting = TlsCertificates { client_tls: None, root_cert: Some(ca) };

    let mut connection = Client::build_with_tls(server.url(), trusting)
        .and_then(|client| client.get_connection())
        .expect("connect with the spawner's CA");
    set(&mut connection, "fb:{inc:7}:meta", "tls");
    let read_back = get(&mut connection, "fb:{inc:7}:meta");
    let plain_ping = Client::open(format!("redis://127.0.0.1:{}", server.port()))
        .and_then(|client| client.get_connection())
        .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection));
    let untrusted = Client::open(server.url()).expect("a valid URL").get_connection();

    assert!(server.url().starts_with("rediss://127.0.0.1:"), "{}", server.url());
    assert_eq!(read_back.as_deref(), Some("tls"));
    assert!(plain_ping.is_err(), "a plain-text client gets no answer");
    assert!(untrusted.is_err(), "a client trusting only the system's CAs refuses the certificate");
}

#[test]
fn a_cluster_serves_every_slot_and_a_killed_master_is_replaced_by_its_replica() {
    let mut cluster = RedisCluster::start();
    let key = "fb:{inc:12}:meta";
    let slot = cluster.slot_of(key);
    let master = cluster.master_for_slot(slot);
    let mut on_master = connect(&format!("redis://127.0.0.1:{master}"));
    set(&mut on_master, key, "written before the crash");
    let acknowledged = replicas_acknowledging(&mut on_master);
    let masters_before = cluster.masters();

    let promoted = cluster.kill_master(master);
    let mut through_cluster = ClusterClient::new(cluster.seed_urls())
        .and_then(|client| client.get_connection())
        .expect("connect to the cluster");

    assert_eq!(cluster.slot_of("fb:{inc:12}:timeline"), slot, "one incident, one slot");
    assert_eq!(masters_before.len(), 3);
    assert!(masters_before.contains(&master));
    assert_eq!(acknowledged, 1, "the replica acknowledged the write before the master died");
    assert_ne!(promoted, master);
    assert_eq!(cluster.master_for_slot(slot), promoted);
    assert_eq!(cluster.masters().len(), 3);
    assert!(!cluster.masters().contains(&master));
    assert_eq!(cluster.seed_urls().len(), 5, "the killed node is no longer a seed");
    assert_eq!(get(&mut through_cluster, key).as_deref(), Some("written before the crash"));
}

#[test]
fn sentinel_finds_the_primary_and_a_killed_primary_is_replaced_by_its_replica() {
    let mut deployment = RedisSentinel::start();
    let client = |deployment: &RedisSentinel| {
        SentinelClient::build(deployment.sentinel_urls(), MASTER_NAME, None, SentinelServerType::Master)
            .expect("a Sentinel client")
    };
    let mut primary = client(&deployment).get_connection().expect("connect to the primary through Sentinel");
    set(&mut primary, "fb:incidents:seq", "7");
    let acknowledged = replicas_acknowledging(&mut primary);
    let old = deployment.primary_port();

    let new = deployment.kill_primary();
    let mut promoted = client(&deployment).get_connection().expect("connect to the new primary through Sentinel");

    assert_eq!(acknowledged, 1, "the replica acknowledged the write before the primary died");
    assert_ne!(new, old);
    assert_eq!(deployment.primary_port(), new);
    assert_eq!(get(&mut promoted, "fb:incidents:seq").as_deref(), Some("7"));
}

#[test]
fn the_sentinel_url_names_every_sentinel_and_the_master() {
    let deployment = RedisSentinel::start();

    let url = deployment.sentinel_url();
    let (hosts, name) = url.strip_prefix("redis+sentinel://").and_then(|rest| rest.split_once('/')).expect("the form");
    let sentinels = hosts.split(',').map(|host| format!("redis://{host}")).collect::<Vec<_>>();
    let mut primary = SentinelClient::build(sentinels.clone(), name, None, SentinelServerType::Master)
        .and_then(|mut client| client.get_connection())
        .expect("connect through the sentinels the URL names");

    assert_eq!(sentinels, deployment.sentinel_urls());
    assert_eq!(name, MASTER_NAME);
    assert_eq!(redis::cmd("PING").query::<String>(&mut primary).expect("PING"), "PONG");
}
