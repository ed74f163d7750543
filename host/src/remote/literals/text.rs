//! Typed scalar values read from command-line text: booleans as click spells them, datetimes
//! (RFC 3339) and durations, the latter two as protobuf JSON Timestamp and Duration text.

use jiff::{civil::DateTime, tz::TimeZone, Timestamp};

/// `2024-05-01T12:00:00+02:00` (RFC 3339; also a bare date or a time without zone, read as UTC)
/// as protobuf JSON Timestamp text, normalized to UTC (`2024-05-01T10:00:00Z`). Read by jiff's
/// Temporal/RFC 3339 parser; protobuf's Timestamp holds the years 1 to 9999.
pub(crate) fn parse_datetime(text: &str) -> Option<String> {
    let text = text.trim();
    // With an offset (or `Z`) it is an instant; without one, a civil date or date-time in UTC.
    let instant = match text.parse::<Timestamp>() {
        Ok(instant) => instant,
        Err(_) if !has_offset(text) => TimeZone::UTC
            .to_timestamp(text.parse::<DateTime>().ok()?)
            .ok()?,
        Err(_) => return None,
    };
    let utc = TimeZone::UTC.to_datetime(instant);
    if !(1..=9999).contains(&utc.year()) {
        return None;
    }
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z",
        utc.year(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        format_fraction(i64::from(utc.subsec_nanosecond()))
    ))
}

/// Whether the time part of `text` ends in an offset or `Z`: a civil reading would ignore it.
fn has_offset(text: &str) -> bool {
    text.split_once(['T', 't', ' '])
        .is_some_and(|(_, time)| time.contains(['+', '-', 'Z', 'z']))
}

/// Nanoseconds as protobuf JSON writes them: nothing, or 3, 6 or 9 digits after a `.`.
fn format_fraction(nanos: i64) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    }
}

/// `10s`, `5m`, `1h30m`, `250ms`, `1.5h` or a bare number of seconds (the host's one duration
/// reading, shared with task files) as protobuf JSON Duration text (`5400s`, `0.250s`).
pub(crate) fn parse_duration(text: &str) -> Option<String> {
    let duration = crate::duration::parse(text).ok()?;
    let length = duration.unsigned_abs();
    let sign = if duration.is_negative() { "-" } else { "" };
    Some(format!(
        "{sign}{}{}s",
        length.as_secs(),
        format_fraction(i64::from(length.subsec_nanos()))
    ))
}

/// click's boolean words.
pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" | "on" => Some(true),
        "false" | "f" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes() {
        assert_eq!(
            parse_datetime("2024-05-01T12:00:00Z").as_deref(),
            Some("2024-05-01T12:00:00Z")
        );
        assert_eq!(
            parse_datetime("2024-05-01T01:30:00.5+02:00").as_deref(),
            Some("2024-04-30T23:30:00.500Z")
        );
        assert_eq!(
            parse_datetime("2024-02-29").as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert_eq!(
            parse_datetime("2024-05-01 08:15").as_deref(),
            Some("2024-05-01T08:15:00Z")
        );
        assert_eq!(
            parse_datetime("1969-12-31T23:59:59.123456789-0100").as_deref(),
            Some("1970-01-01T00:59:59.123456789Z")
        );
        assert_eq!(
            parse_datetime(" 2024-05-01t10:00:00+05:30 ").as_deref(),
            Some("2024-05-01T04:30:00Z")
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "yesterday",
            "2024-05-01T",
            "2024-05-01T25:00:00Z",
            "2024-05-01T10:00:00+5",
            "2024-05-01T10:00:00 +05:00 trailing",
            // Outside protobuf's Timestamp once in UTC.
            "9999-12-31T23:30:00-01:00",
            "0000-06-01",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        for (text, want) in [
            ("10s", "10s"),
            ("5m", "300s"),
            ("1h30m", "5400s"),
            ("250ms", "0.250s"),
            ("1.5h", "5400s"),
            ("42", "42s"),
            ("0.5", "0.500s"),
            ("-2s", "-2s"),
            ("1d", "86400s"),
            ("3us", "0.000003s"),
            ("1h 30m", "5400s"),
            ("-0s", "0s"),
            ("3652500d", "315576000000s"),
        ] {
            assert_eq!(parse_duration(text).as_deref(), Some(want), "{text}");
        }
        for bad in ["", "s", "10x", "5m10", ".s", "-", "1 month"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        // Past protobuf's Duration.
        assert_eq!(parse_duration("3652501d"), None);
    }
}
