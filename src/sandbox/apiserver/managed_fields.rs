//! Field ownership for server-side apply, in `metadata.managedFields` (FieldsV1): each field
//! is owned by the manager that last set it; an apply that changes a field another manager
//! owns is a conflict unless forced. Lists are owned as a whole (the real server tracks list
//! items by key; capm3's clients do not need that).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

/// A field: its path from the object's root.
pub type Path = Vec<String>;

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub fields: BTreeSet<Path>,
}

/// The leaf fields of an object that ownership covers: everything but the identity and the
/// server's own metadata (labels and annotations are owned like any field).
pub fn leaf_paths(object: &Value) -> BTreeSet<Path> {
    let mut paths = BTreeSet::new();
    if let Some(root) = object.as_object() {
        for (key, value) in root {
            match key.as_str() {
                "apiVersion" | "kind" => {}
                "metadata" => {
                    for owned in ["labels", "annotations"] {
                        if let Some(v) = value.get(owned) {
                            collect(v, vec!["metadata".into(), owned.into()], &mut paths);
                        }
                    }
                }
                _ => collect(value, vec![key.clone()], &mut paths),
            }
        }
    }
    paths
}

fn collect(value: &Value, path: Path, paths: &mut BTreeSet<Path>) {
    match value.as_object() {
        Some(map) if !map.is_empty() => {
            for (k, v) in map {
                let mut child = path.clone();
                child.push(k.clone());
                collect(v, child, paths);
            }
        }
        _ => {
            paths.insert(path);
        }
    }
}

fn value_at<'a>(object: &'a Value, path: &Path) -> Option<&'a Value> {
    path.iter().try_fold(object, |v, k| v.get(k))
}

pub fn decode(object: &Value) -> Vec<Entry> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let mut fields = BTreeSet::new();
            fields_v1(&e["fieldsV1"], Vec::new(), &mut fields);
            Entry {
                manager: e["manager"].as_str().unwrap_or_default().to_owned(),
                operation: e["operation"].as_str().unwrap_or("Update").to_owned(),
                api_version: e["apiVersion"].as_str().unwrap_or_default().to_owned(),
                time: e["time"].as_str().unwrap_or_default().to_owned(),
                fields,
            }
        })
        .collect()
}

fn fields_v1(node: &Value, path: Path, out: &mut BTreeSet<Path>) {
    let Some(map) = node.as_object() else { return };
    if map.is_empty() && !path.is_empty() {
        out.insert(path);
        return;
    }
    for (key, child) in map {
        if let Some(name) = key.strip_prefix("f:") {
            let mut next = path.clone();
            next.push(name.to_owned());
            fields_v1(child, next, out);
        }
    }
}

pub fn encode(entries: &[Entry]) -> Value {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut root = Map::new();
            for path in &e.fields {
                let mut node = &mut root;
                for key in path {
                    node = node.entry(format!("f:{key}")).or_insert_with(|| json!({})).as_object_mut().expect("inserted as an object");
                }
            }
            json!({"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version, "time": e.time,
                   "fieldsType": "FieldsV1", "fieldsV1": Value::Object(root)})
        })
        .collect();
    Value::Array(list)
}

/// A non-forced apply's conflicts: (other manager, field) for every field the apply sets to a
/// value different from the current one, while another manager owns it.
pub fn conflicts(
    entries: &[Entry],
    current: &Value,
    applied: &Value,
    manager: &str,
) -> Vec<(String, Path)> {
    let mut found = Vec::new();
    for path in leaf_paths(applied) {
        if value_at(current, &path).is_none_or(|v| Some(v) == value_at(applied, &path)) {
            continue;
        }
        for entry in entries
            .iter()
            .filter(|e| e.manager != manager && e.fields.contains(&path))
        {
            found.push((entry.manager.clone(), path.clone()));
        }
    }
    found
}

