//! `LlmAdvisor`: recommendations and answers from a language model through async-openai —
//! OpenAI, Azure OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp). The model sees
//! the incident, the similar resolved incidents (with ids to cite) and the evidence; for
//! follow-ups it may call the diagnostics as tools, within a step budget, and always ends with an
//! answer. Every text is redacted before it leaves. Failures are returned as `Unavailable` so the
//! fallback advisor can answer instead.

pub mod client;
pub mod structured;

use std::collections::BTreeSet;
use std::time::Instant;

use async_trait::async_trait;
use serde_json::{Value, json};
use tracing::info;

use self::client::{ChatClient, Completion, LlmSettings, Offer};
use self::structured::FirstResponse;
use super::{Advisor, AdvisorError, Context, Focus};
use crate::core::timeline::Entry;
use crate::core::turn::{Report, Section};
use crate::diagnostics::{Evidence, ToolCall};
use crate::prompts::{EvidenceVars, IncidentVars, Prompt, Prompts, SimilarVars};
use crate::redact::redact_for_model;

/// Timeline lines given verbatim to the model; older ones are left out.
const RECENT_LINES: usize = 30;
/// Asked once more when the first structured answer cannot be read.
const RETRY_STRUCTURED: &str =
    "That was not the JSON object asked for. Answer again with only the JSON object, no prose.";
/// Asked when the tool budget is spent.
const ANSWER_NOW: &str = "The diagnostics budget is spent. Answer the question now with what you have.";

/// Advisor backed by a chat-completions model.
pub struct LlmAdvisor {
    client: ChatClient,
    prompts: Prompts,
    settings: LlmSettings,
}

impl LlmAdvisor {
    /// An advisor talking to the model the settings describe, with these prompts.
    pub fn new(settings: LlmSettings, prompts: Prompts) -> Result<Self, AdvisorError> {
        Ok(Self { client: ChatClient::new(&settings)?, prompts, settings })
    }

    fn render(&self, prompt: &Prompt) -> Result<String, AdvisorError> {
        self.prompts
            .render(prompt)
            .map(|text| redact_for_model(&text))
            .map_err(|error| AdvisorError::Unavailable(error.to_string()))
    }

    fn system(&self) -> Result<Value, AdvisorError> {
        let text = self.render(&Prompt::System { organisation: self.settings.organisation.clone() })?;
        Ok(json!({ "role": "system", "content": text }))
    }

    /// One request; token use and latency are logged for every turn.
    async fn complete(
        &self,
        messages: &[Value],
        tools: Option<Offer<'_>>,
        task: &str,
    ) -> Result<Completion, AdvisorError> {
        let started = Instant::now();
        let completion = self.client.complete(&self.settings, messages, tools).await?;
        info!(
            task,
            model = %self.settings.model,
            latency_ms = started.elapsed().as_millis() as u64,
            prompt_tokens = completion.prompt_tokens,
            completion_tokens = completion.completion_tokens,
            "LLM call"
        );
        Ok(completion)
    }

    fn footer(&self) -> String {
        format!("LLM advisor · {}", self.settings.model)
    }
}

fn incident_line(context: &Context<'_>) -> String {
    let incident = context.incident;
    format!(
        "{} is {} ({}, {}, {}-reported), commander {}.",
        incident.id,
        incident.status,
        incident.severity,
        incident.service.as_deref().unwrap_or("unknown service"),
        incident.source,
        incident.commander
    )
}

fn evidence_vars(evidence: &[Evidence]) -> Vec<EvidenceVars> {
    evidence.iter().map(EvidenceVars::from).collect()
}

fn recent_lines(timeline: &[Entry]) -> Vec<String> {
    let skip = timeline.len().saturating_sub(RECENT_LINES);
    timeline[skip..].iter().map(Entry::summary_line).collect()
}

/// The tool named in the question, if any (whole words, as the tool list spells them).
fn named_tool(context: &Context<'_>, question: &str) -> Option<String> {
    let words: BTreeSet<&str> = question.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).collect();
    context.investigator.tools().into_iter().map(|tool| tool.name).find(|name| words.contains(name.as_str()))
}

/// The diagnostics as OpenAI function tools.
fn tool_definitions(context: &Context<'_>) -> Vec<Value> {
    context
        .investigator
        .tools()
        .into_iter()
        .map(|tool| {
            json!({ "type": "function", "function": {
                "name": tool.name, "description": tool.description, "parameters": tool.parameters } })
        })
        .collect()
}

/// The model's tool calls as our calls; arguments that are not a JSON object of strings are
/// passed on as they are so the catalog refuses them with a clear reason.
fn tool_calls(requested: &[client::RequestedCall]) -> Vec<ToolCall> {
    requested
        .iter()
        .map(|call| {
            let args = serde_json::from_str::<serde_json::Map<String, Value>>(&call.arguments)
                .map(|object| {
                    object
                        .into_iter()
                        .map(|(name, value)| {
                            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                            (name, text)
                        })
                        .collect()
                })
                .unwrap_or_default();
            ToolCall { tool: call.name.clone(), args }
        })
        .collect()
}

