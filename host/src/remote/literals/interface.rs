//! What a registered task's interface says about its inputs: their names and LiteralTypes, and a
//! LiteralType's name as task files spell it.

use serde_json::Value;

use crate::wire::field;

/// The inputs a registered Task declares (`closure.compiled_task.template.interface.inputs`):
/// each name with its LiteralType, sorted by name.
pub(crate) fn task_inputs(task: &Value) -> Vec<(String, Value)> {
    let variables = field(task, "closure")
        .and_then(|c| field(c, "compiled_task"))
        .and_then(|c| field(c, "template"))
        .and_then(|t| field(t, "interface"))
        .and_then(|i| field(i, "inputs"))
        .and_then(|i| field(i, "variables"))
        .and_then(Value::as_object);
    let mut inputs: Vec<(String, Value)> = variables
        .map(|vars| {
            vars.iter()
                .map(|(name, var)| {
                    let ty = field(var, "type").cloned().unwrap_or(Value::Null);
                    (name.clone(), ty)
                })
                .collect()
        })
        .unwrap_or_default();
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    inputs
}

/// The name of a LiteralType's `simple` value, whether it came as a name or a number.
pub(super) fn simple_name(literal_type: &Value) -> Option<String> {
    match field(literal_type, "simple")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(
            match n.as_i64()? {
                0 => "NONE",
                1 => "INTEGER",
                2 => "FLOAT",
                3 => "STRING",
                4 => "BOOLEAN",
                5 => "DATETIME",
                6 => "DURATION",
                7 => "BINARY",
                8 => "ERROR",
                9 => "STRUCT",
                _ => return None,
            }
            .to_owned(),
        ),
        _ => None,
    }
}

/// A LiteralType in the task-spec spelling (`integer`, `blob`, `list`, …).
pub(crate) fn type_name(literal_type: &Value) -> String {
    if let Some(simple) = simple_name(literal_type) {
        return simple.to_ascii_lowercase();
    }
    for (key, name) in [
        ("blob", "blob"),
        ("enum_type", "enum"),
        ("collection_type", "list"),
        ("map_value_type", "map"),
        ("structured_dataset_type", "structured dataset"),
        ("union_type", "union"),
        ("schema", "schema"),
    ] {
        if field(literal_type, key).is_some_and(|v| !v.is_null()) {
            return name.to_owned();
        }
    }
    "unknown".to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn interface_from_a_task() {
        let task = json!({"closure": {"compiledTask": {"template": {"interface": {"inputs": {"variables": {
            "b": {"type": {"simple": "STRING"}}, "a": {"type": {"simple": "INTEGER"}}}}}}}}});
        let inputs = task_inputs(&task);
        assert_eq!(inputs.len(), 2);
        assert_eq!(inputs[0].0, "a");
        assert_eq!(type_name(&inputs[0].1), "integer");
    }
}
