//! Finalizer writes as JSON merge patches carrying the resourceVersion the object was read at,
//! so a write based on a stale copy fails with a conflict instead of dropping someone else's
//! finalizer.

use kube::api::{Patch, PatchParams};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use serde_json::json;

/// Whether `object` holds `finalizer`.
pub fn has_finalizer<K: Resource>(object: &K, finalizer: &str) -> bool {
    object
        .meta()
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == finalizer)
}

/// `object`'s finalizers with `finalizer` added (at the end, once).
pub fn with_finalizer<K: Resource>(object: &K, finalizer: &str) -> Vec<String> {
    let mut list = object.meta().finalizers.clone().unwrap_or_default();
    if !list.iter().any(|f| f == finalizer) {
        list.push(finalizer.to_owned());
    }
    list
}

/// `object`'s finalizers without `finalizer`.
pub fn without_finalizer<K: Resource>(object: &K, finalizer: &str) -> Vec<String> {
    object
        .meta()
        .finalizers
        .iter()
        .flatten()
        .filter(|f| *f != finalizer)
        .cloned()
        .collect()
}

/// Sets the finalizer list, failing if the object changed since it was read; returns the
/// object as written.
pub async fn finalizers<K>(
    api: &Api<K>,
    object: &K,
    finalizers: Vec<String>,
) -> Result<K, kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let meta = object.meta();
    let name = meta.name.clone().unwrap_or_default();
    let patch = json!({"metadata": {"resourceVersion": meta.resource_version,
                                    "finalizers": finalizers}});
    api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
}

/// Adds `finalizer` to `object` unless it holds it already; returns the object as it now is.
pub async fn add<K>(api: &Api<K>, object: &K, finalizer: &str) -> Result<K, kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    if has_finalizer(object, finalizer) {
        return Ok(object.clone());
    }
    finalizers(api, object, with_finalizer(object, finalizer)).await
}

/// Removes `finalizer` from `object`, if it holds it.
pub async fn release<K>(api: &Api<K>, object: &K, finalizer: &str) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    if !has_finalizer(object, finalizer) {
        return Ok(());
    }
    finalizers(api, object, without_finalizer(object, finalizer)).await?;
    Ok(())
}
