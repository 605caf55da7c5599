//! The load-and-fault harness: N incidents × M messages (every so often a question to the bot)
//! from K concurrent writers, through R engine replicas that are separate processes
//! (`firebreak load-worker`) sharing one store, while a fault the caller supplies — a Redis
//! killed and restarted, a Cluster master killed and its replica promoted — hits mid-run.
//!
//! Writers behave like people: a message the bot refused as "not recorded" is sent again, as a
//! new event, after a pause; so is a question nobody answered. At the end the driver reads the
//! store and reports figures, asserting nothing: messages acknowledged against stored (an
//! acknowledged message must never be missing), duplicates, questions answered exactly once,
//! turn latency before, during and after the fault, recovery time and throughput. The benchmark
//! `benches/load.rs` and the integration test `tests/it/load.rs` run it against real servers.

mod protocol;
mod replicas;
mod report;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::Notify;

use self::protocol::{Kind, Outcome, Request};
use self::replicas::Replica;
pub use self::replicas::ReplicaCommand;
pub use self::report::{FaultFigures, IncidentFigures, MessageFigures, Phase, QuestionFigures, Report, Throughput};
pub use self::worker::serve;
use crate::core::ports::{Store, StoreError};
use crate::core::timeline::EntryKind;

/// How often the driver reads from a store that says it is unavailable before giving up.
const STORE_READ_ATTEMPTS: usize = 50;

/// Why a load run could not be carried out (not: what it found).
#[derive(Debug, Error)]
pub enum LoadError {
    /// A replica process could not be started or did not become ready.
    #[error("replica {replica} did not start: {reason}")]
    Spawn {
        /// Its number.
        replica: usize,
        /// What went wrong.
        reason: String,
    },
    /// A replica process went away mid-run.
    #[error("replica {replica} exited during the run")]
    ReplicaExited {
        /// Its number.
        replica: usize,
    },
    /// A request could not be encoded.
    #[error("cannot talk to a replica: {0}")]
    Protocol(String),
    /// A writer or the fault's injection panicked, or a writer outlived the run.
    #[error("the run broke: {0}")]
    Broken(String),
    /// The store could not be read to check what was kept.
    #[error("cannot read what the store kept: {0}")]
    Store(#[from] StoreError),
}

/// How each event reaches the replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Every replica gets every event, as every replica of a Discord bot gets the gateway's
    /// events; the store's dedupe marks decide which one handles it.
    Broadcast,
    /// Each event goes to one replica, in turn, as a load balancer in front of webhooks would.
    Spread,
}

/// The size and shape of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Incidents declared.
    pub incidents: usize,
    /// Messages per incident after its declaration.
    pub messages: usize,
    /// Every this many messages, one is a question to the bot (0: none).
    pub question_every: usize,
    /// Writers sending at the same time, each waiting for its event's turn before the next.
    pub writers: usize,
    /// Replica processes.
    pub replicas: usize,
    /// How events reach them.
    pub delivery: Delivery,
    /// Share of the run's events done before the fault is injected.
    pub fault_after: f64,
    /// How long a writer waits before repeating a refused event.
    pub retry_pause: Duration,
    /// How often an event is tried before the writer gives up on it.
    pub attempts: usize,
}

impl Default for Plan {
    /// The figures of BENCHMARKS.md: 1,000 incidents × 20 messages, one in ten a question, from
    /// 16 writers through 2 replicas that all get every event, the fault a third of the way in.
    fn default() -> Self {
        Self {
            incidents: 1_000,
            messages: 20,
            question_every: 10,
            writers: 16,
            replicas: 2,
            delivery: Delivery::Broadcast,
            fault_after: 1.0 / 3.0,
            retry_pause: Duration::from_millis(200),
            attempts: 300,
        }
    }
}

/// A fault to inject mid-run: `inject` does it (blocking: kill, wait, restart…) and returns
/// when it is over.
pub struct Fault {
    /// What it does, for the report.
    pub name: String,
    /// Does it.
    pub inject: Box<dyn FnOnce() + Send>,
}

/// One event a writer must get through: which incident, and which of its steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Step {
    incident: usize,
    /// 0 declares; n ≥ 1 is message (or question) n − 1.
    index: usize,
}

/// One try at a step: when it began, how long it took, what the channel was told.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    started: Duration,
    took: Duration,
    kind: Kind,
    refused: bool,
    done: bool,
}

