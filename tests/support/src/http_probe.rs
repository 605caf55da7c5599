//! Whether an HTTP server on a loopback port answers a path with 200, asked over a plain socket
//! so a readiness check needs no HTTP client, no runtime and no TLS provider.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Whether `GET path` on loopback `port` answers 200 within a second.
pub(crate) fn answers_ok(port: u16, path: &str) -> bool {
    let timeout = Duration::from_secs(1);
    let Ok(mut stream) = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), timeout) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut status = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok() && stream.read_exact(&mut status).is_ok() && &status[9..] == b"200"
}
