//! Lossless round trips through a lossy conversion, the way Cluster API's
//! `utilconversion.MarshalData`/`UnmarshalData` do it: whatever the target version
//! cannot hold travels in an annotation on the target, as the JSON of the whole source
//! object without its metadata, and the way back restores from it.
//!
//! Upstream only ever annotates spokes (v1beta1). Here the annotation works in both
//! directions: a v1beta2 object converted from a v1beta1 one that v1beta2 cannot
//! represent exactly (e.g. `noCloudProvider`, `templateReference`, a `timeout` of
//! "300s" rather than "5m0s") carries the v1beta1 JSON, so v1beta1 -> v1beta2 -> v1beta1
//! is the identity too. The annotation is only written when the conversion is lossy.
//!
//! Restoring works per top-level part (`spec`, `status`):
//! - if the part is unchanged since the annotation was written (the stored object
//!   converts to exactly what the object now holds), the stored part is taken as is;
//! - otherwise the part is converted normally and only the fields the other version
//!   has no place for at all (the kind's `*_ONLY` pointers) are copied from the
//!   stored object, so a v1beta1 client editing a template does not wipe its v1beta2
//!   `template.metadata`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Resource;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Map, Value};

use super::ConversionError;
use super::common::Result;

/// The annotation Cluster API uses for conversion data.
pub const DATA_ANNOTATION: &str = "cluster.x-k8s.io/conversion-data";

/// Top-level keys that are not data parts.
const ENVELOPE: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// What the driver needs of either version of a kind.
pub(crate) trait Object:
    Resource<DynamicType = ()> + Serialize + DeserializeOwned + Clone
{
}
impl<T: Resource<DynamicType = ()> + Serialize + DeserializeOwned + Clone> Object for T {}

/// One direction of a kind's conversion: the pure conversions both ways, and the
/// JSON pointers of fields only the source (`source_only`) or only the target
/// (`target_only`) version can hold.
pub(crate) struct Direction<A, B> {
    pub forward: fn(A) -> Result<B>,
    pub backward: fn(B) -> Result<A>,
    pub source_only: &'static [&'static str],
    pub target_only: &'static [&'static str],
}

impl<A: Object, B: Object> Direction<A, B> {
    /// Converts `source`, restoring from its annotation and annotating the result
    /// where the conversion loses something.
    pub(crate) fn convert(&self, mut source: A) -> Result<B> {
        let stored = take_annotation(source.meta_mut())
            .map(|text| stored_object::<B>(&text, source.meta()))
            .transpose()?
            .flatten();
        let source_json = to_json(&source)?;
        let mut target = to_json(&(self.forward)(source)?)?;
        if let Some(stored) = stored {
            self.restore(&mut target, &source_json, stored)?;
        }
        let mut target: B = from_json(target)?;
        // Annotate only when converting back would not give the source again.
        let back = to_json(&(self.backward)(target.clone())?)?;
        if data(&back) != data(&source_json) {
            let payload = Value::Object(data_with_type(&source_json));
            let annotations = target.meta_mut().annotations.get_or_insert_default();
            annotations.insert(DATA_ANNOTATION.into(), payload.to_string());
        }
        Ok(target)
    }

    /// Merges the stored target-version object into the freshly converted `target`.
    fn restore(&self, target: &mut Value, source: &Value, stored: B) -> Result<()> {
        let stored_json = to_json(&stored)?;
        let stored_back = without(to_json(&(self.backward)(stored)?)?, self.source_only);
        let source = without(source.clone(), self.source_only);
        for part in parts(&[&source, &stored_back, &stored_json]) {
            if stored_back.get(&part) == source.get(&part) {
                set(target, &part, stored_json.get(&part).cloned());
            } else {
                copy_pointers(target, &stored_json, &part, self.target_only);
            }
        }
        Ok(())
    }
}

/// Removes the annotation, dropping the map if it was the only one (the API server
/// never stores an empty annotation map).
fn take_annotation(meta: &mut ObjectMeta) -> Option<String> {
    let annotations = meta.annotations.as_mut()?;
    let text = annotations.remove(DATA_ANNOTATION);
    if annotations.is_empty() {
        meta.annotations = None;
    }
    text
}

/// The object stored in an annotation, if it is one of type `B`; an annotation left
/// by a conversion in the other direction is ignored (and dropped).
fn stored_object<B: Object>(text: &str, meta: &ObjectMeta) -> Result<Option<B>> {
    let invalid = |source| ConversionError::InvalidAnnotation {
        kind: B::kind(&()).into_owned(),
        source,
    };
    let mut stored: Map<String, Value> = serde_json::from_str(text).map_err(invalid)?;
    let names = |key| stored.get(key).and_then(Value::as_str).map(str::to_owned);
    if names("apiVersion").as_deref() != Some(&*B::api_version(&()))
        || names("kind").as_deref() != Some(&*B::kind(&()))
    {
        return Ok(None);
    }
    stored.insert("metadata".into(), to_json(meta)?);
    serde_json::from_value(Value::Object(stored))
        .map(Some)
        .map_err(invalid)
}

