//! JSON merge patches (RFC 7386) built field by field: `null` removes a field, objects merge.

use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct MergePatch(Map<String, Value>);

impl MergePatch {
    /// Sets `path` (object keys from the root) to `value`.
    pub fn set(&mut self, path: &[&str], value: Value) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut object = &mut self.0;
        for key in parents {
            let entry = object
                .entry(*key)
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(child) = entry else {
                return;
            };
            object = child;
        }
        object.insert((*last).to_owned(), value);
    }

    /// Sets (`Some`) or removes (`None`) a label.
    pub fn label(&mut self, key: &str, value: Option<&str>) {
        self.set(
            &["metadata", "labels", key],
            value.map_or(Value::Null, Value::from),
        );
    }

    /// Sets (`Some`) or removes (`None`) an annotation.
    pub fn annotation(&mut self, key: &str, value: Option<&str>) {
        self.set(
            &["metadata", "annotations", key],
            value.map_or(Value::Null, Value::from),
        );
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The patch, or `None` when it changes nothing.
    pub fn build(self) -> Option<Value> {
        (!self.is_empty()).then_some(Value::Object(self.0))
    }

    /// Like [`build`](Self::build), with `metadata.resourceVersion` added to a non-empty patch:
    /// the API server then refuses it (409) if the object changed since it was read.
    pub fn build_guarded(mut self, resource_version: Option<&str>) -> Option<Value> {
        if let (false, Some(version)) = (self.is_empty(), resource_version) {
            self.set(&["metadata", "resourceVersion"], Value::from(version));
        }
        self.build()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_fields_merge() {
        let mut patch = MergePatch::default();
        patch.label("a", Some("1"));
        patch.label("b", None);
        patch.annotation("c", Some("2"));
        patch.set(&["spec", "online"], json!(true));
        assert_eq!(
            patch.build_guarded(Some("7")),
            Some(json!({
                "metadata": {"labels": {"a": "1", "b": null}, "annotations": {"c": "2"},
                             "resourceVersion": "7"},
                "spec": {"online": true},
            }))
        );
        assert_eq!(MergePatch::default().build_guarded(Some("7")), None);
    }
}
