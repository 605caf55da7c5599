//! A private Alertmanager (the Debian `prometheus-alertmanager` binary) for one test: its own
//! port, storage in a temporary directory, no clustering, and one webhook receiver posting to the
//! URL the test gives, with short waits (`group_wait` and `group_interval` 1 s, `repeat_interval`
//! 5 s) and `send_resolved: true`, so a firing or resolved alert reaches the test within about
//! two seconds. Optionally the webhook carries a bearer token, as Alertmanager's `http_config`
//! sends it.
//!
//! Ready about 80 ms after it is started (measured on 2 cores, while other builds ran).

use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::http_probe;
use crate::process::Process;

/// How long Alertmanager may take to report ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// The program's name in Debian's package, and upstream's.
const PROGRAMS: [&str; 2] = ["prometheus-alertmanager", "alertmanager"];

/// A running Alertmanager owned by the test, killed when dropped.
pub struct AlertmanagerServer {
    port: u16,
    // Dropped before the directory, which holds its storage and log.
    _process: Process,
    _dir: TempDir,
}

impl AlertmanagerServer {
    /// Starts Alertmanager sending every alert to `webhook_url`, with `Authorization: Bearer
    /// TOKEN` when `bearer_token` is given, and waits until it reports ready.
    ///
    /// # Panics
    /// If Alertmanager is not installed, refuses the configuration (the message shows its log) or
    /// does not become ready within 30 s.
    pub fn start(webhook_url: &str, bearer_token: Option<&str>) -> Self {
        let dir = tempfile::tempdir().expect("create a directory for Alertmanager");
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, configuration(webhook_url, bearer_token)).expect("write alertmanager.yml");
        let port = crate::free_port();
        let program = PROGRAMS.into_iter().find(|program| installed(program)).unwrap_or(PROGRAMS[0]);
        let mut command = Command::new(program);
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // No gossip with other Alertmanagers: it would listen on 0.0.0.0:9094, shared by every test.
            .arg("--cluster.listen-address=");
        let mut process = Process::spawn(
            &mut command,
            &dir.path().join("alertmanager.log"),
            "Alertmanager is not installed: run `bash scripts/test.sh` as root or `apt-get install -y prometheus-alertmanager`",
        );
        if let Err(error) = process.wait_until(START_TIMEOUT, || http_probe::answers_ok(port, "/-/ready")) {
            panic!("Alertmanager on port {port} {error}");
        }
        Self { port, _process: process, _dir: dir }
    }

    /// `127.0.0.1:PORT`, as Prometheus's `alerting` section names an Alertmanager.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`, the base of its HTTP API (`/api/v2/alerts`, …).
    pub fn url(&self) -> String {
        format!("http://{}", self.address())
    }
}

/// `alertmanager.yml`: every alert to one webhook, grouped by alert name.
fn configuration(webhook_url: &str, bearer_token: Option<&str>) -> String {
    let authorization = bearer_token
        .map(|token| format!("        http_config:\n          authorization:\n            credentials: '{token}'\n"))
        .unwrap_or_default();
    format!(
        "route:\n  receiver: webhook\n  group_by: ['alertname']\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 5s\n\
         receivers:\n  - name: webhook\n    webhook_configs:\n      - url: '{webhook_url}'\n        send_resolved: true\n\
         {authorization}"
    )
}

/// Whether `program` is on the PATH.
fn installed(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
