//! One cell of the grid, written by hand: a grid writes hundreds of cells per page.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::gradebook::queries::{ScoreRow, Shown};

use super::load::Loaded;

/// The grid's typing kept after a refused save, and messages per cell.
#[derive(Default)]
pub(super) struct Typed {
    pub(super) values: HashMap<(i64, i64), String>,
    pub(super) errors: HashMap<(i64, i64), String>,
}

/// One cell as the page shows it.
pub struct CellView<'a> {
    pub a: i64,
    pub s: i64,
    /// What the input holds: the teacher's kept typing, else the stored mark.
    pub value: CellValue<'a>,
    /// The stored mark the page shows (sent back beside the version).
    pub original: Shown<'a>,
    pub version: i32,
    pub error: Option<Cow<'a, str>>,
    pub notice: Option<&'static str>,
}

pub enum CellValue<'a> {
    Typed(Cow<'a, str>),
    Stored(Shown<'a>),
}

impl std::fmt::Display for CellValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Typed(t) => f.write_str(t),
            Self::Stored(shown) => shown.fmt(f),
        }
    }
}

impl CellView<'_> {
    /// The cell's `<td>`: the grid, an assessment's column and a saved cell all write it here.
    /// Written by hand, not by a template: a grid writes hundreds of cells per page. A cell
    /// carries only what the no-JavaScript form needs (its value, and its version beside the
    /// value it was), plus its accessible name; `gradebook.js` posts a changed cell to
    /// `/teacher/marks/{a}/{s}` (read from its name) and gives it the number pad, so those
    /// bytes are not repeated in every cell.
    pub fn write_td(&self, out: &mut String) {
        use crate::web::html::{push_escaped, push_int};
        let (a, s) = (self.a, self.s);
        // `c_{a}_{s}` and `v_{a}_{s}`, `err-{a}-{s}`.
        let ids = |out: &mut String, sep: char| {
            push_int(out, a);
            out.push(sep);
            push_int(out, s);
        };
        out.push_str(if self.error.is_some() {
            "<td class=\"has-error\"><input name=\"c_"
        } else {
            "<td><input name=\"c_"
        });
        ids(out, '_');
        out.push_str("\" value=\"");
        match &self.value {
            CellValue::Typed(t) => push_escaped(out, t),
            CellValue::Stored(shown) => {
                let _ = shown.write_to(out);
            }
        }
        out.push_str("\" aria-labelledby=\"s-");
        push_int(out, s);
        out.push_str(" a-");
        push_int(out, a);
        out.push('"');
        if self.error.is_some() {
            out.push_str(" aria-invalid=\"true\" aria-describedby=\"err-");
            ids(out, '-');
            out.push('"');
        }
        out.push_str("><input type=\"hidden\" name=\"v_");
        ids(out, '_');
        out.push_str("\" value=\"");
        push_int(out, self.version);
        out.push(':');
        let _ = self.original.write_to(out);
        out.push_str("\">");
        if let Some(e) = &self.error {
            out.push_str("<span class=\"field-error cell-msg\" id=\"err-");
            ids(out, '-');
            out.push_str("\">");
            push_escaped(out, e);
            out.push_str("</span>");
        }
        if let Some(n) = self.notice {
            out.push_str("<span class=\"cell-msg saved\" role=\"status\">");
            push_escaped(out, n);
            out.push_str("</span>");
        }
        out.push_str("</td>");
    }

    /// [`Self::write_td`] as a string, for a template.
    pub fn td(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write_td(&mut out);
        out
    }
}

impl<'a> CellView<'a> {
    pub(super) fn new(a: i64, s: i64, stored: Option<&'a ScoreRow>, typed: &'a Typed) -> Self {
        // A fresh page has no typing: skip the look-ups.
        let kept = |map: &'a HashMap<(i64, i64), String>| {
            if map.is_empty() {
                None
            } else {
                map.get(&(a, s)).map(|t| Cow::Borrowed(t.as_str()))
            }
        };
        Self {
            a,
            s,
            value: kept(&typed.values).map_or(CellValue::Stored(Shown(stored)), CellValue::Typed),
            original: Shown(stored),
            version: stored.map_or(0, |r| r.version),
            error: kept(&typed.errors),
            notice: None,
        }
    }

    pub(super) fn of(d: &'a Loaded, typed: &'a Typed, a: i64, s: i64) -> Self {
        Self::new(a, s, d.stored(a, s), typed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradebook::grid::save::shown;

    fn cell_html(c: &CellView<'_>) -> scraper::Html {
        scraper::Html::parse_fragment(&format!("<table><tr>{}</tr></table>", c.td()))
    }

    fn attr(html: &scraper::Html, css: &str, name: &str) -> Option<String> {
        let selector = scraper::Selector::parse(css).unwrap();
        let found = html.select(&selector).next()?;
        found.value().attr(name).map(str::to_string)
    }

    #[test]
    fn a_cell_is_written_with_its_names_its_version_and_its_typing_escaped() {
        let stored = ScoreRow {
            assessment_id: 7,
            student_id: 9,
            status: "score".to_string().into(),
            score: Some(7.5),
            version: 3,
            updated_by: None,
            updated_at: None,
        };
        let typed = Typed::default();
        let saved = CellView {
            notice: Some("Saved"),
            ..CellView::new(7, 9, Some(&stored), &typed)
        };
        let html = cell_html(&saved);
        let input = "input[name=c_7_9]";
        assert_eq!(attr(&html, input, "value").as_deref(), Some("7.5"));
        // gradebook.js posts the cell to /teacher/marks/7/9 from its name; the cell itself
        // carries no per-cell htmx attributes.
        assert_eq!(attr(&html, input, "hx-post"), None);
        assert_eq!(
            attr(&html, input, "aria-labelledby").as_deref(),
            Some("s-9 a-7")
        );
        let version = attr(&html, "input[type=hidden][name=v_7_9]", "value").unwrap();
        assert_eq!(shown(Some(&version)), (3, "7.5"));
        assert_eq!(attr(&html, "td", "class"), None);
        assert_eq!(
            attr(&html, ".cell-msg.saved", "role").as_deref(),
            Some("status")
        );

        // Refused typing comes back escaped, beside a message the input points to.
        let hostile = r#""><script>x</script>"#;
        let refused = CellView {
            value: CellValue::Typed(Cow::Borrowed(hostile)),
            error: Some(Cow::Borrowed("“<b>” is not a number")),
            ..CellView::new(7, 9, None, &typed)
        };
        let html = cell_html(&refused);
        assert_eq!(attr(&html, input, "value").as_deref(), Some(hostile));
        let injected = scraper::Selector::parse("script, b").unwrap();
        assert_eq!(html.select(&injected).count(), 0);
        assert_eq!(attr(&html, "td", "class").as_deref(), Some("has-error"));
        assert_eq!(
            attr(&html, input, "aria-describedby").as_deref(),
            Some("err-7-9")
        );
        let message = scraper::Selector::parse("#err-7-9").unwrap();
        let text: String = html.select(&message).next().unwrap().text().collect();
        assert_eq!(text, "“<b>” is not a number");
        let version = attr(&html, "input[name=v_7_9]", "value");
        assert_eq!(version.as_deref(), Some("0:"), "nothing stored");
    }
}
