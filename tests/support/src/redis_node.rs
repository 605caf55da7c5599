//! One `redis-server` process on a loopback port with its own directory, as every Redis spawner
//! runs it (standalone, cluster node, replica, sentinel): started with the options given,
//! ready only once the server on the port reports this process's id (so a test never talks to
//! a server another run left on a reused port), and killed, stopped, paused or restarted on
//! the same port and data on request.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::process::{self, NotReady, Process};
use crate::resp::{self, Reply};

/// How long a Redis process may take to answer after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Its log file, in its directory.
const LOG: &str = "redis.log";
/// What to run when `redis-server` is missing.
const MISSING: &str =
    "redis-server is not installed: run `bash scripts/test.sh` as root or `apt-get install -y redis-server`";

/// A `redis-server` process owned by a spawner, killed when dropped.
pub(crate) struct RedisNode {
    port: u16,
    dir: PathBuf,
    args: Vec<String>,
    tls: Option<Arc<ClientConfig>>,
    process: Option<Process>,
}

impl RedisNode {
    /// Starts `redis-server ARGS` on loopback `port` with `dir` as its working directory and
    /// waits until it answers.
    ///
    /// # Panics
    /// If `redis-server` is missing or does not answer within 10 s.
    pub(crate) fn start(port: u16, dir: &Path, args: Vec<String>) -> Self {
        let mut node = Self::new(port, dir, args, None);
        node.restart();
        node
    }

    /// A node not started yet; `tls` is how to reach it when it listens with TLS only.
    pub(crate) fn new(port: u16, dir: &Path, args: Vec<String>, tls: Option<Arc<ClientConfig>>) -> Self {
        Self { port, dir: dir.to_owned(), args, tls, process: None }
    }

    /// The port it listens on.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding its data files and its log.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether its process is running (it may be paused).
    pub(crate) fn is_running(&self) -> bool {
        self.process.is_some()
    }

    /// Starts (again) on the same port and data after killing any running process, and waits
    /// until it answers.
    ///
    /// # Panics
    /// If it does not answer within 10 s.
    pub(crate) fn restart(&mut self) {
        if let Err(error) = self.try_restart() {
            panic!("redis-server on port {} {error}", self.port);
        }
    }

    /// Like [`restart`](Self::restart), but says why it failed instead of panicking.
    pub(crate) fn try_restart(&mut self) -> Result<(), NotReady> {
        self.kill();
        std::fs::create_dir_all(&self.dir).expect("create a directory for redis-server");
        let mut command = Command::new("redis-server");
        command.args(&self.args).current_dir(&self.dir);
        let mut process = Process::spawn(&mut command, &self.dir.join(LOG), MISSING);
        let pid = process.id();
        process.wait_until(START_TIMEOUT, || self.process_id() == Some(pid))?;
        self.process = Some(process);
        Ok(())
    }

    /// Kills the process abruptly (SIGKILL), as a crash or a lost machine would look.
    pub(crate) fn kill(&mut self) {
        self.process = None;
    }

    /// Shuts the process down cleanly (SIGTERM) and waits until it has exited.
    pub(crate) fn stop(&mut self) {
        if let Some(process) = self.process.take() {
            process.stop();
        }
    }

    /// Freezes the process (SIGSTOP): connections are accepted but nothing is answered.
    pub(crate) fn pause(&self) {
        if let Some(process) = &self.process {
            process.pause();
        }
    }

    /// Lets a paused process answer again (SIGCONT).
    pub(crate) fn resume(&self) {
        if let Some(process) = &self.process {
            process.resume();
        }
    }

    /// Sends one command and reads the reply.
    pub(crate) fn call(&self, args: &[&str]) -> io::Result<Reply> {
        match &self.tls {
            None => resp::call(self.port, args),
            Some(config) => {
                let stream = TcpStream::connect_timeout(
                    &SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)),
                    Duration::from_secs(2),
                )?;
                stream.set_read_timeout(Some(Duration::from_secs(2)))?;
                let name = ServerName::from(Ipv4Addr::LOCALHOST);
                let connection = ClientConnection::new(Arc::clone(config), name).map_err(io::Error::other)?;
                resp::call_on(&mut StreamOwned::new(connection, stream), args)
            }
        }
    }

    /// The process id the server on the port reports, if one answers.
    fn process_id(&self) -> Option<u32> {
        self.call(&["INFO", "server"]).ok()?.field("process_id")?.parse().ok()
    }

    /// The end of its log, across restarts.
    pub(crate) fn log_tail(&self) -> String {
        process::log_tail(&self.dir.join(LOG))
    }
}
