//! Redaction throughput on realistic incident chat: the generated corpus the redaction tests
//! measure (`tests/it/redaction/corpus.rs`) — ordinary talk full of look-alikes, one message in
//! twenty carrying a secret — redacted one message at a time, as the bot does. Criterion reports
//! the time per pass and the throughput in MB/s; a second pass over the ordinary talk alone
//! shows the cost when there is nothing to mask.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use firebreak::core::redact::redact;

// Shared with the redaction tests, which read the fields (kind, rule, hidden parts) a
// throughput measurement has no use for.
#[allow(dead_code)]
#[path = "../tests/it/redaction/corpus.rs"]
mod corpus;

const MESSAGES: usize = 10_000;
/// One message in this many carries a secret.
const SECRET_EVERY: usize = 20;

/// A day of chat in an incident channel: ordinary talk with one message in `SECRET_EVERY`
/// replaced by a sentence carrying a secret, one message a line.
fn chat(seed: u64) -> Vec<String> {
    let per_kind = MESSAGES / SECRET_EVERY / corpus::kind_count() + 1;
    let mut planted = corpus::secrets(seed, per_kind).into_iter().map(|planted| planted.sentence);
    corpus::ordinary(seed + 1, MESSAGES)
        .into_iter()
        .enumerate()
        .map(|(index, line)| if index % SECRET_EVERY == 0 { planted.next().unwrap_or(line) } else { line })
        .collect()
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let chat = chat(7);
    let talk = corpus::ordinary(8, MESSAGES);
    let mut group = criterion.benchmark_group("redact");
    for (name, messages) in [("chat_with_secrets", &chat), ("ordinary_talk", &talk)] {
        let bytes: usize = messages.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |bench| {
            bench.iter(|| {
                for message in messages {
                    black_box(redact(black_box(message)));
                }
            });
        });
    }
    group.finish();
    criterion.final_summary();
}
