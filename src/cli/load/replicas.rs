//! The replica processes of a load run: each a `firebreak load-worker` of its own (or whatever
//! [`ReplicaCommand`] names), reached through its stdin and stdout, with the requests in flight
//! matched to their responses by number.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

use super::LoadError;
use super::protocol::{Outcome, READY, Request, Response};
use crate::store::RedisOptions;

/// How to start one replica process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
}

impl ReplicaCommand {
    /// `program load-worker --redis URL`, with the store options the driver uses: `program` is a
    /// `firebreak` binary.
    pub fn firebreak(program: impl Into<PathBuf>, store: &RedisOptions) -> Self {
        let mut args = vec!["load-worker".to_owned(), "--redis".to_owned(), store.url.clone()];
        args.extend(["--wait-replicas".to_owned(), store.wait_replicas.to_string()]);
        args.extend(["--wait-timeout-ms".to_owned(), store.wait_timeout.as_millis().to_string()]);
        if let Some(ca) = &store.ca_file {
            args.extend(["--ca-file".to_owned(), ca.display().to_string()]);
        }
        Self { program: program.into(), args }
    }
}

/// Requests sent to a replica and not answered yet, by number.
type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Outcome>>>>;

/// One running replica process, killed when dropped.
pub(super) struct Replica {
    index: usize,
    child: Child,
    stdin: tokio::sync::Mutex<ChildStdin>,
    pending: Pending,
    /// Requests it has answered.
    answered: Arc<AtomicU64>,
}

impl Replica {
    /// Starts replica number `index` and waits until it says it is ready.
    pub(super) async fn start(command: &ReplicaCommand, index: usize) -> Result<Self, LoadError> {
        let spawn_failed = |error: std::io::Error| LoadError::Spawn { replica: index, reason: error.to_string() };
        let mut child = Command::new(&command.program)
            .args(&command.args)
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(spawn_failed)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(LoadError::Spawn { replica: index, reason: "no pipes to the process".into() });
        };
        let mut lines = BufReader::new(stdout).lines();
        match lines.next_line().await.map_err(spawn_failed)? {
            Some(line) if line == READY => {}
            other => {
                let status = child.wait().await.map_err(spawn_failed)?;
                return Err(LoadError::Spawn {
                    replica: index,
                    reason: format!("said {other:?}, then exited {status}"),
                });
            }
        }
        let pending: Pending = Arc::default();
        let answered = Arc::new(AtomicU64::new(0));
        tokio::spawn({
            let (pending, answered) = (pending.clone(), answered.clone());
            async move {
                // Ends when the process's stdout closes; whatever is still pending is dropped
                // with the map, which tells each waiting sender the replica is gone.
                while let Ok(Some(line)) = lines.next_line().await {
                    let Ok(response) = serde_json::from_str::<Response>(&line) else { break };
                    answered.fetch_add(1, Ordering::Relaxed);
                    let waiting = pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&response.id);
                    if let Some(waiting) = waiting {
                        let _ = waiting.send(response.outcome);
                    }
                }
                pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
            }
        });
        Ok(Self { index, child, stdin: tokio::sync::Mutex::new(stdin), pending, answered })
    }

    /// Sends `request` and waits for the replica's answer.
    pub(super) async fn send(&self, request: &Request) -> Result<Outcome, LoadError> {
        let gone = || LoadError::ReplicaExited { replica: self.index };
        let (answer, answered) = oneshot::channel();
        self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(request.id, answer);
        let line = serde_json::to_string(request).map_err(|error| LoadError::Protocol(error.to_string()))?;
        {
            let mut stdin = self.stdin.lock().await;
            stdin.write_all(format!("{line}\n").as_bytes()).await.map_err(|_| gone())?;
            stdin.flush().await.map_err(|_| gone())?;
        }
        answered.await.map_err(|_| gone())
    }

    /// How many requests it has answered.
    pub(super) fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// Closes its stdin and waits until it has finished its turns and exited.
    pub(super) async fn stop(self) -> Result<(), LoadError> {
        let Self { index, mut child, stdin, .. } = self;
        drop(stdin);
        let status = child.wait().await.map_err(|_| LoadError::ReplicaExited { replica: index })?;
        if status.success() { Ok(()) } else { Err(LoadError::ReplicaExited { replica: index }) }
    }
}
