//! Prompt templates (`prompts/*.md`, minijinja), loaded once at start-up. Each prompt has a
//! typed set of variables; templates are rendered in strict mode against a sample of every
//! prompt when they are loaded, so a template that does not parse or names a variable the code
//! does not provide stops the bot at start-up instead of failing mid-incident.

use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use thiserror::Error;

use crate::core::incident::Incident;
use crate::core::ports::{Evidence, SimilarIncident};

/// Where prompt templates are looked for when `[llm] prompts_dir` is unset.
const DEFAULT_DIR: &str = "prompts";

/// Every template, with its built-in copy.
const TEMPLATES: &[(&str, &str)] = &[
    ("system", include_str!("../../../prompts/system.md")),
    ("first_response", include_str!("../../../prompts/first_response.md")),
    ("follow_up", include_str!("../../../prompts/follow_up.md")),
    ("summary", include_str!("../../../prompts/summary.md")),
    ("fold", include_str!("../../../prompts/fold.md")),
    ("postmortem", include_str!("../../../prompts/postmortem.md")),
    ("finetune_system", include_str!("../../../prompts/finetune_system.md")),
    ("finetune_user", include_str!("../../../prompts/finetune_user.md")),
];

/// Why prompts could not be loaded or rendered.
#[derive(Debug, Error)]
pub enum PromptError {
    /// A template file could not be read.
    #[error("cannot read prompt template {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A template does not parse or does not render with the variables its prompt provides.
    #[error("prompt template `{name}` is broken: {message}")]
    Template {
        /// The template's name (file name without `.md`).
        name: &'static str,
        /// What minijinja reported, with the line.
        message: String,
    },
}

/// The incident as prompts see it.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentVars {
    /// `INC-…`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Summary, possibly empty.
    pub summary: String,
    /// Affected service.
    pub service: Option<String>,
    /// `sev1`…`sev4`.
    pub severity: String,
    /// `machine` or `customer`.
    pub source: String,
    /// Lifecycle status.
    pub status: String,
    /// Incident commander.
    pub commander: String,
}

impl From<&Incident> for IncidentVars {
    fn from(incident: &Incident) -> Self {
        Self {
            id: incident.id.to_string(),
            title: incident.title.clone(),
            summary: incident.summary.clone(),
            service: incident.service.clone(),
            severity: incident.severity.to_string(),
            source: incident.source.to_string(),
            status: incident.status.to_string(),
            commander: incident.commander.to_string(),
        }
    }
}

/// One piece of evidence as prompts see it.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceVars {
    /// The tool that ran.
    pub tool: String,
    /// Whether it produced an observation.
    pub ok: bool,
    /// What it found.
    pub summary: String,
    /// What it ran.
    pub query: String,
}

impl From<&Evidence> for EvidenceVars {
    fn from(evidence: &Evidence) -> Self {
        Self {
            tool: evidence.tool.clone(),
            ok: evidence.ok,
            summary: evidence.summary.clone(),
            query: evidence.query.clone(),
        }
    }
}

/// One similar past incident as prompts see it.
#[derive(Debug, Clone, Serialize)]
pub struct SimilarVars {
    /// Its id, for citations.
    pub id: String,
    /// Title.
    pub title: String,
    /// Service.
    pub service: String,
    /// Root-cause category.
    pub category: String,
    /// Similarity, two decimals.
    pub similarity: String,
    /// What caused it.
    pub root_cause: String,
    /// What fixed it.
    pub mitigation: String,
}

impl From<&SimilarIncident> for SimilarVars {
    fn from(found: &SimilarIncident) -> Self {
        let record = &found.record;
        Self {
            id: record.id.clone(),
            title: record.title.clone(),
            service: record.service.clone(),
            category: record.category.clone(),
            similarity: format!("{:.2}", found.similarity),
            root_cause: record.root_cause.clone(),
            mitigation: record.mitigation.clone(),
        }
    }
}

