//! The report's charts as inline SVG, drawn with plotters: grouped bars (a horizontal bar per
//! system for each group, the group's full name on the left) and a line per series across
//! ordered buckets. The legend has its own panel right of the plot (a nested `<svg>` of class
//! `legend`), so it never covers data, and label areas are sized from the longest label, so no
//! label is cut; `tests/it/report_rendering.rs` checks both in a browser.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar or line per system; colours follow system order.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0xd9, 0x48, 0x1c),
    RGBColor(0x4c, 0x72, 0xb0),
    RGBColor(0x8c, 0x8c, 0x8c),
    RGBColor(0x55, 0xa8, 0x68),
    RGBColor(0x81, 0x72, 0xb2),
    RGBColor(0xcc, 0xb9, 0x74),
];
const WIDTH: u32 = 960;
/// Height of a line chart, and the least height of a bar chart.
const HEIGHT: u32 = 380;
const FONT: &str = "sans-serif";
const LABEL_SIZE: u32 = 15;
const CAPTION_SIZE: u32 = 20;
/// Rough width of a label character at `LABEL_SIZE`, to size label areas and the legend.
const CHAR_WIDTH: u32 = 8;
/// Height given to each bar, and to the caption, axis and margins around them.
const BAR_HEIGHT: u32 = 9;
const FRAME_HEIGHT: u32 = 110;
/// Labels longer than this are shortened (with an ellipsis) so the plot keeps its room.
const LONGEST_LABEL: usize = 40;

/// Values to plot: per group (or bucket), one value per system.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'a> {
    /// Chart title.
    pub title: &'a str,
    /// What the value axis measures (0–1).
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

type DrawResult = Result<(), DrawingAreaErrorKind<<SVGBackend<'static> as DrawingBackend>::ErrorType>>;

/// A horizontal bar per system for each group, groups top to bottom in their order.
pub fn grouped_bars(series: &Series<'_>) -> Result<String, ChartError> {
    let rows = series.groups.len() as u32 * (series.systems.len() as u32 + 1);
    let height = HEIGHT.max(FRAME_HEIGHT + rows * BAR_HEIGHT);
    draw(series, height, |area, series, labels| {
        let groups = series.groups.len() as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(series.title, (FONT, CAPTION_SIZE))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_width(labels))
            .build_cartesian_2d(0.0..axis_top(series), -0.5..groups - 0.5)?;
        // Group 0 at the top: its centre is the highest y.
        let label_at = |y: &f64| label_near(labels, groups - 1.0 - y);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .y_labels(series.groups.len())
            .y_label_formatter(&label_at)
            .label_style((FONT, LABEL_SIZE))
            .x_desc(series.measure)
            .draw()?;
        let band = 0.8 / series.systems.len().max(1) as f64;
        for index in 0..series.systems.len() {
            let colour = PALETTE[index % PALETTE.len()];
            let bars = series.groups.iter().enumerate().map(|(position, (_, values))| {
                let top = groups - 1.0 - position as f64 + 0.4 - index as f64 * band;
                Rectangle::new([(0.0, top - band * 0.9), (values[index], top)], colour.filled())
            });
            chart.draw_series(bars)?;
        }
        Ok(())
    })
}

/// A line per system across the groups, in their order, left to right.
pub fn lines(series: &Series<'_>) -> Result<String, ChartError> {
    draw(series, HEIGHT, |area, series, labels| {
        let groups = series.groups.len() as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(series.title, (FONT, CAPTION_SIZE))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5..groups - 0.5, 0.0..axis_top(series))?;
        let label_at = |x: &f64| label_near(labels, *x);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(series.groups.len())
            .x_label_formatter(&label_at)
            .label_style((FONT, LABEL_SIZE))
            .y_desc(series.measure)
            .draw()?;
        for index in 0..series.systems.len() {
            let colour = PALETTE[index % PALETTE.len()];
            let points: Vec<(f64, f64)> = series
                .groups
                .iter()
                .enumerate()
                .map(|(position, (_, values))| (position as f64, values[index]))
                .collect();
            chart.draw_series(PointSeries::of_element(points.clone(), 4, colour.filled(), &|at, size, style| {
                EmptyElement::at(at) + Circle::new((0, 0), size, style)
            }))?;
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
        }
        Ok(())
    })
}

/// Checks the series, splits the canvas into the plot and a legend panel right of it, lets
/// `plot` draw, then draws the legend.
fn draw(
    series: &Series<'_>,
    height: u32,
    plot: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>, &Series<'_>, &[String]) -> DrawResult,
) -> Result<String, ChartError> {
    let fail = |reason: String| ChartError { title: series.title.to_owned(), reason };
    if series.groups.is_empty() || series.groups.iter().any(|(_, values)| values.len() != series.systems.len()) {
        return Err(fail("every group needs one value per system".into()));
    }
    let labels: Vec<String> = series.groups.iter().map(|(label, _)| shortened(label)).collect();
    let legend_width =
        40 + CHAR_WIDTH * series.systems.iter().map(|name| name.chars().count() as u32).max().unwrap_or(0);
    let plot_width = WIDTH.saturating_sub(legend_width);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let result: DrawResult = (|| {
            root.fill(&WHITE)?;
            plot(&root.split_horizontally(plot_width).0, series, &labels)?;
            root.present()
        })();
        result.map_err(|error| fail(error.to_string()))?;
    }
    let mut legend_svg = String::new();
    {
        let area = SVGBackend::with_string(&mut legend_svg, (legend_width, height)).into_drawing_area();
        legend(&area, series.systems).and_then(|()| area.present()).map_err(|error| fail(error.to_string()))?;
    }
    Ok(nest_legend(&svg, &legend_svg, plot_width))
}

