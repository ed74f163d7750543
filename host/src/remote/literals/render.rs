//! Flyte literals (admin's protobuf JSON) as text a person reads: `42`, `"text"`, `[1, 2]`,
//! `{a: 1}`, `blob s3://…`; the reverse of building them from `--input NAME=VALUE`.

use serde_json::Value;

use crate::wire::field;

/// The set member of a oneof-like object: the first of `names` present and not null.
fn member<'a>(value: &'a Value, names: &[&'a str]) -> Option<(&'a str, &'a Value)> {
    names.iter().find_map(|name| {
        field(value, name)
            .filter(|v| !v.is_null())
            .map(|v| (*name, v))
    })
}

/// `literal` (a `flyteidl.core.Literal`) as text.
pub(crate) fn render(literal: &Value) -> String {
    if let Some((kind, inner)) = member(
        literal,
        &["scalar", "collection", "map", "offloaded_metadata"],
    ) {
        return match kind {
            "scalar" => scalar(inner),
            "collection" => {
                let items: Vec<String> = field(inner, "literals")
                    .and_then(Value::as_array)
                    .map(|items| items.iter().map(render).collect())
                    .unwrap_or_default();
                format!("[{}]", items.join(", "))
            }
            "map" => {
                let entries: Vec<String> = field(inner, "literals")
                    .and_then(Value::as_object)
                    .map(|map| {
                        map.iter()
                            .map(|(k, v)| format!("{k}: {}", render(v)))
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{{{}}}", entries.join(", "))
            }
            _ => format!("offloaded {}", text_of(inner, "uri")),
        };
    }
    "-".to_owned()
}

/// A `flyteidl.core.Scalar` as text.
fn scalar(value: &Value) -> String {
    let Some((kind, inner)) = member(
        value,
        &[
            "primitive",
            "none_type",
            "blob",
            "structured_dataset",
            "error",
            "generic",
            "binary",
            "union",
        ],
    ) else {
        return "-".to_owned();
    };
    match kind {
        "primitive" => primitive(inner),
        "none_type" => "none".to_owned(),
        "blob" => format!("blob {}", text_of(inner, "uri")),
        "structured_dataset" => format!("dataset {}", text_of(inner, "uri")),
        "error" => format!("error: {}", text_of(inner, "message")),
        "generic" => inner.to_string(),
        "union" => field(inner, "value").map_or_else(|| "-".to_owned(), render),
        _ => "binary".to_owned(),
    }
}

/// A `flyteidl.core.Primitive` as text: numbers and booleans bare, strings quoted.
fn primitive(value: &Value) -> String {
    match member(
        value,
        &[
            "integer",
            "float_value",
            "string_value",
            "boolean",
            "datetime",
            "duration",
        ],
    ) {
        Some(("string_value", v)) => format!("{:?}", v.as_str().unwrap_or_default()),
        Some((_, Value::String(s))) => s.clone(),
        Some((_, v)) => v.to_string(),
        None => "-".to_owned(),
    }
}

fn text_of(value: &Value, name: &str) -> String {
    field(value, name)
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_owned()
}

/// The literals of `map` (a `flyteidl.core.LiteralMap`), each rendered, in admin's order.
pub(crate) fn render_map(map: &Value) -> Vec<(String, String)> {
    field(map, "literals")
        .and_then(Value::as_object)
        .map(|literals| {
            literals
                .iter()
                .map(|(name, literal)| (name.clone(), render(literal)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn literals_read_as_a_person_writes_them() {
        let int = json!({"scalar": {"primitive": {"integer": "42"}}});
        let text = json!({"scalar": {"primitive": {"stringValue": "hi \"you\""}}});
        let float = json!({"scalar": {"primitive": {"float_value": 1.5, "integer": null}}});
        let none = json!({"scalar": {"none_type": {}}});
        let blob = json!({"scalar": {"blob": {"uri": "s3://b/x.csv", "metadata": null}}});
        assert_eq!(render(&int), "42");
        assert_eq!(render(&text), r#""hi \"you\"""#);
        assert_eq!(render(&float), "1.5");
        assert_eq!(render(&none), "none");
        assert_eq!(render(&blob), "blob s3://b/x.csv");
        let list = json!({"collection": {"literals": [int, float]}});
        assert_eq!(render(&list), "[42, 1.5]");
        let map = json!({"map": {"literals": {"a": list}}});
        assert_eq!(render(&map), "{a: [42, 1.5]}");
        assert_eq!(
            render_map(&json!({"literals": {"n": {"scalar": {"primitive": {"boolean": true}}}}})),
            [("n".to_owned(), "true".to_owned())]
        );
        assert_eq!(render(&json!({})), "-");
    }
}
