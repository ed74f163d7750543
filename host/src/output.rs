//! Printing data: `-o json` / `-o yaml` documents, aligned key/value pairs and tables sized to the
//! terminal.

use std::{
    io::{self, IsTerminal, Write},
    sync::atomic::{AtomicBool, Ordering},
};

use serde_json::Value;

static YAML: AtomicBool = AtomicBool::new(false);

/// Makes [`document`] print YAML (`-o yaml`) instead of JSON for the rest of the process.
pub(crate) fn use_yaml() {
    YAML.store(true, Ordering::Relaxed);
}

/// Prints a command's data document to stdout: pretty JSON (`-o json`), or the same document as
/// YAML (`-o yaml`), newline-terminated, known secrets redacted. JSON's own escaping keeps control
/// characters off the terminal, and so does YAML's quoting.
pub(crate) fn document(value: &Value) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let text = if YAML.load(Ordering::Relaxed) {
        let text = serde_yaml_ng::to_string(value).map_err(io::Error::other)?;
        text.trim_end().to_owned()
    } else {
        serde_json::to_string_pretty(value).map_err(io::Error::other)?
    };
    if crate::redact::any() {
        writeln!(out, "{}", crate::redact::redact(&text))?;
    } else {
        writeln!(out, "{text}")?;
    }
    out.flush()
}

/// Prints `key  value` rows with the values aligned.
pub(crate) fn pairs(rows: &[(&str, String)]) -> io::Result<()> {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = io::stdout().lock();
    for (key, value) in rows {
        let value = crate::terminal::human(value);
        writeln!(out, "{key:<width$}  {value}")?;
    }
    out.flush()
}

/// A value for a table cell: the text, or `-` when absent.
pub(crate) fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}

/// The narrowest a column is squeezed to when the table is wider than the terminal.
const MIN_COLUMN: usize = 6;

/// The gap between two columns.
const GAP: &str = "  ";

/// Prints a table: the header row, then `rows`, columns aligned. When stdout is a terminal the
/// table is fitted to its width (the widest columns narrowed, their long cells cut with `…`);
/// piped or redirected, every cell is printed whole.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let stdout = io::stdout();
    let width = if stdout.is_terminal() {
        // A pseudo-terminal may report no size (0 columns): print whole cells then.
        terminal_size::terminal_size()
            .map(|(w, _)| usize::from(w.0))
            .filter(|w| *w > 0)
    } else {
        None
    };
    let mut out = stdout.lock();
    for line in table_lines(headers, rows, width) {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// The number of characters of `text` (what a terminal shows for the text a table holds).
fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `width` characters, its last one `…` when something was cut.
fn truncate(text: &str, width: usize) -> String {
    if chars(text) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Column widths from the `natural` ones (the widest cell of each column) so the table fits in
/// `max` characters: the widest column loses one character at a time, none below [`MIN_COLUMN`]
/// (or its natural width). A table that cannot fit keeps the narrowest widths allowed.
fn fit(natural: &[usize], max: usize) -> Vec<usize> {
    let mut widths = natural.to_vec();
    let gaps = GAP.len() * natural.len().saturating_sub(1);
    let mut total: usize = widths.iter().sum::<usize>() + gaps;
    while total > max {
        let widest = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > MIN_COLUMN.min(natural[*i]))
            .max_by_key(|(i, w)| (**w, usize::MAX - i))
            .map(|(i, _)| i);
        let Some(widest) = widest else { break };
        widths[widest] -= 1;
        total -= 1;
    }
    widths
}

/// The lines of a table of `headers` and `rows` fitted to `width` characters, or full width
/// when `None`. Cells are made one line (line breaks become spaces); the last column is not
/// padded.
fn table_lines(headers: &[&str], rows: &[Vec<String>], width: Option<usize>) -> Vec<String> {
    let clean = |cell: &str| {
        let one_line = cell.split(['\n', '\r', '\t']).collect::<Vec<_>>().join(" ");
        crate::terminal::human(&one_line)
    };
    let mut cells: Vec<Vec<String>> = vec![headers.iter().map(|h| clean(h)).collect()];
    cells.extend(
        rows.iter()
            .map(|row| row.iter().map(|c| clean(c)).collect()),
    );
    let columns = headers.len();
    let natural: Vec<usize> = (0..columns)
        .map(|i| {
            cells
                .iter()
                .filter_map(|row| row.get(i))
                .map(|c| chars(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths = width.map_or_else(|| natural.clone(), |max| fit(&natural, max));
    cells
        .iter()
        .map(|row| {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = truncate(row.get(i).map_or("", String::as_str), *width);
                if i + 1 == columns {
                    line.push_str(&cell);
                } else {
                    let pad = width - chars(&cell);
                    line.push_str(&cell);
                    line.push_str(&" ".repeat(pad));
                    line.push_str(GAP);
                }
            }
            line.trim_end().to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec![
                "seed.big".into(),
                "a-very-long-description-of-the-thing".into(),
            ],
            vec!["x".into(), "short".into()],
        ]
    }

    #[test]
    fn full_width_when_not_a_terminal() {
        let lines = table_lines(&["NAME", "DESCRIPTION"], &rows(), None);
        assert_eq!(
            lines,
            vec![
                "NAME      DESCRIPTION",
                "seed.big  a-very-long-description-of-the-thing",
                "x         short",
            ]
        );
    }

    #[test]
    fn fitted_to_the_terminal_with_ellipses() {
        let lines = table_lines(&["NAME", "DESCRIPTION"], &rows(), Some(24));
        assert!(lines.iter().all(|l| chars(l) <= 24), "{lines:?}");
        assert_eq!(lines[1], "seed.big  a-very-long-d…");
        assert_eq!(lines[2], "x         short");
    }

    #[test]
    fn never_below_the_minimum() {
        let widths = fit(&[20, 30, 3], 10);
        assert_eq!(widths, vec![MIN_COLUMN, MIN_COLUMN, 3]);
        assert_eq!(truncate("abcdef", 3), "ab…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("ünïcödé", 4), "ünï…");
    }
}
