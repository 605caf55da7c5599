//! Headless Chromium (the Debian `chromium` package) for tests that look at a page as a person
//! would: it opens a local file, lays it out, runs its scripts and hands back the document as it
//! stands afterwards. Each page gets a fresh profile in a temporary directory, so no run sees
//! another's state, and Chromium with every process it started is gone when this returns.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

const MISSING: &str = "chromium is not installed: run `bash scripts/test.sh` as root or `apt-get install -y chromium`";
/// Virtual time the page's scripts get before the document is taken (no real waiting: Chromium
/// fast-forwards when the page is idle).
const SCRIPT_BUDGET_MS: u32 = 5_000;
/// A Chromium still running after this is stuck; it exits within seconds otherwise.
const EXIT_TIMEOUT: Duration = Duration::from_secs(120);
/// The browser window: wide enough for the report's charts side by side.
const WINDOW: &str = "--window-size=1280,4000";

/// Opens `page` (an HTML file) in headless Chromium and returns its DOM after layout and
/// scripts, serialised as HTML.
///
/// # Panics
/// If `chromium` is not installed, fails, or does not exit within two minutes.
pub fn rendered_dom(page: &Path) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory for Chromium's profile");
    let dom = dir.path().join("dom.html");
    let log = dir.path().join("chromium.log");
    let page = page.canonicalize().expect("the page to open exists");
    let mut child = Command::new("chromium")
        // The sandbox needs an unprivileged user namespace, which root in a container lacks;
        // the page is the test's own local file.
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", WINDOW])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--virtual-time-budget={SCRIPT_BUDGET_MS}"))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&dom).expect("create the file for Chromium's output"))
        .stderr(File::create(&log).expect("create Chromium's log"))
        // Its own process group, so a stuck browser is stopped with its renderer and helpers.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|error| panic!("chromium could not start ({error}): {MISSING}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > EXIT_TIMEOUT {
            let group = Pid::from_raw(child.id() as i32).expect("a child's pid is positive");
            let _ = kill_process_group(group, Signal::KILL);
            let _ = child.wait();
            panic!("chromium did not exit within {} s", EXIT_TIMEOUT.as_secs());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&dom).expect("read Chromium's output");
    if !status.success() || output.is_empty() {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("chromium {status} and printed no page; its log:\n{log}");
    }
    output
}
