//! `firebreak eval`: reads a history, runs the evaluation with a progress bar, prints the
//! Markdown (or JSON) report and, with `--out`, writes `report.json`, `report.md`,
//! `report.html` and `outcomes.jsonl` (one line per tested incident) there.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::adapters::console::render::Format;
use crate::advisor::OfflineAdvisor;
use crate::advisor::llm::LlmAdvisor;
use crate::advisor::llm::embeddings::Embedder;
use crate::app::empty_knowledge;
use crate::config::{Retrieval, Settings};
use crate::core::ports::Advisor;
use crate::eval::harness::{EvalOptions, Evaluation, evaluate};
use crate::eval::protocol::Protocol;
use crate::eval::report::EvalReport;
use crate::eval::{html, markdown};
use crate::knowledge::read_jsonl;

/// Which advisor to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AdvisorChoice {
    /// Retrieval over the history, no model.
    #[default]
    Offline,
    /// The model `[llm]` configures (no offline fallback: its failures count as abstentions).
    Llm,
}

/// Arguments of `firebreak eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// JSONL history in the incident record schema.
    #[arg(long)]
    pub dataset: PathBuf,
    /// Advisor to evaluate.
    #[arg(long, value_enum, default_value_t)]
    pub advisor: AdvisorChoice,
    /// Candidates for best-of-k and category match @k (the advisor is given `[knowledge] k`
    /// similar incidents, as in the channel).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub k: u16,
    /// Know incidents up to this day (YYYY-MM-DD) and test every later one; chronological otherwise.
    #[arg(long, value_name = "DATE")]
    pub train_until: Option<NaiveDate>,
    /// Test only the most recent N incidents.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Write report.json, report.md, report.html and outcomes.jsonl into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print: text (the Markdown report) or json (the JSON report).
    #[arg(long, value_enum, default_value_t, hide_possible_values = true)]
    pub format: Format,
    /// Seed of the random baseline.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How similar incidents are found; `[knowledge] retrieval` otherwise (BM25 by default).
    #[arg(long, value_enum)]
    pub retrieval: Option<RetrievalChoice>,
    /// Skip the embedding-cosine score even when an embedding model is configured (it costs
    /// one embeddings request per incident).
    #[arg(long)]
    pub no_semantic: bool,
}

/// Which retrieval gives the advisor its similar incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetrievalChoice {
    /// BM25 over the records' words.
    Bm25,
    /// BM25 fused with the embeddings of `[llm] embedding_model`.
    Hybrid,
}

impl From<RetrievalChoice> for Retrieval {
    fn from(choice: RetrievalChoice) -> Self {
        match choice {
            RetrievalChoice::Bm25 => Self::Bm25,
            RetrievalChoice::Hybrid => Self::Hybrid,
        }
    }
}

/// Runs the evaluation `args` describe and prints the report.
pub async fn run(args: &EvalArgs, settings: &Settings, out: &mut impl Write) -> anyhow::Result<()> {
    let records = read_jsonl(&args.dataset)?;
    let advisor: Box<dyn Advisor> = match args.advisor {
        AdvisorChoice::Offline => Box::new(OfflineAdvisor::new(settings.knowledge.min_similarity)),
        AdvisorChoice::Llm if !settings.llm.enabled() => anyhow::bail!(
            "--advisor llm needs a model: set OPENAI_BASE_URL or OPENAI_API_KEY (or [llm] in the settings)"
        ),
        AdvisorChoice::Llm => Box::new(LlmAdvisor::from_settings(&settings.llm)?),
    };
    let embedder = match args.no_semantic {
        true => None,
        false => Embedder::from_settings(&settings.llm).context("setting up the embeddings client")?,
    };
    let options = EvalOptions {
        k: usize::from(args.k),
        similar: settings.knowledge.k,
        protocol: args.train_until.map_or(Protocol::Chronological, |train_until| Protocol::TrainUntil { train_until }),
        limit: args.limit,
        seed: args.seed,
    };
    let bar = progress_bar();
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let mut searching = settings.clone();
    if let Some(retrieval) = args.retrieval {
        searching.knowledge.retrieval = retrieval.into();
    }
    let knowledge = empty_knowledge(&searching)?;
    let evaluation = evaluate(&records, advisor.as_ref(), knowledge, embedder.as_ref(), options, &progress).await?;
    bar.finish_and_clear();

    let report = EvalReport::new(&evaluation, &args.dataset.display().to_string());
    if let Some(dir) = &args.out {
        write_files(dir, &report, &evaluation)?;
    }
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        Format::Text => write!(out, "{}", markdown::render(&report))?,
    }
    Ok(())
}

/// A bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean).
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} incidents · {elapsed} elapsed, ~{eta} left")
        .expect("the progress template is valid");
    bar.set_style(style);
    bar
}

fn write_files(dir: &Path, report: &EvalReport, evaluation: &Evaluation) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, contents: String| {
        let path = dir.join(name);
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
    };
    write("report.json", serde_json::to_string_pretty(report)? + "\n")?;
    write("report.md", markdown::render(report))?;
    write("report.html", html::render(report)?)?;
    let mut lines = String::new();
    for outcome in &evaluation.outcomes {
        lines.push_str(&serde_json::to_string(outcome)?);
        lines.push('\n');
    }
    write("outcomes.jsonl", lines)
}
