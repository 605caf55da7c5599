//! The incident itself: identity, classification and lifecycle, parsed from text once so the
//! rest of the engine only ever sees valid values.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::invalid::InvalidValue;

/// An incident number such as `INC-1042`: the prefix is fixed, the number is positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IncidentId(u64);

impl IncidentId {
    /// The id with this number.
    pub const fn from_number(number: u64) -> Self {
        Self(number)
    }

    /// The numeric part, as allocated by the store.
    pub fn number(self) -> u64 {
        self.0
    }

    /// Parses `INC-1042` (case-insensitive prefix, surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let text = text.trim();
        let digits =
            text.get(..4).filter(|prefix| prefix.eq_ignore_ascii_case("INC-")).map(|_| &text[4..]).ok_or_else(
                || InvalidValue {
                    what: "incident id",
                    value: text.to_owned(),
                    expected: "INC-<number>, e.g. INC-1042",
                },
            )?;
        match digits.parse::<u64>() {
            Ok(number) if number > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(Self(number)),
            _ => Err(InvalidValue {
                what: "incident id",
                value: text.to_owned(),
                expected: "INC-<number>, e.g. INC-1042",
            }),
        }
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

impl TryFrom<String> for IncidentId {
    type Error = InvalidValue;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<IncidentId> for String {
    fn from(id: IncidentId) -> Self {
        id.to_string()
    }
}

/// Declares a closed set of lower-case words as an enum with `parse`, `as_str` and `Display`.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, $expected:literal, { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Parses the lower-case word (case-insensitive).
            pub fn parse(text: &str) -> Result<Self, InvalidValue> {
                let word = text.trim().to_ascii_lowercase();
                match word.as_str() {
                    $($word => Ok($name::$variant),)+
                    _ => Err(InvalidValue { what: $what, value: text.trim().to_owned(), expected: $expected }),
                }
            }

            /// The canonical lower-case word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// How bad it is: `sev1` (worst) to `sev4`.
    Severity, "severity", "sev1, sev2, sev3 or sev4", {
        /// Critical: broad customer impact, all hands.
        Sev1 => "sev1",
        /// Major: significant impact on a key service.
        Sev2 => "sev2",
        /// Minor: limited impact or a workaround exists.
        Sev3 => "sev3",
        /// Low: no customer impact yet.
        Sev4 => "sev4",
    }
);

word_enum!(
    /// Who noticed first: a monitor (machine-reported) or a person (customer-reported), when
    /// the declarer said.
    Source, "source", "machine, customer or unknown", {
        /// Raised by an alert or monitor.
        Machine => "machine",
        /// Reported by a customer, support or a colleague.
        Customer => "customer",
        /// Not said.
        Unknown => "unknown",
    }
);

word_enum!(
    /// Where the incident is in its lifecycle: investigating → identified → mitigated →
    /// resolved (and back to investigating when reopened).
    Status, "status", "investigating, identified, mitigated or resolved", {
        /// Impact ongoing, cause being looked for.
        Investigating => "investigating",
        /// Impact ongoing, cause known, fix under way.
        Identified => "identified",
        /// Impact stopped, follow-up still open.
        Mitigated => "mitigated",
        /// Closed, with a root cause and mitigation on record.
        Resolved => "resolved",
    }
);

word_enum!(
    /// A named part someone plays in the response.
    Role, "role", "commander, scribe or comms", {
        /// Runs the response and decides.
        Commander => "commander",
        /// Keeps the record.
        Scribe => "scribe",
        /// Keeps stakeholders informed.
        Comms => "comms",
    }
);

/// Someone on the platform: a stable id (a Discord user id as `discord:<id>`, `console:<name>`)
/// and the name people see. Timeline authors and the people holding roles are both persons.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Person {
    /// Stable platform id.
    pub id: String,
    /// Display name shown in the channel.
    pub name: String,
}

impl Person {
    /// A person with this id and display name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self { id: id.into(), name: name.into() }
    }

    /// Reads a person as an option value holds it: `Name <id>` when the platform resolved who
    /// was picked (adapters write it with [`Person::option_value`]), or a typed name (`@sam`,
    /// `sam`), which stands for itself.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let text = text.trim();
        let invalid = || InvalidValue { what: "person", value: text.to_owned(), expected: "a name, e.g. @sam" };
        if let Some(open) = text.rfind('<')
            && let Some(id) = text[open + 1..].strip_suffix('>')
        {
            let name = text[..open].trim();
            if id.is_empty() || name.is_empty() {
                return Err(invalid());
            }
            return Ok(Self::new(id, name));
        }
        let name = text.trim_start_matches('@').trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(invalid());
        }
        Ok(Self::new(name, name))
    }

    /// How an adapter that knows who was picked writes them as an option value.
    pub fn option_value(&self) -> String {
        format!("{} <{}>", self.name, self.id)
    }
}

