//! `LlmAdvisor`: recommendations and answers from a language model through async-openai —
//! OpenAI, Azure OpenAI or any OpenAI-compatible server (vLLM, Ollama, llama.cpp). The model sees
//! the incident, the similar resolved incidents (with ids to cite) and the evidence; for
//! follow-ups it may call the diagnostics as tools, within a step budget, and always ends with an
//! answer. Follow-ups and summaries see the conversation within `history_tokens`: the newest
//! lines verbatim, older ones folded by the model into a running summary kept with the incident
//! (see `history`). Every text is redacted before it leaves. Failures are returned as
//! `Unavailable` so the fallback advisor can answer instead.

pub mod client;
pub mod embeddings;
pub mod history;
pub mod prompts;
pub mod structured;

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde_json::{Value, json};
use tracing::warn;

use self::client::{ApiClient, Completion, LlmSettings, Offer};
use self::history::{Conversation, History};
use self::prompts::{EvidenceVars, IncidentVars, Prompt, PromptError, Prompts, SimilarVars};
use self::structured::{FirstResponse, Unparseable};
use crate::core::outbound::{Report, Section};
use crate::core::ports::{Advisor, AdvisorError, Context, Focus, Narrative, Recommendation};
use crate::core::ports::{Evidence, ToolCall};
use crate::core::postmortem::is_key_entry;
use crate::core::redact::redact_for_model;
use crate::core::timeline::Digest;

/// Asked once more when the first structured answer cannot be read.
const RETRY_STRUCTURED: &str =
    "That was not the JSON object asked for. Answer again with only the JSON object, no prose.";
/// Asked when the tool budget is spent.
const ANSWER_NOW: &str = "The diagnostics budget is spent. Answer the question now with what you have.";

