//! The alert intake over real HTTP on loopback, with the server on one core (a current-thread
//! runtime on a thread of its own, its store connection included) and the client elsewhere:
//!
//! 1. **POST → first response**: 50 Alertmanager notifications, each of a new group, posted one
//!    after another; each answer comes once the turn's messages (the opening, the alerts and the
//!    first response by the offline advisor over the sample history) are delivered, so the round
//!    trip is the time from the POST to the first response posted. p50 and p99.
//! 2. **Throughput**: 64 requests in flight, 4,096 requests of each of three kinds: copies of one
//!    notification (the claim answers them), notifications that each change an open incident's
//!    alert (resolved, fired again, …: a lock, a diff and one atomic write each; one incident per
//!    client worker), and change events.
//!
//! Run against `RedisStore` on a private `redis-server` keeping nothing on disk, then against
//! `MemoryStore`. Messages are delivered to memory, not to a chat platform.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use firebreak::adapters::intake::{self, Deliver, Intake, NamedChannels};
use firebreak::config::IntakeSettings;
use firebreak::core::engine::Engine;
use firebreak::core::outbound::Outbound;
use firebreak::core::ports::{Ports, Store};
use firebreak::core::settings::EngineSettings;
use firebreak::knowledge::KnowledgeBase;
use firebreak::store::{MemoryStore, RedisStore};
use firebreak_testkit::RedisServer;
use futures_util::future::join_all;

#[path = "support/ports.rs"]
#[expect(dead_code, reason = "this bench speaks HTTP: the intake builds the inbound events")]
mod support;

const SECRET: &str = "bench-secret";
/// New groups posted for the latency figures.
const OPENINGS: usize = 50;
/// Requests per throughput run.
const REQUESTS: usize = 4_096;
/// Requests in flight during a throughput run.
const IN_FLIGHT: usize = 64;

/// Counts delivered messages and drops them.
#[derive(Default)]
struct Counted(AtomicUsize);

#[async_trait]
impl Deliver for Counted {
    async fn deliver(&self, _engine: &Engine, outbound: &[Outbound]) {
        self.0.fetch_add(outbound.len(), Ordering::Relaxed);
    }
}

/// Serves an intake over the store `connect` makes, on a thread of its own with a
/// current-thread runtime; returns its URL.
fn serve_on_one_core<F>(connect: impl FnOnce() -> F + Send + 'static) -> String
where
    F: Future<Output = Arc<dyn Store>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("a bound address"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async move {
            let knowledge = KnowledgeBase::new().expect("empty knowledge base");
            knowledge.add(KnowledgeBase::sample_records()).expect("index the sample history");
            let ports = Ports { workspace: Arc::new(NamedChannels), ..support::ports(connect().await, knowledge) };
            let engine = Arc::new(Engine::new(ports, EngineSettings::default()));
            let mut settings =
                IntakeSettings { rate_per_second: 1_000_000, burst: 1_000_000, ..IntakeSettings::default() };
            for hook in [&mut settings.hooks.alertmanager, &mut settings.hooks.change] {
                hook.secret = Some(SECRET.to_owned());
            }
            listener.set_nonblocking(true).expect("a non-blocking listener");
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let served = Intake::new(engine, settings, Arc::new(Counted::default()), Vec::new());
            intake::serve(listener, served, std::future::pending()).await.expect("the intake serves");
        });
    });
    url
}

/// An Alertmanager notification of group `group` with one alert `fingerprint`.
fn notification(group: &str, fingerprint: &str, status: &str, started_minute: usize) -> String {
    let (hour, minute) = (started_minute / 60 % 24, started_minute % 60);
    let day = 1 + started_minute / (24 * 60);
    format!(
        r#"{{"version":"4","groupKey":"{{}}:{{alertname=\"{group}\"}}","status":"{status}","receiver":"firebreak",
        "groupLabels":{{"alertname":"{group}"}},
        "commonLabels":{{"alertname":"{group}","service":"checkout","severity":"page"}},
        "commonAnnotations":{{"summary":"Checkout error ratio above 5%"}},
        "alerts":[{{"status":"{status}","labels":{{"alertname":"{group}","service":"checkout","severity":"page"}},
        "annotations":{{"description":"12% of checkout requests fail"}},
        "startsAt":"2026-01-{day:02}T{hour:02}:{minute:02}:00Z","endsAt":"0001-01-01T00:00:00Z",
        "fingerprint":"{fingerprint}"}}]}}"#
    )
}

