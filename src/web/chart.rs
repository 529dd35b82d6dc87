//! Small charts drawn on the server as SVG (no script, no inline styles), always shown beside a
//! table of the same numbers. Values are percentages (0–100).

use super::html::escaped as esc;

/// A line chart of percentages over points in order, titled `title` (the accessible name).
/// Missing values break the line.
pub fn percent_line(title: &str, points: &[(String, Option<f64>)]) -> String {
    const W: f64 = 320.0;
    const H: f64 = 160.0;
    const LEFT: f64 = 34.0;
    const BOTTOM: f64 = 20.0;
    const TOP: f64 = 8.0;
    let n = points.len().max(1);
    let step = if n > 1 {
        (W - LEFT - 10.0) / (n - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        LEFT + if n > 1 {
            step * i as f64
        } else {
            (W - LEFT) / 2.0
        }
    };
    let y = |v: f64| TOP + (100.0 - v.clamp(0.0, 100.0)) / 100.0 * (H - TOP - BOTTOM);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for v in [0.0, 50.0, 100.0] {
        svg.push_str(&format!(
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d0d7de\" stroke-width=\"1\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#57606a\">{v}%</text>",
            W - 4.0,
            LEFT - 4.0,
            y(v) + 3.0,
            y = y(v)
        ));
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (i, (_, v)) in points.iter().enumerate() {
        match v {
            Some(v) => {
                path.push_str(&format!(
                    "{}{:.1},{:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(*v)
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        svg.push_str(&format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>",
            path.trim_end()
        ));
    }
    for (i, (label, v)) in points.iter().enumerate() {
        if let Some(v) = v {
            svg.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#0969da\"><title>{}: {v:.1}%</title></circle>",
                x(i),
                y(*v),
                esc(label)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_gap_and_escaped_labels() {
        let svg = percent_line(
            "Trend <b>",
            &[
                ("A&B".into(), Some(100.0)),
                ("gap".into(), None),
                ("C".into(), Some(0.0)),
            ],
        );
        assert!(svg.contains("aria-label=\"Trend &lt;b&gt;\""));
        assert!(svg.contains("A&amp;B: 100.0%"));
        assert_eq!(svg.matches("<circle").count(), 2);
        // The gap lifts the pen: two moves, no line.
        let d = svg
            .split("<path d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(d.matches('M').count(), 2);
        assert!(!d.contains('L'));
        // 100 % is at the top margin, 0 % at the bottom.
        assert!(svg.contains("cy=\"8.0\""));
        assert!(svg.contains("cy=\"140.0\""));
    }
}