/// A prompt to render, with its variables.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Prompt {
    /// The system message.
    System {
        /// Whose team the bot serves, if configured.
        organisation: Option<String>,
    },
    /// The first response to a declared incident.
    FirstResponse {
        /// The incident.
        incident: IncidentVars,
        /// Evidence gathered for it.
        evidence: Vec<EvidenceVars>,
        /// Similar resolved incidents.
        similar: Vec<SimilarVars>,
    },
    /// A question addressed to the bot.
    FollowUp {
        /// The incident.
        incident: IncidentVars,
        /// Older conversation, folded.
        running_summary: Option<String>,
        /// Recent timeline lines, verbatim.
        recent: Vec<String>,
        /// Evidence so far.
        evidence: Vec<EvidenceVars>,
        /// Similar resolved incidents.
        similar: Vec<SimilarVars>,
        /// Whether diagnostics are offered as tools.
        tools: bool,
        /// Who asks.
        asker: String,
        /// The question.
        question: String,
    },
    /// `/summary`.
    Summary {
        /// The incident.
        incident: IncidentVars,
        /// Older conversation, folded.
        running_summary: Option<String>,
        /// Recent timeline lines.
        recent: Vec<String>,
        /// Evidence so far.
        evidence: Vec<EvidenceVars>,
    },
    /// Folding older timeline lines into the incident's running summary.
    Fold {
        /// The incident.
        incident: IncidentVars,
        /// The summary so far, if there is one.
        running_summary: Option<String>,
        /// The lines to fold in, oldest first.
        lines: Vec<String>,
        /// The longest the new summary may be, in words.
        words: usize,
    },
    /// The narrative parts of a postmortem draft.
    Postmortem {
        /// The incident.
        incident: IncidentVars,
        /// When it was declared.
        declared: String,
        /// When it was resolved, if it was.
        resolved: Option<String>,
        /// The root cause recorded at resolution.
        root_cause: Option<String>,
        /// The mitigation recorded at resolution.
        mitigation: Option<String>,
        /// The root-cause category recorded at resolution.
        category: Option<String>,
        /// The timeline's key entries (decisions, updates, roles), one line each.
        timeline: Vec<String>,
        /// Evidence gathered.
        evidence: Vec<EvidenceVars>,
        /// Similar resolved incidents.
        similar: Vec<SimilarVars>,
    },
    /// The system message of fine-tuning examples.
    FinetuneSystem {},
    /// The user message of a fine-tuning example.
    FinetuneUser {
        /// `root_cause` or `mitigation`.
        task: &'static str,
        /// Incident title.
        title: String,
        /// Service.
        service: String,
        /// Summary.
        summary: String,
    },
}

impl Prompt {
    /// The template this prompt renders.
    pub fn template(&self) -> &'static str {
        match self {
            Prompt::System { .. } => "system",
            Prompt::FirstResponse { .. } => "first_response",
            Prompt::FollowUp { .. } => "follow_up",
            Prompt::Summary { .. } => "summary",
            Prompt::Fold { .. } => "fold",
            Prompt::Postmortem { .. } => "postmortem",
            Prompt::FinetuneSystem {} => "finetune_system",
            Prompt::FinetuneUser { .. } => "finetune_user",
        }
    }

    /// One prompt of every kind, with every variable set, for checking templates.
    fn samples() -> Vec<Prompt> {
        let incident = IncidentVars {
            id: "INC-1".into(),
            title: "t".into(),
            summary: String::new(),
            service: None,
            severity: "sev3".into(),
            source: "customer".into(),
            status: "investigating".into(),
            commander: "c".into(),
        };
        let evidence = vec![EvidenceVars { tool: "x".into(), ok: false, summary: "s".into(), query: "q".into() }];
        let similar = vec![SimilarVars {
            id: "INC-0".into(),
            title: "t".into(),
            service: "s".into(),
            category: "c".into(),
            similarity: "0.50".into(),
            root_cause: "r".into(),
            mitigation: String::new(),
        }];
        vec![
            Prompt::System { organisation: None },
            Prompt::FirstResponse { incident: incident.clone(), evidence: evidence.clone(), similar: similar.clone() },
            Prompt::FollowUp {
                incident: incident.clone(),
                running_summary: Some("r".into()),
                recent: vec!["l".into()],
                evidence: evidence.clone(),
                similar: similar.clone(),
                tools: true,
                asker: "a".into(),
                question: "q".into(),
            },
            Prompt::Summary {
                incident: incident.clone(),
                running_summary: None,
                recent: Vec::new(),
                evidence: evidence.clone(),
            },
            Prompt::Postmortem {
                incident: incident.clone(),
                declared: "d".into(),
                resolved: Some("r".into()),
                root_cause: Some("c".into()),
                mitigation: None,
                category: None,
                timeline: vec!["l".into()],
                evidence,
                similar: similar.clone(),
            },
            Prompt::Fold { incident, running_summary: Some("r".into()), lines: vec!["l".into()], words: 100 },
            Prompt::FinetuneSystem {},
            Prompt::FinetuneUser { task: "root_cause", title: "t".into(), service: "s".into(), summary: String::new() },
        ]
    }
}

/// The loaded templates.
#[derive(Debug)]
pub struct Prompts {
    environment: Environment<'static>,
}

