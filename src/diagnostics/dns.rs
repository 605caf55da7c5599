//! The `dns` tool: what a name resolves to right now, per record type, and how long that took —
//! through the system's resolvers or a given nameserver (split-horizon DNS, tests). A resolver
//! is built per run so nothing is answered from a cache filled before the incident.

use std::net::SocketAddr;
use std::time::Instant;

use async_trait::async_trait;
use futures_util::future::join_all;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::rr::RecordType;
use hickory_resolver::{ResolveError, TokioResolver};
use serde::Deserialize;

use super::error::with_causes;
use super::params::{Args, Params};
use super::template::Template;
use super::{DiagnosticsError, Observation, Tool, ToolError};

/// A record type the tool can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordKind {
    /// IPv4 addresses.
    A,
    /// IPv6 addresses.
    Aaaa,
    /// An alias.
    Cname,
    /// Mail exchangers.
    Mx,
    /// Text records.
    Txt,
}

impl RecordKind {
    fn record_type(self) -> RecordType {
        match self {
            Self::A => RecordType::A,
            Self::Aaaa => RecordType::AAAA,
            Self::Cname => RecordType::CNAME,
            Self::Mx => RecordType::MX,
            Self::Txt => RecordType::TXT,
        }
    }
}

/// Settings of a `kind = "dns"` tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSettings {
    /// The name to resolve; `{param}` slots are filled with arguments as they are.
    pub host: String,
    /// Record types to ask for; A and AAAA when unset.
    #[serde(default = "address_records")]
    pub record_types: Vec<RecordKind>,
    /// `ip:port` of the nameserver to ask instead of the system's resolvers.
    #[serde(default)]
    pub nameserver: Option<String>,
}

fn address_records() -> Vec<RecordKind> {
    vec![RecordKind::A, RecordKind::Aaaa]
}

/// A configured `dns` tool.
pub(crate) struct DnsTool {
    host: Template,
    record_types: Vec<RecordType>,
    nameserver: Option<SocketAddr>,
}

impl DnsTool {
    /// Checks the settings of tool `tool`.
    pub fn new(tool: &str, settings: &DnsSettings, params: &Params) -> Result<Self, DiagnosticsError> {
        let invalid = |problem: String| DiagnosticsError::InvalidTool { tool: tool.to_owned(), problem };
        let host = Template::parse(&settings.host);
        host.require_declared(tool, "host", params)?;
        if settings.record_types.is_empty() {
            return Err(invalid("record_types must name at least one of A, AAAA, CNAME, MX, TXT".to_owned()));
        }
        let nameserver = settings
            .nameserver
            .as_deref()
            .map(|text| text.parse().map_err(|_| invalid(format!("nameserver {text:?} must be ip:port"))))
            .transpose()?;
        let record_types = settings.record_types.iter().map(|kind| kind.record_type()).collect();
        Ok(Self { host, record_types, nameserver })
    }

    fn resolver(&self) -> Result<TokioResolver, ResolveError> {
        let provider = TokioConnectionProvider::default();
        let builder = match self.nameserver {
            Some(address) => {
                let servers = NameServerConfigGroup::from_ips_clear(&[address.ip()], address.port(), true);
                TokioResolver::builder_with_config(ResolverConfig::from_parts(None, Vec::new(), servers), provider)
            }
            None => TokioResolver::builder(provider)?,
        };
        Ok(builder.build())
    }
}

/// What one record type's lookup gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Records(Vec<String>),
    NoRecords,
    NoSuchName,
    Failed(String),
}

impl From<Result<hickory_resolver::lookup::Lookup, ResolveError>> for Answer {
    fn from(result: Result<hickory_resolver::lookup::Lookup, ResolveError>) -> Self {
        match result {
            Ok(lookup) => {
                let kind = lookup.query().query_type();
                let records: Vec<String> = lookup
                    .record_iter()
                    .filter(|record| record.record_type() == kind)
                    .map(|record| record.data().to_string())
                    .collect();
                if records.is_empty() { Self::NoRecords } else { Self::Records(records) }
            }
            Err(error) if error.is_nx_domain() => Self::NoSuchName,
            Err(error) if error.is_no_records_found() => Self::NoRecords,
            Err(error) => Self::Failed(with_causes(&error)),
        }
    }
}

#[async_trait]
impl Tool for DnsTool {
    fn query(&self, args: &Args) -> String {
        self.host.fill(args)
    }

    async fn run(&self, args: &Args) -> Result<Observation, ToolError> {
        let name = self.query(args);
        let failed = |reason: String| ToolError::Dns { name: name.clone(), reason };
        let resolver = self.resolver().map_err(|error| failed(with_causes(&error)))?;
        let started = Instant::now();
        let lookups = self.record_types.iter().map(|kind| resolver.lookup(name.as_str(), *kind));
        let answers: Vec<(RecordType, Answer)> =
            self.record_types.iter().copied().zip(join_all(lookups).await.into_iter().map(Answer::from)).collect();
        let took = started.elapsed().as_millis();
        let server = self.nameserver.map_or_else(|| "the system resolvers".to_owned(), |address| address.to_string());

        let failures: Vec<&str> = answers
            .iter()
            .filter_map(|(_, answer)| match answer {
                Answer::Failed(reason) => Some(reason.as_str()),
                _ => None,
            })
            .collect();
        if let Some(reason) = failures.first().filter(|_| failures.len() == answers.len()) {
            return Err(failed(format!("{reason} (asked {server})")));
        }
        // Some servers answer NXDOMAIN for one type of a name that has records of another;
        // the name exists if any type has records.
        let has_records = answers.iter().any(|(_, answer)| matches!(answer, Answer::Records(_)));
        if !has_records && answers.iter().any(|(_, answer)| *answer == Answer::NoSuchName) {
            return Ok(Observation {
                summary: format!("{name} does not exist (NXDOMAIN); answered in {took} ms"),
                detail: format!("asked {server} for {}: NXDOMAIN", kinds(&answers)),
            });
        }
        let parts: Vec<String> = answers
            .iter()
            .map(|(kind, answer)| match answer {
                Answer::Records(records) => format!("{kind} {}", records.join(", ")),
                Answer::NoRecords | Answer::NoSuchName => format!("{kind} none"),
                Answer::Failed(reason) => format!("{kind} failed ({reason})"),
            })
            .collect();
        Ok(Observation {
            summary: format!("{name}: {}; resolved in {took} ms", parts.join("; ")),
            detail: format!("asked {server}\n{}", parts.join("\n")),
        })
    }
}

fn kinds(answers: &[(RecordType, Answer)]) -> String {
    answers.iter().map(|(kind, _)| kind.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nameserver_must_be_an_address_with_a_port() {
        let params = Params::compile("probe", &Default::default()).unwrap();
        let settings = |nameserver: &str| DnsSettings {
            host: "example.test".to_owned(),
            record_types: address_records(),
            nameserver: Some(nameserver.to_owned()),
        };

        assert!(DnsTool::new("probe", &settings("127.0.0.1"), &params).is_err());
        assert!(DnsTool::new("probe", &settings("127.0.0.1:5353"), &params).is_ok());
    }

    #[test]
    fn record_types_read_as_written_in_dns() {
        let kinds: Vec<RecordKind> = serde_json::from_str(r#"["A","AAAA","CNAME","MX","TXT"]"#).unwrap();

        assert_eq!(
            kinds.iter().map(|kind| kind.record_type().to_string()).collect::<Vec<_>>(),
            ["A", "AAAA", "CNAME", "MX", "TXT"]
        );
    }
}
