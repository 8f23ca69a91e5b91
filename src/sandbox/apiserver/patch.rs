//! Patch formats the API server accepts, applied to an object as JSON.

use serde_json::Value;

/// The patch types, by request content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/json-patch+json` (RFC 6902, including `test`).
    Json,
    /// `application/strategic-merge-patch+json`: applied as a merge patch (see below).
    StrategicMerge,
    /// `application/apply-patch+yaml`: server-side apply, applied as a merge patch that
    /// creates the object when it is missing; no field ownership is tracked.
    Apply,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type.split(';').next().map(str::trim) {
            Some("application/merge-patch+json") => Some(PatchType::Merge),
            Some("application/json-patch+json") => Some(PatchType::Json),
            Some("application/strategic-merge-patch+json") => Some(PatchType::StrategicMerge),
            Some("application/apply-patch+yaml") => Some(PatchType::Apply),
            _ => None,
        }
    }
}

/// Applies `patch` to `target`. Strategic merge patches are merge patches here with their
/// `$patch`/`$retainKeys`/`$setElementOrder` directives dropped: lists are replaced, not
/// merged by key. That is what kubectl's patches of the sandbox's built-in kinds
/// (labels, annotations, data, finalizers) need.
pub fn apply(target: &mut Value, patch_type: PatchType, patch: &Value) -> Result<(), String> {
    match patch_type {
        PatchType::Json => {
            let operations: json_patch::Patch =
                serde_json::from_value(patch.clone()).map_err(|e| e.to_string())?;
            json_patch::patch(target, &operations.0).map_err(|e| e.to_string())
        }
        PatchType::Merge | PatchType::Apply => {
            json_patch::merge(target, patch);
            Ok(())
        }
        PatchType::StrategicMerge => {
            json_patch::merge(target, &without_directives(patch.clone()));
            Ok(())
        }
    }
}

fn without_directives(mut value: Value) -> Value {
    match &mut value {
        Value::Object(obj) => {
            obj.retain(|k, _| !k.starts_with('$') && !k.starts_with("$setElementOrder/"));
            for v in obj.values_mut() {
                *v = without_directives(v.take());
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = without_directives(v.take());
            }
        }
        _ => {}
    }
    value
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_sets_and_removes_fields() {
        let mut object =
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"online": true}});
        apply(
            &mut object,
            PatchType::Merge,
            &json!({"metadata": {"labels": {"a": null, "c": "3"}}, "spec": {"online": false}}),
        )
        .expect("patched");
        assert_eq!(
            object,
            json!({"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"online": false}})
        );
    }

    #[test]
    fn json_patch_with_a_failing_test_changes_nothing() {
        let mut object = json!({"spec": {"online": true}});
        let patch = json!([{"op": "test", "path": "/spec/online", "value": false}, {"op": "replace", "path": "/spec/online", "value": false}]);
        assert!(apply(&mut object, PatchType::Json, &patch).is_err());
        assert_eq!(object, json!({"spec": {"online": true}}));
        let patch = json!([{"op": "test", "path": "/spec/online", "value": true}, {"op": "add", "path": "/spec/image", "value": {"url": "u"}}]);
        apply(&mut object, PatchType::Json, &patch).expect("patched");
        assert_eq!(object["spec"]["image"]["url"], "u");
    }

    #[test]
    fn strategic_merge_directives_are_dropped() {
        let mut object = json!({"metadata": {"finalizers": ["a"]}});
        let patch = json!({"metadata": {"$setElementOrder/finalizers": ["b"], "finalizers": ["b"], "$retainKeys": ["x"]}});
        apply(&mut object, PatchType::StrategicMerge, &patch).expect("patched");
        assert_eq!(object, json!({"metadata": {"finalizers": ["b"]}}));
    }

    #[test]
    fn content_types_map_to_patch_types() {
        assert_eq!(
            PatchType::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchType::Merge)
        );
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml"),
            Some(PatchType::Apply)
        );
        assert_eq!(PatchType::from_content_type("text/plain"), None);
    }
}
