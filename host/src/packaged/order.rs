//! Dependency order: a task before the workflows that run it, a workflow before its launch
//! plans, a launch plan before the workflows that call it; otherwise the files' own order.

use std::collections::HashMap;

use super::{
    hydrate::{references, resource_type_of},
    Packaged, PackagedError,
};

/// `entities` reordered so that each comes after the entities of the files it refers to.
pub(super) fn dependency_order(entities: Vec<Packaged>) -> Result<Vec<Packaged>, PackagedError> {
    let mut index: HashMap<(&'static str, String), usize> = HashMap::new();
    for (i, entity) in entities.iter().enumerate() {
        let key = (resource_type_of(entity.kind), entity.name().to_owned());
        if let Some(&first) = index.get(&key) {
            return Err(PackagedError::Duplicate {
                noun: entity.kind.noun(),
                name: key.1,
                first: entities[first].source.clone(),
                second: entity.source.clone(),
            });
        }
        index.insert(key, i);
    }
    let needs: Vec<Vec<usize>> = entities
        .iter()
        .enumerate()
        .map(|(i, entity)| {
            let mut deps: Vec<usize> = references(entity)
                .into_iter()
                .filter_map(|key| index.get(&key).copied())
                .filter(|&d| d != i)
                .collect();
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect();
    // Depth-first, in file order: each entity is placed after what it needs.
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let mut marks = vec![Mark::New; entities.len()];
    let mut order = Vec::with_capacity(entities.len());
    for start in 0..entities.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // (entity, next dependency to look at)
        let mut stack = vec![(start, 0)];
        marks[start] = Mark::Visiting;
        while let Some((node, next)) = stack.pop() {
            if let Some(&dep) = needs[node].get(next) {
                stack.push((node, next + 1));
                match marks[dep] {
                    Mark::New => {
                        marks[dep] = Mark::Visiting;
                        stack.push((dep, 0));
                    }
                    Mark::Visiting => {
                        let mut cycle: Vec<String> = stack
                            .iter()
                            .skip_while(|(n, _)| *n != dep)
                            .map(|(n, _)| describe(&entities[*n]))
                            .collect();
                        cycle.push(describe(&entities[dep]));
                        return Err(PackagedError::Cycle(cycle.join(" → ")));
                    }
                    Mark::Done => {}
                }
            } else {
                marks[node] = Mark::Done;
                order.push(node);
            }
        }
    }
    let mut slots: Vec<Option<Packaged>> = entities.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

fn describe(entity: &Packaged) -> String {
    format!("{} '{}'", entity.kind.noun(), entity.name())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::remote::Entity;

    fn entity(kind: Entity, name: &str, message: serde_json::Value) -> Packaged {
        let mut message = message;
        let id = json!({"name": name});
        match kind {
            Entity::LaunchPlan => message["id"] = id,
            _ => message["template"]["id"] = id,
        }
        Packaged {
            kind,
            source: format!("{name}.pb"),
            message,
        }
    }

    fn names(entities: &[Packaged]) -> Vec<&str> {
        entities.iter().map(Packaged::name).collect()
    }

    #[test]
    fn what_is_referred_to_comes_first_else_file_order() {
        let lp = entity(
            Entity::LaunchPlan,
            "lp",
            json!({"spec": {"workflow_id": {"name": "wf"}}}),
        );
        let wf = entity(
            Entity::Workflow,
            "wf",
            json!({"template": {"nodes": [{"task_node": {"reference_id": {"name": "t2"}}}]}}),
        );
        let t1 = entity(Entity::Task, "t1", json!({}));
        let t2 = entity(Entity::Task, "t2", json!({}));
        let ordered = dependency_order(vec![lp, t1, wf, t2]).unwrap();
        assert_eq!(names(&ordered), ["t2", "wf", "lp", "t1"]);
    }

    #[test]
    fn duplicates_and_cycles_are_errors_naming_the_entities() {
        let a = entity(Entity::Task, "t", json!({}));
        let b = entity(Entity::Task, "t", json!({}));
        let err = dependency_order(vec![a, b]).unwrap_err().to_string();
        assert!(
            err.contains("task 't' is defined twice, in `t.pb` and `t.pb`"),
            "{err}"
        );

        let wf = entity(
            Entity::Workflow,
            "wf",
            json!({"template": {"nodes": [{"workflow_node": {"launchplan_ref": {"name": "lp"}}}]}}),
        );
        let lp = entity(
            Entity::LaunchPlan,
            "lp",
            json!({"spec": {"workflow_id": {"name": "wf"}}}),
        );
        let err = dependency_order(vec![wf, lp]).unwrap_err().to_string();
        assert!(
            err.contains("workflow 'wf' → launch plan 'lp' → workflow 'wf'"),
            "{err}"
        );
    }
}
