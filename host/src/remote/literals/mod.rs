//! Command-line `--input NAME=VALUE` pairs turned into Flyte literals (protobuf JSON) by the
//! types in a registered task's interface, and back ([`render`]). Reading that interface is
//! [`interface`]; reading the text of a boolean, datetime or duration is [`text`].

mod interface;
mod render;
mod text;

use serde_json::{json, Map, Value};

use super::error::RemoteError;
use crate::wire::field;
use interface::simple_name;
pub(crate) use interface::{
    launch_plan_inputs, launch_plan_parameters, task_inputs, type_name, Input,
};
pub(crate) use render::{render, render_map};
use text::parse_bool;
pub(crate) use text::{parse_datetime, parse_duration};

fn bad(name: &str, expected: &str, value: &str) -> RemoteError {
    RemoteError::Input(format!("input '{name}' must be {expected}, got '{value}'"))
}

fn primitive(kind: &str, value: Value) -> Value {
    json!({"scalar": {"primitive": {kind: value}}})
}

/// Input `name`'s command-line `value` as a Literal of `literal_type`.
///
/// # Errors
///
/// [`RemoteError::Input`] naming the input when the value does not fit the type, or the type is
/// one `run` cannot build from text.
pub(crate) fn literal(name: &str, literal_type: &Value, value: &str) -> Result<Value, RemoteError> {
    if let Some(simple) = simple_name(literal_type) {
        return match simple.as_str() {
            "STRING" => Ok(primitive("string_value", json!(value))),
            "INTEGER" => value
                .trim()
                .parse::<i64>()
                .map(|i| primitive("integer", json!(i.to_string())))
                .map_err(|_| bad(name, "an integer (64-bit)", value)),
            "FLOAT" => match value.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(primitive("float_value", json!(f))),
                _ => Err(bad(name, "a finite number", value)),
            },
            "BOOLEAN" => parse_bool(value)
                .map(|b| primitive("boolean", json!(b)))
                .ok_or_else(|| bad(name, "a boolean (true or false)", value)),
            "DATETIME" => parse_datetime(value)
                .map(|t| primitive("datetime", json!(t)))
                .ok_or_else(|| {
                    bad(
                        name,
                        "a datetime (RFC 3339 such as 2024-05-01T12:00:00Z, or a date such as 2024-05-01)",
                        value,
                    )
                }),
            "DURATION" => parse_duration(value)
                .map(|d| primitive("duration", json!(d)))
                .ok_or_else(|| {
                    bad(
                        name,
                        "a duration (such as 10s, 5m, 1h30m, 250ms, or a number of seconds)",
                        value,
                    )
                }),
            other => Err(RemoteError::Input(format!(
                "input '{name}' has type {} which `run` cannot set from the command line",
                other.to_ascii_lowercase()
            ))),
        };
    }
    if let Some(blob) = field(literal_type, "blob").filter(|b| !b.is_null()) {
        let uri = value.trim();
        if !uri.contains("://") {
            return Err(bad(
                name,
                "a remote URI such as s3://bucket/key (local files are not uploaded)",
                value,
            ));
        }
        let format = field(blob, "format").and_then(Value::as_str).unwrap_or("");
        let dimensionality = match field(blob, "dimensionality") {
            Some(Value::String(d)) => d.clone(),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => "MULTIPART".to_owned(),
            _ => "SINGLE".to_owned(),
        };
        return Ok(json!({"scalar": {"blob": {
            "metadata": {"type": {"format": format, "dimensionality": dimensionality}},
            "uri": uri,
        }}}));
    }
    if let Some(values) = field(literal_type, "enum_type")
        .and_then(|e| field(e, "values"))
        .and_then(Value::as_array)
    {
        let allowed: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        if allowed.contains(&value) {
            return Ok(primitive("string_value", json!(value)));
        }
        return Err(bad(name, &format!("one of {}", allowed.join(", ")), value));
    }
    Err(RemoteError::Input(format!(
        "input '{name}' has type {} which `run` cannot set from the command line",
        type_name(literal_type)
    )))
}

