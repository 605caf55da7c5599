//! A private `redis-server` for one test: its own port and data directory, with the append-only
//! file fsynced on every write so that a kill and restart keeps every acknowledged write (as a
//! production Redis would), or nothing on disk at all for benchmarks, or TLS only. The test can
//! make it misbehave the ways a real one does: crash (SIGKILL) and come back on the same port and
//! data, go away cleanly for an outage, or freeze (SIGSTOP) to look like a slow server.
//!
//! Ready about 30 ms after it is started or restarted, with or without TLS (measured on 2 cores,
//! while other builds ran).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::crypto::ring;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use tempfile::TempDir;

use crate::certs;
use crate::process::NotReady;
use crate::redis_node::RedisNode;

/// The CA file of a TLS server, in its directory.
const CA_FILE: &str = "ca.pem";

/// A running `redis-server` owned by the test, killed when dropped.
pub struct RedisServer {
    node: RedisNode,
    tls: bool,
    // Holds the data directory until the server is gone.
    _dir: TempDir,
}

/// The installed `redis-server` was built without TLS, so [`RedisServer::start_tls`] cannot run
/// it; the message carries what the server said.
#[derive(Debug)]
pub struct TlsUnsupported(String);

impl fmt::Display for TlsUnsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the installed redis-server has no TLS support (Debian bookworm's redis-server 7.0 has it): {}",
            self.0
        )
    }
}

impl std::error::Error for TlsUnsupported {}

impl RedisServer {
    /// Starts a server on a free loopback port, fsyncing every write to its append-only file so
    /// a kill and restart loses nothing, and waits until it answers.
    ///
    /// # Panics
    /// If `redis-server` is missing or does not answer within 10 s.
    pub fn start() -> Self {
        Self::start_plain(&durable_args())
    }

    /// Starts a server that keeps nothing on disk, like a cache-only Redis.
    ///
    /// # Panics
    /// If `redis-server` is missing or does not answer within 10 s.
    pub fn start_in_memory() -> Self {
        Self::start_plain(&args(&["--appendonly", "no"]))
    }

    /// Starts a durable server (as [`start`](Self::start)) that speaks TLS only, with a server
    /// certificate for `127.0.0.1` and `localhost` signed by a CA made for it (see
    /// [`ca_file`](Self::ca_file)); clients need no certificate of their own.
    ///
    /// # Errors
    /// [`TlsUnsupported`] if the installed `redis-server` was built without TLS.
    ///
    /// # Panics
    /// If `redis-server` is missing, or does not answer within 10 s for another reason.
    pub fn start_tls() -> Result<Self, TlsUnsupported> {
        let certificate = certs::issue("firebreak-redis", |_| {});
        let dir = tempfile::tempdir().expect("create a data directory for redis-server");
        for (file, pem) in [
            (CA_FILE, &certificate.ca_pem),
            ("server.pem", &certificate.cert_pem),
            ("server.key", &certificate.key_pem),
        ] {
            std::fs::write(dir.path().join(file), pem).expect("write the TLS files of redis-server");
        }
        let mut options = durable_args();
        options.extend(args(&["--tls-cert-file", "server.pem", "--tls-key-file", "server.key"]));
        options.extend(args(&["--tls-ca-cert-file", CA_FILE, "--tls-auth-clients", "no"]));
        match Self::start_in(dir, &options, Some(client_config(certificate.ca_der))) {
            Ok(server) => Ok(server),
            Err(NotReady::Exited { log, .. }) if lacks_tls(&log) => Err(TlsUnsupported(log)),
            Err(error) => panic!("redis-server with TLS {error}"),
        }
    }

    fn start_plain(options: &[String]) -> Self {
        let dir = tempfile::tempdir().expect("create a data directory for redis-server");
        Self::start_in(dir, options, None).unwrap_or_else(|error| panic!("redis-server {error}"))
    }

    fn start_in(dir: TempDir, options: &[String], tls: Option<Arc<ClientConfig>>) -> Result<Self, NotReady> {
        let port = crate::free_port();
        let is_tls = tls.is_some();
        let mut all = args(&["--bind", "127.0.0.1", "--save", ""]);
        // A TLS server listens for TLS only: `--port 0` closes the plain-text port.
        let listen = if is_tls { ["--port", "0", "--tls-port"].as_slice() } else { ["--port"].as_slice() };
        all.extend(args(listen));
        all.push(port.to_string());
        all.extend_from_slice(options);
        let mut node = RedisNode::new(port, dir.path(), all, tls);
        node.try_restart()?;
        Ok(Self { node, tls: is_tls, _dir: dir })
    }

    /// `redis://127.0.0.1:PORT`, or `rediss://127.0.0.1:PORT` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}", self.node.port())
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.node.port()
    }

    /// The directory holding its data files (and its log, `redis.log`).
    pub fn data_dir(&self) -> PathBuf {
        self.node.dir().to_owned()
    }

    /// For a TLS server, the PEM file of the CA that signed its certificate: what a client must
    /// trust.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.tls.then(|| self.node.dir().join(CA_FILE))
    }

    /// Kills the server abruptly (SIGKILL), as a crash or a lost machine would look; what it
    /// acknowledged is in its append-only file (unless started in memory).
    pub fn kill(&mut self) {
        self.node.kill();
    }

    /// Shuts the server down cleanly (SIGTERM), as an operator or an orchestrator would: clients
    /// are refused until [`restart`](Self::restart).
    pub fn stop(&mut self) {
        self.node.stop();
    }

    /// Starts (again) on the same port and data after killing any running server, and waits
    /// until it answers.
    ///
    /// # Panics
    /// If it does not answer within 10 s.
    pub fn restart(&mut self) {
        self.node.restart();
    }

    /// Freezes the server (SIGSTOP), as a slow or stuck Redis looks: connections are accepted
    /// and commands sent, but nothing is answered until [`resume`](Self::resume).
    pub fn pause(&self) {
        self.node.pause();
    }

    /// Lets a paused server answer again (SIGCONT); what was sent meanwhile is answered then.
    pub fn resume(&self) {
        self.node.resume();
    }
}

/// The options of a server that fsyncs every write to its append-only file.
fn durable_args() -> Vec<String> {
    args(&["--appendonly", "yes", "--appendfsync", "always"])
}

/// Whether a log says the server does not know TLS (an unknown `tls-port` option, or a build
/// without TLS) rather than that something else went wrong.
fn lacks_tls(log: &str) -> bool {
    let log = log.to_lowercase();
    log.contains("tls") && (log.contains("bad directive") || log.contains("not supported") || log.contains("not built"))
}

/// A client configuration trusting only the CA `ca`, for the spawner's own readiness checks.
fn client_config(ca: CertificateDer<'static>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(ca).expect("rustls accepts the test CA certificate");
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// `words` as owned arguments.
fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}
