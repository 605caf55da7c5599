//! The `firebreak` command: parses arguments, builds the app, hands over to an adapter.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use firebreak::adapters::console::Console;
use firebreak::adapters::console::render::Format;
use firebreak::adapters::console::scenario::Scenario;
use firebreak::app::App;
use firebreak::config::Settings;
use firebreak::core::timeline::Author;
use firebreak::telemetry;

/// Incident-response copilot for chat.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Settings file (default: ./firebreak.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Keep incident state in this Redis (overrides settings and REDIS_URL); memory otherwise.
    #[arg(long, global = true, value_name = "URL")]
    redis: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Talk to the bot in the terminal, as in an incident channel (reads stdin).
    Chat {
        /// Output format of the bot's messages.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Your name on the timeline.
        #[arg(long)]
        user: Option<String>,
        /// The channel this terminal stands for.
        #[arg(long)]
        channel: Option<String>,
    },
    /// Replay a scripted incident conversation (default: the built-in checkout demo).
    Demo {
        /// A scenario file from conversations/.
        file: Option<PathBuf>,
        /// Output format of the bot's messages.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Fail if a reply misses what the scenario expects.
        #[arg(long)]
        check: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("firebreak: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = cli.redis {
        settings.redis.url = Some(url);
    }
    telemetry::init(settings.log.as_deref());
    let app = App::build(&settings).await?;
    match cli.command {
        Command::Chat { format, user, channel } => {
            let user = user.unwrap_or_else(|| settings.console.user.clone());
            let channel = channel.unwrap_or_else(|| settings.console.channel.clone());
            if std::io::stdin().is_terminal() {
                eprintln!("Firebreak chat in #{channel} as {user}. Try `/help`; Ctrl-D to leave.");
            }
            let mut console = Console::new(&app.engine, channel, format, std::io::stdout().lock());
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            console.chat(&Author::new(format!("console:{user}"), user.clone()), stdin).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { file, format, check } => {
            let scenario = match file {
                Some(path) => Scenario::load(&path)?,
                None => Scenario::builtin(),
            };
            let mut console = Console::new(&app.engine, scenario.channel.clone(), format, std::io::stdout().lock());
            let unmet = console.replay(&scenario).await.context("writing the transcript")?;
            if check && !unmet.is_empty() {
                for line in &unmet {
                    eprintln!("unmet: {line}");
                }
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
