//! Reading an uploaded CSV file: text only, byte-order mark removed, `;` or `,` detected,
//! quoted fields, blank lines skipped, headers checked. Every problem names its line and column.

use std::collections::BTreeMap;

/// Largest file accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// One problem in a file, at a line (1 = the header line) and column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub line: usize,
    pub column: String,
    pub message: String,
}

/// A data row: its line number and its values by (normalised) column name.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub values: BTreeMap<String, String>,
}

impl Row {
    pub fn get(&self, column: &str) -> &str {
        self.values.get(column).map_or("", |v| v.trim())
    }
}

fn normalise_header(h: &str) -> String {
    h.trim().to_lowercase().replace([' ', '-'], "_")
}

/// Turns raw bytes into text, or says why it is not a CSV file.
pub fn as_text(bytes: &[u8]) -> Result<String, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "The file is larger than {} MB. Split it into smaller files.",
            MAX_BYTES / 1024 / 1024
        ));
    }
    if bytes.is_empty() {
        return Err("The file is empty.".into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err("This is not a text file. Save it from your spreadsheet as “CSV UTF-8” and upload that.".into());
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        "This file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and upload that.".to_string()
    })
}

/// Parses the text with the expected columns. `required` must be present; any column outside
/// `allowed` is reported. Returns the rows, or the file-level problems.
pub fn parse(text: &str, required: &[&str], allowed: &[&str]) -> Result<Vec<Row>, Vec<Problem>> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(normalise_header).collect(),
        Some(Err(e)) => {
            return Err(vec![Problem {
                line: 1,
                column: String::new(),
                message: format!("The header line cannot be read: {e}"),
            }])
        }
        None => {
            return Err(vec![Problem {
                line: 1,
                column: String::new(),
                message: "The file has no header line.".into(),
            }])
        }
    };
    let mut problems = Vec::new();
    for column in required {
        if !headers.iter().any(|h| h == column) {
            problems.push(Problem {
                line: 1,
                column: (*column).into(),
                message: format!("The column “{column}” is missing."),
            });
        }
    }
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            problems.push(Problem {
                line: 1,
                column: format!("column {}", i + 1),
                message: "This column has no name.".into(),
            });
        } else if !allowed.contains(&h.as_str()) {
            problems.push(Problem {
                line: 1,
                column: h.clone(),
                message: format!("Unknown column “{h}”. Expected: {}.", allowed.join(", ")),
            });
        } else if headers[..i].contains(h) {
            problems.push(Problem {
                line: 1,
                column: h.clone(),
                message: format!("The column “{h}” appears twice."),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Line numbers as a person counts them (csv reports CRLF files one line early). A line ends
    // at LF, CRLF or a bare CR (old Mac files).
    let bytes = text.as_bytes();
    let newlines: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .collect();
    let line_at = |byte: u64| -> usize {
        let mut start = byte as usize;
        while start < text.len() && matches!(text.as_bytes()[start], b'\r' | b'\n') {
            start += 1;
        }
        newlines.partition_point(|&n| n < start) + 1
    };
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(vec![Problem {
                    line,
                    column: String::new(),
                    message: format!("This line cannot be read: {e}"),
                }]);
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        if record.len() > headers.len() {
            return Err(vec![Problem {
                line,
                column: format!("column {}", headers.len() + 1),
                message: format!(
                    "This line has {} values but the header names {} columns.",
                    record.len(),
                    headers.len()
                ),
            }]);
        }
        // Our exports protect formula-like cells with a leading apostrophe; take it off again.
        let unprotect = |v: &str| match v.strip_prefix('\'') {
            Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
            _ => v.to_string(),
        };
        let values = headers
            .iter()
            .cloned()
            .zip(record.iter().map(unprotect))
            .collect();
        rows.push(Row { line, values });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[&str] = &["student_number", "given_name", "family_name", "class"];

    #[test]
    fn a_bom_semicolons_quotes_and_blank_lines_are_handled() {
        let text = as_text(b"\xEF\xBB\xBFstudent_number;given_name;family_name\n\"A1\";\"O'Brien; Jr\";\"Smith\"\n\n\n").unwrap();
        let rows = parse(&text, &COLS[..3], COLS).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("given_name"), "O'Brien; Jr");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn header_problems_are_named() {
        let err = parse("student_number,given,family_name\n", &COLS[..3], COLS).unwrap_err();
        let messages: Vec<_> = err.iter().map(|p| (p.line, p.column.as_str())).collect();
        assert!(messages.contains(&(1, "given_name")));
        assert!(messages.contains(&(1, "given")));
    }

    #[test]
    fn binary_and_oversized_files_are_refused() {
        assert!(as_text(b"PK\x03\x04\x00\x00")
            .unwrap_err()
            .contains("not a text file"));
        assert!(as_text(&[0xff, 0xfe, 0x41]).unwrap_err().contains("UTF-8"));
        assert!(as_text(&vec![b'a'; MAX_BYTES + 1])
            .unwrap_err()
            .contains("larger"));
    }

    #[test]
    fn crlf_files_count_lines_like_a_person() {
        let rows = parse(
            "student_number,given_name,family_name\r\nA,B,C\r\n\r\nD,E,F\r\n",
            &COLS[..3],
            COLS,
        )
        .unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 4]);
    }

    #[test]
    fn bare_cr_files_count_lines_like_a_person() {
        let rows = parse(
            "student_number,given_name,family_name\rA,B,C\r\rD,E,F\r",
            &COLS[..3],
            COLS,
        )
        .unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 4]);
    }

    #[test]
    fn a_line_with_too_many_values_is_named() {
        let err = parse(
            "student_number,given_name,family_name\nA,B,C,D\n",
            &COLS[..3],
            COLS,
        )
        .unwrap_err();
        assert_eq!(err[0].line, 2);
    }
}