/// Why the LLM advisor could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LlmSetupError {
    /// The prompt templates are missing or broken.
    #[error(transparent)]
    Prompts(#[from] PromptError),
    /// The client could not be built from the settings.
    #[error("setting up the LLM client: {0}")]
    Client(#[from] AdvisorError),
}

/// Advisor backed by a chat-completions model.
pub struct LlmAdvisor {
    client: ApiClient,
    prompts: Prompts,
    settings: LlmSettings,
}

impl LlmAdvisor {
    /// An advisor talking to the model the settings describe, with these prompts.
    pub fn new(settings: LlmSettings, prompts: Prompts) -> Result<Self, AdvisorError> {
        Ok(Self { client: ApiClient::new(&settings, &settings.model)?, prompts, settings })
    }

    /// The advisor `settings` describe, with the prompts they name (see [`Prompts::configured`]).
    pub fn from_settings(settings: &LlmSettings) -> Result<Self, LlmSetupError> {
        let prompts = Prompts::configured(settings.prompts_dir.as_deref())?;
        Ok(Self::new(settings.clone(), prompts)?)
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

    /// One request, answered within the settings' `max_tokens`; its token use and latency are
    /// logged and recorded as metrics.
    async fn complete(
        &self,
        messages: &[Value],
        tools: Option<Offer<'_>>,
        task: &str,
    ) -> Result<Completion, AdvisorError> {
        self.client.complete(&self.settings, task, messages, tools, self.settings.max_tokens).await
    }

    /// The conversation to show within the budget. When older lines are due to be folded, the
    /// model folds them into the running summary, which is kept for the next turn; when that
    /// fails, the turn goes on with the previous summary and the newest lines that fit.
    async fn conversation(&self, context: &Context<'_>) -> Conversation {
        let history = History::new(context.timeline, context.digest, self.settings.history_tokens);
        let Some(due) = history.due() else {
            return history.conversation(context.digest);
        };
        match self.fold(context, history.lines(due.clone())).await {
            Ok(text) => {
                let digest = Digest { text, covers: due.end };
                context.memory.remember(&digest).await;
                history.conversation(Some(&digest))
            }
            Err(failure) => {
                warn!(%failure, "could not fold older conversation into the running summary");
                history.conversation(context.digest)
            }
        }
    }

    /// The running summary with `lines` folded in, within a quarter of the history budget.
    async fn fold(&self, context: &Context<'_>, lines: &[String]) -> Result<String, AdvisorError> {
        let max_tokens = self.settings.history_tokens / 4;
        let prompt = Prompt::Fold {
            incident: IncidentVars::from(context.incident),
            running_summary: context.digest.map(|digest| digest.text.clone()),
            lines: lines.to_vec(),
            // About three words in four tokens.
            words: max_tokens * 3 / 4,
        };
        let messages = [self.system()?, json!({ "role": "user", "content": self.render(&prompt)? })];
        let limit = u32::try_from(max_tokens).unwrap_or(u32::MAX);
        let text = self.client.complete(&self.settings, "fold", &messages, None, limit).await?.text;
        let text = redact_for_model(text.trim());
        // An empty summary would stand in for lines it says nothing about.
        if text.is_empty() {
            return Err(AdvisorError::Unavailable("the model folded the conversation into nothing".into()));
        }
        Ok(text)
    }

    /// The first response as the structured answer asked for, grounded in what the model was
    /// shown; an unreadable answer is asked for once more, then returned as text with why.
    async fn structured_first_response(
        &self,
        context: &Context<'_>,
    ) -> Result<Result<FirstResponse, (String, Unparseable)>, AdvisorError> {
        let prompt = Prompt::FirstResponse {
            incident: IncidentVars::from(context.incident),
            evidence: evidence_vars(context.evidence),
            similar: context.similar.iter().map(SimilarVars::from).collect(),
        };
        let mut messages = vec![self.system()?, json!({ "role": "user", "content": self.render(&prompt)? })];
        let first = self.complete(&messages, None, "first_response").await?.text;
        if let Ok(parsed) = FirstResponse::parse(&first) {
            return Ok(Ok(parsed.grounded(context)));
        }
        messages.push(json!({ "role": "assistant", "content": first }));
        messages.push(json!({ "role": "user", "content": RETRY_STRUCTURED }));
        let second = self.complete(&messages, None, "first_response_retry").await?.text;
        Ok(match FirstResponse::parse(&second) {
            Ok(parsed) => Ok(parsed.grounded(context)),
            Err(problem) => Err((second, problem)),
        })
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

/// The narrative the model wrote, read from the first JSON object in `text`; a part given as a
/// list is one line per item.
fn narrative(text: &str) -> Result<Narrative, AdvisorError> {
    let unreadable = |why: &str| AdvisorError::Unavailable(format!("the postmortem narrative is unreadable: {why}"));
    let start = text.find('{').ok_or_else(|| unreadable("no JSON object"))?;
    let end = text.rfind('}').filter(|end| *end > start).ok_or_else(|| unreadable("no closing brace"))?;
    let object: serde_json::Map<String, Value> =
        serde_json::from_str(&text[start..=end]).map_err(|error| unreadable(&error.to_string()))?;
    let part = |name: &str| match object.get(name) {
        Some(Value::String(text)) => redact_for_model(text.trim()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| format!("- {}", item.as_str().map_or_else(|| item.to_string(), str::to_owned)))
            .map(|line| redact_for_model(&line))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    let narrative = Narrative {
        summary: part("summary"),
        impact: part("impact"),
        analysis: part("analysis"),
        lessons: part("lessons"),
    };
    if narrative.summary.is_empty() {
        return Err(unreadable("no summary"));
    }
    Ok(narrative)
}

fn evidence_vars(evidence: &[Evidence]) -> Vec<EvidenceVars> {
    evidence.iter().map(EvidenceVars::from).collect()
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
        let title = format!("{} · first response: {}", context.incident.id, context.incident.title);
        Ok(match self.structured_first_response(&context).await? {
            Ok(answer) => answer.report(title, incident_line(&context), self.footer()),
            // Shown as the model wrote it: better than nothing, clearly marked.
            Err((text, problem)) => Report {
                title,
                sections: vec![
                    Section::new("Incident", incident_line(&context)),
                    Section::new("The model's answer (unstructured)", text),
                ],
                footer: format!("{} · {problem}", self.footer()),
            },
        })
    }

    async fn recommend(&self, context: Context<'_>) -> Result<Recommendation, AdvisorError> {
        Ok(match self.structured_first_response(&context).await? {
            Ok(answer) => Recommendation {
                // A hypothesis's category is that of the first past incident it cites.
                categories: answer
                    .hypotheses
                    .iter()
                    .filter_map(|hypothesis| hypothesis.incidents.first())
                    .filter_map(|id| context.similar.iter().find(|found| &found.record.id == id))
                    .map(|found| found.record.category.clone())
                    .collect(),
                root_causes: answer.hypotheses.into_iter().map(|hypothesis| hypothesis.cause).collect(),
                mitigations: Some(answer.mitigations.join(" ")).filter(|plan| !plan.is_empty()).into_iter().collect(),
                confidence: None,
            },
            // Unstructured, the whole answer is the model's best guess at both.
            Err((text, _)) => {
                Recommendation { root_causes: vec![text.clone()], mitigations: vec![text], ..Recommendation::default() }
            }
        })
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
        let Conversation { running_summary, recent } = self.conversation(&context).await;
        let prompt = Prompt::FollowUp {
            incident: IncidentVars::from(context.incident),
            running_summary,
            recent,
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

    async fn postmortem(&self, context: Context<'_>) -> Result<Narrative, AdvisorError> {
        let incident = context.incident;
        let time = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
        let prompt = Prompt::Postmortem {
            incident: IncidentVars::from(incident),
            declared: time(incident.created_at),
            resolved: incident.resolved_at.map(time),
            root_cause: incident.root_cause.clone(),
            mitigation: incident.mitigation.clone(),
            category: incident.category.clone(),
            timeline: context
                .timeline
                .iter()
                .filter(|entry| is_key_entry(entry))
                .map(|entry| entry.summary_line())
                .collect(),
            evidence: evidence_vars(context.evidence),
            similar: context.similar.iter().map(SimilarVars::from).collect(),
        };
        let messages = [self.system()?, json!({ "role": "user", "content": self.render(&prompt)? })];
        narrative(&self.complete(&messages, None, "postmortem").await?.text)
    }

    async fn summarize(&self, context: Context<'_>) -> Result<Report, AdvisorError> {
        let Conversation { running_summary, recent } = self.conversation(&context).await;
        let prompt = Prompt::Summary {
            incident: IncidentVars::from(context.incident),
            running_summary,
            recent,
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
