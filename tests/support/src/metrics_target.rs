//! A scrape target whose counters the test steers: each grows at a rate the test sets and can
//! change mid-test (an error rate jumping, say), so a real Prometheus records a known history.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::serve::Served;

/// One counter series: its value when its rate last changed, and the rate since.
#[derive(Debug)]
struct Counter {
    name: String,
    labels: String,
    base: f64,
    per_second: f64,
    since: Instant,
}

impl Counter {
    fn value(&self, now: Instant) -> f64 {
        self.base + self.per_second * now.duration_since(self.since).as_secs_f64()
    }
}

type Counters = Arc<Mutex<Vec<Counter>>>;

/// A running target serving `/metrics`, stopped when dropped.
pub struct MetricsTarget {
    counters: Counters,
    served: Served,
}

impl MetricsTarget {
    /// Serves an empty `/metrics` on a free loopback port.
    pub async fn start() -> Self {
        let counters = Counters::default();
        let router = Router::new().route("/metrics", get(exposition)).with_state(Arc::clone(&counters));
        Self { counters, served: Served::start(router).await }
    }

    /// `127.0.0.1:PORT`, as a scrape config names a target.
    pub fn address(&self) -> String {
        self.served.address.to_string()
    }

    /// From now on, the counter `name{labels}` grows by `per_second` each second; it is created
    /// at zero if new.
    pub fn set_rate(&self, name: &str, labels: &[(&str, &str)], per_second: f64) {
        let labels = labels.iter().map(|(key, value)| format!("{key}=\"{value}\"")).collect::<Vec<_>>().join(",");
        let now = Instant::now();
        let mut counters = self.counters.lock().expect("no test panics while holding the counters");
        match counters.iter_mut().find(|counter| counter.name == name && counter.labels == labels) {
            Some(counter) => {
                counter.base = counter.value(now);
                counter.per_second = per_second;
                counter.since = now;
            }
            None => counters.push(Counter { name: name.to_owned(), labels, base: 0.0, per_second, since: now }),
        }
    }
}

/// The counters in Prometheus' text exposition format.
async fn exposition(State(counters): State<Counters>) -> String {
    let now = Instant::now();
    let counters = counters.lock().expect("no test panics while holding the counters");
    let mut text = String::new();
    let mut typed: Vec<&str> = Vec::new();
    // Series of one name must follow a single TYPE line, or the scrape is rejected.
    let mut ordered: Vec<&Counter> = counters.iter().collect();
    ordered.sort_by(|a, b| a.name.cmp(&b.name));
    for counter in ordered {
        if !typed.contains(&counter.name.as_str()) {
            typed.push(&counter.name);
            text.push_str(&format!("# TYPE {} counter\n", counter.name));
        }
        text.push_str(&format!("{}{{{}}} {}\n", counter.name, counter.labels, counter.value(now)));
    }
    text
}
