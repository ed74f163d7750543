//! Wording helpers shared by every module that writes messages: one-line quoting of outside
//! text and "did you mean" suggestions. Depends on nothing else in the host.

/// `text` on one line: runs of whitespace (newlines included) become one space; very long
/// messages are cut.
pub(crate) fn one_line(text: &str) -> String {
    one_line_within(text, 600)
}

/// `text` on one line (runs of white space as one space), cut to at most `max` bytes with ` …`.
pub(crate) fn one_line_within(text: &str, max: usize) -> String {
    let mut line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.len() > max {
        let mut cut = max;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
        line.push_str(" …");
    }
    line
}

/// `; did you mean 'x'?` for the known name closest to `word`, or nothing when none is close.
pub(crate) fn did_you_mean(word: &str, known: &[&str]) -> String {
    closest(word, known)
        .map(|k| format!("; did you mean '{k}'?"))
        .unwrap_or_default()
}

/// [`did_you_mean`] ending a sentence that more text follows: `; did you mean 'x'?` or `.`, so
/// a message never reads `'x'?.`.
pub(crate) fn did_you_mean_or_period(word: &str, known: &[&str]) -> String {
    closest(word, known)
        .map(|k| format!("; did you mean '{k}'?"))
        .unwrap_or_else(|| ".".to_owned())
}

/// The known name closest to `word`, when it is close enough to be a typo or a shortening
/// (`mem` for `memory`) or shares its first four letters (`retry` for `retries`).
fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let lower = word.to_ascii_lowercase();
    let score = |k: &str| {
        let shortened = lower.len() >= 3 && (k.starts_with(&lower) || lower.starts_with(k));
        let shared = lower
            .chars()
            .zip(k.chars())
            .take_while(|(a, b)| a == b)
            .count();
        if shortened {
            Some(0)
        } else if shared >= 4 {
            Some(strsim::levenshtein(&lower, k))
        } else {
            let d = strsim::levenshtein(&lower, k);
            (d <= (k.len().max(lower.len()) / 3).max(1)).then_some(d)
        }
    };
    known
        .iter()
        .filter_map(|k| score(k).map(|d| (d, *k)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_and_cuts() {
        assert_eq!(one_line("a\n\tb  c\n"), "a b c");
        let long = "é".repeat(1000);
        let cut = one_line(&long);
        assert!(cut.ends_with(" …"));
        assert!(cut.len() <= 605);
    }
}