/// What the writers share.
struct Run {
    plan: Plan,
    replicas: Vec<Replica>,
    store: Arc<dyn Store>,
    started: Instant,
    next_request: AtomicUsize,
    completed: AtomicUsize,
    fault_due: usize,
    fault_now: Notify,
    attempts: Mutex<Vec<Attempt>>,
    /// Per message sent: whether some attempt was acknowledged.
    acknowledged: Mutex<HashMap<Step, bool>>,
    /// Per question asked: how many answers it got, over every attempt and replica.
    answers: Mutex<HashMap<Step, usize>>,
}

/// Runs `plan`: starts its replicas with `command`, drives the writers, injects `fault` when
/// its share of the events is done, then reads `store` (the replicas' store, reached by the
/// driver itself) to see what was kept.
///
/// # Errors
/// When a replica cannot be started or dies, or the store cannot be read at the end.
pub async fn run(
    plan: &Plan,
    command: &ReplicaCommand,
    store: Arc<dyn Store>,
    fault: Option<Fault>,
) -> Result<Report, LoadError> {
    let mut replicas = Vec::with_capacity(plan.replicas);
    for index in 0..plan.replicas {
        replicas.push(Replica::start(command, index).await?);
    }
    let events = plan.incidents * (plan.messages + 1);
    let run = Arc::new(Run {
        plan: plan.clone(),
        replicas,
        store,
        started: Instant::now(),
        next_request: AtomicUsize::new(0),
        completed: AtomicUsize::new(0),
        fault_due: ((events as f64 * plan.fault_after) as usize).max(1),
        fault_now: Notify::new(),
        attempts: Mutex::default(),
        acknowledged: Mutex::default(),
        answers: Mutex::default(),
    });
    let injector = fault.map(|fault| {
        let run = run.clone();
        tokio::spawn(async move {
            run.fault_now.notified().await;
            let at = run.started.elapsed();
            let injected = tokio::task::spawn_blocking(fault.inject).await;
            (fault.name, at, run.started.elapsed(), injected.is_ok())
        })
    });
    let writers: Vec<_> = (0..plan.writers.max(1))
        .map(|writer| {
            let run = run.clone();
            tokio::spawn(async move { run.write(writer).await })
        })
        .collect();
    for writer in writers {
        writer.await.map_err(|error| LoadError::Broken(format!("a writer failed: {error}")))??;
    }
    let elapsed = run.started.elapsed();
    // A run too short to reach the fault still ends with it injected, so its figures say so.
    run.fault_now.notify_one();
    let fault = match injector {
        Some(injector) => {
            let (name, at, ended, injected) =
                injector.await.map_err(|error| LoadError::Broken(format!("the fault failed: {error}")))?;
            if !injected {
                return Err(LoadError::Broken(format!("injecting the fault {name:?} panicked")));
            }
            Some((name, at, ended))
        }
        None => None,
    };
    let Ok(run) = Arc::try_unwrap(run) else {
        return Err(LoadError::Broken("a writer outlived the run".into()));
    };
    run.report(elapsed, fault).await
}

impl Run {
    /// Writer `writer` declares its incidents (every `writers`-th), then sends their messages a
    /// round at a time, so that all incidents are busy at once.
    async fn write(&self, writer: usize) -> Result<(), LoadError> {
        let mine: Vec<usize> = (writer..self.plan.incidents).step_by(self.plan.writers.max(1)).collect();
        for index in 0..=self.plan.messages {
            for &incident in &mine {
                self.complete(Step { incident, index }).await?;
                if self.completed.fetch_add(1, Ordering::Relaxed) + 1 == self.fault_due {
                    self.fault_now.notify_one();
                }
            }
        }
        Ok(())
    }

    fn kind(&self, step: Step) -> Kind {
        let every = self.plan.question_every;
        match step.index {
            0 => Kind::Declare,
            n if every > 0 && n % every == 0 => Kind::Question,
            _ => Kind::Message,
        }
    }

