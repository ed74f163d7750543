//! Checks and conversions of single values in task files: names, durations, resource quantities,
//! and the "did you mean" hint for misspelled keys.

use crate::duration::DurationError;

/// The longest task name (it is also a file name, `<name>.json`).
const MAX_NAME_LEN: usize = 200;

/// A task name: letters, digits and `_ . -`, starting with a letter or `_` (a Python-style dotted
/// path such as `etl.clean`); it is used as a file name by `package`.
pub(super) fn task_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("must not be empty".into());
    };
    if name.len() > MAX_NAME_LEN {
        return Err(format!("must be at most {MAX_NAME_LEN} characters"));
    }
    if !(first.is_ascii_alphabetic() || first == '_')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(format!(
            "must start with a letter or _ and contain only letters, digits and _ . - (found '{name}')"
        ));
    }
    Ok(())
}

/// An input or output name: an identifier.
pub(super) fn identifier(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "is not a valid variable name '{name}' (use letters, digits and _, not starting with a digit)"
        ))
    }
}

/// A duration such as `10m`, `1h30m`, `1.5h`, `90s` or `2d` (the host's one duration reading,
/// shared with `run --input`), in whole seconds (more than zero).
pub(super) fn duration(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "must be a duration such as \"90s\", \"10m\", \"1h30m\" or \"2d\", or a number of seconds (found \"{text}\")"
        )
    };
    let duration = crate::duration::parse(text).map_err(|e| match e {
        DurationError::Malformed => bad(),
        DurationError::TooLong => format!("is too long (found \"{text}\")"),
    })?;
    if duration.is_negative() {
        return Err(bad());
    }
    // A task's timeout is whole seconds (`Duration.seconds` in its metadata).
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "must be a whole number of seconds (found \"{text}\")"
        ));
    }
    positive(duration.as_secs().unsigned_abs())
}

/// A duration must be more than zero.
pub(super) fn positive(seconds: u64) -> Result<u64, String> {
    if seconds == 0 {
        Err("must be more than zero".into())
    } else {
        Ok(seconds)
    }
}

/// A Kubernetes resource quantity: `1`, `500m`, `0.5`, `2Gi`, `1e3`.
pub(super) fn quantity(text: &str) -> Result<(), String> {
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let number_ok = !number.is_empty()
        && number != "."
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    let suffix_ok = matches!(
        suffix,
        "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
    ) || exponent(suffix);
    if number_ok && suffix_ok {
        Ok(())
    } else {
        Err(format!(
            "must be a quantity such as \"1\", \"500m\", \"0.5\" or \"2Gi\" (found \"{text}\")"
        ))
    }
}

/// `e3`, `E-2`: a decimal exponent suffix.
fn exponent(suffix: &str) -> bool {
    let Some(rest) = suffix.strip_prefix(['e', 'E']) else {
        return false;
    };
    let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
}

/// `a`, `a or b`, `a, b or c`, each quoted.
pub(super) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// `"600s"`: a protobuf `Duration` in JSON.
pub(super) fn proto_duration(seconds: u64) -> String {
    format!("{seconds}s")
}
