//! `firebreak kb …` in the terminal: import a history, look up similar incidents, and show what the
//! knowledge base holds.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use super::finetune;
use crate::adapters::console::render::Format;
use crate::advisor::llm::prompts::Prompts;
use crate::core::ports::{SimilarIncident, Store};
use crate::core::record::IncidentRecord;
use crate::knowledge::{KnowledgeBase, read_jsonl};

/// What an import did with each record of the file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Records with an id the knowledge base did not know.
    pub new: usize,
    /// Records replacing a known record with the same id but different content.
    pub replaced: usize,
    /// Records identical to one already known: nothing to learn.
    pub skipped: usize,
}

/// Validates `path` and publishes its new and changed records to `store`, where every replica
/// folds them; a record whose id is known replaces the known one, an identical one is skipped.
pub async fn import(
    store: &dyn Store,
    knowledge: &KnowledgeBase,
    path: &Path,
    out: &mut impl Write,
) -> anyhow::Result<Imported> {
    let records = read_jsonl(path)?;
    let known: BTreeMap<String, _> =
        knowledge.records().into_iter().map(|record| (record.id.clone(), record)).collect();
    let mut imported = Imported::default();
    let mut publish = Vec::new();
    for record in records {
        match known.get(&record.id) {
            Some(existing) if **existing == record => imported.skipped += 1,
            Some(_) => {
                imported.replaced += 1;
                publish.push(record);
            }
            None => {
                imported.new += 1;
                publish.push(record);
            }
        }
    }
    store.publish(&publish).await.context("publishing the records")?;
    writeln!(
        out,
        "{} from {}: {} new, {} replacing known incidents with the same id (a record with a known id replaces it), {} skipped as identical to what is known",
        match publish.len() {
            1 => "imported 1 incident".to_owned(),
            count => format!("imported {count} incidents"),
        },
        path.display(),
        imported.new,
        imported.replaced,
        imported.skipped
    )?;
    Ok(imported)
}

#[derive(Serialize)]
struct SimilarLine<'a> {
    id: &'a str,
    title: &'a str,
    service: &'a str,
    category: &'a str,
    similarity: f32,
    score: f32,
    root_cause: &'a str,
    mitigation: &'a str,
}

/// Prints the matches for a `kb similar` query.
pub fn print_similar(matches: &[SimilarIncident], format: Format, out: &mut impl Write) -> io::Result<()> {
    if matches.is_empty() && format == Format::Text {
        return writeln!(out, "no similar incident found");
    }
    for found in matches {
        let record = &found.record;
        match format {
            Format::Json => {
                let line = SimilarLine {
                    id: &record.id,
                    title: &record.title,
                    service: &record.service,
                    category: &record.category,
                    similarity: found.similarity,
                    score: found.score,
                    root_cause: &record.root_cause,
                    mitigation: &record.mitigation,
                };
                writeln!(out, "{}", serde_json::to_string(&line).map_err(io::Error::other)?)?;
            }
            Format::Text => writeln!(
                out,
                "{:<10} {:.2}  {} [{}, {}]\n           cause: {}\n           fixed by: {}",
                record.id,
                found.similarity,
                record.title,
                record.service,
                record.category,
                record.root_cause,
                record.mitigation
            )?,
        }
    }
    Ok(())
}

/// Writes the knowledge base as fine-tuning JSONL at `path` and `<stem>.validation.jsonl`.
pub fn export_finetune(
    knowledge: &KnowledgeBase,
    prompts: &Prompts,
    path: &Path,
    validation: f64,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if !(0.0..1.0).contains(&validation) {
        anyhow::bail!("--validation must be at least 0 and below 1, not {validation}");
    }
    let mut records = knowledge.records();
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let refs: Vec<&IncidentRecord> = records.iter().map(AsRef::as_ref).collect();
    let validation_path = path.with_extension("validation.jsonl");
    let create = |path: &Path| {
        std::fs::File::create(path).map(io::BufWriter::new).with_context(|| format!("creating {}", path.display()))
    };
    let (mut training, mut held_out) = (create(path)?, create(&validation_path)?);
    let counts = finetune::export(&refs, prompts, validation, &mut training, &mut held_out)?;
    training.flush()?;
    held_out.flush()?;
    writeln!(
        out,
        "wrote {} training and {} validation examples from {} incidents to {} and {}",
        counts.training,
        counts.validation,
        counts.incidents,
        path.display(),
        validation_path.display()
    )?;
    Ok(())
}

/// What the knowledge base holds, by source, category and service.
#[derive(Debug, Serialize)]
pub struct Stats {
    /// Records in total.
    pub incidents: usize,
    /// Earliest and latest creation dates, when known.
    pub first: Option<String>,
    /// Latest creation date.
    pub last: Option<String>,
    /// Counts by who reported.
    pub by_source: BTreeMap<String, usize>,
    /// Counts by root-cause category.
    pub by_category: BTreeMap<String, usize>,
    /// Counts by service.
    pub by_service: BTreeMap<String, usize>,
}

/// Counts what `knowledge` holds.
pub fn stats(knowledge: &KnowledgeBase) -> Stats {
    let records = knowledge.records();
    let mut stats = Stats {
        incidents: records.len(),
        first: None,
        last: None,
        by_source: BTreeMap::new(),
        by_category: BTreeMap::new(),
        by_service: BTreeMap::new(),
    };
    for record in &records {
        *stats.by_source.entry(record.source.as_str().to_owned()).or_default() += 1;
        *stats.by_category.entry(record.category.clone()).or_default() += 1;
        *stats.by_service.entry(record.service.clone()).or_default() += 1;
    }
    let dates: Vec<_> = records.iter().filter_map(|record| record.created_at).collect();
    stats.first = dates.iter().min().map(|at| at.format("%Y-%m-%d").to_string());
    stats.last = dates.iter().max().map(|at| at.format("%Y-%m-%d").to_string());
    stats
}

/// Prints `stats` in `format`.
pub fn print_stats(stats: &Stats, format: Format, out: &mut impl Write) -> io::Result<()> {
    if format == Format::Json {
        return writeln!(out, "{}", serde_json::to_string(stats).map_err(io::Error::other)?);
    }
    let span = match (&stats.first, &stats.last) {
        (Some(first), Some(last)) => format!(", {first} to {last}"),
        _ => String::new(),
    };
    writeln!(out, "{} resolved incidents{span}", stats.incidents)?;
    for (heading, counts) in
        [("source", &stats.by_source), ("category", &stats.by_category), ("service", &stats.by_service)]
    {
        let listed: Vec<String> = counts.iter().map(|(name, count)| format!("{name} {count}")).collect();
        writeln!(out, "by {heading} ({}): {}", counts.len(), listed.join(", "))?;
    }
    Ok(())
}
