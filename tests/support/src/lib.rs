//! Test support for Firebreak: real local servers (Redis standalone, with TLS, as a Cluster and
//! under Sentinel; Prometheus, Alertmanager, dnsmasq, a small language model) and in-process
//! stand-ins (Discord, OpenAI, scripted HTTP and HTTPS targets, a metrics target), each on its own
//! free loopback port and stopped when dropped; and headless Chromium, to look at a page. Nothing
//! here talks to a server a previous run or another session left behind: a spawned server counts
//! as ready only once it answers as the process the spawner started.

pub mod alertmanager;
pub mod browser;
mod certs;
pub mod discord;
pub mod dns_server;
mod http_probe;
pub mod http_target;
pub mod local_llm;
pub mod metrics_target;
pub mod openai;
mod process;
pub mod prometheus;
pub mod redis_cluster;
mod redis_node;
pub mod redis_sentinel;
pub mod redis_server;
mod resp;
mod serve;
mod shared;
pub mod tls_target;

pub use alertmanager::AlertmanagerServer;
pub use discord::DiscordServer;
pub use dns_server::DnsServer;
pub use http_target::{HttpTarget, Reply};
pub use local_llm::LocalLlm;
pub use metrics_target::MetricsTarget;
pub use openai::OpenAiServer;
pub use prometheus::{PrometheusBuilder, PrometheusServer};
pub use redis_cluster::RedisCluster;
pub use redis_sentinel::RedisSentinel;
pub use redis_server::{RedisServer, TlsUnsupported};
pub use tls_target::TlsTarget;

use std::net::TcpListener;

/// Installs rustls's ring crypto provider for the process, once. The bot builds reqwest with
/// `rustls-no-provider` (it installs ring itself at start-up), and cargo unifies that feature for
/// the whole workspace, so an HTTP client built in a test needs a provider installed first.
pub fn ensure_crypto_provider() {
    // A second install is refused harmlessly: the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A loopback port nobody is listening on right now.
pub fn free_port() -> u16 {
    free_ports(1)[0]
}

/// `count` different loopback ports nobody is listening on right now: all are held at once
/// while they are picked, so none is handed out twice.
pub(crate) fn free_ports(count: usize) -> Vec<u16> {
    let listeners = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port"))
        .collect::<Vec<_>>();
    listeners.iter().map(|listener| listener.local_addr().expect("ephemeral port has an address").port()).collect()
}
