//! Text with `{name}` slots — URLs, PromQL, argv elements, DNS names, handler arguments — parsed
//! once at start-up so unknown slots are refused then, and filled per call. A slot is a brace
//! pair around an identifier and nothing else, so PromQL's own braces (`{code="500"}`) are
//! ordinary text.

use std::sync::LazyLock;

use regex::Regex;

use super::DiagnosticsError;
use super::params::{Args, Params};

static SLOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)?\}").expect("the slot pattern is valid")
});

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slot(String),
}

impl Template {
    /// Splits `text` into literal text and slots.
    pub fn parse(text: &str) -> Self {
        let mut parts = Vec::new();
        let mut rest_from = 0;
        for slot in SLOT.find_iter(text) {
            if slot.start() > rest_from {
                parts.push(Part::Text(text[rest_from..slot.start()].to_owned()));
            }
            // The match is `{name}`: the name is everything between the braces.
            parts.push(Part::Slot(text[slot.start() + 1..slot.end() - 1].to_owned()));
            rest_from = slot.end();
        }
        if rest_from < text.len() {
            parts.push(Part::Text(text[rest_from..].to_owned()));
        }
        Self { parts }
    }

    /// The slot names, in order of appearance.
    pub fn slots(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Slot(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Refuses a slot that is not one of `tool`'s parameters; `field` names the setting.
    pub fn require_declared(&self, tool: &str, field: &'static str, params: &Params) -> Result<(), DiagnosticsError> {
        match self.slots().find(|slot| !params.declares(slot)) {
            None => Ok(()),
            Some(slot) => Err(DiagnosticsError::UndeclaredPlaceholder {
                tool: tool.to_owned(),
                field,
                placeholder: slot.to_owned(),
                declared: params.names(),
            }),
        }
    }

    /// The text with each slot replaced by `fill(name)`.
    pub fn render(&self, fill: impl Fn(&str) -> String) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Slot(name) => fill(name),
            })
            .collect()
    }

    /// The text with each slot replaced by its argument, unchanged.
    pub fn fill(&self, args: &Args) -> String {
        self.render(|name| args.value(name).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promql_braces_are_text_and_only_identifiers_in_braces_are_slots() {
        let template = Template::parse(r#"sum(rate(http_requests_total{service="{service}",code=~"5.."}[5m]))"#);

        assert_eq!(template.slots().collect::<Vec<_>>(), ["service"]);
        assert_eq!(
            template.render(|_| "checkout".to_owned()),
            r#"sum(rate(http_requests_total{service="checkout",code=~"5.."}[5m]))"#
        );
    }

    #[test]
    fn slots_fill_inside_text_and_a_label_slot_keeps_its_dotted_name() {
        let template = Template::parse("{service}-{labels.region}.svc");

        let rendered = template.render(|name| format!("<{name}>"));

        assert_eq!(rendered, "<service>-<labels.region>.svc");
        assert_eq!(template.slots().collect::<Vec<_>>(), ["service", "labels.region"]);
    }

    #[test]
    fn a_slot_that_is_not_a_declared_parameter_is_named_with_the_declared_ones() {
        let params = Params::compile("probe", &[("service".to_owned(), ".*".to_owned())].into()).unwrap();

        let error = Template::parse("http://x/{servce}").require_declared("probe", "url", &params).unwrap_err();

        assert!(error.to_string().contains("{servce}") && error.to_string().contains("service"), "{error}");
    }
}
