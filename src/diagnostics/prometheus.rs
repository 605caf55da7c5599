//! The `prometheus` tool: a PromQL query against a Prometheus-compatible HTTP API — an instant
//! query, or a range query over the last `range` — optionally evaluated again `compare` earlier,
//! so the evidence can say "up from 0.002 an hour earlier". Turning the series into a sentence
//! is [`summary`]'s job.

mod summary;

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;

use self::summary::{Series, Window};
use super::duration::Span;
use super::params::{Args, Params};
use super::template::Template;
use super::web::{self, Fetcher};
use super::{DiagnosticsError, Observation, Tool, ToolError};

/// Most points Prometheus returns per series; more is refused by the server.
const MAX_POINTS: f64 = 11_000.0;
/// Points per range when no `step` is given.
const DEFAULT_POINTS: f64 = 60.0;

/// Settings of a `kind = "prometheus"` tool.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusSettings {
    /// Base URL of the API, e.g. `http://prometheus:9090` (the `/api/v1/…` paths are added).
    pub url: String,
    /// The PromQL; `{param}` slots are filled with arguments as they are, so give parameters
    /// strict patterns such as `[a-z0-9-]+`.
    pub query: String,
    /// Look back this far (`30m`, `1h`) with a range query; unset for an instant query.
    #[serde(default)]
    pub range: Option<String>,
    /// Resolution of a range query; a sixtieth of the range when unset.
    #[serde(default)]
    pub step: Option<String>,
    /// Also evaluate the same window this much earlier (`1h`, `1d`) to tell the change.
    #[serde(default)]
    pub compare: Option<String>,
}

/// A configured `prometheus` tool.
pub(crate) struct PrometheusTool {
    name: String,
    base: String,
    query: Template,
    range: Option<(Span, f64)>,
    compare: Option<Span>,
    fetcher: Fetcher,
}

impl PrometheusTool {
    /// Checks the settings of tool `name` and builds its client.
    pub fn new(name: &str, settings: &PrometheusSettings, params: &Params) -> Result<Self, DiagnosticsError> {
        let invalid = |problem: String| DiagnosticsError::InvalidTool { tool: name.to_owned(), problem };
        // The base takes no arguments (a query may vary, the server it goes to may not), so the
        // template has no slots and renders as written.
        let base = web::url_template(name, "url", &settings.url, &Params::none(name))?.render(|_| String::new());
        let query = Template::parse(&settings.query);
        query.require_declared(name, "query", params)?;
        let span = |field: &str, text: &Option<String>| {
            text.as_deref().map(Span::parse).transpose().map_err(|problem| invalid(format!("{field}: {problem}")))
        };
        let range = span("range", &settings.range)?;
        let step = span("step", &settings.step)?;
        let range = match (range, step) {
            (Some(range), step) => {
                let step = step.map_or(range.seconds() / DEFAULT_POINTS, |step| step.seconds()).max(1.0);
                if range.seconds() / step > MAX_POINTS {
                    return Err(invalid(format!(
                        "range {} in steps of {step} s exceeds {MAX_POINTS} points",
                        range.text
                    )));
                }
                Some((range, step))
            }
            (None, Some(_)) => return Err(invalid("step is only meaningful with a range".to_owned())),
            (None, None) => None,
        };
        let compare = span("compare", &settings.compare)?;
        let fetcher = Fetcher::new(None, None, &[]).map_err(invalid)?;
        Ok(Self { name: name.to_owned(), base, query, range, compare, fetcher })
    }

    /// The series of `promql` for the window ending `shift_secs` before `now`.
    async fn series(&self, promql: &str, now: f64, shift_secs: f64) -> Result<Vec<Series>, ToolError> {
        let end = now - shift_secs;
        let (path, params) = match &self.range {
            Some((range, step)) => (
                "api/v1/query_range",
                vec![
                    ("query", promql.to_owned()),
                    ("start", format!("{:.3}", end - range.seconds())),
                    ("end", format!("{end:.3}")),
                    ("step", format!("{step}")),
                ],
            ),
            None => ("api/v1/query", vec![("query", promql.to_owned()), ("time", format!("{end:.3}"))]),
        };
        let url = self.endpoint(path);
        let envelope: Envelope = web::get_json(&self.fetcher, &url, &params).await?;
        match envelope {
            Envelope { status, data: Some(data), .. } if status == "success" => Ok(data.into_series()),
            Envelope { error_type, error, .. } => Err(ToolError::BadResponse {
                target: url,
                reason: format!(
                    "the query was refused ({}): {}",
                    error_type.as_deref().unwrap_or("error"),
                    error.as_deref().unwrap_or("no reason given")
                ),
            }),
        }
    }

