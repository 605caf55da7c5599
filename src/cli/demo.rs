//! `firebreak demo`: replays a scripted incident conversation through the console adapter,
//! starting the stand-in service and diagnostics the scenario brings, and checks what the bot
//! said against what each step expects.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context as _;

use super::scenario::{Action, Scenario};
use super::stand_in::StandIn;
use crate::adapters::console::Console;
use crate::adapters::console::render::{self, Format};
use crate::app::App;
use crate::config::Settings;
use crate::core::timeline::Author;

/// Replays `file` (the built-in checkout scenario when `None`) in `format` on `out`, on an app
/// built from `settings`. Returns the unmet expectations, one line each.
pub async fn run(
    file: Option<&Path>,
    format: Format,
    mut settings: Settings,
    out: impl Write,
) -> anyhow::Result<Vec<String>> {
    let scenario = match file {
        Some(path) => Scenario::load(path)?,
        None => Scenario::builtin(),
    };
    let mut stand_in = None;
    if let Some(spec) = &scenario.stand_in {
        let server = StandIn::start(spec).await.context("starting the demo's stand-in service")?;
        if let Some(diagnostics) = scenario.diagnostics(&server.base_url())? {
            settings.diagnostics = diagnostics;
        }
        stand_in = Some(server);
    }
    let app = App::build(settings).await?;
    let engine = app.engine();
    let mut console = Console::new(&engine, scenario.channel.clone(), format, out);
    let unmet = replay(&mut console, &scenario).await.context("writing the transcript")?;
    drop(stand_in);
    Ok(unmet)
}

/// Replays `scenario` step by step on `console`, printing both sides. Returns the unmet
/// expectations, one line each (empty when every step's `expect` was met).
pub async fn replay<W: Write>(console: &mut Console<'_, W>, scenario: &Scenario) -> io::Result<Vec<String>> {
    console.heading(&scenario.title)?;
    let mut unmet = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        // Steps were checked when the scenario was read.
        let (replies, what) = match step.action().map_err(io::Error::other)? {
            Action::Say { author, line } => {
                let author = Author::new(format!("demo:{author}"), author);
                console.echo(&author, line)?;
                (console.say(&author, &step.roles, line).await?, line.to_owned())
            }
            Action::Pass(duration) => {
                let pass = step.pass.clone().unwrap_or_default();
                console.note(&render::time_passes(&pass))?;
                (console.pass(duration).await?, format!("{pass} pass"))
            }
        };
        let said: String = replies.iter().map(|reply| render::plain(&reply.message)).collect::<Vec<_>>().join("\n");
        let said = said.to_lowercase();
        unmet.extend(
            step.expect
                .iter()
                .filter(|expected| !said.contains(&expected.to_lowercase()))
                .map(|expected| format!("step {} ({what}): expected a reply containing {expected:?}", index + 1)),
        );
    }
    Ok(unmet)
}
