//! Tool parameters: each is a name and a regex its argument must match in full. Arguments are
//! checked here, before any tool sees them, and come out as [`Args`] — the only form a tool
//! accepts. Some values are refused whatever the regex says, because no diagnostic needs them
//! and they are the raw material of injection: control characters (NUL, newlines) and bare
//! `.`/`..` path segments.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};

use super::DiagnosticsError;

/// Tool and parameter names: safe in templates, logs and a model's tool list.
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[a-z][a-z0-9_-]{0,63}$").expect("the name pattern is valid"));

/// Refuses `name` unless it is a usable identifier.
pub(crate) fn check_name(what: &'static str, name: &str) -> Result<(), DiagnosticsError> {
    if NAME.is_match(name) { Ok(()) } else { Err(DiagnosticsError::BadName { what, name: name.to_owned() }) }
}

/// One parameter's pattern, as written and compiled to match whole values only.
#[derive(Debug)]
struct Pattern {
    written: String,
    anchored: Regex,
}

impl Pattern {
    /// How the pattern is shown to people and in a JSON schema: anchored, as it is applied. A
    /// plain group, not `(?:…)`: llama.cpp's grammar from a JSON schema understands only the
    /// former, and ignores a pattern it cannot read rather than enforcing it.
    fn shown(&self) -> String {
        let core = self.written.strip_prefix('^').unwrap_or(&self.written);
        let core = match core.strip_suffix('$') {
            Some(stripped) if !stripped.ends_with('\\') => stripped,
            _ => core,
        };
        format!("^({core})$")
    }
}

/// The declared parameters of one tool.
#[derive(Debug)]
pub(crate) struct Params {
    tool: String,
    patterns: BTreeMap<String, Pattern>,
}

/// Arguments that passed their tool's checks: every declared parameter present, each value a
/// full match of its regex, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Args(BTreeMap<String, String>);

impl Args {
    /// The value of `name`. Templates are checked at start-up to use only declared parameters
    /// and every declared parameter is required, so a template slot always finds its value;
    /// an empty string stands in for a name no template can contain.
    pub fn value(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// The value of `name`, if the tool declares it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

impl Params {
    /// Compiles the parameters of `tool`, refusing bad names and regexes.
    pub fn compile(tool: &str, declared: &BTreeMap<String, String>) -> Result<Self, DiagnosticsError> {
        let mut patterns = BTreeMap::new();
        for (name, written) in declared {
            check_name("parameter", name)?;
            let anchored = Regex::new(&format!(r"\A(?:{written})\z")).map_err(|error| {
                DiagnosticsError::BadPattern { tool: tool.to_owned(), param: name.clone(), reason: error.to_string() }
            })?;
            patterns.insert(name.clone(), Pattern { written: written.clone(), anchored });
        }
        Ok(Self { tool: tool.to_owned(), patterns })
    }

    /// No parameters: for settings that must not vary with a call.
    pub fn none(tool: &str) -> Self {
        Self { tool: tool.to_owned(), patterns: BTreeMap::new() }
    }

    /// Whether `name` is a declared parameter.
    pub fn declares(&self, name: &str) -> bool {
        self.patterns.contains_key(name)
    }

    /// The declared parameter names, in order.
    pub fn declared(&self) -> impl Iterator<Item = &str> {
        self.patterns.keys().map(String::as_str)
    }

    /// The declared parameter names, comma-separated, for error messages.
    pub fn names(&self) -> String {
        if self.patterns.is_empty() {
            "no arguments".to_owned()
        } else {
            self.patterns.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
        }
    }

    /// Checks `args` against the declaration; the first problem found is reported.
    pub fn check(&self, args: &BTreeMap<String, String>) -> Result<Args, DiagnosticsError> {
        if let Some(unknown) = args.keys().find(|name| !self.declares(name)) {
            return Err(DiagnosticsError::UnknownArgument {
                tool: self.tool.clone(),
                arg: unknown.clone(),
                expected: self.names(),
            });
        }
        for (name, pattern) in &self.patterns {
            let Some(value) = args.get(name) else {
                return Err(DiagnosticsError::MissingArgument {
                    tool: self.tool.clone(),
                    arg: name.clone(),
                    pattern: pattern.shown(),
                });
            };
            if let Some(reason) = never_allowed(value) {
                return Err(DiagnosticsError::UnsafeArgument { tool: self.tool.clone(), arg: name.clone(), reason });
            }
            if !pattern.anchored.is_match(value) {
                return Err(DiagnosticsError::ArgumentMismatch {
                    tool: self.tool.clone(),
                    arg: name.clone(),
                    value: value.clone(),
                    pattern: pattern.shown(),
                });
            }
            // After the regex, so a value it already refuses is reported with the pattern it failed.
            if value == "." || dot_dot_segments(value) > 0 {
                return Err(DiagnosticsError::UnsafeArgument {
                    tool: self.tool.clone(),
                    arg: name.clone(),
                    reason: "a `..` path segment or a bare `.` could step out of the intended path",
                });
            }
        }
        Ok(Args(args.clone()))
    }

    /// A JSON schema of the arguments: an object of required string properties, each with its
    /// anchored pattern, and nothing else.
    pub fn schema(&self) -> Value {
        let properties: serde_json::Map<String, Value> = self
            .patterns
            .iter()
            .map(|(name, pattern)| (name.clone(), json!({ "type": "string", "pattern": pattern.shown() })))
            .collect();
        json!({
            "type": "object",
            "properties": properties,
            "required": self.patterns.keys().collect::<Vec<_>>(),
            "additionalProperties": false,
        })
    }
}

/// Why `value` is refused whatever its parameter's regex allows, if it is: characters that
/// must not even be echoed back in a message about the regex.
fn never_allowed(value: &str) -> Option<&'static str> {
    if value.contains('\0') {
        Some("it contains a NUL character")
    } else if value.contains(['\n', '\r']) {
        Some("it contains a line break")
    } else if value.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    }
}