/// The names of the data parts (`spec`, `status`) present in any of `objects`.
fn parts(objects: &[&Value]) -> std::collections::BTreeSet<String> {
    objects
        .iter()
        .filter_map(|o| o.as_object())
        .flat_map(|o| o.keys())
        .filter(|k| !ENVELOPE.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// The data parts of an object, without the envelope.
fn data(object: &Value) -> Map<String, Value> {
    let mut data = data_with_type(object);
    data.remove("apiVersion");
    data.remove("kind");
    data
}

/// The object without its metadata: the annotation payload, as `MarshalData` writes it.
fn data_with_type(object: &Value) -> Map<String, Value> {
    let mut data = object.as_object().cloned().unwrap_or_default();
    data.remove("metadata");
    data
}

/// Sets or removes one top-level part.
fn set(object: &mut Value, part: &str, value: Option<Value>) {
    if let Some(object) = object.as_object_mut() {
        match value {
            Some(value) => object.insert(part.to_owned(), value),
            None => object.remove(part),
        };
    }
}

/// `object` without the fields at `pointers`.
fn without(mut object: Value, pointers: &[&str]) -> Value {
    for pointer in pointers {
        if let Some((parent, field)) = pointer.rsplit_once('/')
            && let Some(parent) = object.pointer_mut(parent).and_then(Value::as_object_mut)
        {
            parent.remove(field);
        }
    }
    object
}

/// Copies the fields at `pointers` inside `part` from `stored` into `target`, where
/// `target` has the parent object but not the field.
fn copy_pointers(target: &mut Value, stored: &Value, part: &str, pointers: &[&str]) {
    let in_part = |p: &&&str| p.split('/').nth(1) == Some(part);
    for pointer in pointers.iter().filter(in_part) {
        let Some(value) = stored.pointer(pointer) else {
            continue;
        };
        if let Some((parent, field)) = pointer.rsplit_once('/')
            && let Some(parent) = target.pointer_mut(parent).and_then(Value::as_object_mut)
        {
            parent
                .entry(field.to_owned())
                .or_insert_with(|| value.clone());
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|source| ConversionError::Shape {
        type_name: std::any::type_name::<T>(),
        source,
    })
}

fn from_json<T: Object>(value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|source| ConversionError::InvalidObject {
        kind: T::kind(&()).into_owned(),
        source,
    })
}

/// API-05: the conversion-data annotation.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::DATA_ANNOTATION;
    use crate::api::capm3::conversion::testing::{
        V1BETA1, V1BETA2, object, round_trip, stored, to,
    };
    use crate::api::capm3::conversion::{ConversionError, convert};

    #[test]
    fn the_payload_is_the_source_object_without_metadata() {
        let new = object(
            V1BETA2,
            "Metal3DataTemplate",
            json!({"spec": {"clusterName": ""}}),
        );
        let old = round_trip(&new, V1BETA1);
        assert_eq!(
            stored(&old),
            Some(
                json!({"apiVersion": V1BETA2, "kind": "Metal3DataTemplate", "spec": {"clusterName": ""}})
            )
        );
    }

    #[test]
    fn other_metadata_is_kept_and_only_the_annotation_changes() {
        let mut new = object(
            V1BETA2,
            "Metal3Cluster",
            json!({"spec": {"failureDomains": [{"name": "b"}, {"name": "a"}]}}),
        );
        new["metadata"] = json!({
            "name": "m3", "namespace": "ns", "uid": "u", "generation": 3, "resourceVersion": "7",
            "labels": {"l": "v"}, "annotations": {"a": "b"}, "finalizers": ["f"],
            "creationTimestamp": "2024-01-02T03:04:05Z",
        });
        let old = round_trip(&new, V1BETA1);
        let mut metadata = old["metadata"].clone();
        metadata["annotations"]
            .as_object_mut()
            .expect("annotated")
            .remove(DATA_ANNOTATION);
        assert_eq!(metadata, new["metadata"]);
    }

    #[test]
    fn a_status_update_in_v1beta1_keeps_the_v1beta2_spec_exactly() {
        let new = object(
            V1BETA2,
            "Metal3Cluster",
            json!({"spec": {"failureDomains": [{"name": "b"}, {"name": "a"}]}}),
        );
        let mut old = to(new.clone(), V1BETA1);
        old["status"] = json!({"ready": true});
        let updated = to(old, V1BETA2);
        assert_eq!(updated["spec"], new["spec"]);
        assert_eq!(
            updated["status"],
            json!({"initialization": {"provisioned": true}})
        );
        assert_eq!(stored(&updated), None);
    }

    #[test]
    fn a_spec_edit_in_v1beta2_keeps_v1beta1_only_fields() {
        let old = object(
            V1BETA1,
            "Metal3DataTemplate",
            json!({"spec": {"clusterName": "c", "templateReference": "r"}}),
        );
        let mut new = to(old, V1BETA2);
        new["spec"]["clusterName"] = json!("d");
        let edited = to(new, V1BETA1);
        assert_eq!(
            edited["spec"],
            json!({"clusterName": "d", "templateReference": "r"})
        );
    }

    #[test]
    fn an_annotation_holding_the_source_version_is_dropped() {
        let mut old = object(
            V1BETA1,
            "Metal3DataClaim",
            json!({"spec": {"template": {"name": "t"}}}),
        );
        let payload = json!({"apiVersion": V1BETA1, "kind": "Metal3DataClaim", "spec": {}});
        old["metadata"]["annotations"] = json!({DATA_ANNOTATION: payload.to_string()});
        let new = to(old, V1BETA2);
        assert_eq!(new["metadata"].get("annotations"), None);
        assert_eq!(new["spec"], json!({"template": {"name": "t"}}));
    }

    #[test]
    fn a_corrupt_annotation_is_an_error() {
        let mut old = object(
            V1BETA1,
            "Metal3DataClaim",
            json!({"spec": {"template": {}}}),
        );
        for payload in [
            "{",
            r#"{"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataClaim", "spec": 1}"#,
        ] {
            old["metadata"]["annotations"] = json!({DATA_ANNOTATION: payload});
            let error = convert(old.clone(), V1BETA2).expect_err(payload);
            assert!(
                matches!(error, ConversionError::InvalidAnnotation { .. }),
                "{error}"
            );
        }
    }
}
