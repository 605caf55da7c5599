//! What to check first, by root-cause category: the questions an experienced on-call engineer
//! asks before touching anything. Wording only; the advisor decides which list applies.

/// Checks for a suspected category, or general triage when the category is unknown.
pub(super) fn first_checks(category: &str) -> &'static [&'static str] {
    match category {
        "deployment" => &[
            "List deploys to the service and its dependencies in the last few hours; compare error rates before and after each.",
            "Check whether the bad version is still rolling out, and whether a rollback path is ready.",
        ],
        "config-change" => &[
            "Look for config, feature-flag or infrastructure-as-code changes just before the start of impact.",
            "Diff the live configuration against the last known good one.",
        ],
        "capacity" => &[
            "Check saturation: CPU, memory, connection pools, queue depth and autoscaler limits against traffic.",
            "Compare current traffic with the same hour last week to see whether load or capacity changed.",
        ],
        "software-bug" => &[
            "Read the newest error signatures in logs and traces; find the first occurrence.",
            "Check whether a specific input, tenant or code path triggers it.",
        ],
        "network" => &[
            "Check packet loss, latency and connection errors between the affected hops and zones.",
            "Look for recent changes to load balancers, firewalls, routes or peering.",
        ],
        "dns" => &[
            "Resolve the affected names from inside and outside the network and compare answers and TTLs.",
            "Check recent zone changes and resolver health.",
        ],
        "certificate-expiry" => &[
            "Check expiry dates of the certificates on every hop of the failing connection, including client certificates.",
            "Verify the renewal automation ran and that new certificates were actually reloaded.",
        ],
        "database" => &[
            "Check replication lag, locks, long-running queries and connection counts on the database.",
            "Look for migrations or schema changes that ran just before impact.",
        ],
        "dependency-failure" => &[
            "Check the status and error rates of third-party and upstream dependencies the service calls.",
            "Confirm whether timeouts and retries are amplifying the failure.",
        ],
        "hardware" => &[
            "Check host and node health: hardware errors, disks, NICs and nodes marked unhealthy.",
            "Confirm whether impact follows particular hosts, racks or zones.",
        ],
        "power-cooling" => &[
            "Check facility and provider status for power or cooling events in the affected zone.",
            "Confirm which racks, nodes or zones lost power and whether workloads failed over.",
        ],
        "human-error" => &[
            "Ask who ran manual commands or console actions recently, and against which environment.",
            "Check audit logs for manual changes just before impact.",
        ],
        "security" => &[
            "Check for credential, key or permission changes and for unusual access patterns.",
            "Bring in the security on-call before changing anything that could destroy evidence.",
        ],
        _ => &[
            "Establish when impact started and what changed just before: deploys, config, traffic, dependencies.",
            "Scope it: which regions, customers, endpoints and versions are affected, and which are not.",
        ],
    }
}