/// How many `..` segments `path` has, with `/` or `\` between segments.
pub(crate) fn dot_dot_segments(path: &str) -> usize {
    path.split(['/', '\\']).filter(|segment| *segment == "..").count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(declared: &[(&str, &str)]) -> Params {
        let declared = declared.iter().map(|(name, pattern)| (name.to_string(), pattern.to_string())).collect();
        Params::compile("probe", &declared).unwrap()
    }

    fn args(given: &[(&str, &str)]) -> BTreeMap<String, String> {
        given.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn an_argument_must_match_its_regex_in_full_not_just_contain_a_match() {
        let params = params(&[("service", "[a-z]+")]);

        let error = params.check(&args(&[("service", "checkout; rm -rf /")])).unwrap_err();

        assert!(matches!(error, DiagnosticsError::ArgumentMismatch { .. }), "{error}");
        assert!(error.to_string().contains("^([a-z]+)$"), "the message shows the expected pattern: {error}");
        assert_eq!(params.check(&args(&[("service", "checkout")])).unwrap().value("service"), "checkout");
    }

    #[test]
    fn an_alternation_cannot_escape_the_anchors() {
        let params = params(&[("path", "healthz|readyz")]);

        assert!(params.check(&args(&[("path", "healthz/../admin")])).is_err());
        assert!(params.check(&args(&[("path", "readyz")])).is_ok());
    }

    #[test]
    fn missing_and_unknown_arguments_are_named() {
        let params = params(&[("service", "[a-z]+")]);

        let missing = params.check(&args(&[])).unwrap_err().to_string();
        let unknown = params.check(&args(&[("service", "a"), ("host", "b")])).unwrap_err().to_string();

        assert!(missing.contains("`service`") && missing.contains("[a-z]+"), "{missing}");
        assert!(unknown.contains("`host`") && unknown.contains("service"), "{unknown}");
    }

    #[test]
    fn control_characters_and_dot_segments_are_refused_even_when_the_regex_allows_them() {
        let params = params(&[("value", "(?s).*")]);

        for value in
            ["a\nb", "a\rb", "a\0b", "a\u{1b}[31m", "..", ".", "../../../../etc/passwd", "logs/../../x", "..\\x"]
        {
            let error = params.check(&args(&[("value", value)])).unwrap_err();
            assert!(matches!(error, DiagnosticsError::UnsafeArgument { .. }), "{value:?}: {error}");
        }
        assert!(params.check(&args(&[("value", "a..b")])).is_ok());
        assert!(params.check(&args(&[("value", "v1.2..v1.3")])).is_ok(), "a git range is not a path segment");
    }

    #[test]
    fn a_regex_that_does_not_compile_is_reported_with_its_parameter() {
        let declared = args(&[("service", "[a-z")]);

        let error = Params::compile("probe", &declared).unwrap_err();

        assert!(matches!(&error, DiagnosticsError::BadPattern { param, .. } if param == "service"), "{error}");
    }

    #[test]
    fn parameter_names_must_be_identifiers() {
        let declared = args(&[("Service Name", ".*")]);

        assert!(matches!(Params::compile("probe", &declared), Err(DiagnosticsError::BadName { .. })));
    }

    #[test]
    fn the_schema_lists_every_parameter_as_a_required_anchored_string() {
        let params = params(&[("service", "[a-z]+"), ("window", "[0-9]+m")]);

        let schema = params.schema();

        assert_eq!(schema["properties"]["service"], json!({ "type": "string", "pattern": "^([a-z]+)$" }));
        assert_eq!(schema["required"], json!(["service", "window"]));
        assert_eq!(schema["additionalProperties"], json!(false));
    }
}
