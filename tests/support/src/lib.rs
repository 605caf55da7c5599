//! Test support for Firebreak: spawners for real local servers on free loopback ports, stopped
//! when dropped. Nothing here talks to a server a previous run or another session left behind.

pub mod redis_server;

pub use redis_server::RedisServer;

use std::net::TcpListener;

/// A loopback port nobody is listening on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener.local_addr().expect("ephemeral port has an address").port()
}
