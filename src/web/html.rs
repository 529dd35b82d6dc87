//! Writing HTML by hand where a template would be too slow: a grid writes hundreds of cells per
//! page. Text goes through [`push_escaped`]; numbers through [`push_int`].

/// Appends `text` with `&`, `<`, `>`, `"` and `'` escaped (safe in element content and in
/// quoted attribute values).
pub fn push_escaped(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// `text` escaped as [`push_escaped`] does.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends an integer in decimal.
pub fn push_int(out: &mut String, n: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_escaped_and_the_rest_kept() {
        assert_eq!(
            escaped(r#"<b a="1" b='2'>Tom & Jerry</b>"#),
            "&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;Tom &amp; Jerry&lt;/b&gt;"
        );
        assert_eq!(escaped("plain 85.5 é"), "plain 85.5 é");
        let mut out = String::from("x");
        push_int(&mut out, -42i64);
        push_int(&mut out, 7u32);
        assert_eq!(out, "x-427");
    }
}
