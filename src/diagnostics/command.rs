//! The `command` tool: one allow-listed program, run directly (never through a shell) with an
//! argv template whose slots are filled inside their own elements, so an argument can never
//! become two arguments, a pipe or a redirection. No value filled into a slot may start with
//! `-`, wherever the slot sits, and each filled element is checked again as a whole: it may not
//! start with `-` or step up a directory (`..`) unless the template's own text does. The child
//! gets an empty environment (no secret of ours passes through), no stdin, `/` as its working
//! directory, bounded output, and is killed when the catalog's timeout drops the run.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};

use async_trait::async_trait;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use super::params::{Args, Params, dot_dot_segments};
use super::template::Template;
use super::{DiagnosticsError, Observation, Tool, ToolError};

/// Output kept per stream when `max_output_bytes` is unset.
const DEFAULT_OUTPUT_LIMIT: usize = 64 * 1024;
/// The whole environment the child sees.
const CHILD_ENV: [(&str, &str); 2] = [("PATH", "/usr/bin:/bin"), ("LANG", "C.UTF-8")];

/// Settings of a `kind = "command"` tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSettings {
    /// Absolute path of the program; it must exist and be executable at start-up.
    pub program: PathBuf,
    /// Its arguments; `{param}` slots are filled inside the element they appear in.
    #[serde(default)]
    pub args: Vec<String>,
    /// Bytes kept of stdout and of stderr each; the rest is read and dropped.
    #[serde(default)]
    pub max_output_bytes: Option<usize>,
}

/// A configured `command` tool.
pub(crate) struct CommandTool {
    tool: String,
    program: PathBuf,
    args: Vec<Template>,
    output_limit: usize,
}

impl CommandTool {
    /// Checks the settings of tool `name`: the program is an absolute path to an executable
    /// file, and the argv template uses only declared parameters.
    pub fn new(name: &str, settings: &CommandSettings, params: &Params) -> Result<Self, DiagnosticsError> {
        let invalid = |problem: String| DiagnosticsError::InvalidTool { tool: name.to_owned(), problem };
        let program = &settings.program;
        if !program.is_absolute() {
            return Err(invalid(format!("program {} must be an absolute path", program.display())));
        }
        let metadata = std::fs::metadata(program)
            .map_err(|error| invalid(format!("program {} cannot be used: {error}", program.display())))?;
        if !metadata.is_file() || metadata.permissions().mode() & 0o111 == 0 {
            return Err(invalid(format!("program {} is not an executable file", program.display())));
        }
        let args: Vec<Template> = settings.args.iter().map(|arg| Template::parse(arg)).collect();
        for arg in &args {
            arg.require_declared(name, "args", params)?;
        }
        Ok(Self {
            tool: name.to_owned(),
            program: program.clone(),
            args,
            output_limit: settings.max_output_bytes.unwrap_or(DEFAULT_OUTPUT_LIMIT),
        })
    }

    /// The argv after the program, each element filled on its own.
    fn argv(&self, args: &Args) -> Vec<String> {
        self.args.iter().map(|arg| arg.fill(args)).collect()
    }

    /// The argv, refused if a value could make the program read it as something other than
    /// the data it was meant to be: a slot's value starting with `-` (an option such as
    /// `--output=/etc/…`, even after an empty slot before it), or an element that, filled,
    /// starts with `-` or has more `..` segments than the template's own text gives it.
    fn safe_argv(&self, args: &Args) -> Result<Vec<String>, DiagnosticsError> {
        let mut argv = Vec::with_capacity(self.args.len());
        for (index, template) in self.args.iter().enumerate() {
            if let Some(slot) = template.slots().find(|slot| args.value(slot).starts_with('-')) {
                return Err(DiagnosticsError::UnsafeArgument {
                    tool: self.tool.clone(),
                    arg: slot.to_owned(),
                    reason: "it starts with `-` and would be read as an option",
                });
            }
            let element = template.fill(args);
            let written = template.render(|_| "x".to_owned());
            let unsafe_element = |reason| DiagnosticsError::UnsafeCommandLine {
                tool: self.tool.clone(),
                position: index + 1,
                element: element.clone(),
                reason,
            };
            if element.starts_with('-') && !written.starts_with('-') {
                return Err(unsafe_element("it starts with `-` and would be read as an option"));
            }
            if dot_dot_segments(&element) > dot_dot_segments(&written) {
                return Err(unsafe_element("its arguments together make a `..` path segment"));
            }
            argv.push(element);
        }
        Ok(argv)
    }
}

