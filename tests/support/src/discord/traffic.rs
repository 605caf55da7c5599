//! A log of everything on the wire, for tools that check the traffic against Discord's published
//! API schema: one JSON object per line, appended to the file named by `Options::record_to` or,
//! when that is unset, by the `FIREBREAK_DISCORD_RECORD` environment variable.
//!
//! - a REST request: `{"at", "transport": "rest", "method", "path" (under /api/v10), "query",
//!   "body" (the JSON, or a multipart request's payload_json; null when none), "files" (names),
//!   "status", "response"}`;
//! - a gateway frame: `{"at", "transport": "gateway", "direction": "sent" or "received",
//!   "connection", "payload"}` (a frame that is not JSON is kept as a string).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use super::payloads;
use super::records::RecordedRequest;

/// The environment variable naming the file to record to when the options name none.
pub const RECORD_ENV: &str = "FIREBREAK_DISCORD_RECORD";

/// Where a server records: the options' file first, else the environment's (an empty value
/// records nothing).
pub(crate) fn destination(record_to: Option<&Path>, environment: Option<&str>) -> Option<PathBuf> {
    record_to.map(Path::to_path_buf).or_else(|| environment.filter(|file| !file.is_empty()).map(PathBuf::from))
}

/// An open traffic log; lines from every connection are appended whole.
pub(crate) struct Traffic {
    file: Mutex<File>,
}

impl Traffic {
    /// Opens `path` for appending, creating it if needed.
    ///
    /// # Panics
    /// If the file cannot be opened: a test that asked for a record must not run without one.
    pub(crate) fn open(path: &Path) -> Self {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap_or_else(|error| panic!("open the Discord traffic record {}: {error}", path.display()));
        Self { file: Mutex::new(file) }
    }

    /// Records a REST request and its answer.
    pub(crate) fn rest(&self, request: &RecordedRequest, query: &str) {
        let files: Vec<&str> = request.files.iter().map(|file| file.filename.as_str()).collect();
        self.append(&json!({
            "at": payloads::now(),
            "transport": "rest",
            "method": request.method,
            "path": request.path,
            "query": query,
            "body": request.body,
            "files": files,
            "status": request.status,
            "response": request.response,
        }));
    }

    /// Records a gateway frame `direction` ("sent" or "received") on `connection`.
    pub(crate) fn gateway(&self, direction: &str, connection: u64, frame: &str) {
        let payload = serde_json::from_str::<Value>(frame).unwrap_or_else(|_| Value::String(frame.to_owned()));
        self.append(&json!({
            "at": payloads::now(),
            "transport": "gateway",
            "direction": direction,
            "connection": connection,
            "payload": payload,
        }));
    }

    fn append(&self, line: &Value) {
        let mut text = line.to_string();
        text.push('\n');
        // The lock keeps lines of concurrent connections whole; a panic while it was held left
        // whole lines behind, so keep appending.
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        // One write per line, so several servers appending to one file (the environment
        // variable names one file for a whole test run) do not cut into each other's lines. A
        // full disk loses the record, not the test.
        let _ = file.write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_options_file_wins_over_the_environment_and_an_empty_variable_records_nothing() {
        let options = Path::new("/tmp/options.jsonl");
        assert_eq!(destination(Some(options), Some("/tmp/env.jsonl")), Some(options.to_path_buf()));
        assert_eq!(destination(None, Some("/tmp/env.jsonl")), Some(PathBuf::from("/tmp/env.jsonl")));
        assert_eq!(destination(None, Some("")), None);
        assert_eq!(destination(None, None), None);
    }
}
