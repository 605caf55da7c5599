//! The `firebreak` command: parses arguments, builds the app, hands over to an adapter.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use firebreak::adapters::console::Console;
use firebreak::adapters::console::render::Format;
use firebreak::advisor::llm::prompts::Prompts;
use firebreak::app::App;
use firebreak::cli::eval::{self, EvalArgs};
use firebreak::cli::{demo, kb, load, stats};
use firebreak::config::Settings;
use firebreak::core::incident::IncidentId;
use firebreak::core::ports::Knowledge;
use firebreak::core::timeline::Author;
use firebreak::telemetry;

/// Incident-response copilot for chat.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Settings file (default: ./firebreak.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Where the commands that keep or read incident state find it.
#[derive(Debug, Clone, clap::Args)]
struct StoreArgs {
    /// Keep incident state in this Redis (overrides settings and REDIS_URL); memory otherwise.
    #[arg(long, global = true, value_name = "URL")]
    redis: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Score an advisor on an incident history with the study's metrics (BLEU-4, ROUGE-L,
    /// METEOR, category match), replayed without leakage, against baselines.
    Eval(EvalArgs),
    /// Replay a scripted incident conversation (default: the built-in checkout demo).
    Demo {
        /// A scenario file from conversations/.
        file: Option<PathBuf>,
        /// How the bot's messages are printed: text (the channel transcript) or json (one
        /// object per bot message).
        #[arg(long, value_enum, default_value_t, hide_possible_values = true)]
        format: Format,
        /// Fail if a reply misses what the scenario expects.
        #[arg(long)]
        check: bool,
    },
    #[command(flatten)]
    Live(LiveCommand),
}

