//! What a control or form id says: the incident it belongs to and what it does, in a form any
//! replica can read back (`fb:2001:status:mitigated`). Ids are at most 100 characters, Discord's
//! limit for a `custom_id`. Which command an id stands for is decided in
//! [`super::command`]; this module only writes and reads the ids.

use std::fmt;

use super::incident::{IncidentId, Status};
use super::invalid::InvalidValue;

/// What every id starts with, so the bot knows its own controls.
const PREFIX: &str = "fb";
/// Where an id names no incident (a form opened by a command, for the channel's incident).
const NO_INCIDENT: &str = "-";
/// Longest id Discord keeps.
pub const MAX_ID_CHARS: usize = 100;

/// The forms commands have for their long options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// `/incident resolve`: root cause, mitigation, category.
    Resolve,
    /// `/incident update`: what we know, what we're doing, when the next update comes.
    Update,
}

impl FormKind {
    /// Every form.
    pub const ALL: &'static [FormKind] = &[FormKind::Resolve, FormKind::Update];

    /// The word ids name the form by.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Resolve => "resolve",
            FormKind::Update => "update",
        }
    }

    /// The form named `word`.
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.as_str() == word)
    }
}

/// What a control or form does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// The Acknowledge button.
    Acknowledge,
    /// A button that sets a status.
    Status(Status),
    /// A button that opens a form.
    Open(FormKind),
    /// The severity choice; the value chosen comes with the click.
    Severity,
    /// The commander picker; the person picked comes with the click.
    Commander,
    /// A rating button under an answer.
    Rate {
        /// The answer rated.
        answer: String,
        /// 1 to 5.
        rating: u8,
    },
    /// A filled-in form; its values come with the submission.
    Submit(FormKind),
}

/// A control's or form's id: the incident (when it names one) and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionId {
    /// The incident it belongs to; `None` for a form opened by a command, which applies to
    /// the channel's incident.
    pub incident: Option<IncidentId>,
    /// What it does.
    pub act: Act,
}

impl ActionId {
    /// An id for `act` on `incident`.
    pub fn new(incident: Option<IncidentId>, act: Act) -> Self {
        Self { incident, act }
    }

    /// Reads an id written by [`Display`](fmt::Display).
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let invalid = || InvalidValue { what: "control", value: text.to_owned(), expected: "a control of this bot" };
        let parts: Vec<&str> = text.split(':').collect();
        let [PREFIX, incident, rest @ ..] = parts.as_slice() else { return Err(invalid()) };
        let incident = match *incident {
            NO_INCIDENT => None,
            number => Some(IncidentId::from_number(
                number.parse::<u64>().ok().filter(|number| *number > 0).ok_or_else(invalid)?,
            )),
        };
        let act = match rest {
            ["ack"] => Act::Acknowledge,
            ["status", word] => Act::Status(Status::parse(word).map_err(|_| invalid())?),
            ["open", form] => Act::Open(FormKind::parse(form).ok_or_else(invalid)?),
            ["severity"] => Act::Severity,
            ["commander"] => Act::Commander,
            ["rate", answer, rating] if !answer.is_empty() => Act::Rate {
                answer: (*answer).to_owned(),
                rating: rating.parse::<u8>().ok().filter(|rating| (1..=5).contains(rating)).ok_or_else(invalid)?,
            },
            ["form", form] => Act::Submit(FormKind::parse(form).ok_or_else(invalid)?),
            _ => return Err(invalid()),
        };
        Ok(Self { incident, act })
    }
}

/// `fb:<incident number or ->:<act>`.
impl fmt::Display for ActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.incident {
            Some(id) => write!(f, "{PREFIX}:{}:", id.number())?,
            None => write!(f, "{PREFIX}:{NO_INCIDENT}:")?,
        }
        match &self.act {
            Act::Acknowledge => write!(f, "ack"),
            Act::Status(status) => write!(f, "status:{status}"),
            Act::Open(form) => write!(f, "open:{}", form.as_str()),
            Act::Severity => write!(f, "severity"),
            Act::Commander => write!(f, "commander"),
            Act::Rate { answer, rating } => write!(f, "rate:{answer}:{rating}"),
            Act::Submit(form) => write!(f, "form:{}", form.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_act_reads_back_from_its_id_within_the_platform_limit() {
        let id = Some(IncidentId::from_number(u64::MAX));
        let acts = [
            Act::Acknowledge,
            Act::Status(Status::Identified),
            Act::Open(FormKind::Resolve),
            Act::Severity,
            Act::Commander,
            Act::Rate { answer: "a1b2c3d4".into(), rating: 5 },
            Act::Submit(FormKind::Update),
        ];
        for act in acts {
            let written = ActionId::new(id, act.clone()).to_string();
            assert!(written.chars().count() <= MAX_ID_CHARS, "{written}");
            assert_eq!(ActionId::parse(&written).unwrap(), ActionId::new(id, act));
        }
        assert_eq!(ActionId::parse("fb:-:form:resolve").unwrap(), ActionId::new(None, Act::Submit(FormKind::Resolve)));
    }

    #[test]
    fn ids_that_are_not_ours_or_are_damaged_are_refused() {
        for text in ["", "other:1:ack", "fb:0:ack", "fb:x:ack", "fb:1:dance", "fb:1:rate:a:9", "fb:1:status:lost"] {
            assert!(ActionId::parse(text).is_err(), "{text} was read");
        }
    }
}
