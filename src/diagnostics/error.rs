//! What can go wrong in diagnostics: [`DiagnosticsError`] for settings refused at start-up and
//! calls refused before they run (both written for the operator or engineer who must fix
//! them), and [`ToolError`] for a probe that ran and failed.

use thiserror::Error;

/// A setting refused at start-up, or a tool call refused before anything ran.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DiagnosticsError {
    /// Two tools share a name, so a call could not say which one it means.
    #[error("diagnostics tool names must be unique: `{0}` is declared more than once")]
    DuplicateTool(String),
    /// A tool or parameter name is not usable as an identifier.
    #[error("diagnostics {what} name {name:?} must be 1-64 characters of a-z, 0-9, _ or -, starting with a letter")]
    BadName {
        /// `tool` or `parameter`.
        what: &'static str,
        /// The name as configured.
        name: String,
    },
    /// A parameter's regex does not compile.
    #[error("diagnostics tool `{tool}`: the pattern of parameter `{param}` is not a valid regex: {reason}")]
    BadPattern {
        /// The tool declaring the parameter.
        tool: String,
        /// The parameter.
        param: String,
        /// What the regex compiler said.
        reason: String,
    },
    /// A template names a placeholder the tool does not declare as a parameter.
    #[error(
        "diagnostics tool `{tool}`: {{{placeholder}}} in its {field} is not a declared parameter (declared: {declared})"
    )]
    UndeclaredPlaceholder {
        /// The tool.
        tool: String,
        /// Which setting holds the template.
        field: &'static str,
        /// The unknown placeholder, without braces.
        placeholder: String,
        /// The declared parameters, comma-separated.
        declared: String,
    },
    /// A kind-specific setting is unusable (bad URL, program not executable, bad duration…).
    #[error("diagnostics tool `{tool}`: {problem}")]
    InvalidTool {
        /// The tool.
        tool: String,
        /// What is wrong and what would be right.
        problem: String,
    },
    /// A handler is unusable (bad regex, unknown tool or argument, unknown placeholder).
    #[error("diagnostics handler `{handler}`: {problem}")]
    InvalidHandler {
        /// The handler.
        handler: String,
        /// What is wrong and what would be right.
        problem: String,
    },
    /// A global limit is out of range.
    #[error("diagnostics: {0}")]
    InvalidLimit(String),
    /// A call names a tool nobody declared.
    #[error("there is no diagnostics tool `{tool}`; available: {available}")]
    UnknownTool {
        /// The name asked for.
        tool: String,
        /// The declared tools, comma-separated.
        available: String,
    },
    /// A call passes an argument the tool does not take.
    #[error("tool `{tool}` takes no argument `{arg}`; it takes: {expected}")]
    UnknownArgument {
        /// The tool.
        tool: String,
        /// The unexpected argument.
        arg: String,
        /// The parameters it does take, comma-separated.
        expected: String,
    },
    /// A call leaves out a parameter.
    #[error("tool `{tool}` needs argument `{arg}` matching {pattern}")]
    MissingArgument {
        /// The tool.
        tool: String,
        /// The missing parameter.
        arg: String,
        /// The regex its value must fully match.
        pattern: String,
    },
    /// An argument does not fully match its parameter's regex.
    #[error("argument `{arg}` of tool `{tool}` is {value:?}, which does not match {pattern}")]
    ArgumentMismatch {
        /// The tool.
        tool: String,
        /// The parameter.
        arg: String,
        /// The value given.
        value: String,
        /// The regex it must fully match.
        pattern: String,
    },
    /// An argument is refused whatever the regex says (control characters, dot segments,
    /// a leading dash where it would become an option).
    #[error("argument `{arg}` of tool `{tool}` is refused: {reason}")]
    UnsafeArgument {
        /// The tool.
        tool: String,
        /// The parameter.
        arg: String,
        /// Why it is never accepted.
        reason: &'static str,
    },
    /// A command-line element, filled from arguments that each passed, would still be read as
    /// an option or step out of the intended path.
    #[error("tool `{tool}`: argument {position} of the command line would be {element:?}, which is refused: {reason}")]
    UnsafeCommandLine {
        /// The tool.
        tool: String,
        /// Which element after the program, from 1.
        position: usize,
        /// The element as filled.
        element: String,
        /// Why it is never run.
        reason: &'static str,
    },
}

/// A probe that ran and could not produce its observation.
#[derive(Debug, Error)]
pub enum ToolError {
    /// The target could not be reached or stopped answering.
    #[error("could not reach {target}: {reason}")]
    Unreachable {
        /// The URL or address.
        target: String,
        /// The underlying cause, with its chain.
        reason: String,
    },
    /// The arguments passed their checks but still do not make a usable target (a URL with an
    /// impossible host, say).
    #[error("cannot use {target}: {reason}")]
    BadTarget {
        /// The URL or name built from the arguments.
        target: String,
        /// Why it is unusable.
        reason: String,
    },
    /// The target redirected somewhere the tool may not follow: another host not in
    /// `allow_redirects_to`, or an internal address range its own URL is not in.
    #[error("refused to follow the redirect from {from} to {location}: {reason}")]
    RedirectRefused {
        /// The URL that answered with the redirect.
        from: String,
        /// Where it pointed.
        location: String,
        /// Why it is not followed.
        reason: String,
    },
    /// The target answered, but not in the way the tool needs.
    #[error("{target} gave an unusable answer: {reason}")]
    BadResponse {
        /// The URL or address.
        target: String,
        /// What was wrong with the answer.
        reason: String,
    },
    /// The program could not be started or waited for.
    #[error("could not run {program}: {reason}")]
    Spawn {
        /// The program's path.
        program: String,
        /// What the operating system said.
        reason: String,
    },
    /// Every DNS lookup of the name failed for a reason other than the name not existing.
    #[error("DNS lookup of {name} failed: {reason}")]
    Dns {
        /// The name looked up.
        name: String,
        /// What the resolver said.
        reason: String,
    },
    /// The arguments are valid for the catalog but refused by this kind of tool.
    #[error(transparent)]
    Refused(#[from] DiagnosticsError),
}

/// `error` and every cause under it, joined by `: `, because a client error's own message
/// ("error sending request") rarely says what actually happened ("connection refused").
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
