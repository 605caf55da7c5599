//! Where the Redis store lives, read from one URL: a single server (`redis://`, or `rediss://`
//! for TLS), a Redis Cluster named by some of its nodes (`redis+cluster://h:p,h:p`), or the
//! primary a set of sentinels watch under a name (`redis+sentinel://h:p,h:p/name`). redis-rs
//! reads the first form itself; the two others list several hosts, which no URL parser takes,
//! so they are split here into the per-node URLs redis-rs's cluster and Sentinel clients want.

use thiserror::Error;

use crate::core::redact::redact_url_credentials;

/// The URL schemes a store URL may have, for messages.
const SCHEMES: &str =
    "redis://, rediss://, redis+cluster://, rediss+cluster://, redis+sentinel:// or rediss+sentinel://";

/// A store URL that cannot be used; the URL in it has its credentials hidden.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid Redis URL {url}: {reason}")]
pub struct InvalidTarget {
    url: String,
    reason: String,
}

/// The deployment a store URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One server: the URL as redis-rs takes it.
    Standalone {
        /// `redis://…` or `rediss://…`.
        url: String,
    },
    /// A Redis Cluster: any of its nodes, from which the client learns the rest.
    Cluster {
        /// One `redis://` (or `rediss://`) URL per seed node, each with the credentials.
        seeds: Vec<String>,
    },
    /// The primary the sentinels watch under `master`.
    Sentinel {
        /// One `redis://` (or `rediss://`) URL per sentinel, without credentials.
        sentinels: Vec<String>,
        /// The name the sentinels know the primary by.
        master: String,
        /// How to reach the primary they name: scheme, credentials and database, with a
        /// placeholder host (the sentinels say which).
        node: String,
    },
}

impl Target {
    /// Reads a store URL (see the module docs for the forms).
    pub fn parse(url: &str) -> Result<Self, InvalidTarget> {
        let invalid = |reason: &str| InvalidTarget { url: redact_url_credentials(url), reason: reason.to_owned() };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid(&format!("expected {SCHEMES}")))?;
        let (node_scheme, topology) = match scheme.split_once('+') {
            Some((node_scheme, topology)) => (node_scheme, Some(topology)),
            None => (scheme, None),
        };
        if !matches!(node_scheme, "redis" | "rediss") {
            return Err(invalid(&format!("expected {SCHEMES}")));
        }
        let (credentials, rest) = match rest.rsplit_once('@') {
            Some((credentials, rest)) => (format!("{credentials}@"), rest),
            None => (String::new(), rest),
        };
        let (hosts, path) = rest.split_once('/').unwrap_or((rest, ""));
        let hosts: Vec<&str> = hosts.split(',').collect();
        if hosts.iter().any(|host| host.is_empty()) {
            return Err(invalid("every host must be written host:port, separated by commas"));
        }
        match topology {
            None if hosts.len() == 1 => Ok(Self::Standalone { url: url.to_owned() }),
            None => Err(invalid(&format!("several hosts need redis+cluster:// or redis+sentinel:// ({SCHEMES})"))),
            Some("cluster") => {
                if !path.is_empty() {
                    return Err(invalid("a cluster has one database, so its URL has no path"));
                }
                Ok(Self::Cluster {
                    seeds: hosts.iter().map(|host| format!("{node_scheme}://{credentials}{host}")).collect(),
                })
            }
            Some("sentinel") => {
                let (master, database) = path.split_once('/').unwrap_or((path, ""));
                if master.is_empty() {
                    return Err(invalid("name the primary after the hosts: redis+sentinel://host:port,…/name"));
                }
                if !database.is_empty() && database.parse::<u16>().is_err() {
                    return Err(invalid("the database after the name must be a number"));
                }
                Ok(Self::Sentinel {
                    sentinels: hosts.iter().map(|host| format!("{node_scheme}://{host}")).collect(),
                    master: master.to_owned(),
                    node: format!("{node_scheme}://{credentials}primary/{database}"),
                })
            }
            Some(_) => Err(invalid(&format!("expected {SCHEMES}"))),
        }
    }

    /// Whether the nodes are reached over TLS.
    pub fn uses_tls(&self) -> bool {
        let first = match self {
            Self::Standalone { url } => url.as_str(),
            Self::Cluster { seeds } => seeds.first().map_or("", String::as_str),
            Self::Sentinel { node, .. } => node.as_str(),
        };
        first.starts_with("rediss://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_url_is_one_server() {
        assert_eq!(
            Target::parse("redis://:pw@db:6379/2").unwrap(),
            Target::Standalone { url: "redis://:pw@db:6379/2".into() }
        );
        assert!(Target::parse("rediss://db:6380").unwrap().uses_tls());
    }

    #[test]
    fn a_cluster_url_gives_one_seed_per_host_each_with_the_credentials() {
        let target = Target::parse("rediss+cluster://app:pw@10.0.0.1:7000,10.0.0.2:7000").unwrap();

        assert_eq!(
            target,
            Target::Cluster {
                seeds: vec!["rediss://app:pw@10.0.0.1:7000".into(), "rediss://app:pw@10.0.0.2:7000".into()]
            }
        );
        assert!(target.uses_tls());
    }

    #[test]
    fn a_sentinel_url_gives_the_sentinels_the_name_and_how_to_reach_the_primary() {
        let target = Target::parse("redis+sentinel://:pw@s1:26379,s2:26379,s3:26379/firebreak/3").unwrap();

        assert_eq!(
            target,
            Target::Sentinel {
                sentinels: vec!["redis://s1:26379".into(), "redis://s2:26379".into(), "redis://s3:26379".into()],
                master: "firebreak".into(),
                node: "redis://:pw@primary/3".into(),
            }
        );
    }

    #[test]
    fn malformed_urls_are_refused_with_the_reason_and_without_the_password() {
        for (url, reason) in [
            ("http://db:6379", "expected redis://"),
            ("redis://a:1,b:2", "several hosts need"),
            ("redis+sentinel://:secret@s1:26379,s2:26379", "name the primary"),
            ("redis+cluster://a:1,,b:2", "host:port"),
            ("redis+cluster://a:1/0", "no path"),
            ("redis+sentinel://s1:1/name/x", "must be a number"),
            ("redis+shards://a:1", "expected redis://"),
        ] {
            let error = Target::parse(url).unwrap_err().to_string();
            assert!(error.contains(reason), "{url}: {error}");
            assert!(!error.contains("secret"), "{error}");
        }
    }
}
