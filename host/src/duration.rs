//! Durations read from text, one implementation for `run --input` and task files: jiff's
//! "friendly" format (`10s`, `1h30m`, `1.5h`, `2 days`) or a bare number of seconds.

use jiff::{fmt::friendly::SpanParser, SignedDuration};

/// The longest duration protobuf's Duration holds (10,000 years), the longest either caller
/// sends to admin.
const MAX_SECONDS: i64 = 315_576_000_000;

/// Why text is not a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DurationError {
    /// Not a duration at all, or one in months or years (no fixed length).
    Malformed,
    /// Longer than protobuf's Duration holds.
    TooLong,
}

/// `text` as a duration: an optional sign, then jiff's friendly format (units `w`, `d`, `h`,
/// `m`, `s`, `ms`, `us`/`µs`, `ns` and their long names, spaces and commas optional, a fraction
/// on the last unit when it is hours or smaller) or a bare number of seconds (`42`, `0.5`). Days
/// are 24 hours, weeks 7 days.
pub(crate) fn parse(text: &str) -> Result<SignedDuration, DurationError> {
    let text = text.trim();
    let duration = match bare_seconds(text) {
        Some(seconds) => parse_friendly(&seconds)?,
        None => parse_friendly(text)?,
    };
    if duration.as_secs().unsigned_abs() > MAX_SECONDS.unsigned_abs() {
        return Err(DurationError::TooLong);
    }
    Ok(duration)
}

/// A bare number of seconds (`42`, `-2`, `.5`) in the friendly format (`42s`, `-2s`, `0.5s`).
fn bare_seconds(text: &str) -> Option<String> {
    let (sign, number) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let fraction = if number.contains('.') {
        if frac.is_empty() {
            return None;
        }
        format!(".{frac}")
    } else {
        String::new()
    };
    (digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty())).then(|| {
        format!(
            "{sign}{}{fraction}s",
            if int.is_empty() { "0" } else { int }
        )
    })
}

/// jiff's friendly format; weeks count as 7 days, days as 24 hours.
fn parse_friendly(text: &str) -> Result<SignedDuration, DurationError> {
    static PARSER: SpanParser = SpanParser::new();
    let span = PARSER
        .parse_span(text)
        .map_err(|_| DurationError::Malformed)?;
    // Months and years have no fixed length. Summed by hand rather than with
    // `Span::to_duration`, whose calendar arithmetic adds ~350 KB to the release binary.
    if span.get_years() != 0 || span.get_months() != 0 {
        return Err(DurationError::Malformed);
    }
    let seconds = i128::from(span.get_weeks()) * 604_800
        + i128::from(span.get_days()) * 86_400
        + i128::from(span.get_hours()) * 3_600
        + i128::from(span.get_minutes()) * 60
        + i128::from(span.get_seconds());
    let nanos = i128::from(span.get_milliseconds()) * 1_000_000
        + i128::from(span.get_microseconds()) * 1_000
        + i128::from(span.get_nanoseconds());
    let total = seconds * 1_000_000_000 + nanos;
    SignedDuration::try_from_nanos_i128(total).ok_or(DurationError::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(text: &str) -> Option<(i64, i32)> {
        parse(text).ok().map(|d| (d.as_secs(), d.subsec_nanos()))
    }

    #[test]
    fn forms_either_caller_accepted() {
        for (text, secs, nanos) in [
            ("10s", 10, 0),
            ("5m", 300, 0),
            ("90s", 90, 0),
            ("1h30m", 5_400, 0),
            ("1.5h", 5_400, 0),
            ("2d", 172_800, 0),
            ("1d", 86_400, 0),
            ("250ms", 0, 250_000_000),
            ("3us", 0, 3_000),
            ("3µs", 0, 3_000),
            ("42", 42, 0),
            ("0.5", 0, 500_000_000),
            (".5", 0, 500_000_000),
            ("-2s", -2, 0),
            ("+2s", 2, 0),
            (" 10m ", 600, 0),
            ("10 secs", 10, 0),
            ("2 days", 172_800, 0),
        ] {
            assert_eq!(seconds(text), Some((secs, nanos)), "{text}");
        }
    }

    #[test]
    fn friendlier_forms() {
        assert_eq!(seconds("1h 30m"), Some((5_400, 0)));
        assert_eq!(seconds("1 hour, 30 minutes"), Some((5_400, 0)));
        assert_eq!(seconds("1w"), Some((604_800, 0)));
    }

    #[test]
    fn rejects() {
        for bad in [
            "", "s", "10x", "5m10", ".s", "-", "5.", "1 month", "1y", "m", "1.5.2",
        ] {
            assert_eq!(parse(bad), Err(DurationError::Malformed), "{bad}");
        }
        assert_eq!(parse("10001y"), Err(DurationError::Malformed));
        assert_eq!(parse("3652501d"), Err(DurationError::TooLong));
        assert_eq!(parse("3652500d").map(|d| d.as_secs()), Ok(MAX_SECONDS));
    }
}
