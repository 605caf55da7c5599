//! A private Prometheus (the Debian `prometheus` binary) for one test: its own port, storage
//! in a temporary directory, scraping the given targets every second and evaluating rules every
//! second, so a test sees a history build up and an alert fire within seconds; optionally with
//! alerting rules and an Alertmanager to send firing alerts to.
//!
//! Ready about 60 ms after it is started (measured on 2 cores, while other builds ran).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::http_probe;
use crate::process::Process;

/// How long Prometheus may take to report ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running Prometheus owned by the test, killed when dropped.
pub struct PrometheusServer {
    port: u16,
    // Dropped before the directory, which holds its storage and log.
    _process: Process,
    _dir: TempDir,
}

/// What a Prometheus is started with; [`PrometheusServer::builder`] makes one.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct PrometheusBuilder {
    targets: Vec<String>,
    rules: Option<String>,
    alertmanager: Option<String>,
}

impl PrometheusServer {
    /// Starts Prometheus scraping `targets` (`host:port`, job `target`) every second and waits
    /// until it reports ready.
    ///
    /// # Panics
    /// If `prometheus` is not installed or does not become ready within 30 s.
    pub fn start(targets: &[String]) -> Self {
        Self::builder().scrape(targets).start()
    }

    /// A Prometheus to configure: targets, alerting rules, an Alertmanager.
    pub fn builder() -> PrometheusBuilder {
        PrometheusBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, the base of its HTTP API.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl PrometheusBuilder {
    /// Also scrapes `targets` (`host:port`, job `target`) every second.
    pub fn scrape(mut self, targets: &[String]) -> Self {
        self.targets.extend_from_slice(targets);
        self
    }

    /// Evaluates the rules in `rule_file` (the text of a Prometheus rule file, with its
    /// `groups:`) every second, for example
    ///
    /// ```yaml
    /// groups:
    ///   - name: checkout
    ///     rules:
    ///       - alert: CheckoutErrors
    ///         expr: rate(checkout_errors_total[10s]) > 0
    ///         labels: { severity: page }
    /// ```
    pub fn rules(mut self, rule_file: &str) -> Self {
        self.rules = Some(rule_file.to_owned());
        self
    }

    /// Sends firing and resolved alerts to the Alertmanager at `address` (`host:port`).
    pub fn alertmanager(mut self, address: &str) -> Self {
        self.alertmanager = Some(address.to_owned());
        self
    }

    /// Starts Prometheus and waits until it reports ready.
    ///
    /// # Panics
    /// If `prometheus` is not installed, refuses the configuration or the rules (the message
    /// shows its log), or does not become ready within 30 s.
    pub fn start(self) -> PrometheusServer {
        let dir = tempfile::tempdir().expect("create a directory for Prometheus");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, self.config(dir.path())).expect("write prometheus.yml");
        let port = crate::free_port();
        let mut command = Command::new("prometheus");
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"));
        let mut process = Process::spawn(
            &mut command,
            &dir.path().join("prometheus.log"),
            "prometheus is not installed: run `bash scripts/test.sh` as root or `apt-get install -y prometheus`",
        );
        if let Err(error) = process.wait_until(START_TIMEOUT, || http_probe::answers_ok(port, "/-/ready")) {
            panic!("Prometheus on port {port} {error}");
        }
        PrometheusServer { port, _process: process, _dir: dir }
    }

    /// `prometheus.yml`, writing the rule file beside it in `dir` if there is one.
    fn config(&self, dir: &Path) -> String {
        let mut config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n".to_owned();
        if let Some(rules) = &self.rules {
            let file = dir.join("rules.yml");
            std::fs::write(&file, rules).expect("write the rule file");
            config.push_str(&format!("rule_files: ['{}']\n", file.display()));
        }
        if let Some(address) = &self.alertmanager {
            config.push_str(&format!(
                "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{address}']\n"
            ));
        }
        let targets = self.targets.iter().map(|target| format!("'{target}'")).collect::<Vec<_>>().join(", ");
        config.push_str(&format!(
            "scrape_configs:\n  - job_name: target\n    static_configs:\n      - targets: [{targets}]\n"
        ));
        config
    }
}