fn change(index: usize) -> String {
    format!(r#"{{"service":"checkout","kind":"deploy","summary":"checkout-api v2.{index}","who":"bench"}}"#)
}

async fn post(client: &reqwest::Client, url: &str, hook: &str, body: String) {
    let response = client
        .post(format!("{url}/hooks/{hook}"))
        .bearer_auth(SECRET)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the intake answers");
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
}

fn quantile(samples: &mut [Duration], quantile: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 * quantile) as usize).min(samples.len() - 1);
    samples[index]
}

async fn openings(client: &reqwest::Client, url: &str, label: &str) {
    let mut samples = Vec::with_capacity(OPENINGS);
    for index in 0..OPENINGS {
        let body = notification(&format!("Bench{index}"), &format!("open{index}"), "firing", 5);
        let started = Instant::now();
        post(client, url, "alertmanager", body).await;
        samples.push(started.elapsed());
    }
    let (p50, p99) = (quantile(&mut samples, 0.50), quantile(&mut samples, 0.99));
    println!("{label}: POST → first response posted, {OPENINGS} new groups: p50 {p50:.2?}  p99 {p99:.2?}");
}

/// Posts `REQUESTS` bodies, `IN_FLIGHT` at a time: worker `w`'s `n`th request is `body(w, n)`.
/// Prints the rate.
async fn throughput(
    client: &reqwest::Client,
    url: &str,
    hook: &str,
    label: &str,
    body: impl Fn(usize, usize) -> String,
) {
    let per_worker = REQUESTS / IN_FLIGHT;
    let started = Instant::now();
    let workers = (0..IN_FLIGHT).map(|worker| {
        let body = &body;
        async move {
            for sequence in 0..per_worker {
                post(client, url, hook, body(worker, sequence)).await;
            }
        }
    });
    join_all(workers).await;
    let sent = per_worker * IN_FLIGHT;
    let rate = sent as f64 / started.elapsed().as_secs_f64();
    println!("{label}: {rate:.0} requests/s ({sent} requests, {IN_FLIGHT} in flight, server on one core)");
}

async fn run(url: &str, label: &str) {
    firebreak_testkit::ensure_crypto_provider();
    let client = reqwest::Client::new();
    openings(&client, url, label).await;
    let copy = notification("Copies", "copy", "firing", 5);
    post(&client, url, "alertmanager", copy.clone()).await;
    throughput(&client, url, "alertmanager", &format!("{label}, copies of one notification"), |_, _| copy.clone())
        .await;
    // One open incident per worker, so each update is news to its incident and waits for no lock.
    for worker in 0..IN_FLIGHT {
        post(&client, url, "alertmanager", notification(&format!("Updates{worker}"), "flap", "firing", 0)).await;
    }
    throughput(&client, url, "alertmanager", &format!("{label}, updates of open incidents"), |worker, sequence| {
        // Resolved, then firing again from a later start, and so on: each one changes the alert.
        let status = if sequence % 2 == 0 { "resolved" } else { "firing" };
        notification(&format!("Updates{worker}"), "flap", status, sequence.div_ceil(2))
    })
    .await;
    throughput(&client, url, "change", &format!("{label}, change events"), |worker, sequence| {
        change(worker * REQUESTS + sequence)
    })
    .await;
}

fn main() {
    let redis = RedisServer::start_in_memory();
    let redis_url = redis.url();
    let on_redis = serve_on_one_core(move || async move {
        let store: Arc<dyn Store> = Arc::new(RedisStore::connect(&redis_url).await.expect("connect to redis-server"));
        store
    });
    let in_memory = serve_on_one_core(|| async { Arc::new(MemoryStore::new()) as Arc<dyn Store> });
    let client = tokio::runtime::Runtime::new().expect("a runtime");
    client.block_on(async {
        // Give both servers a moment to load the knowledge base and listen.
        tokio::time::sleep(Duration::from_secs(2)).await;
        run(&on_redis, "RedisStore").await;
        run(&in_memory, "MemoryStore").await;
    });
}
