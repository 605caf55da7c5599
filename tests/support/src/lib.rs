//! Test support for Firebreak: real local servers (Redis, Prometheus, dnsmasq) and in-process
//! stand-ins (Discord, scripted HTTP and HTTPS targets, a metrics target), each on its own free
//! loopback port and stopped when dropped. Nothing here talks to a server a previous run
//! or another session left behind.

pub mod discord;
pub mod dns_server;
pub mod http_target;
pub mod local_llm;
pub mod metrics_target;
pub mod openai;
pub mod prometheus;
pub mod redis_server;
mod serve;
mod shared;
pub mod tls_target;

pub use discord::DiscordServer;
pub use dns_server::DnsServer;
pub use http_target::{HttpTarget, Reply};
pub use local_llm::LocalLlm;
pub use metrics_target::MetricsTarget;
pub use openai::OpenAiServer;
pub use prometheus::PrometheusServer;
pub use redis_server::RedisServer;
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
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener.local_addr().expect("ephemeral port has an address").port()
}
