//! What a registered task's interface or a launch plan's parameters say about their inputs: names,
//! LiteralTypes and whether each must be given, and a LiteralType's name as task files spell it.

use serde_json::Value;

use crate::wire::field;

/// The inputs a registered Task declares (`closure.compiled_task.template.interface.inputs`):
/// each name with its LiteralType, sorted by name.
pub(crate) fn task_inputs(task: &Value) -> Vec<Input> {
    let variables = field(task, "closure")
        .and_then(|c| field(c, "compiled_task"))
        .and_then(|c| field(c, "template"))
        .and_then(|t| field(t, "interface"))
        .and_then(|i| field(i, "inputs"))
        .and_then(|i| field(i, "variables"))
        .and_then(Value::as_object);
    let mut inputs: Vec<Input> = variables
        .map(|vars| {
            vars.iter()
                .map(|(name, var)| Input {
                    name: name.clone(),
                    literal_type: field(var, "type").cloned().unwrap_or(Value::Null),
                    required: true,
                })
                .collect()
        })
        .unwrap_or_default();
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    inputs
}

/// The inputs a launch plan takes (`closure.expected_inputs.parameters`, else
/// `spec.default_inputs.parameters`): each name with its LiteralType and whether it must be given
/// (a parameter with a default may be left out: admin fills it in), sorted by name.
pub(crate) fn launch_plan_inputs(launch_plan: &Value) -> Vec<Input> {
    launch_plan_parameters(launch_plan)
        .into_iter()
        .map(|(input, _)| input)
        .collect()
}

/// [`launch_plan_inputs`] with each parameter's default literal, if it has one.
pub(crate) fn launch_plan_parameters(launch_plan: &Value) -> Vec<(Input, Option<Value>)> {
    let parameters = ["closure", "spec"]
        .iter()
        .zip(["expected_inputs", "default_inputs"])
        .find_map(|(part, key)| {
            field(launch_plan, part)
                .and_then(|p| field(p, key))
                .and_then(|i| field(i, "parameters"))
                .and_then(Value::as_object)
        });
    let mut inputs: Vec<(Input, Option<Value>)> = parameters
        .map(|params| {
            params
                .iter()
                .map(|(name, param)| {
                    let ty = field(param, "var")
                        .and_then(|v| field(v, "type"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    let default = field(param, "default").filter(|d| !d.is_null()).cloned();
                    let input = Input {
                        name: name.clone(),
                        literal_type: ty,
                        required: default.is_none(),
                    };
                    (input, default)
                })
                .collect()
        })
        .unwrap_or_default();
    inputs.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    inputs
}

/// An input a task or launch plan declares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Input {
    /// Its name.
    pub name: String,
    /// Its LiteralType.
    pub literal_type: Value,
    /// Whether it must be given (a launch plan parameter with a default need not be).
    pub required: bool,
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
        assert_eq!(inputs[0].name, "a");
        assert_eq!(type_name(&inputs[0].literal_type), "integer");
        assert!(inputs[0].required);
    }

    #[test]
    fn launch_plan_parameters_with_defaults_are_optional() {
        let plan = json!({"closure": {"expected_inputs": {"parameters": {
            "day": {"var": {"type": {"simple": "STRING"}}, "required": true},
            "retries": {"var": {"type": {"simple": "INTEGER"}}, "default": {"scalar": {}}}}}}});
        let inputs = launch_plan_inputs(&plan);
        let names: Vec<(&str, bool)> = inputs
            .iter()
            .map(|i| (i.name.as_str(), i.required))
            .collect();
        assert_eq!(names, [("day", true), ("retries", false)]);
    }
}