    /// Gets `step` through, repeating it as a person would until it is acknowledged (or
    /// answered) or the attempts run out.
    async fn complete(&self, step: Step) -> Result<(), LoadError> {
        let kind = self.kind(step);
        for attempt in 0..self.plan.attempts {
            let id = self.next_request.fetch_add(1, Ordering::Relaxed) as u64;
            let request = Request {
                id,
                event: format!("load:{id}"),
                channel: channel(step.incident),
                author: format!("writer-{}", step.incident % self.plan.writers.max(1)),
                kind,
                text: text(step, kind, attempt),
            };
            let started = self.started.elapsed();
            let outcomes = self.deliver(&request, attempt).await?;
            let took = self.started.elapsed().saturating_sub(started);
            let replied = outcomes.iter().filter(|outcome| **outcome == Outcome::Replied).count();
            let refused = outcomes.iter().any(|outcome| matches!(outcome, Outcome::NotRecorded | Outcome::Failed));
            let done = match kind {
                Kind::Message => !refused,
                Kind::Question => replied > 0,
                // A declaration refused after it was stored is found in the store.
                Kind::Declare => {
                    (replied > 0 && !refused)
                        || self.store.incident_in_channel(&request.channel).await.ok().flatten().is_some()
                }
            };
            self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Attempt {
                started,
                took,
                kind,
                refused,
                done,
            });
            match kind {
                Kind::Message => {
                    *self
                        .acknowledged
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner())
                        .entry(step)
                        .or_default() |= done;
                }
                Kind::Question => {
                    *self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry(step).or_default() +=
                        replied;
                }
                Kind::Declare => {}
            }
            if done {
                return Ok(());
            }
            tokio::time::sleep(self.plan.retry_pause).await;
        }
        Ok(())
    }

    /// Sends `request` as the plan's delivery says; the outcome of every replica that got it.
    async fn deliver(&self, request: &Request, attempt: usize) -> Result<Vec<Outcome>, LoadError> {
        match self.plan.delivery {
            Delivery::Broadcast => {
                futures_util::future::try_join_all(self.replicas.iter().map(|replica| replica.send(request))).await
            }
            Delivery::Spread => {
                let replica = &self.replicas[(request.id as usize + attempt) % self.replicas.len()];
                Ok(vec![replica.send(request).await?])
            }
        }
    }

    /// Reads every incident back from the store and puts the figures together.
    async fn report(self, elapsed: Duration, fault: Option<(String, Duration, Duration)>) -> Result<Report, LoadError> {
        let answered_per_replica: Vec<u64> = self.replicas.iter().map(Replica::answered).collect();
        for replica in self.replicas {
            replica.stop().await?;
        }
        let plan = &self.plan;
        let mut copies: HashMap<Step, usize> = HashMap::new();
        let (mut missing, mut answers_stored) = (0, 0);
        for incident in 0..plan.incidents {
            let channel = channel(incident);
            let Some(found) = patiently(|| self.store.incident_in_channel(&channel)).await? else {
                missing += 1;
                continue;
            };
            for entry in patiently(|| self.store.timeline(found.id)).await? {
                match entry.kind {
                    EntryKind::Message => {
                        if let Some(step) = parse_step(&entry.text) {
                            *copies.entry(step).or_default() += 1;
                        }
                    }
                    EntryKind::Answer { .. } => answers_stored += 1,
                    _ => {}
                }
            }
        }
        let acknowledged = self.acknowledged.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let answers = self.answers.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let attempts = self.attempts.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let sent = acknowledged.len();
        let messages = MessageFigures {
            sent,
            acknowledged: acknowledged.values().filter(|acked| **acked).count(),
            stored: copies.len(),
            lost: acknowledged.iter().filter(|(step, acked)| **acked && !copies.contains_key(step)).count(),
            duplicates: copies.values().map(|count| count - 1).sum(),
            refused_attempts: attempts
                .iter()
                .filter(|attempt| attempt.kind == Kind::Message && attempt.refused)
                .count(),
            gave_up: acknowledged.values().filter(|acked| !**acked).count(),
        };
        let questions = QuestionFigures {
            asked: answers.len(),
            answered_once: answers.values().filter(|count| **count == 1).count(),
            answered_more: answers.values().filter(|count| **count > 1).count(),
            unanswered: answers.values().filter(|count| **count == 0).count(),
            answers_stored,
        };
        let phases = phases(&attempts, fault.as_ref().map(|(_, at, ended)| (*at, *ended)));
        let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
        let fault = fault.map(|(name, at, ended)| {
            let end = |attempt: &Attempt| attempt.started + attempt.took;
            let first_acknowledged = attempts
                .iter()
                .filter(|attempt| attempt.started >= at && attempt.done && !attempt.refused)
                .map(end)
                .min();
            let last_refusal = attempts.iter().filter(|attempt| attempt.refused && end(attempt) >= at).map(end).max();
            FaultFigures {
                name,
                at_s: at.as_secs_f64(),
                lasted_s: (ended - at).as_secs_f64(),
                first_acknowledged_after_s: first_acknowledged.map(|when| (when - at).as_secs_f64()),
                last_refusal_after_s: last_refusal.map(|when| (when - at).as_secs_f64()),
            }
        });
        let delivery = match plan.delivery {
            Delivery::Broadcast => "every replica gets every event",
            Delivery::Spread => "each event goes to one replica",
        };
        Ok(Report {
            setup: format!(
                "{} incidents × {} messages (one in {} a question), {} writers, {} replica processes, {delivery}",
                plan.incidents, plan.messages, plan.question_every, plan.writers, plan.replicas
            ),
            incidents: IncidentFigures { declared: plan.incidents, missing },
            messages,
            questions,
            phases,
            fault,
            throughput: Throughput {
                elapsed_s: seconds,
                messages_per_s: acknowledged.values().filter(|acked| **acked).count() as f64 / seconds,
                per_replica_per_s: answered_per_replica.iter().map(|count| *count as f64 / seconds).collect(),
            },
        })
    }
}