/// Ownership after a write by `manager`: an apply owns exactly what it applied; an update
/// owns what it changed. Others lose the fields `manager` now owns.
pub fn record(
    mut entries: Vec<Entry>,
    old: &Value,
    new: &Value,
    applied: Option<&Value>,
    manager: &str,
    api_version: &str,
    now: &str,
) -> Vec<Entry> {
    let operation = if applied.is_some() { "Apply" } else { "Update" };
    let taken: BTreeSet<Path> = match applied {
        Some(body) => leaf_paths(body),
        None => leaf_paths(new)
            .into_iter()
            .filter(|p| value_at(old, p) != value_at(new, p))
            .collect(),
    };
    let gone: BTreeSet<Path> = leaf_paths(old)
        .difference(&leaf_paths(new))
        .cloned()
        .collect();
    for entry in &mut entries {
        if entry.manager != manager || entry.operation != operation {
            entry
                .fields
                .retain(|f| !taken.contains(f) && !gone.contains(f));
        }
    }
    match entries
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == operation)
    {
        Some(entry) if applied.is_some() => entry.fields = taken,
        Some(entry) => {
            entry.fields.extend(taken);
            entry.fields.retain(|f| !gone.contains(f));
        }
        None => entries.push(Entry {
            manager: manager.into(),
            operation: operation.into(),
            api_version: api_version.into(),
            time: String::new(),
            fields: taken,
        }),
    }
    for entry in entries
        .iter_mut()
        .filter(|e| e.manager == manager && e.operation == operation)
    {
        entry.time = now.to_owned();
        entry.api_version = api_version.to_owned();
    }
    entries.retain(|e| !e.fields.is_empty());
    entries
}

/// The real server's message: `Apply failed with 1 conflict: conflict with "m": .spec.x`.
pub fn conflict_message(conflicts: &[(String, Path)]) -> String {
    let noun = if conflicts.len() == 1 {
        "conflict"
    } else {
        "conflicts"
    };
    let list: Vec<String> = conflicts
        .iter()
        .map(|(m, p)| format!("conflict with \"{m}\": .{}", p.join(".")))
        .collect();
    format!(
        "Apply failed with {} {noun}: {}",
        conflicts.len(),
        list.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str) -> Value {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
               "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15}})
    }

    #[test]
    fn an_apply_that_takes_another_managers_field_conflicts() {
        let empty = json!({"metadata": {}});
        let a = lease("a");
        let owned = record(
            Vec::new(),
            &empty,
            &a,
            Some(&a),
            "manager-a",
            "coordination.k8s.io/v1",
            "t1",
        );
        let b = lease("b");
        let found = conflicts(&owned, &a, &b, "manager-b");
        assert_eq!(
            found,
            [(
                "manager-a".to_owned(),
                vec!["spec".to_owned(), "holderIdentity".to_owned()]
            )]
        );
        assert_eq!(
            conflict_message(&found),
            "Apply failed with 1 conflict: conflict with \"manager-a\": .spec.holderIdentity"
        );
        assert!(
            conflicts(&owned, &a, &lease("a"), "manager-b").is_empty(),
            "the same value is no conflict"
        );
        assert!(
            conflicts(&owned, &a, &b, "manager-a").is_empty(),
            "a manager may change its own fields"
        );
    }

    #[test]
    fn updates_take_ownership_of_what_they_change_and_survive_encoding() {
        let a = lease("a");
        let owned = record(
            Vec::new(),
            &json!({}),
            &a,
            Some(&a),
            "manager-a",
            "coordination.k8s.io/v1",
            "t1",
        );
        let mut changed = a.clone();
        changed["spec"]["holderIdentity"] = json!("c");
        let owned = record(
            owned,
            &a,
            &changed,
            None,
            "manager-c",
            "coordination.k8s.io/v1",
            "t2",
        );
        let decoded = decode(&json!({"metadata": {"managedFields": encode(&owned)}}));
        assert_eq!(decoded, owned);
        let holder = vec!["spec".to_owned(), "holderIdentity".to_owned()];
        assert!(
            decoded
                .iter()
                .any(|e| e.manager == "manager-c" && e.fields.contains(&holder))
        );
        assert!(
            decoded
                .iter()
                .all(|e| e.manager == "manager-c" || !e.fields.contains(&holder))
        );
        // Now an apply by manager-a of its old value conflicts with manager-c.
        assert_eq!(conflicts(&decoded, &changed, &a, "manager-a").len(), 1);
    }
}
