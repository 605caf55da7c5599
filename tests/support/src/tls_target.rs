//! An HTTPS server with a certificate from its own test CA, valid for as many days as the test
//! says, so certificate-expiry checks can be tested without the internet. It answers every
//! request with `200 secure hello`.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Datelike, Duration, Utc};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, date_time_ymd};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

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
        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "Firebreak test CA");
        let ca_certificate = ca.self_signed(&ca_key).expect("self-sign the CA");

        let leaf_key = KeyPair::generate().expect("generate the server key");
        let mut leaf =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("server parameters");
        leaf.distinguished_name.push(DnType::CommonName, "firebreak-tls-target");
        let ((from_year, from_month, from_day), (to_year, to_month, to_day)) = (day(-1), day(valid_days));
        leaf.not_before = date_time_ymd(from_year, from_month, from_day);
        leaf.not_after = date_time_ymd(to_year, to_month, to_day);
        let leaf_certificate =
            leaf.signed_by(&leaf_key, &Issuer::new(ca, &ca_key)).expect("sign the server certificate");

        let dir = tempfile::tempdir().expect("create a directory for the CA file");
        std::fs::write(dir.path().join("ca.pem"), ca_certificate.pem()).expect("write the CA file");
        let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf_certificate.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
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
