//! A server process a test owns: started with its output in a log file, waited on until it
//! answers, signalled (paused, resumed, stopped) on request and killed when dropped. When it
//! exits or does not answer in time, the error carries the end of its log, so a failing test
//! says why the server would not start.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

/// How many lines of a server's log an error shows.
const LOG_TAIL_LINES: usize = 40;
/// How often readiness is polled.
const POLL: Duration = Duration::from_millis(25);

/// A running server process, killed (SIGKILL) when dropped.
pub(crate) struct Process {
    child: Child,
    log: PathBuf,
}

/// Why a server did not become ready.
#[derive(Debug)]
pub(crate) enum NotReady {
    /// It exited first.
    Exited {
        /// How it exited.
        status: ExitStatus,
        /// The end of its log.
        log: String,
    },
    /// It was still not ready when the time was up.
    TimedOut {
        /// How long it was given.
        after: Duration,
        /// The end of its log.
        log: String,
    },
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exited { status, log } => write!(f, "exited ({status}) before it was ready; its log ends:\n{log}"),
            Self::TimedOut { after, log } => {
                write!(f, "was not ready within {} s; its log ends:\n{log}", after.as_secs_f32())
            }
        }
    }
}

impl Process {
    /// Spawns `command` with stdout and stderr appended to `log`.
    ///
    /// # Panics
    /// If the program cannot be started; `missing` then says what to install.
    pub(crate) fn spawn(command: &mut Command, log: &Path, missing: &str) -> Self {
        let output = File::options().create(true).append(true).open(log).expect("open a server's log file");
        let errors = output.try_clone().expect("share a server's log file between stdout and stderr");
        let child = command
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .spawn()
            .unwrap_or_else(|error| panic!("{:?} could not start ({error}): {missing}", command.get_program()));
        Self { child, log: log.to_owned() }
    }

    /// The process id, for checking that a server answering on a port is this one.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Polls `ready` until it says yes, the process exits, or `timeout` passes.
    pub(crate) fn wait_until(&mut self, timeout: Duration, mut ready: impl FnMut() -> bool) -> Result<(), NotReady> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(NotReady::Exited { status, log: self.log_tail() });
            }
            if ready() {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                return Err(NotReady::TimedOut { after: timeout, log: self.log_tail() });
            }
            std::thread::sleep(POLL);
        }
    }

    /// Freezes the process (SIGSTOP): its sockets stay open but nothing is answered.
    pub(crate) fn pause(&self) {
        self.signal(Signal::STOP);
    }

    /// Lets a paused process run again (SIGCONT).
    pub(crate) fn resume(&self) {
        self.signal(Signal::CONT);
    }

    /// Asks the process to shut down (SIGTERM) and waits until it has.
    pub(crate) fn stop(mut self) {
        // A stopped process would not act on SIGTERM until continued.
        self.resume();
        self.signal(Signal::TERM);
        let _ = self.child.wait();
    }

    fn signal(&self, signal: Signal) {
        // The child is not reaped before `self` is dropped (or stopped), so the pid is still
        // ours even if the process has exited; a failure only means it is already gone.
        let _ = kill_process(Pid::from_child(&self.child), signal);
    }

    fn log_tail(&self) -> String {
        log_tail(&self.log)
    }
}

/// The last lines of the log file at `path` (empty if there is none).
pub(crate) fn log_tail(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    let lines = log.lines().collect::<Vec<_>>();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