/// Reads from the store, trying again for a few seconds while it says it is unavailable: the
/// driver's own connection may still be reconnecting after the fault.
async fn patiently<T, F, Fut>(read: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    for _ in 0..STORE_READ_ATTEMPTS {
        match read().await {
            Err(StoreError::Unavailable(_)) => tokio::time::sleep(Duration::from_millis(100)).await,
            result => return result,
        }
    }
    read().await
}

/// Latency of the attempts begun before, during and after the fault window (`at`, `ended`), or
/// over the whole run without a fault.
fn phases(attempts: &[Attempt], window: Option<(Duration, Duration)>) -> Vec<Phase> {
    let latencies = |keep: &dyn Fn(&Attempt) -> bool| {
        let chosen: Vec<&Attempt> = attempts.iter().filter(|attempt| keep(attempt)).collect();
        (chosen.iter().map(|attempt| attempt.took).collect(), chosen.iter().filter(|attempt| attempt.refused).count())
    };
    let Some((at, ended)) = window else {
        let (all, refused) = latencies(&|_| true);
        return vec![report::phase("whole run", all, refused)];
    };
    [
        ("before", &(|attempt: &Attempt| attempt.started < at) as &dyn Fn(&Attempt) -> bool),
        ("during", &|attempt: &Attempt| attempt.started >= at && attempt.started < ended),
        ("after", &|attempt: &Attempt| attempt.started >= ended),
    ]
    .into_iter()
    .map(|(name, keep)| {
        let (chosen, refused) = latencies(keep);
        report::phase(name, chosen, refused)
    })
    .collect()
}

/// The channel of incident `incident`.
fn channel(incident: usize) -> String {
    format!("load-{incident}")
}

/// What is typed for `step`: the declaration, or a message or question tagged `m<incident>.<n>`
/// (so the store can be checked) and its attempt.
fn text(step: Step, kind: Kind, attempt: usize) -> String {
    let Step { incident, index } = step;
    match kind {
        Kind::Declare => {
            format!("/incident declare Checkout 502s in region {incident} severity: sev2 service: checkout")
        }
        Kind::Message => format!("m{incident}.{index} (try {attempt}): error ratio on checkout is {}%", index % 7 + 2),
        Kind::Question => format!("m{incident}.{index} (try {attempt}): what should we check next?"),
    }
}

/// The step a stored message's text was tagged with.
fn parse_step(text: &str) -> Option<Step> {
    let (incident, rest) = text.strip_prefix('m')?.split_once('.')?;
    let index = rest.split_once(' ')?.0;
    Some(Step { incident: incident.parse().ok()?, index: index.parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_message_names_the_step_it_was_sent_for() {
        let step = Step { incident: 41, index: 7 };

        let typed = text(step, Kind::Message, 3);

        assert_eq!(parse_step(&typed), Some(step));
        assert_eq!(parse_step("the error rate is 7%"), None);
    }

    #[test]
    fn latency_is_split_at_the_fault_window() {
        let attempt = |started: u64, refused| Attempt {
            started: Duration::from_secs(started),
            took: Duration::from_millis(started + 1),
            kind: Kind::Message,
            refused,
            done: !refused,
        };
        let attempts = [attempt(1, false), attempt(5, true), attempt(6, true), attempt(9, false)];

        let split = phases(&attempts, Some((Duration::from_secs(5), Duration::from_secs(8))));

        let counts: Vec<_> = split.iter().map(|phase| (phase.name, phase.attempts, phase.refused)).collect();
        assert_eq!(counts, [("before", 1, 0), ("during", 2, 2), ("after", 1, 0)]);
    }
}
