//! The API calls both controllers make: reads that treat "not there" as an answer, writes that
//! carry the resourceVersion they were based on, and Events.

use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Api, ResourceExt};
use serde::Serialize;
use serde_json::{Value, json};

use crate::kubeutil::finalizers;
use crate::manager::caches::Cacheable;

pub use crate::kubeutil::errors::{already_exists, lost_race, not_found};

fn api<K: Cacheable>(client: &kube::Client, namespace: &str) -> Api<K> {
    Api::namespaced(client.clone(), namespace)
}

fn api_of<K: Cacheable>(client: &kube::Client, object: &K) -> Api<K> {
    api(client, &object.namespace().unwrap_or_default())
}

/// Gets `name`, `None` when it (or its kind) does not exist.
pub async fn get<K: Cacheable>(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Option<K>, kube::Error> {
    if name.is_empty() {
        return Ok(None);
    }
    match api::<K>(client, namespace).get_opt(name).await {
        Err(error) if not_found(&error) => Ok(None),
        result => result,
    }
}

/// Every `K` in `namespace`, read from the API server rather than a cache.
pub async fn list<K: Cacheable>(
    client: &kube::Client,
    namespace: &str,
) -> Result<Vec<K>, kube::Error> {
    Ok(api::<K>(client, namespace)
        .list(&ListParams::default())
        .await?
        .items)
}

/// Creates `object`; `Ok(None)` when an object of that name exists already.
pub async fn create<K: Cacheable + Serialize>(
    client: &kube::Client,
    object: &K,
) -> Result<Option<K>, kube::Error> {
    match api_of(client, object)
        .create(&PostParams::default(), object)
        .await
    {
        Ok(created) => Ok(Some(created)),
        Err(error) if already_exists(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Merges `body` into `object`, failing if it changed since it was read.
pub async fn merge<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    mut body: Value,
) -> Result<K, kube::Error> {
    body["metadata"]["resourceVersion"] = json!(object.resource_version());
    api_of(client, object)
        .patch(
            &object.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&body),
        )
        .await
}

/// Merges `status` into the status of `object`, failing if it changed since it was read.
pub async fn status<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    status: Value,
) -> Result<K, kube::Error> {
    let body = json!({"metadata": {"resourceVersion": object.resource_version()},
                      "status": status});
    api_of(client, object)
        .patch_status(
            &object.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&body),
        )
        .await
}

/// Adds `finalizer` unless present; returns the object as it now is.
pub async fn add_finalizer<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    finalizer: &str,
) -> Result<K, kube::Error> {
    finalizers::add(&api_of(client, object), object, finalizer).await
}

/// Removes `finalizer` if present.
pub async fn remove_finalizer<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    finalizer: &str,
) -> Result<(), kube::Error> {
    finalizers::release(&api_of(client, object), object, finalizer).await
}

/// Lets go of an object we hold: `finalizer` off, then deleted. Already gone is fine.
pub async fn release<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    finalizer: &str,
) -> Result<(), kube::Error> {
    let gone = |result: Result<(), kube::Error>| match result {
        Err(error) if not_found(&error) => Ok(()),
        other => other,
    };
    gone(remove_finalizer(client, object, finalizer).await)?;
    if object.meta().deletion_timestamp.is_some() {
        return Ok(());
    }
    gone(
        api_of(client, object)
            .delete(&object.name_any(), &DeleteParams::default())
            .await
            .map(|_| ()),
    )
}
