//! Handlers: "when an incident looks like this, gather that" — checked at start-up against the
//! tools they call, matched against an incident's facts, and turned into tool calls with the
//! incident's title, service and labels filled in. The calls are validated again when run,
//! since a filled-in value (a title, say) may not match the tool's parameter.

use std::collections::BTreeMap;

use regex::Regex;

use super::params::Params;
use super::template::Template;
use super::{DiagnosticsError, HandlerSettings};
use crate::core::ports::{IncidentFacts, ToolCall};

/// The incident fields a handler's argument values may use, besides `{labels.NAME}`.
const FACTS: [&str; 4] = ["title", "summary", "service", "source"];
const LABEL_PREFIX: &str = "labels.";

/// A checked handler.
#[derive(Debug)]
pub(crate) struct Handler {
    title: Option<Regex>,
    service: Option<String>,
    source: Option<String>,
    labels: BTreeMap<String, String>,
    run: Vec<(String, BTreeMap<String, Template>)>,
}

impl Handler {
    /// Checks `settings`: the regex compiles, every call names a tool (`params_of` finds its
    /// parameters), passes only arguments it declares, and uses only known incident fields.
    pub fn compile<'a>(
        settings: &HandlerSettings,
        params_of: impl Fn(&str) -> Option<&'a Params>,
    ) -> Result<Self, DiagnosticsError> {
        let invalid = |problem: String| DiagnosticsError::InvalidHandler { handler: settings.name.clone(), problem };
        let title = settings
            .when
            .title_regex
            .as_deref()
            .map(Regex::new)
            .transpose()
            .map_err(|error| invalid(format!("title_regex does not compile: {error}")))?;
        if settings.run.is_empty() {
            return Err(invalid("run lists no tool calls".to_owned()));
        }
        let mut run = Vec::new();
        for call in &settings.run {
            let params = params_of(&call.tool)
                .ok_or_else(|| invalid(format!("it runs `{}`, but no tool has that name", call.tool)))?;
            let mut args = BTreeMap::new();
            for (arg, value) in &call.args {
                if !params.declares(arg) {
                    let expected = params.names();
                    return Err(invalid(format!(
                        "tool `{}` takes no argument `{arg}`; it takes: {expected}",
                        call.tool
                    )));
                }
                let template = Template::parse(value);
                if let Some(unknown) = template.slots().find(|slot| !is_fact(slot)) {
                    return Err(invalid(format!(
                        "{{{unknown}}} is not an incident field; use {{title}}, {{summary}}, {{service}}, {{source}} or {{labels.NAME}}"
                    )));
                }
                args.insert(arg.clone(), template);
            }
            run.push((call.tool.clone(), args));
        }
        Ok(Self {
            title,
            service: settings.when.service.clone(),
            source: settings.when.source.clone(),
            labels: settings.when.labels.clone(),
            run,
        })
    }

    /// Whether every condition holds for `incident`.
    pub fn matches(&self, incident: &IncidentFacts) -> bool {
        let title = self
            .title
            .as_ref()
            .is_none_or(|regex| regex.is_match(&incident.title) || regex.is_match(&incident.summary));
        let service = self.service.as_deref().is_none_or(|wanted| {
            incident.service.as_deref().is_some_and(|service| service.eq_ignore_ascii_case(wanted))
        });
        let source = self.source.as_deref().is_none_or(|wanted| incident.source.eq_ignore_ascii_case(wanted));
        let labels = self.labels.iter().all(|(key, value)| incident.labels.get(key) == Some(value));
        title && service && source && labels
    }

    /// The handler's calls with `incident`'s facts filled in; a fact the incident lacks
    /// becomes empty, which the tool's parameter check then reports.
    pub fn calls(&self, incident: &IncidentFacts) -> impl Iterator<Item = ToolCall> {
        self.run.iter().map(|(tool, args)| ToolCall {
            tool: tool.clone(),
            args: args
                .iter()
                .map(|(name, template)| (name.clone(), template.render(|slot| fact(incident, slot))))
                .collect(),
        })
    }
}

fn is_fact(slot: &str) -> bool {
    FACTS.contains(&slot) || slot.strip_prefix(LABEL_PREFIX).is_some_and(|label| !label.is_empty())
}

