//! A real small language model for end-to-end tests: SmolLM2-135M-Instruct behind llama-cpp-python's
//! OpenAI-compatible server, with all-MiniLM-L6-v2 embeddings (384 dimensions) on the same port,
//! started from `tests/support/llm/serve.py` on a free loopback port and killed when dropped.
//!
//! The server rewrites what async-openai 0.43 sends where llama-cpp-python 0.3.36 would
//! misread it (`max_completion_tokens`, assistant tool calls without content, `tool_choice`
//! `"required"` with one tool, tools without `tool_choice`) and refuses streaming with tools;
//! `serve.py` documents each rewrite. It answers one request at a time, and one server runs at a
//! time in a test binary: each keeps a core busy while it answers, and two at once on a 2-core
//! machine starve each other past their timeouts. A 135M model calls tools in the right format
//! but without judgement: assert the plumbing, never the wording.
//!
//! Needs the Python packages `bash scripts/install-llm.sh` installs into the project's virtual
//! environment, `.venv-llm/` (`scripts/test.sh` runs it). The server runs on the Python named by
//! `FIREBREAK_LLM_PYTHON` when set, else that environment's when it exists, else `python3` from
//! the PATH (for a machine with the packages installed some other way).

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// How long the server may take to answer `GET /v1/models` after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The exit status `serve.py` uses when its Python packages are not installed.
const MISSING_PACKAGES: i32 = 3;
/// How many lines of the server's stderr a panic shows.
const LOG_TAIL_LINES: usize = 40;

/// Whether a model server of this test binary is running.
static RUNNING: Mutex<bool> = Mutex::new(false);
/// Signalled when the running server is gone.
static GONE: Condvar = Condvar::new();

/// The turn of one model server: taken before it starts, waiting while another runs, and given
/// back when dropped, after the server is killed.
struct Turn;

impl Turn {
    fn take() -> Self {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        while *running {
            running = GONE.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
        *running = true;
        Turn
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) = false;
        GONE.notify_one();
    }
}

/// A running local model server owned by the test, killed when dropped.
pub struct LocalLlm {
    port: u16,
    model: String,
    log: PathBuf,
    child: Child,
    // Holds the directory of the server's log until the server is gone.
    _dir: TempDir,
    // Dropped after the server is killed, letting the next one start.
    _turn: Turn,
}

impl LocalLlm {
    /// Starts `serve.py` on a free loopback port, once no other server of this test binary runs
    /// (blocking until then), and waits until `GET /v1/models` answers.
    ///
    /// # Panics
    /// If the Python (see the module's documentation) or its packages are missing (the message says to run
    /// `bash scripts/install-llm.sh`), or if the server does not answer within 60 s (the message
    /// shows the end of its stderr).
    pub fn start() -> Self {
        // Clients the test builds next need a TLS provider even for plain http.
        crate::ensure_crypto_provider();
        let turn = Turn::take();
        let dir = tempfile::tempdir().expect("create a directory for the model server's log");
        let log = dir.path().join("serve.log");
        let stderr = File::create(&log).expect("create the model server's log");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("llm/serve.py");
        let port = crate::free_port();
        let python = python();
        let child = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .env("HF_HUB_OFFLINE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{} could not start ({error}): run `bash scripts/install-llm.sh`", python.display())
            });
        // Owned before waiting, so a panic while waiting still kills the process.
        let mut server = Self { port, model: String::new(), log, child, _dir: dir, _turn: turn };
        server.model = server.wait_until_ready();
        server
    }

    /// `http://127.0.0.1:PORT/v1`, the API base for an OpenAI client.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// The model id the server reports in `GET /v1/models`.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Polls `GET /v1/models` until it lists a model, and returns its id.
    fn wait_until_ready(&mut self) -> String {
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                if status.code() == Some(MISSING_PACKAGES) {
                    panic!(
                        "the local model server's Python packages are missing: run `bash scripts/install-llm.sh`\n{}",
                        self.log_tail()
                    );
                }
                panic!("the local model server exited ({status}) before it answered; its stderr:\n{}", self.log_tail());
            }
            if let Some(model) = self.listed_model() {
                return model;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the local model server on port {} did not answer GET /v1/models within {} s; its stderr:\n{}",
            self.port,
            START_TIMEOUT.as_secs(),
            self.log_tail()
        );
    }

    /// The id of the first model `GET /v1/models` lists, if the server answers with one.
    fn listed_model(&self) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let request = format!("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n", self.port);
        stream.write_all(request.as_bytes()).ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        if !head.starts_with("HTTP/1.1 200") {
            return None;
        }
        let models: Value = serde_json::from_str(body).ok()?;
        models["data"][0]["id"].as_str().map(str::to_owned)
    }

    /// The last lines the server wrote to stderr.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines = log.lines().collect::<Vec<_>>();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }
}

/// The Python that runs `serve.py`: `FIREBREAK_LLM_PYTHON`, else the virtual environment
/// `scripts/install-llm.sh` makes, else `python3` from the PATH.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("FIREBREAK_LLM_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-llm/bin/python3");
    if venv.exists() { venv } else { PathBuf::from("python3") }
}

impl Drop for LocalLlm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