impl Prompts {
    /// The templates built into the binary.
    pub fn builtin() -> Result<Self, PromptError> {
        Self::from_sources(TEMPLATES.iter().map(|(name, text)| (*name, (*text).to_owned())).collect())
    }

    /// The templates in `dir` (`<name>.md` each; every one must be there).
    pub fn load(dir: &Path) -> Result<Self, PromptError> {
        let mut sources = Vec::new();
        for (name, _) in TEMPLATES {
            let path = dir.join(format!("{name}.md"));
            let text = std::fs::read_to_string(&path).map_err(|source| PromptError::Read { path, source })?;
            sources.push((*name, text));
        }
        Self::from_sources(sources)
    }

    /// The templates in `dir` when it exists, the built-in copies otherwise.
    pub fn load_or_builtin(dir: &Path) -> Result<Self, PromptError> {
        if dir.is_dir() { Self::load(dir) } else { Self::builtin() }
    }

    /// The templates `[llm] prompts_dir` names (all of them must be there); without it, those
    /// in `./prompts` when that folder exists, the built-in copies otherwise.
    pub fn configured(prompts_dir: Option<&Path>) -> Result<Self, PromptError> {
        match prompts_dir {
            Some(dir) => Self::load(dir),
            None => Self::load_or_builtin(Path::new(DEFAULT_DIR)),
        }
    }

    fn from_sources(sources: Vec<(&'static str, String)>) -> Result<Self, PromptError> {
        let mut environment = Environment::new();
        environment.set_undefined_behavior(UndefinedBehavior::Strict);
        environment.set_trim_blocks(true);
        for (name, text) in sources {
            environment
                .add_template_owned(name, text)
                .map_err(|error| PromptError::Template { name, message: describe(&error) })?;
        }
        let prompts = Self { environment };
        for sample in Prompt::samples() {
            prompts.render(&sample)?;
        }
        Ok(prompts)
    }

    /// The text of `prompt`.
    pub fn render(&self, prompt: &Prompt) -> Result<String, PromptError> {
        let name = prompt.template();
        let broken = |error: minijinja::Error| PromptError::Template { name, message: describe(&error) };
        let template = self.environment.get_template(name).map_err(broken)?;
        Ok(template.render(prompt).map_err(broken)?.trim().to_owned())
    }
}

fn describe(error: &minijinja::Error) -> String {
    match error.line() {
        Some(line) => format!("{error} (line {line})"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_template_renders_with_its_variables() {
        let prompts = Prompts::builtin().unwrap();
        for sample in Prompt::samples() {
            let text = prompts.render(&sample).unwrap();
            assert!(!text.is_empty(), "{} rendered empty", sample.template());
        }
    }

    #[test]
    fn the_prompts_folder_matches_the_builtin_copies() {
        let folder = Prompts::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts"))).unwrap();
        let builtin = Prompts::builtin().unwrap();
        for sample in Prompt::samples() {
            assert_eq!(folder.render(&sample).unwrap(), builtin.render(&sample).unwrap());
        }
    }

    #[test]
    fn a_template_naming_an_unknown_variable_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in TEMPLATES {
            let text = if *name == "summary" { "{{ incident.pager_number }}" } else { text };
            std::fs::write(dir.path().join(format!("{name}.md")), text).unwrap();
        }
        let error = Prompts::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("`summary` is broken"), "{error}");
    }

    #[test]
    fn a_template_that_does_not_parse_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in TEMPLATES {
            let text = if *name == "summary" { "line one\n{% for x in %}" } else { text };
            std::fs::write(dir.path().join(format!("{name}.md")), text).unwrap();
        }
        let error = Prompts::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("`summary` is broken") && error.contains("line 2"), "{error}");
    }

    #[test]
    fn the_first_response_prompt_lists_evidence_and_similar_incidents() {
        let prompts = Prompts::builtin().unwrap();
        let Prompt::FirstResponse { incident, .. } = &Prompt::samples()[1] else { panic!() };
        let prompt = Prompt::FirstResponse {
            incident: incident.clone(),
            evidence: vec![EvidenceVars {
                tool: "error_ratio".into(),
                ok: true,
                summary: "0.12 now".into(),
                query: "q".into(),
            }],
            similar: vec![SimilarVars {
                id: "INC-1001".into(),
                title: "Checkout 502s".into(),
                service: "checkout".into(),
                category: "deployment".into(),
                similarity: "0.47".into(),
                root_cause: "bad release".into(),
                mitigation: "rolled back".into(),
            }],
        };
        let text = prompts.render(&prompt).unwrap();
        assert!(text.contains("[error_ratio] ok: 0.12 now"), "{text}");
        assert!(text.contains("INC-1001 \"Checkout 502s\""), "{text}");
    }
}