/// The value for a parameter called `name` filled from `incident` alone: the field of that name
/// (`service`, `title`, …) or else the label; `None` when the incident has no such value.
pub(crate) fn fact_named(incident: &IncidentFacts, name: &str) -> Option<String> {
    let value = if FACTS.contains(&name) { fact(incident, name) } else { incident.labels.get(name).cloned()? };
    (!value.is_empty()).then_some(value)
}

fn fact(incident: &IncidentFacts, slot: &str) -> String {
    match slot {
        "title" => incident.title.clone(),
        "summary" => incident.summary.clone(),
        "service" => incident.service.clone().unwrap_or_default(),
        "source" => incident.source.clone(),
        // Slots were checked at start-up to be facts, so anything else is a label.
        label => incident.labels.get(label.trim_start_matches(LABEL_PREFIX)).cloned().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Condition;

    fn params() -> Params {
        Params::compile("errors", &[("service".to_owned(), "[a-z]+".to_owned())].into()).unwrap()
    }

    fn handler(when: Condition, args: &[(&str, &str)]) -> Result<Handler, DiagnosticsError> {
        let params = params();
        let settings = HandlerSettings {
            name: "checkout".to_owned(),
            when,
            run: vec![ToolCall::new("errors", args.iter().copied())],
        };
        Handler::compile(&settings, |tool| (tool == "errors").then_some(&params))
    }

    fn incident(title: &str, service: Option<&str>) -> IncidentFacts {
        IncidentFacts {
            title: title.to_owned(),
            summary: "customers see errors at payment".to_owned(),
            service: service.map(str::to_owned),
            source: "machine".to_owned(),
            labels: [("region".to_owned(), "eu-west".to_owned())].into(),
        }
    }

    #[test]
    fn every_given_condition_must_hold() {
        let when = Condition {
            title_regex: Some("(?i)5xx|payment".to_owned()),
            service: Some("checkout".to_owned()),
            source: Some("machine".to_owned()),
            labels: [("region".to_owned(), "eu-west".to_owned())].into(),
        };
        let handler = handler(when, &[("service", "{service}")]).unwrap();

        assert!(handler.matches(&incident("Checkout 5XX spike", Some("Checkout"))));
        assert!(handler.matches(&incident("Checkout slow", Some("checkout"))), "the summary mentions payment");
        assert!(!handler.matches(&incident("Checkout 5xx spike", Some("search"))));
        assert!(!handler.matches(&incident("Checkout 5xx spike", None)));
        let mut elsewhere = incident("Checkout 5xx spike", Some("checkout"));
        elsewhere.labels.insert("region".to_owned(), "us-east".to_owned());
        assert!(!handler.matches(&elsewhere));
    }

    #[test]
    fn an_empty_match_applies_to_every_incident() {
        let handler = handler(Condition::default(), &[("service", "checkout")]).unwrap();

        assert!(handler.matches(&IncidentFacts::default()));
    }

    #[test]
    fn calls_are_filled_from_the_incident() {
        let handler = handler(Condition::default(), &[("service", "{service}-{labels.region}")]).unwrap();

        let calls: Vec<ToolCall> = handler.calls(&incident("x", Some("checkout"))).collect();

        assert_eq!(calls, [ToolCall::new("errors", [("service", "checkout-eu-west")])]);
    }

    #[test]
    fn a_handler_is_refused_for_a_missing_tool_an_undeclared_argument_or_an_unknown_field() {
        let params = params();
        let missing_tool = HandlerSettings {
            name: "h".to_owned(),
            when: Condition::default(),
            run: vec![ToolCall::new("nope", [("service", "x")])],
        };

        let problems = [
            Handler::compile(&missing_tool, |tool| (tool == "errors").then_some(&params)).unwrap_err(),
            handler(Condition::default(), &[("host", "x")]).unwrap_err(),
            handler(Condition::default(), &[("service", "{team}")]).unwrap_err(),
            handler(Condition { title_regex: Some("(".to_owned()), ..Condition::default() }, &[]).unwrap_err(),
        ];

        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(messages[0].contains("`nope`"), "{}", messages[0]);
        assert!(messages[1].contains("`host`"), "{}", messages[1]);
        assert!(messages[2].contains("{team}"), "{}", messages[2]);
        assert!(messages[3].contains("title_regex"), "{}", messages[3]);
    }
}
