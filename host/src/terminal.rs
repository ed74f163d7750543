//! Text printed for humans: secrets redacted (see [`crate::redact`]) and control characters
//! escaped, so a config value, task file, plugin answer or server response cannot move the cursor,
//! rewrite the screen or set the window title with an escape sequence. `-o json` output keeps
//! JSON's own escaping instead.

use std::borrow::Cow;

/// `text` with control characters (C0, DEL, C1) written as `\u{..}` escapes; line breaks and tabs
/// are kept when `multi_line`.
pub(crate) fn escape(text: &str, multi_line: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && !(multi_line && matches!(c, '\n' | '\t'));
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` ready for a terminal: secrets redacted, control characters escaped (line breaks and
/// tabs kept).
pub(crate) fn human(text: &str) -> String {
    let text = if crate::redact::any() {
        Cow::Owned(crate::redact::redact(text))
    } else {
        Cow::Borrowed(text)
    };
    escape(&text, true).into_owned()
}

/// Writes `text` to stderr for the user ([`human`]); write errors are ignored, as `eprint!`'s
/// callers here (warnings, notes) cannot do better.
pub(crate) fn eprint(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(human(text).as_bytes());
}

/// [`eprint`] of `format!(...)` with a line break: `eprintln!` for text a user reads.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::terminal::eprint(&format!("{}\n", format_args!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("a\x1b[2Jb", true), "a\\u{1b}[2Jb");
        assert_eq!(escape("a\nb\tc\r", true), "a\nb\tc\\r");
        assert_eq!(escape("a\nb", false), "a\\nb");
        assert_eq!(escape("\u{9b}31m", true), "\\u{9b}31m");
        assert!(matches!(escape("plain ü", true), Cow::Borrowed(_)));
    }
}