#[async_trait]
impl Tool for CommandTool {
    fn query(&self, args: &Args) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(self.argv(args).iter().map(|arg| quoted(arg)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    async fn run(&self, args: &Args) -> Result<Observation, ToolError> {
        let argv = self.safe_argv(args)?;
        let failed = |error: std::io::Error| ToolError::Spawn {
            program: self.program.display().to_string(),
            reason: error.to_string(),
        };
        let mut child = Command::new(&self.program)
            .args(argv)
            .env_clear()
            .envs(CHILD_ENV)
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // The catalog's timeout drops this future; the child must not outlive it.
            .kill_on_drop(true)
            .spawn()
            .map_err(failed)?;
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let (stdout, stderr) = tokio::join!(capped(stdout, self.output_limit), capped(stderr, self.output_limit));
        let status = child.wait().await.map_err(failed)?;

        let mut summary = format!("{} {}", self.program.display(), ended(status));
        if stdout.total == stdout.kept {
            let lines = stdout.text.lines().count();
            summary.push_str(&format!("; {lines} line{} of output", if lines == 1 { "" } else { "s" }));
        }
        let mut detail = Vec::new();
        for (stream, output) in [("stdout", &stdout), ("stderr", &stderr)] {
            if output.total > output.kept {
                summary.push_str(&format!("; {stream} cut to {} of {} bytes", output.kept, output.total));
            }
            if !output.text.trim().is_empty() {
                detail.push(format!("{stream}:\n{}", output.text.trim_end()));
            }
        }
        Ok(Observation { summary, detail: detail.join("\n") })
    }
}

/// What was kept of one output stream.
struct Output {
    text: String,
    kept: usize,
    total: usize,
}

/// Reads `stream` to its end, keeping the first `limit` bytes: the rest is drained rather than
/// left in the pipe, where it would block the child until the timeout.
async fn capped(stream: Option<impl AsyncRead + Unpin>, limit: usize) -> Output {
    let mut kept = Vec::new();
    let mut total = 0;
    if let Some(mut stream) = stream {
        let mut buffer = [0u8; 8192];
        while let Ok(read) = stream.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            let room = limit.saturating_sub(kept.len());
            kept.extend_from_slice(&buffer[..read.min(room)]);
            total += read;
        }
    }
    Output { text: String::from_utf8_lossy(&kept).into_owned(), kept: kept.len(), total }
}

/// `exited 0`, `exited with status 3`, `was killed by signal 9`.
fn ended(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(0), _) => "exited 0".to_owned(),
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => "ended without a status".to_owned(),
    }
}

/// `arg` as a person would type it: quoted when it has spaces, quotes or nothing at all.
fn quoted(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(program: &str) -> CommandSettings {
        CommandSettings { program: program.into(), args: vec!["{name}".to_owned()], max_output_bytes: None }
    }

    fn params() -> Params {
        Params::compile("probe", &[("name".to_owned(), ".+".to_owned())].into()).unwrap()
    }

    #[test]
    fn the_program_must_be_an_absolute_path_to_an_executable_file() {
        for program in ["echo", "/no/such/program", "/etc/passwd", "/usr/bin"] {
            let error = CommandTool::new("probe", &settings(program), &params()).err();
            assert!(matches!(error, Some(DiagnosticsError::InvalidTool { .. })), "{program} was accepted");
        }
        assert!(CommandTool::new("probe", &settings("/bin/echo"), &params()).is_ok());
    }

    #[test]
    fn an_option_the_template_writes_stays_allowed_and_a_dash_from_a_value_does_not() {
        let params = Params::compile("probe", &[("window".to_owned(), "-?[0-9]+m".to_owned())].into()).unwrap();
        let settings = CommandSettings {
            program: "/bin/echo".into(),
            args: vec!["--since={window}".to_owned(), "../{window}".to_owned()],
            max_output_bytes: None,
        };
        let tool = CommandTool::new("probe", &settings, &params).unwrap();
        let args = |window: &str| params.check(&[("window".to_owned(), window.to_owned())].into()).unwrap();

        assert_eq!(tool.safe_argv(&args("10m")).unwrap(), ["--since=10m", "../10m"]);
        assert!(matches!(tool.safe_argv(&args("-5m")), Err(DiagnosticsError::UnsafeArgument { .. })));
    }

    #[test]
    fn the_query_quotes_arguments_as_a_shell_user_would_read_them() {
        assert_eq!(quoted("-n"), "-n");
        assert_eq!(quoted("a b"), "'a b'");
        assert_eq!(quoted("it's"), r"'it'\''s'");
        assert_eq!(quoted(""), "''");
    }
}