/// Places the legend's own SVG at `left` inside the chart's, as an element of class `legend`, so
/// it can be told from the plot (the rendering test checks that it covers no data).
fn nest_legend(chart: &str, legend: &str, left: u32) -> String {
    let legend = legend.replacen("<svg ", &format!("<svg class=\"legend\" x=\"{left}\" "), 1);
    let end = chart.rfind("</svg>").unwrap_or(chart.len());
    format!("{}{legend}{}", &chart[..end], &chart[end..])
}

/// A swatch and a name per system, top down, in the panel's own area; each name is centred on
/// its swatch's middle.
fn legend(area: &DrawingArea<SVGBackend<'_>, Shift>, systems: &[&str]) -> DrawResult {
    let style = TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (index, name) in systems.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        let y = 48 + index as i32 * 24;
        area.draw(&Rectangle::new([(8, y - 6), (22, y + 6)], colour.filled()))?;
        area.draw(&Text::new(name.to_string(), (30, y), style.clone()))?;
    }
    Ok(())
}

/// The axis stops a step above the highest value: scores rarely come near 1.
fn axis_top(series: &Series<'_>) -> f64 {
    let highest = series.groups.iter().flat_map(|(_, values)| values).fold(0.0f64, |a, b| a.max(*b));
    ((highest * 10.0).floor() + 1.0).min(10.0) / 10.0
}

/// The label of the group at `position` when it is (close to) a whole number; none between.
fn label_near(labels: &[String], position: f64) -> String {
    let nearest = position.round();
    if (position - nearest).abs() < 1e-6 && nearest >= 0.0 {
        labels.get(nearest as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn label_width(labels: &[String]) -> u32 {
    16 + CHAR_WIDTH * labels.iter().map(|label| label.chars().count() as u32).max().unwrap_or(0)
}

fn shortened(label: &str) -> String {
    if label.chars().count() <= LONGEST_LABEL {
        return label.to_owned();
    }
    let mut cut: String = label.chars().take(LONGEST_LABEL - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(groups: Vec<(String, Vec<f64>)>) -> Series<'static> {
        Series { title: "By source", measure: "ROUGE-L", systems: &["offline", "random"], groups }
    }

    /// The x coordinate where the legend panel starts, from the widest system name.
    fn legend_left() -> f64 {
        f64::from(WIDTH - (40 + CHAR_WIDTH * "offline".len() as u32))
    }

    /// `x` and `width` of every `<rect>` drawn, as numbers.
    fn rectangles(svg: &str) -> Vec<(f64, f64)> {
        let number = |rect: &str, name: &str| -> f64 {
            let start = rect.find(&format!(" {name}=\"")).map(|at| at + name.len() + 3).unwrap();
            rect[start..].split('"').next().unwrap().parse().unwrap()
        };
        svg.split("<rect").skip(1).map(|rect| (number(rect, "x"), number(rect, "width"))).collect()
    }

    #[test]
    fn bars_are_drawn_per_system_and_group_with_full_labels_and_a_legend() {
        let svg = grouped_bars(&series(vec![
            ("dependency-failure (12)".into(), vec![0.5, 0.25]),
            ("customer".into(), vec![0.4, 0.1]),
        ]))
        .unwrap();

        assert!(svg.starts_with("<svg"), "{svg:.80}");
        for text in ["By source", "dependency-failure (12)", "customer", "offline", "random", "ROUGE-L"] {
            assert!(svg.contains(text), "missing {text}");
        }
        // Four bars, two legend swatches and the background.
        assert!(svg.matches("<rect").count() >= 7);
        assert!(svg.contains("<svg class=\"legend\""), "the legend is its own element");
    }

    #[test]
    fn the_legend_sits_right_of_every_bar_so_it_covers_no_data() {
        let svg = grouped_bars(&series(vec![("machine".into(), vec![0.9, 0.95])])).unwrap();

        let bars: Vec<(f64, f64)> =
            rectangles(&svg).into_iter().filter(|(_, width)| *width > 14.0 && *width < f64::from(WIDTH)).collect();

        assert!(!bars.is_empty());
        assert!(bars.iter().all(|(x, width)| x + width <= legend_left()), "{bars:?}");
    }

    #[test]
    fn lines_join_every_bucket_and_only_very_long_labels_are_shortened() {
        let long = "a bucket label far longer than any axis could ever hold, really";
        let svg = lines(&series(vec![("≤ 1 day".into(), vec![0.5, 0.2]), (long.into(), vec![0.3, 0.2])])).unwrap();

        assert!(svg.contains("<polyline"));
        assert!(svg.contains("a bucket label far longer than any axis…"));
    }

    #[test]
    fn a_group_missing_a_value_is_refused() {
        let error = grouped_bars(&series(vec![("machine".into(), vec![0.5])])).unwrap_err();
        assert!(error.to_string().contains("one value per system"));
    }
}
