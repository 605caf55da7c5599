//! Fine-tuning data from resolved incidents, the study's key finding: a model tuned on the
//! organisation's own history recommends best. Each incident gives chat examples — title and
//! summary → root cause, and → mitigation — split deterministically into training and
//! validation sets, so an export is repeatable and an incident never lands in both.

use std::io::{self, Write};

use serde::Serialize;
use thiserror::Error;

use crate::advisor::llm::prompts::{Prompt, PromptError, Prompts};
use crate::core::record::IncidentRecord;

/// Why an export failed.
#[derive(Debug, Error)]
pub enum ExportError {
    /// A prompt template failed to render.
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// Writing an output failed.
    #[error("cannot write the export: {0}")]
    Write(#[from] io::Error),
}

/// How many examples went where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ExportCounts {
    /// Incidents exported.
    pub incidents: usize,
    /// Examples in the training set.
    pub training: usize,
    /// Examples in the validation set.
    pub validation: usize,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'a str,
    content: &'a str,
}

#[derive(Serialize)]
struct Example<'a> {
    messages: [ChatMessage<'a>; 3],
}

/// Writes chat fine-tuning JSONL: examples of incidents whose id hashes below
/// `validation_share` (0–1) go to `validation`, the rest to `training`.
pub fn export(
    records: &[&IncidentRecord],
    prompts: &Prompts,
    validation_share: f64,
    training: &mut impl Write,
    validation: &mut impl Write,
) -> Result<ExportCounts, ExportError> {
    let system = prompts.render(&Prompt::FinetuneSystem {})?;
    let mut counts = ExportCounts::default();
    for record in records {
        counts.incidents += 1;
        let to_validation = bucket(&record.id) < validation_share;
        let tasks = [("root_cause", record.root_cause.as_str()), ("mitigation", record.mitigation.as_str())];
        for (task, answer) in tasks.into_iter().filter(|(_, answer)| !answer.trim().is_empty()) {
            let user = prompts.render(&Prompt::FinetuneUser {
                task,
                title: record.title.clone(),
                service: record.service.clone(),
                summary: record.summary.clone(),
            })?;
            let example = Example {
                messages: [
                    ChatMessage { role: "system", content: &system },
                    ChatMessage { role: "user", content: &user },
                    ChatMessage { role: "assistant", content: answer },
                ],
            };
            let line = serde_json::to_string(&example).map_err(io::Error::other)?;
            if to_validation {
                writeln!(validation, "{line}")?;
                counts.validation += 1;
            } else {
                writeln!(training, "{line}")?;
                counts.training += 1;
            }
        }
    }
    Ok(counts)
}

/// A stable number in [0, 1) from an id (FNV-1a), the same on every machine and run.
fn bucket(id: &str) -> f64 {
    let hash = id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3));
    (hash % 10_000) as f64 / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;

    #[test]
    fn every_incident_gives_examples_on_one_side_of_the_split_only() {
        let records = KnowledgeBase::sample_records();
        let refs: Vec<&IncidentRecord> = records.iter().collect();
        let (mut training, mut validation) = (Vec::new(), Vec::new());

        let counts = export(&refs, &Prompts::builtin().unwrap(), 0.1, &mut training, &mut validation).unwrap();

        assert_eq!(counts.incidents, records.len());
        assert_eq!(counts.training + counts.validation, 2 * records.len(), "every sample record has both answers");
        let share = counts.validation as f64 / (counts.training + counts.validation) as f64;
        assert!((0.04..0.18).contains(&share), "validation share {share}");
        let parse = |bytes: &[u8]| -> Vec<serde_json::Value> {
            String::from_utf8(bytes.to_vec()).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
        };
        let (training, validation) = (parse(&training), parse(&validation));
        let titles = |examples: &[serde_json::Value]| -> std::collections::HashSet<String> {
            examples
                .iter()
                .map(|e| e["messages"][1]["content"].as_str().unwrap().split("Title: ").nth(1).unwrap().to_owned())
                .collect()
        };
        assert!(titles(&training).is_disjoint(&titles(&validation)));
        assert_eq!(training[0]["messages"][0]["role"], "system");
        assert_eq!(training[0]["messages"][2]["role"], "assistant");
    }

    #[test]
    fn an_incident_without_a_mitigation_gives_only_its_root_cause_example() {
        let mut record = KnowledgeBase::sample_records().remove(0);
        record.mitigation.clear();
        let (mut training, mut validation) = (Vec::new(), Vec::new());

        let counts = export(&[&record], &Prompts::builtin().unwrap(), 0.0, &mut training, &mut validation).unwrap();

        assert_eq!((counts.training, counts.validation), (1, 0));
        assert!(String::from_utf8(training).unwrap().contains("most likely root cause"));
    }
}