/// Commands that run against the wired app (store, knowledge base, engine).
#[derive(Debug, Subcommand)]
enum LiveCommand {
    /// Run the Discord bot (token from DISCORD_TOKEN) and, with `[intake] listen`, the alert
    /// intake, until Ctrl-C.
    Run {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run the alert intake alone (webhooks, /healthz, /readyz, /metrics on `[intake] listen`)
    /// until Ctrl-C; posts to Discord over HTTP when DISCORD_TOKEN is set.
    Intake {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Talk to the bot in the terminal, as in an incident channel (reads stdin).
    Chat {
        #[command(flatten)]
        store: StoreArgs,
        /// How the bot's messages are printed: text (the channel transcript) or json (one
        /// object per bot message).
        #[arg(long, value_enum, default_value_t, hide_possible_values = true)]
        format: Format,
        /// Your name on the timeline.
        #[arg(long)]
        user: Option<String>,
        /// The channel this terminal stands for.
        #[arg(long)]
        channel: Option<String>,
    },
    /// Production measures read from the store.
    Stats {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: StatsCommand,
    },
    /// The knowledge base of resolved incidents.
    Kb {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        command: KbCommand,
    },
    /// Draft an incident's postmortem in Markdown from its record in Redis.
    Postmortem {
        #[command(flatten)]
        store: StoreArgs,
        /// The incident, e.g. INC-2001.
        #[arg(value_parser = parse_incident_id)]
        incident: IncidentId,
        /// Write the draft to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// A replica process of the load harness (`benches/load.rs`): takes requests on stdin,
    /// answers on stdout.
    #[command(hide = true)]
    LoadWorker {
        #[command(flatten)]
        store: StoreArgs,
        /// Replicas that must hold each write (`[redis] wait_replicas`).
        #[arg(long)]
        wait_replicas: Option<u32>,
        /// How long a write waits for them, milliseconds.
        #[arg(long)]
        wait_timeout_ms: Option<u64>,
        /// A certificate authority (PEM) to trust for TLS.
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
}

fn parse_incident_id(text: &str) -> Result<IncidentId, String> {
    IncidentId::parse(text).map_err(|error| error.to_string())
}

#[derive(Debug, Subcommand)]
enum StatsCommand {
    /// The /feedback ratings: count, mean and share rated 3/5 or better, by source and advisor.
    Feedback {
        /// text (a table) or json (one object).
        #[arg(long, value_enum, default_value_t, hide_possible_values = true)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
enum KbCommand {
    /// Validate a JSONL history and publish it to Redis, where every replica learns it.
    Import {
        /// JSONL file in the incident record schema (see README).
        file: PathBuf,
    },
    /// The resolved incidents most similar to a description.
    Similar {
        /// Title and summary of the incident to match.
        text: String,
        /// How many to show.
        #[arg(long, default_value_t = 5)]
        k: usize,
        /// text (a few lines per incident) or json (one object per incident).
        #[arg(long, value_enum, default_value_t, hide_possible_values = true)]
        format: Format,
    },
    /// Write the knowledge base as chat fine-tuning JSONL (title and summary → root cause;
    /// → mitigation), with a repeatable validation split next to it.
    ExportFinetune {
        /// Training set; the validation set goes beside it as `<name>.validation.jsonl`.
        #[arg(long)]
        out: PathBuf,
        /// Share of incidents held out for validation.
        #[arg(long, default_value_t = 0.1)]
        validation: f64,
    },
    /// What the knowledge base holds.
    Stats {
        /// text (counts by source, category and service) or json (one object).
        #[arg(long, value_enum, default_value_t, hide_possible_values = true)]
        format: Format,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        // Output piped into `head` that stopped reading: nothing went wrong worth saying.
        Err(error) if broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("firebreak: {}", describe(&error));
            ExitCode::FAILURE
        }
    }
}

/// Whether the failure is the reader of stdout going away.
fn broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The error and its causes on one line, each said once: a cause an error already quotes in
/// its own message is not repeated.
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain().map(ToString::to_string) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    let store = match &cli.command {
        Command::Live(
            LiveCommand::Run { store }
            | LiveCommand::Intake { store }
            | LiveCommand::Chat { store, .. }
            | LiveCommand::Stats { store, .. }
            | LiveCommand::Kb { store, .. }
            | LiveCommand::Postmortem { store, .. }
            | LiveCommand::LoadWorker { store, .. },
        ) => Some(store),
        Command::Eval(_) | Command::Demo { .. } => None,
    };
    if let Some(url) = store.and_then(|store| store.redis.clone()) {
        settings.redis.url = Some(url);
    }
    telemetry::init(settings.log.as_deref());
    let live = match cli.command {
        Command::Eval(args) => {
            eval::run(&args, &settings, &mut std::io::stdout().lock()).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Demo { file, format, check } => {
            let unmet = demo::run(file.as_deref(), format, settings, std::io::stdout().lock()).await?;
            if check && !unmet.is_empty() {
                for line in &unmet {
                    eprintln!("unmet: {line}");
                }
                return Ok(ExitCode::FAILURE);
            }
            return Ok(ExitCode::SUCCESS);
        }
        Command::Live(live) => live,
    };
    if let LiveCommand::LoadWorker { wait_replicas, wait_timeout_ms, ca_file, .. } = &live {
        settings.redis.wait_replicas = wait_replicas.unwrap_or(settings.redis.wait_replicas);
        settings.redis.wait_timeout_ms = wait_timeout_ms.unwrap_or(settings.redis.wait_timeout_ms);
        settings.redis.ca_file = ca_file.clone().or(settings.redis.ca_file.take());
    }
    if settings.redis.url.is_none() {
        match live {
            LiveCommand::LoadWorker { .. } => {
                anyhow::bail!("load-worker needs the store its replicas share: --redis URL")
            }
            LiveCommand::Kb { command: KbCommand::Import { .. }, .. } => {
                anyhow::bail!(
                    "kb import needs Redis (--redis URL or REDIS_URL): the knowledge base is shared through it"
                )
            }
            LiveCommand::Stats { .. } => {
                anyhow::bail!("stats read the ratings stored in Redis: give --redis URL or set REDIS_URL")
            }
            LiveCommand::Postmortem { .. } => {
                anyhow::bail!("postmortem reads the incident stored in Redis: give --redis URL or set REDIS_URL")
            }
            _ => {}
        }
    }
    let app = App::build(settings).await?;
    run_live(live, app).await
}

async fn run_live(live: LiveCommand, app: App) -> anyhow::Result<ExitCode> {
    let settings = app.settings();
    match live {
        LiveCommand::Run { .. } => {
            app.run_until_stopped(shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        LiveCommand::Intake { .. } => {
            app.run_intake(shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        LiveCommand::Chat { format, user, channel, .. } => {
            let user = user.unwrap_or_else(|| settings.console.user.clone());
            let channel = channel.unwrap_or_else(|| settings.console.channel.clone());
            if std::io::stdin().is_terminal() {
                eprintln!("Firebreak chat in #{channel} as {user}. Try `/help`; Ctrl-D to leave.");
            }
            let engine = app.engine();
            let mut console = Console::new(&engine, channel, format, std::io::stdout().lock());
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let author = Author::new(format!("console:{user}"), user.clone());
            console.chat(&author, &settings.console.roles, stdin).await?;
            Ok(ExitCode::SUCCESS)
        }
        LiveCommand::LoadWorker { .. } => {
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            load::serve(std::sync::Arc::new(app.engine()), stdin, tokio::io::stdout()).await?;
            Ok(ExitCode::SUCCESS)
        }
        LiveCommand::Postmortem { incident, out, .. } => {
            let draft = app.engine().postmortem(incident).await?;
            match out {
                Some(path) => std::fs::write(&path, draft).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{draft}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        LiveCommand::Stats { command: StatsCommand::Feedback { format }, .. } => {
            let stats = stats::feedback_stats(app.ports().store.as_ref()).await.context("reading the ratings")?;
            stats::print(&stats, format, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        LiveCommand::Kb { command, .. } => {
            let mut out = std::io::stdout().lock();
            match command {
                KbCommand::Import { file } => {
                    kb::import(app.ports().store.as_ref(), app.knowledge(), &file, &mut out).await?;
                }
                KbCommand::Similar { text, k, format } => {
                    kb::print_similar(&app.knowledge().similar(&text, k, None).await?, format, &mut out)?
                }
                KbCommand::ExportFinetune { out: path, validation } => {
                    let prompts = Prompts::configured(settings.llm.prompts_dir.as_deref())?;
                    kb::export_finetune(app.knowledge(), &prompts, &path, validation, &mut out)?;
                }
                KbCommand::Stats { format } => kb::print_stats(&kb::stats(app.knowledge()), format, &mut out)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Completes on Ctrl-C or SIGTERM (how containers are stopped).
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
