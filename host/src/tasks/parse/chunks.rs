//! Splitting a task file before each top-level `[[task]]` header, so each task is parsed on its
//! own: a file of thousands of tasks never holds the parse tree of all of them at once.
//!
//! The split is only an optimization. A piece is a TOML document of its own; a header the scanner
//! does not recognize (say `[[ "task" ]]`) just leaves two tasks in one piece, which parses the
//! same. A line that only looks like a header because it is inside a multi-line string is never
//! split at.

use std::ops::Range;

/// Byte ranges of `text` that together cover it: the part before the first `[[task]]` header,
/// then one range from each header to the next.
pub(super) fn split(text: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    let mut scanner = Scanner::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if !scanner.in_multiline_string() && is_task_header(line) {
            starts.push(offset);
        }
        scanner.scan(line);
        offset += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

/// `[[task]]`, with optional spaces and a trailing comment.
fn is_task_header(line: &str) -> bool {
    let code = line.split('#').next().unwrap_or("").trim();
    code.strip_prefix("[[")
        .and_then(|rest| rest.strip_suffix("]]"))
        .is_some_and(|key| key.trim() == "task")
}

/// Where a line-by-line scan of TOML stands between lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Scanner {
    /// Outside any string.
    #[default]
    Code,
    /// Inside `"""…"""`.
    MultiBasic,
    /// Inside `'''…'''`.
    MultiLiteral,
}

impl Scanner {
    fn in_multiline_string(self) -> bool {
        self != Scanner::Code
    }

    /// Advances over one line (with its newline).
    fn scan(&mut self, line: &str) {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match *self {
                Scanner::MultiBasic => match bytes[i] {
                    b'\\' => i += 2,
                    b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                        // A closing `"""` may be followed by up to two more quotes (content).
                        i += 3;
                        while i < bytes.len() && bytes[i] == b'"' {
                            i += 1;
                        }
                        *self = Scanner::Code;
                    }
                    _ => i += 1,
                },
                Scanner::MultiLiteral => {
                    if bytes[i..].starts_with(b"'''") {
                        i += 3;
                        while i < bytes.len() && bytes[i] == b'\'' {
                            i += 1;
                        }
                        *self = Scanner::Code;
                    } else {
                        i += 1;
                    }
                }
                Scanner::Code => match bytes[i] {
                    b'#' => return,
                    b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                        *self = Scanner::MultiBasic;
                        i += 3;
                    }
                    b'\'' if bytes[i..].starts_with(b"'''") => {
                        *self = Scanner::MultiLiteral;
                        i += 3;
                    }
                    b'"' => i = skip_basic(bytes, i + 1),
                    b'\'' => {
                        i += 1 + bytes[i + 1..]
                            .iter()
                            .position(|&b| b == b'\'' || b == b'\n')
                            .map_or(bytes.len(), |p| p + 1);
                    }
                    _ => i += 1,
                },
            }
        }
    }
}

/// The index just past the closing quote of a one-line basic string whose content starts at `i`.
fn skip_basic(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' | b'\n' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn splits_before_each_task_header() {
        let text = "# top\n[[task]]\nname = \"a\"\n[task.inputs]\nx = \"string\"\n  [[ task ]] # b\nname = \"b\"\n";
        assert_eq!(
            pieces(text),
            [
                "# top\n",
                "[[task]]\nname = \"a\"\n[task.inputs]\nx = \"string\"\n",
                "  [[ task ]] # b\nname = \"b\"\n"
            ]
        );
        assert_eq!(
            pieces("[[task]]\nname = \"a\""),
            ["", "[[task]]\nname = \"a\""]
        );
        assert_eq!(pieces(""), [""]);
    }

    #[test]
    fn never_splits_inside_multiline_strings() {
        for text in [
            "[[task]]\nx = \"\"\"\n[[task]]\n\"\"\"\n",
            "[[task]]\nx = '''\n[[task]]\n'''\n",
            "[[task]]\nx = \"\"\"a \\\"\"\" still\n[[task]]\n\"\"\"\n",
        ] {
            assert_eq!(pieces(text), ["", text], "{text}");
        }
        // Strings that close on their line, quotes and comments do not fool the scanner.
        let text = "[[task]]\nx = \"\\\"\"\"\" # '''\ny = '\"\"\"'\n[[task]]\n";
        assert_eq!(pieces(text).len(), 3, "{text}");
        let text = "[[task]]\nx = \"\"\"a\"\"\"\"\"\n[[task]]\n";
        assert_eq!(pieces(text).len(), 3, "{text}");
    }

    #[test]
    fn other_headers_are_not_split_points() {
        let text = "[[task]]\n[[task.secrets]]\n[tasks]\n[[tasks]]\n";
        assert_eq!(pieces(text), ["", text]);
    }

    #[test]
    fn pieces_always_cover_the_text() {
        // Every text of up to five characters from the ones that matter to the scanner.
        let alphabet = ['"', '\'', '\\', '\n', '#', '[', ']', 'k'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for text in &longer {
                assert_eq!(pieces(text).concat(), *text, "{text:?}");
            }
            texts = longer;
        }
    }
}