/// A name alone stands for itself as id too, as a typed name does.
impl From<&str> for Person {
    fn from(name: &str) -> Self {
        Self::new(name, name)
    }
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Longest incident title, in characters: a title is one line; details go in the summary.
pub const MAX_TITLE_CHARS: usize = 256;

/// What a person supplies when declaring an incident; the engine assigns the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// One-line description, e.g. "Checkout returning 502s".
    pub title: String,
    /// Longer description of impact and detection, possibly empty.
    pub summary: String,
    /// Defaults to `sev3` when not given.
    pub severity: Severity,
    /// The affected service, when known.
    pub service: Option<String>,
    /// `machine` for alerts; for people, what they said, `unknown` otherwise.
    pub source: Source,
}

/// One incident's current state, as stored in its `meta` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// `INC-<number>`.
    pub id: IncidentId,
    /// One-line description.
    pub title: String,
    /// Impact and detection, possibly empty.
    pub summary: String,
    /// How bad it is.
    pub severity: Severity,
    /// Machine- or customer-reported.
    pub source: Source,
    /// The affected service, when known.
    pub service: Option<String>,
    /// Lifecycle status.
    pub status: Status,
    /// Who runs the response (the declarer unless handed over).
    pub commander: Person,
    /// Who keeps the record, when someone was named.
    pub scribe: Option<Person>,
    /// Who keeps stakeholders informed, when someone was named.
    pub comms: Option<Person>,
    /// The chat channel the incident lives in.
    pub channel: String,
    /// The channel's name when the incident was opened, when known (what a reopened incident's
    /// channel is called again after a `resolved-` rename).
    pub channel_name: Option<String>,
    /// When it was declared.
    pub created_at: DateTime<Utc>,
    /// Last change to this record.
    pub updated_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Root cause recorded at resolution.
    pub root_cause: Option<String>,
    /// Mitigation recorded at resolution.
    pub mitigation: Option<String>,
    /// Root-cause category recorded at resolution, e.g. `deployment`.
    pub category: Option<String>,
    /// Labels of the alerts that opened it (none for incidents people declared): handlers match
    /// them and fill them into their calls.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl Incident {
    /// A new incident in `investigating`, as declared by `commander` in `channel` at `at`.
    pub fn declared(
        id: IncidentId,
        declaration: Declaration,
        commander: impl Into<Person>,
        channel: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            title: declaration.title,
            summary: declaration.summary,
            severity: declaration.severity,
            source: declaration.source,
            service: declaration.service,
            status: Status::Investigating,
            commander: commander.into(),
            scribe: None,
            comms: None,
            channel: channel.to_owned(),
            channel_name: None,
            created_at: at,
            updated_at: at,
            resolved_at: None,
            root_cause: None,
            mitigation: None,
            category: None,
            labels: BTreeMap::new(),
        }
    }

    /// Whether the incident is still being worked on.
    pub fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }

    /// Who holds `role`, if anyone (the commander always someone).
    pub fn holder(&self, role: Role) -> Option<&Person> {
        match role {
            Role::Commander => Some(&self.commander),
            Role::Scribe => self.scribe.as_ref(),
            Role::Comms => self.comms.as_ref(),
        }
    }

    /// Gives `role` to `person`; returns who held it before.
    pub fn assign(&mut self, role: Role, person: Person) -> Option<Person> {
        match role {
            Role::Commander => Some(std::mem::replace(&mut self.commander, person)),
            Role::Scribe => self.scribe.replace(person),
            Role::Comms => self.comms.replace(person),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_parse_and_print_canonically() {
        assert_eq!(IncidentId::parse(" inc-1042 ").unwrap().to_string(), "INC-1042");
        assert!(IncidentId::parse("INC-").is_err());
        assert!(IncidentId::parse("INC-0").is_err());
        assert!(IncidentId::parse("INC-+5").is_err());
        assert!(IncidentId::parse("1042").is_err());
    }

    #[test]
    fn a_person_is_a_resolved_name_with_its_id_or_a_typed_name() {
        let picked = Person::new("discord:42", "Maya Lee");
        assert_eq!(Person::parse(&picked.option_value()).unwrap(), picked);
        assert_eq!(Person::parse(" @sam ").unwrap(), Person::new("sam", "sam"));
        assert!(Person::parse("two words").is_err());
        assert!(Person::parse("<discord:1>").is_err());
        assert!(Person::parse("@").is_err());
    }

    #[test]
    fn severity_rejects_unknown_words_with_the_accepted_ones() {
        assert_eq!(Severity::parse("SEV2").unwrap(), Severity::Sev2);
        let error = Severity::parse("sev9").unwrap_err().to_string();
        assert!(error.contains("sev1, sev2, sev3 or sev4"), "{error}");
    }
}
