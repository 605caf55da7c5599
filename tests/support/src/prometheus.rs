//! A private Prometheus (the Debian `prometheus` binary) for one test: its own port, storage
//! in a temporary directory, scraping the given targets every second so a test sees a history
//! build up within seconds.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A running Prometheus owned by the test, killed when dropped.
pub struct PrometheusServer {
    port: u16,
    dir: TempDir,
    child: Child,
}

impl PrometheusServer {
    /// Starts Prometheus scraping `targets` (`host:port`, job `target`) every second and waits
    /// until it reports ready.
    ///
    /// # Panics
    /// If `prometheus` is not installed or does not become ready within 30 s.
    pub fn start(targets: &[String]) -> Self {
        let dir = tempfile::tempdir().expect("create a directory for Prometheus");
        let config = dir.path().join("prometheus.yml");
        let targets = targets.iter().map(|target| format!("'{target}'")).collect::<Vec<_>>().join(", ");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: target\n    static_configs:\n      - targets: [{targets}]\n"
            ),
        )
        .expect("write prometheus.yml");
        let log = File::create(dir.path().join("prometheus.log")).expect("create the Prometheus log");
        let port = crate::free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect(
                "prometheus is not installed: run `bash scripts/test.sh` as root or `apt-get install -y prometheus`",
            );
        let server = Self { port, dir, child };
        server.wait_until_ready();
        server
    }

    /// `http://127.0.0.1:PORT`, the base of its HTTP API.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.is_ready() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default();
        panic!("Prometheus on port {} was not ready within 30 s; its log:\n{log}", self.port);
    }

    fn is_ready(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        let request = format!("GET /-/ready HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port);
        let mut status = [0u8; 12];
        stream.write_all(request.as_bytes()).is_ok()
            && stream.read_exact(&mut status).is_ok()
            && &status == b"HTTP/1.0 200"
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
