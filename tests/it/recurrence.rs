//! When a failure comes back in other words, the first response cites the earlier incident.
//! Each pair below is an earlier incident put in the knowledge base beside the sample history,
//! and its recurrence as someone would declare it, described with different words. With words
//! alone (BM25, the default) and with words fused with the real all-MiniLM-L6-v2 embeddings
//! served locally, the share of recurrences whose first response cites the earlier incident is
//! measured and must stay above a floor.

use std::sync::Arc;

use firebreak::advisor::llm::client::LlmSettings;
use firebreak::advisor::llm::embeddings::Embedder;
use firebreak::core::engine::Engine;
use firebreak::core::ports::Ports;
use firebreak::core::record::{IncidentRecord, RecordSource};
use firebreak::core::settings::EngineSettings;
use firebreak::knowledge::KnowledgeBase;
use firebreak::knowledge::dense::{DenseIndex, EmbeddingCache};
use firebreak::store::MemoryStore;
use firebreak_testkit::LocalLlm;

use crate::support::{bare_ports, command, text_of};

/// An earlier incident (title, service, summary, root cause, mitigation, category) and its
/// recurrence (title, summary), declared on the same service.
struct Pair {
    earlier: [&'static str; 6],
    again: [&'static str; 2],
}

const PAIRS: &[Pair] = &[
    Pair {
        earlier: [
            "Part of the internet still resolving the shop to the old DNS host after the nameserver move",
            "dns",
            "Customers in a few countries reached the retired origin; their resolvers still used the previous provider's delegation.",
            "The old DNS provider kept serving a stale copy of the zone while resolvers held the previous NS delegation for its 48h TTL.",
            "Synced the old provider's zone from the source of truth until the delegation expired, then deleted it.",
            "dns",
        ],
        again: [
            "Some visitors land on the decommissioned site since we switched nameservers",
            "Reports from two regions of the retired landing page; lookups there still go to the previous provider.",
        ],
    },
    Pair {
        earlier: [
            "Invoice search slow after the table rebuild migration",
            "billing",
            "InvoiceSearchLatency p99 at 4s right after the schema change; sequential scans on invoices.",
            "The migration rebuilt the invoices table to change a column type and did not recreate the (customer_id, issued_at) index.",
            "Created the index concurrently; the migration tool now compares index definitions before and after a rebuild.",
            "database",
        ],
        again: [
            "Billing lookups crawling since the morning schema change",
            "Queries on the invoices table now scan every row; p99 above 3 seconds after the column type change went out.",
        ],
    },
    Pair {
        earlier: [
            "Staff SSO broken: identity provider signing certificate expired",
            "sso",
            "Nobody could sign in to internal tools from 09:00; the SAML assertions were rejected as expired.",
            "The SAML signing certificate of our identity provider expired; it had been uploaded by hand and had no expiry alert.",
            "Rotated the signing certificate in the identity provider and uploaded the new metadata to every service provider.",
            "certificate-expiry",
        ],
        again: [
            "Internal tools reject every login with an invalid SAML response",
            "Since this morning staff get 'assertion not valid' when signing in; the IdP certificate looks out of date.",
        ],
    },
    Pair {
        earlier: [
            "Geocoding calls failing: provider quota used up",
            "geo",
            "Address autocomplete returned nothing; the geocoding provider answered 429 quota exceeded for every call.",
            "The monthly request quota with the geocoding provider ran out after a crawler hammered the public autocomplete endpoint.",
            "Blocked the crawler, raised the quota with the provider and added an alert at 80% of the monthly quota.",
            "capacity",
        ],
        again: [
            "Address suggestions empty, geocoder replies 429",
            "The maps vendor refuses all requests with 'quota exceeded' this afternoon; autocomplete shows no results.",
        ],
    },
    Pair {
        earlier: [
            "Nightly settlement job ran twice after the cron timezone edit",
            "settlement",
            "Merchants were paid out twice overnight; the settlement job log shows two runs an hour apart.",
            "The cron schedule was changed to local time while the scheduler ran in UTC, and the daylight-saving switch made the job fire twice.",
            "Reversed the duplicate payouts, set the schedule back to UTC and made the job refuse a second run for the same day.",
            "config-change",
        ],
        again: [
            "Duplicate merchant payouts this morning",
            "Payouts went out two times during the night after the scheduler time zone was changed last week.",
        ],
    },
    Pair {
        earlier: [
            "Token validation failing on two API hosts: clock drift",
            "api",
            "About a third of API calls rejected with 'token not yet valid'; only api-07 and api-09 affected.",
            "NTP had stopped on api-07 and api-09 after a firewall change and their clocks drifted four minutes ahead.",
            "Reopened NTP to the time servers, resynced the clocks and added a clock-offset alert.",
            "network",
        ],
        again: [
            "Some requests refused with 'JWT issued in the future'",
            "Intermittent auth failures tied to a couple of API nodes whose system time is minutes off.",
        ],
    },
    Pair {
        earlier: [
            "All web targets unhealthy after the health check path change",
            "web",
            "The load balancer marked every web target unhealthy and served 503 to everyone.",
            "The health check was moved to /health/ready, which the running release did not serve yet, so every target failed it.",
            "Pointed the health check back to /healthz and shipped the new endpoint before moving it again.",
            "config-change",
        ],
        again: [
            "Site returning 503 everywhere, load balancer says no healthy hosts",
            "Right after editing the target group probe URL every instance was taken out of rotation.",
        ],
    },
    Pair {
        earlier: [
            "Reporting database out of disk from runaway temp files",
            "reporting",
            "Reports failed with 'could not write to file': the reporting database data volume at 100%.",
            "A new ad hoc query with a huge sort spilled tens of gigabytes of temporary files and filled the volume.",
            "Cancelled the query, removed the temp files, set temp_file_limit and moved ad hoc queries to a replica.",
            "database",
        ],
        again: [
            "Reports erroring with no space left on the analytics DB",
            "The reporting Postgres volume filled up within an hour; pgsql_tmp is enormous after an analyst query.",
        ],
    },
    Pair {
        earlier: [
            "Push notifications rejected after the APNs key was revoked",
            "notifications",
            "No iOS pushes delivered since noon; the provider returns InvalidProviderToken.",
            "An old APNs auth key was revoked during an access review, but it was still the one the push service signed tokens with.",
            "Created a new APNs key, deployed it to the push service and documented which key is in use.",
            "security",
        ],
        again: [
            "iOS devices stopped getting notifications",
            "Apple's push gateway answers InvalidProviderToken for every message after someone cleaned up keys.",
        ],
    },
    Pair {
        earlier: [
            "Search indexing stuck: consumer offsets reset to latest",
            "search",
            "Product changes not appearing in search; the indexer consumer skipped a day of events.",
            "A consumer group rename made the indexer start from the latest offset, skipping all changes made while it was down.",
            "Reset the offsets to the time of the rename and replayed the change events into the index.",
            "software-bug",
        ],
        again: [
            "Price edits missing from search results",
            "The search indexer ignores yesterday's catalog updates since its consumer group name changed.",
        ],
    },
];

fn records() -> Vec<IncidentRecord> {
    PAIRS
        .iter()
        .enumerate()
        .map(|(index, pair)| {
            let [title, service, summary, root_cause, mitigation, category] = pair.earlier;
            IncidentRecord {
                id: format!("OLD-{index:02}"),
                title: title.into(),
                summary: summary.into(),
                source: RecordSource::Machine,
                service: service.into(),
                category: category.into(),
                severity: None,
                created_at: Some("2024-01-01T00:00:00Z".parse().unwrap()),
                resolved_at: None,
                root_cause: root_cause.into(),
                mitigation: mitigation.into(),
                url: None,
                tags: Vec::new(),
                dataset: None,
            }
        })
        .collect()
}

/// How the first responses to the recurrences cited their earlier incidents.
#[derive(Debug)]
struct Citations {
    /// Recurrences whose first response names the earlier incident anywhere.
    cited: Vec<usize>,
    /// Recurrences whose closest precedent is the earlier incident.
    first: Vec<usize>,
}

impl Citations {
    fn share(found: &[usize]) -> f64 {
        found.len() as f64 / PAIRS.len() as f64
    }
}

async fn citations(knowledge: KnowledgeBase) -> Citations {
    knowledge.add(KnowledgeBase::sample_records()).unwrap();
    knowledge.add(records()).unwrap();
    let ports = Ports { knowledge: Arc::new(knowledge), ..bare_ports(Arc::new(MemoryStore::new())) };
    let engine = Engine::new(ports, EngineSettings::default());
    let mut found = Citations { cited: Vec::new(), first: Vec::new() };
    for (index, pair) in PAIRS.iter().enumerate() {
        let [title, summary] = pair.again;
        let service = pair.earlier[1];
        let line = format!("/incident declare {title} service: {service} summary: {summary}");
        let text = text_of(&engine.handle(command(&format!("inc-{index}"), "maya", &line)).await);
        let earlier = format!("OLD-{index:02}");
        if text.contains(&earlier) {
            found.cited.push(index);
        }
        if text.contains(&format!("Closest precedent: {earlier} ")) {
            found.first.push(index);
        }
    }
    found
}

#[tokio::test]
async fn a_recurrence_in_other_words_cites_the_earlier_incident_with_words_alone() {
    let found = citations(KnowledgeBase::new().unwrap()).await;

    let (cited, first) = (Citations::share(&found.cited), Citations::share(&found.first));
    eprintln!("words alone: cited {cited:.2}, as closest precedent {first:.2}");
    assert!(cited >= 0.8, "{found:?}");
    assert!(first >= 0.5, "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fusing_real_sentence_embeddings_cites_recurrences_at_least_as_often() {
    let model = tokio::task::spawn_blocking(LocalLlm::start).await.unwrap();
    let settings = LlmSettings {
        base_url: Some(model.base_url()),
        api_key: Some("local".to_owned()),
        embedding_model: Some("all-MiniLM-L6-v2".to_owned()),
        timeout_secs: 120,
        retries: 0,
        ..LlmSettings::default()
    };
    let embedder = Embedder::from_settings(&settings).unwrap().expect("an embedding model is configured");
    let hybrid = KnowledgeBase::with_dense(DenseIndex::new(Arc::new(embedder), EmbeddingCache::in_memory()));

    let words = citations(KnowledgeBase::new().unwrap()).await;
    let fused = citations(hybrid).await;

    let (cited, first) = (Citations::share(&fused.cited), Citations::share(&fused.first));
    eprintln!("words and embeddings: cited {cited:.2}, as closest precedent {first:.2}");
    assert!(fused.cited.len() >= words.cited.len(), "fused {fused:?} against words alone {words:?}");
    assert!(first >= 0.5, "{fused:?}");
}
