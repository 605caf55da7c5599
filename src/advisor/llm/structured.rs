//! The model's structured first response: parsed from its text, checked against what it was
//! shown (citations of incidents or evidence it was not given are dropped), and rendered as the
//! same report the offline advisor gives.

use std::collections::HashSet;

use serde::Deserialize;

use crate::core::outbound::{Report, Section};
use crate::core::ports::Context;

/// Confidence shown as a word, as the offline advisor does.
fn confidence_word(confidence: f32) -> &'static str {
    match confidence {
        c if c >= 0.6 => "high",
        c if c >= 0.3 => "medium",
        _ => "low",
    }
}

/// What the model is asked to answer with (see `prompts/first_response.md`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FirstResponse {
    /// Most likely first.
    #[serde(default)]
    pub hypotheses: Vec<Hypothesis>,
    /// Mitigation steps.
    #[serde(default)]
    pub mitigations: Vec<String>,
    /// What to check next.
    #[serde(default)]
    pub next_checks: Vec<String>,
}

/// One root-cause hypothesis.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Hypothesis {
    /// The suspected cause.
    pub cause: String,
    /// 0–1.
    #[serde(default)]
    pub confidence: f32,
    /// Ids of past incidents that support it.
    #[serde(default)]
    pub incidents: Vec<String>,
    /// Names of evidence tools that support it.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Why an answer could not be used as a structured first response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the answer is not the JSON object asked for: {0}")]
pub struct Unparseable(pub String);

impl FirstResponse {
    /// Reads the first JSON object in `text` (models like to wrap it in prose or fences).
    pub fn parse(text: &str) -> Result<Self, Unparseable> {
        let start = text.find('{').ok_or_else(|| Unparseable("no JSON object".into()))?;
        let end = text.rfind('}').filter(|end| *end > start).ok_or_else(|| Unparseable("no closing brace".into()))?;
        let parsed: Self = serde_json::from_str(&text[start..=end]).map_err(|error| Unparseable(error.to_string()))?;
        if parsed.hypotheses.is_empty() && parsed.mitigations.is_empty() {
            return Err(Unparseable("neither hypotheses nor mitigations".into()));
        }
        Ok(parsed)
    }

    /// Keeps only citations of what the model was shown, clamps confidences, drops blanks.
    pub fn grounded(mut self, context: &Context<'_>) -> Self {
        let incidents: HashSet<&str> = context.similar.iter().map(|found| found.record.id.as_str()).collect();
        let tools: HashSet<&str> = context.evidence.iter().map(|found| found.tool.as_str()).collect();
        for hypothesis in &mut self.hypotheses {
            hypothesis.incidents.retain(|id| incidents.contains(id.as_str()));
            hypothesis.evidence.retain(|tool| tools.contains(tool.as_str()));
            hypothesis.confidence = hypothesis.confidence.clamp(0.0, 1.0);
        }
        self.hypotheses.retain(|hypothesis| !hypothesis.cause.trim().is_empty());
        self.mitigations.retain(|step| !step.trim().is_empty());
        self.next_checks.retain(|check| !check.trim().is_empty());
        self
    }

    /// The report shown in the channel.
    pub fn report(&self, title: String, incident_line: String, footer: String) -> Report {
        let hypotheses = self
            .hypotheses
            .iter()
            .enumerate()
            .map(|(rank, hypothesis)| {
                let mut support: Vec<String> = hypothesis.incidents.clone();
                support.extend(hypothesis.evidence.iter().map(|tool| format!("evidence {tool}")));
                let cited = if support.is_empty() { String::new() } else { format!(" ({})", support.join(", ")) };
                format!(
                    "{}. {} — confidence {:.2} ({}){cited}",
                    rank + 1,
                    hypothesis.cause,
                    hypothesis.confidence,
                    confidence_word(hypothesis.confidence)
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let list = |items: &[String]| items.iter().map(|item| format!("- {item}")).collect::<Vec<_>>().join("\n");
        let mut sections = vec![Section::new("Incident", incident_line)];
        if !hypotheses.is_empty() {
            sections.push(Section::new("Likely root causes", hypotheses));
        }
        if !self.mitigations.is_empty() {
            sections.push(Section::new("Mitigation steps", list(&self.mitigations)));
        }
        if !self.next_checks.is_empty() {
            sections.push(Section::new("Check next", list(&self.next_checks)));
        }
        Report { title, sections, footer }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::Utc;

    use super::*;
    use crate::core::incident::{Declaration, Incident, IncidentId, Severity, Source};
    use crate::core::ports::{Evidence, SimilarIncident};
    use crate::core::ports::{NoInvestigation, NoMemory};
    use crate::knowledge::KnowledgeBase;

    #[test]
    fn json_wrapped_in_prose_and_fences_is_found() {
        let text = "Sure! Here you go:\n```json\n{\"hypotheses\":[{\"cause\":\"bad deploy\",\"confidence\":0.7}],\"mitigations\":[\"roll back\"]}\n```";
        let parsed = FirstResponse::parse(text).unwrap();
        assert_eq!(parsed.hypotheses[0].cause, "bad deploy");
        assert_eq!(parsed.mitigations, ["roll back"]);
    }

    #[test]
    fn prose_without_the_object_is_unparseable() {
        assert!(FirstResponse::parse("I think it was DNS.").is_err());
        assert!(FirstResponse::parse("{\"hypotheses\": []}").is_err());
        assert!(FirstResponse::parse("{\"hypotheses\": [ {\"cause\": 3} ]}").is_err());
    }

    #[test]
    fn citations_of_things_the_model_was_not_shown_are_dropped() {
        let declaration = Declaration {
            title: "t".into(),
            summary: String::new(),
            severity: Severity::Sev2,
            service: None,
            source: Source::Machine,
        };
        let incident = Incident::declared(IncidentId::from_number(1), declaration, "a", "c", Utc::now());
        let record = Arc::new(KnowledgeBase::sample_records().remove(0));
        let similar = [SimilarIncident { record: record.clone(), score: 1.0, similarity: 0.5 }];
        let evidence = [Evidence {
            tool: "error_ratio".into(),
            query: "q".into(),
            started_at: Utc::now(),
            duration_ms: 1,
            ok: true,
            summary: "s".into(),
            detail: String::new(),
        }];
        let context = Context {
            incident: &incident,
            timeline: &[],
            digest: None,
            similar: &similar,
            categories: &[],
            evidence: &evidence,
            investigator: &NoInvestigation,
            memory: &NoMemory,
        };
        let answer = FirstResponse::parse(&format!(
            r#"{{"hypotheses":[{{"cause":"x","confidence":7,"incidents":["{}","INC-9999"],"evidence":["error_ratio","made_up"]}}]}}"#,
            record.id
        ))
        .unwrap();

        let grounded = answer.grounded(&context);

        assert_eq!(grounded.hypotheses[0].incidents, vec![record.id.clone()]);
        assert_eq!(grounded.hypotheses[0].evidence, ["error_ratio"]);
        assert_eq!(grounded.hypotheses[0].confidence, 1.0);
    }
}
