//! An HTTPS server with a certificate from its own test CA, valid for as many days as the test
//! says, so certificate-expiry checks can be tested without the internet. It answers every
//! request with `200 secure hello`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Datelike, Duration, Utc};
use rcgen::date_time_ymd;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;

use crate::certs;

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 12\r\nconnection: close\r\n\r\nsecure hello";

/// A running HTTPS server, stopped when dropped.
pub struct TlsTarget {
    port: u16,
    dir: TempDir,
    task: JoinHandle<()>,
}

impl TlsTarget {
    /// Serves HTTPS on a free loopback port with a certificate for `127.0.0.1` and `localhost`
    /// that expires at midnight UTC `valid_days` days from today, signed by a fresh CA.
    ///
    /// # Panics
    /// If the certificates cannot be made or no port can be bound.
    pub async fn start(valid_days: i64) -> Self {
        let certificate = certs::issue("firebreak-tls-target", |params| {
            let ((from_year, from_month, from_day), (to_year, to_month, to_day)) = (day(-1), day(valid_days));
            params.not_before = date_time_ymd(from_year, from_month, from_day);
            params.not_after = date_time_ymd(to_year, to_month, to_day);
        });
        let dir = tempfile::tempdir().expect("create a directory for the CA file");
        std::fs::write(dir.path().join("ca.pem"), &certificate.ca_pem).expect("write the CA file");
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![certificate.cert_der], certificate.key_der)
            .expect("the server certificate matches its key");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port for the TLS server");
        let port = listener.local_addr().expect("a bound listener has an address").port();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut stream) = acceptor.accept(stream).await else { return };
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(read) => request.extend_from_slice(&buffer[..read]),
                        }
                    }
                    let _ = stream.write_all(RESPONSE).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { port, dir, task }
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// A PEM file holding the CA certificate a client must trust.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

impl Drop for TlsTarget {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Year, month and day (UTC) `offset` days from today.
fn day(offset: i64) -> (i32, u8, u8) {
    let date = (Utc::now() + Duration::days(offset)).date_naive();
    // Calendar months and days always fit in u8.
    (date.year(), date.month() as u8, date.day() as u8)
}