/// The `literals` of the LiteralMap for `what` (`task 'x'`, `launch plan 'y'`) and its `inputs`
/// from the command line's `NAME=VALUE` pairs: every required input must be given, each at most
/// once, and nothing else.
///
/// # Errors
///
/// [`RemoteError::Input`] for a malformed pair, an unknown, repeated or missing input, or a value
/// that does not fit its type.
pub(crate) fn literal_map(
    what: &str,
    inputs: &[Input],
    given: &[String],
) -> Result<Map<String, Value>, RemoteError> {
    let mut literals = Map::new();
    for pair in given {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(RemoteError::Input(format!(
                "--input '{pair}' is not NAME=VALUE"
            )));
        };
        let name = name.trim();
        let Some(input) = inputs.iter().find(|i| i.name == name) else {
            let known: Vec<&str> = inputs.iter().map(|i| i.name.as_str()).collect();
            let hint = if known.is_empty() {
                "it takes no inputs".to_owned()
            } else {
                format!("its inputs are {}", known.join(", "))
            };
            return Err(RemoteError::Input(format!(
                "{what} has no input '{name}': {hint}"
            )));
        };
        if literals.contains_key(name) {
            return Err(RemoteError::Input(format!(
                "input '{name}' is given more than once"
            )));
        }
        literals.insert(name.to_owned(), literal(name, &input.literal_type, value)?);
    }
    let missing: Vec<String> = inputs
        .iter()
        .filter(|i| i.required && !literals.contains_key(&i.name))
        .map(|i| format!("{} ({})", i.name, type_name(&i.literal_type)))
        .collect();
    if !missing.is_empty() {
        let (noun, each) = if missing.len() == 1 {
            ("input", "it")
        } else {
            ("inputs", "each")
        };
        return Err(RemoteError::Input(format!(
            "{what} needs {noun} {}: pass {each} as --input NAME=VALUE",
            missing.join(", ")
        )));
    }
    Ok(literals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(s: &str) -> Value {
        json!({"simple": s})
    }

    #[test]
    fn literals_by_type() {
        assert_eq!(
            literal("n", &simple("INTEGER"), "3").unwrap(),
            json!({"scalar": {"primitive": {"integer": "3"}}})
        );
        assert_eq!(
            literal("f", &simple("FLOAT"), "1.5").unwrap(),
            json!({"scalar": {"primitive": {"float_value": 1.5}}})
        );
        assert_eq!(
            literal("b", &json!({"simple": 4}), "yes").unwrap(),
            json!({"scalar": {"primitive": {"boolean": true}}})
        );
        assert_eq!(
            literal("s", &simple("STRING"), " x ").unwrap(),
            json!({"scalar": {"primitive": {"string_value": " x "}}})
        );
        assert_eq!(
            literal("d", &simple("DURATION"), "10m").unwrap(),
            json!({"scalar": {"primitive": {"duration": "600s"}}})
        );
        assert_eq!(
            literal(
                "b",
                &json!({"blob": {"format": "csv", "dimensionality": "SINGLE"}}),
                "s3://b/k"
            )
            .unwrap(),
            json!({"scalar": {"blob": {"metadata": {"type": {"format": "csv", "dimensionality": "SINGLE"}}, "uri": "s3://b/k"}}})
        );
        let err = literal("limit", &simple("INTEGER"), "ten")
            .unwrap_err()
            .to_string();
        assert!(err.contains("input 'limit' must be an integer"), "{err}");
        let err = literal("f", &simple("FLOAT"), "inf")
            .unwrap_err()
            .to_string();
        assert!(err.contains("input 'f'"), "{err}");
        let err = literal("x", &json!({"collection_type": {"simple": "INTEGER"}}), "1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("type list"), "{err}");
        let err = literal("p", &json!({"blob": {}}), "./local.csv")
            .unwrap_err()
            .to_string();
        assert!(err.contains("input 'p'"), "{err}");
    }

    #[test]
    fn literal_maps() {
        let input = |name: &str, kind: &str| Input {
            name: name.to_owned(),
            literal_type: simple(kind),
            required: true,
        };
        let inputs = vec![input("date", "STRING"), input("limit", "INTEGER")];
        let map = literal_map("t", &inputs, &["date=2024-01-01".into(), "limit=5".into()]).unwrap();
        assert_eq!(
            map["limit"],
            json!({"scalar": {"primitive": {"integer": "5"}}})
        );
        let err = |given: &[&str]| {
            let given: Vec<String> = given.iter().map(|s| (*s).to_owned()).collect();
            literal_map("t", &inputs, &given).unwrap_err().to_string()
        };
        assert!(err(&["date=x"]).contains("needs input limit (integer)"));
        assert!(err(&[]).contains("needs inputs date (string), limit (integer)"));
        assert!(err(&["nope=1"]).contains("has no input 'nope': its inputs are date, limit"));
        assert!(err(&["date"]).contains("is not NAME=VALUE"));
        assert!(err(&["date=a", "date=b"]).contains("more than once"));
    }
}