    /// `base` joined with an API path, keeping any path prefix the base has (`/prometheus`).
    fn endpoint(&self, path: &str) -> String {
        format!("{}/{path}", self.base.trim_end_matches('/'))
    }
}

#[async_trait]
impl Tool for PrometheusTool {
    fn query(&self, args: &Args) -> String {
        self.query.fill(args)
    }

    async fn run(&self, args: &Args) -> Result<Observation, ToolError> {
        let promql = self.query(args);
        // Both windows end relative to the same instant so they line up point for point.
        let now = Utc::now().timestamp_millis() as f64 / 1000.0;
        let earlier = async {
            match &self.compare {
                Some(compare) => Ok(Some((compare.text.as_str(), self.series(&promql, now, compare.seconds()).await?))),
                None => Ok(None),
            }
        };
        let (current, earlier) = tokio::try_join!(self.series(&promql, now, 0.0), earlier)?;
        let window = Window {
            range: self.range.as_ref().map(|(range, step)| (range.text.as_str(), *step)),
            earlier: earlier.as_ref().map(|(offset, series)| (*offset, series.as_slice())),
        };
        Ok(summary::observe(&self.name, &current, &window))
    }
}

/// The envelope of every Prometheus API answer.
#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The result of a query, by its type.
#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Matrix(Vec<RangeSeries>),
    Vector(Vec<InstantSample>),
    Scalar(Sample),
    String(Sample),
}

#[derive(Debug, Deserialize)]
struct RangeSeries {
    metric: Labels,
    values: Vec<Sample>,
}

#[derive(Debug, Deserialize)]
struct InstantSample {
    metric: Labels,
    value: Sample,
}

type Labels = std::collections::BTreeMap<String, String>;

/// `[unix seconds, "value"]`: Prometheus sends values as strings so NaN and ±Inf survive JSON.
#[derive(Debug, Deserialize)]
struct Sample(f64, String);

impl Sample {
    fn value(&self) -> f64 {
        // Go formats these as NaN, +Inf and -Inf, which Rust's parser reads too; anything else
        // unreadable is no number at all.
        self.1.parse().unwrap_or(f64::NAN)
    }
}

impl Data {
    fn into_series(self) -> Vec<Series> {
        match self {
            Self::Matrix(series) => series
                .into_iter()
                .map(|series| Series {
                    labels: series.metric,
                    points: series.values.iter().map(|sample| (sample.0, sample.value())).collect(),
                })
                .collect(),
            Self::Vector(samples) => samples
                .into_iter()
                .map(|sample| Series { points: vec![(sample.value.0, sample.value.value())], labels: sample.metric })
                .collect(),
            Self::Scalar(sample) | Self::String(sample) => {
                vec![Series { labels: Labels::new(), points: vec![(sample.0, sample.value())] }]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(range: Option<&str>, step: Option<&str>) -> PrometheusSettings {
        PrometheusSettings {
            url: "http://127.0.0.1:9090/prometheus/".to_owned(),
            query: "up".to_owned(),
            range: range.map(str::to_owned),
            step: step.map(str::to_owned),
            compare: None,
        }
    }

    fn build(settings: &PrometheusSettings) -> Result<PrometheusTool, DiagnosticsError> {
        PrometheusTool::new("probe", settings, &Params::none("probe"))
    }

    #[test]
    fn a_range_without_a_step_gets_sixty_points() {
        let tool = build(&settings(Some("1h"), None)).unwrap();

        assert_eq!(tool.range.as_ref().map(|(_, step)| *step), Some(60.0));
        assert_eq!(tool.endpoint("api/v1/query"), "http://127.0.0.1:9090/prometheus/api/v1/query");
    }

    #[test]
    fn a_step_without_a_range_and_too_many_points_are_refused() {
        assert!(build(&settings(None, Some("1m"))).is_err());
        assert!(build(&settings(Some("30d"), Some("1s"))).is_err());
        assert!(build(&settings(Some("1x"), None)).is_err());
    }

    #[test]
    fn every_result_type_becomes_series() {
        let matrix = r#"{"resultType":"matrix","result":[{"metric":{"code":"500"},"values":[[1,"0.5"],[2,"NaN"]]}]}"#;
        let scalar = r#"{"resultType":"scalar","result":[3,"+Inf"]}"#;

        let matrix = serde_json::from_str::<Data>(matrix).unwrap().into_series();
        let scalar = serde_json::from_str::<Data>(scalar).unwrap().into_series();

        assert_eq!(matrix[0].labels["code"], "500");
        assert_eq!(matrix[0].points[0], (1.0, 0.5));
        assert!(matrix[0].points[1].1.is_nan());
        assert_eq!(scalar[0].points, vec![(3.0, f64::INFINITY)]);
    }
}
