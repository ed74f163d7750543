//! Printing data: `-o json` documents and aligned key/value tables.

use std::io::{self, Write};

use serde_json::Value;

/// Prints a JSON document (pretty, newline-terminated) to stdout.
pub fn json(value: &Value) -> io::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()
}

/// Prints `key  value` rows with the values aligned.
pub fn pairs(rows: &[(&str, String)]) -> io::Result<()> {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = io::stdout().lock();
    for (key, value) in rows {
        writeln!(out, "{key:<width$}  {value}")?;
    }
    out.flush()
}

/// A value for a table cell: the text, or `-` when absent.
pub fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_owned()
}
