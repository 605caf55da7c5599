//! The report's charts as inline SVG, drawn with plotters: grouped bars (a bar per system for
//! each group) and a line per system across ordered buckets.

use plotters::prelude::*;

/// One bar or line per system; colours follow system order.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0xd9, 0x48, 0x1c),
    RGBColor(0x4c, 0x72, 0xb0),
    RGBColor(0x8c, 0x8c, 0x8c),
    RGBColor(0x55, 0xa8, 0x68),
    RGBColor(0x81, 0x72, 0xb2),
    RGBColor(0xcc, 0xb9, 0x74),
];
const SIZE: (u32, u32) = (900, 380);
/// Longest group label drawn under an axis.
const LABEL_CHARS: usize = 13;

/// Values to plot: per group (or bucket), one value per system.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// Chart title.
    pub title: &'a str,
    /// What the y axis measures (0–1).
    pub measure: &'a str,
    /// System names, in the order of each group's values.
    pub systems: &'a [&'a str],
    /// Group labels and their values.
    pub groups: Vec<(String, Vec<f64>)>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart {title:?}: {reason}")]
pub struct ChartError {
    title: String,
    reason: String,
}

/// A bar per system for each group.
pub fn grouped_bars(series: &Series<'_>) -> Result<String, ChartError> {
    draw(series, |chart, systems, groups| {
        let width = 0.8 / systems.len().max(1) as f64;
        for (index, name) in systems.iter().enumerate() {
            let colour = PALETTE[index % PALETTE.len()];
            let bars = groups.iter().enumerate().map(move |(position, (_, values))| {
                let left = position as f64 - 0.4 + index as f64 * width;
                Rectangle::new([(left, 0.0), (left + width * 0.9, values[index])], colour.filled())
            });
            chart
                .draw_series(bars)?
                .label(*name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        }
        Ok(())
    })
}

/// A line per system across the groups, in their order.
pub fn lines(series: &Series<'_>) -> Result<String, ChartError> {
    draw(series, |chart, systems, groups| {
        for (index, name) in systems.iter().enumerate() {
            let colour = PALETTE[index % PALETTE.len()];
            let points: Vec<(f64, f64)> =
                groups.iter().enumerate().map(|(position, (_, values))| (position as f64, values[index])).collect();
            chart.draw_series(PointSeries::of_element(points.clone(), 4, colour.filled(), &|at, size, style| {
                EmptyElement::at(at) + Circle::new((0, 0), size, style)
            }))?;
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 12, y)], colour.stroke_width(2)));
        }
        Ok(())
    })
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;
type DrawResult = Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

/// Sets up axes (a labelled tick per group, from 0 up to a tenth above the highest value), lets `plot` draw, adds the legend.
fn draw(
    series: &Series<'_>,
    plot: impl FnOnce(&mut Chart<'_, '_>, &[&str], &[(String, Vec<f64>)]) -> DrawResult,
) -> Result<String, ChartError> {
    let fail = |reason: String| ChartError { title: series.title.to_owned(), reason };
    if series.groups.is_empty() || series.groups.iter().any(|(_, values)| values.len() != series.systems.len()) {
        return Err(fail("every group needs one value per system".into()));
    }
    let labels: Vec<String> = series.groups.iter().map(|(label, _)| short(label)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let result: DrawResult = (|| {
            root.fill(&WHITE)?;
            let groups = series.groups.len() as f64;
            // Scores rarely near 1: the axis stops a step above the highest value.
            let highest = series.groups.iter().flat_map(|(_, values)| values).fold(0.0f64, |a, b| a.max(*b));
            let top = ((highest * 10.0).floor() + 1.0).min(10.0) / 10.0;
            let mut chart = ChartBuilder::on(&root)
                .caption(series.title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(48)
                .y_label_area_size(48)
                .build_cartesian_2d(-0.5..groups - 0.5, 0.0..top)?;
            let label_at = |x: &f64| {
                let nearest = x.round();
                let index = nearest as usize;
                if (x - nearest).abs() < 1e-6 && nearest >= 0.0 {
                    labels.get(index).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .x_labels(series.groups.len())
                .x_label_formatter(&label_at)
                .x_label_style(("sans-serif", 11))
                .y_desc(series.measure)
                .draw()?;
            plot(&mut chart, series.systems, &series.groups)?;
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()?;
            root.present()
        })();
        result.map_err(|error| fail(error.to_string()))?;
    }
    Ok(svg)
}

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(groups: Vec<(String, Vec<f64>)>) -> Series<'static> {
        Series { title: "By source", measure: "ROUGE-L", systems: &["offline", "random"], groups }
    }

    #[test]
    fn bars_are_drawn_per_system_and_group_with_labels_and_legend() {
        let svg = grouped_bars(&series(vec![("machine".into(), vec![0.5, 0.25]), ("customer".into(), vec![0.4, 0.1])]))
            .unwrap();
        assert!(svg.starts_with("<svg"), "{svg:.80}");
        for text in ["By source", "machine", "customer", "offline", "random", "ROUGE-L"] {
            assert!(svg.contains(text), "missing {text}");
        }
        // Four bars plus the legend's two swatches and the background.
        assert!(svg.matches("<rect").count() >= 7);
    }

    #[test]
    fn lines_join_every_bucket_and_long_labels_are_shortened() {
        let svg = lines(&series(vec![
            ("≤ 1 day".into(), vec![0.5, 0.2]),
            ("a very long bucket label indeed".into(), vec![0.3, 0.2]),
        ]))
        .unwrap();
        assert!(svg.contains("<polyline"));
        assert!(svg.contains("a very long …"));
    }

    #[test]
    fn a_group_missing_a_value_is_refused() {
        let error = grouped_bars(&series(vec![("machine".into(), vec![0.5])])).unwrap_err();
        assert!(error.to_string().contains("one value per system"));
    }
}
