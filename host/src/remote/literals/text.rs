//! Typed scalar values read from command-line text: booleans as click spells them, datetimes
//! (RFC 3339) and durations, the latter two as protobuf JSON Timestamp and Duration text.

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `n` ASCII digits at the start of `s`, and the rest.
fn digits(s: &str, n: usize) -> Option<(i64, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, &s[n..]))
}

/// Fractional-second digits (after the `.`) as nanoseconds, and the rest.
fn fraction(s: &str) -> Option<(i64, &str)> {
    let Some(rest) = s.strip_prefix('.').or_else(|| s.strip_prefix(',')) else {
        return Some((0, s));
    };
    let len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > 9 {
        return None;
    }
    let (value, tail) = digits(rest, len)?;
    let scale = 10_i64.pow(u32::try_from(9 - len).ok()?);
    Some((value * scale, tail))
}

/// `2024-05-01T12:00:00+02:00` (RFC 3339; also a bare date or a time without zone, read as UTC)
/// as protobuf JSON Timestamp text, normalized to UTC (`2024-05-01T10:00:00Z`).
pub(crate) fn parse_datetime(text: &str) -> Option<String> {
    let s = text.trim();
    let (year, s) = digits(s, 4)?;
    let (month, s) = digits(s.strip_prefix('-')?, 2)?;
    let (day, s) = digits(s.strip_prefix('-')?, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || year < 1 {
        return None;
    }
    let (mut seconds, mut nanos, mut offset) = (0_i64, 0_i64, 0_i64);
    if !s.is_empty() {
        let s = s
            .strip_prefix(['T', 't', ' '])
            .filter(|rest| !rest.is_empty())?;
        let (hour, s) = digits(s, 2)?;
        let (minute, s) = digits(s.strip_prefix(':')?, 2)?;
        let (second, s) = match s.strip_prefix(':') {
            Some(rest) => digits(rest, 2)?,
            None => (0, s),
        };
        let (frac, s) = fraction(s)?;
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        seconds = hour * 3600 + minute * 60 + second;
        nanos = frac;
        offset = match s {
            "" | "Z" | "z" => 0,
            _ => {
                let sign = match s.as_bytes()[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let (oh, rest) = digits(&s[1..], 2)?;
                let rest = rest.strip_prefix(':').unwrap_or(rest);
                let (om, rest) = digits(rest, 2)?;
                if !rest.is_empty() || oh > 23 || om > 59 {
                    return None;
                }
                sign * (oh * 3600 + om * 60)
            }
        };
    }
    let total = days_from_civil(year, month, day) * 86_400 + seconds - offset;
    let (y, m, d) = civil_from_days(total.div_euclid(86_400));
    if !(1..=9999).contains(&y) {
        return None;
    }
    let secs = total.rem_euclid(86_400);
    let frac = format_fraction(nanos);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
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
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "yesterday",
            "2024-05-01T",
            "2024-05-01T25:00:00Z",
            "2024-05-01T10:00:00+5",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trip_days() {
        for days in [-719_162, -1, 0, 1, 11_016, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
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