#[async_trait]
impl Advisor for LlmAdvisor {
    fn name(&self) -> &'static str {
        "llm"
    }

    async fn first_response(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let prompt = Prompt::FirstResponse {
            incident: IncidentVars::from(context.incident),
            evidence: evidence_vars(context.evidence),
            similar: context.similar.iter().map(SimilarVars::from).collect(),
        };
        let mut messages = vec![self.system()?, json!({ "role": "user", "content": self.render(&prompt)? })];
        let title = format!("{} · first response: {}", context.incident.id, context.incident.title);
        let first = self.complete(&messages, None, "first_response").await?.text;
        let answer = match FirstResponse::parse(&first) {
            Ok(parsed) => parsed,
            Err(_) => {
                messages.push(json!({ "role": "assistant", "content": first }));
                messages.push(json!({ "role": "user", "content": RETRY_STRUCTURED }));
                let second = self.complete(&messages, None, "first_response_retry").await?.text;
                match FirstResponse::parse(&second) {
                    Ok(parsed) => parsed,
                    // Shown as the model wrote it: better than nothing, clearly marked.
                    Err(problem) => {
                        return Ok(Report {
                            title,
                            sections: vec![
                                Section::new("Incident", incident_line(&context)),
                                Section::new("The model's answer (unstructured)", second),
                            ],
                            footer: format!("{} · {problem}", self.footer()),
                        });
                    }
                }
            }
        };
        Ok(answer.grounded(&context).report(title, incident_line(&context), self.footer()))
    }

    async fn focus(&self, context: Context<'_>, focus: Focus) -> Result<Report, AdvisorError> {
        let heading = match focus {
            Focus::RootCause => "Likely root causes",
            Focus::Mitigation => "Mitigation steps",
            Focus::Similar => return super::OfflineAdvisor::default().focus(context, focus).await,
        };
        let mut report = self.first_response(context).await?;
        report.sections.retain(|section| section.heading == heading || section.heading.starts_with("The model's"));
        report.title = format!("{} · {}", context.incident.id, heading.to_lowercase());
        Ok(report)
    }

    async fn answer(&self, context: Context<'_>, question: &str) -> Result<String, AdvisorError> {
        let tools = tool_definitions(&context);
        let prompt = Prompt::FollowUp {
            incident: IncidentVars::from(context.incident),
            running_summary: None,
            recent: recent_lines(context.timeline),
            evidence: evidence_vars(context.evidence),
            similar: context.similar.iter().map(SimilarVars::from).collect(),
            tools: !tools.is_empty(),
            asker: context.timeline.last().map_or_else(|| "someone".to_owned(), |entry| entry.author.name.clone()),
            question: question.to_owned(),
        };
        let mut messages = vec![self.system()?, json!({ "role": "user", "content": self.render(&prompt)? })];
        let mut seen: BTreeSet<String> = BTreeSet::new();
        // A question that names a tool ("run health for checkout") gets that tool called first.
        let mut named = named_tool(&context, question);
        for step in 0..self.settings.step_budget {
            let required = named.take();
            let offered = (!tools.is_empty()).then(|| Offer { tools: &tools, required: required.as_deref() });
            let completion = self.complete(&messages, offered, &format!("answer_step_{step}")).await?;
            if completion.calls.is_empty() {
                return Ok(completion.text);
            }
            messages.push(completion.assistant_message());
            let calls = tool_calls(&completion.calls);
            // A call the model already made this turn is not run again: it gets the earlier
            // result, which stops a model that keeps asking the same thing.
            let fresh: Vec<ToolCall> = calls.iter().filter(|call| seen.insert(call.to_string())).cloned().collect();
            let found = context.investigator.run(&fresh).await;
            for (requested, call) in completion.calls.iter().zip(&calls) {
                let result = found
                    .iter()
                    .zip(&fresh)
                    .find(|(_, ran)| *ran == call)
                    .map(|(evidence, _)| format!("{}\n{}", evidence.summary, evidence.detail))
                    .unwrap_or_else(|| {
                        "Already ran this turn with these arguments; see the earlier result.".to_owned()
                    });
                let bounded: String = redact_for_model(&result).chars().take(self.settings.max_result_chars).collect();
                messages.push(json!({ "role": "tool", "tool_call_id": requested.id, "content": bounded }));
            }
        }
        messages.push(json!({ "role": "user", "content": ANSWER_NOW }));
        Ok(self.complete(&messages, None, "answer_final").await?.text)
    }

    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let prompt = Prompt::Summary {
            incident: IncidentVars::from(context.incident),
            running_summary: None,
            recent: recent_lines(context.timeline),
            evidence: evidence_vars(context.evidence),
        };
        let messages = [self.system()?, json!({ "role": "user", "content": self.render(&prompt)? })];
        let text = self.complete(&messages, None, "summary").await?.text;
        Ok(Report {
            title: format!("{} · summary: {}", context.incident.id, context.incident.title),
            sections: vec![Section::new("Status", incident_line(&context)), Section::new("Catch-up", text)],
            footer: self.footer(),
        })
    }
}
