//! The API calls of a pass: fresh listings, status writes with the resourceVersion they are
//! based on, and the two ways an IPAddress goes away.

use kube::api::{DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use kube::{Api, ResourceExt};
use serde_json::{Value, json};

use crate::kubeutil::finalizers;
use crate::manager::caches::Cacheable;

pub use crate::kubeutil::errors::{already_exists, lost_race, not_found};

/// Every `K` in `namespace`, read from the API server rather than a cache, so an allocation
/// never starts from a view older than the last one committed. A kind whose CRD is not
/// installed (the CAPI IPAM kinds are optional) has no objects.
pub async fn list_fresh<K: Cacheable>(
    client: &kube::Client,
    namespace: &str,
) -> Result<Vec<K>, kube::Error> {
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    match api.list(&ListParams::default()).await {
        Ok(list) => Ok(list.items),
        Err(error) if not_found(&error) => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

/// Gets `name`, `None` when it (or its kind) does not exist.
pub async fn get_fresh<K: Cacheable>(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> Result<Option<K>, kube::Error> {
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    match api.get_opt(name).await {
        Err(error) if not_found(&error) => Ok(None),
        result => result,
    }
}

/// Merges `body` into the status of `object`, failing if the object changed since it was read.
pub async fn status<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    mut body: Value,
) -> Result<K, kube::Error> {
    let api: Api<K> = Api::namespaced(client.clone(), &object.namespace().unwrap_or_default());
    body["metadata"] = json!({"resourceVersion": object.resource_version()});
    api.patch_status(
        &object.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&body),
    )
    .await
}

/// Releases an IPAddress: our finalizer off, then deleted (IPAM-37, IPAM-39). Already gone is
/// fine.
pub async fn release<K: Cacheable>(
    client: &kube::Client,
    object: &K,
    finalizer: &str,
) -> Result<(), kube::Error> {
    let api: Api<K> = Api::namespaced(client.clone(), &object.namespace().unwrap_or_default());
    let gone = |result: Result<(), kube::Error>| match result {
        Err(error) if not_found(&error) => Ok(()),
        other => other,
    };
    gone(finalizers::release(&api, object, finalizer).await)?;
    gone(
        api.delete(&object.name_any(), &DeleteParams::default())
            .await
            .map(|_| ()),
    )
}

/// Deletes an IPAddress not yet committed to its claim, only if it is still exactly as read:
/// once someone committed it (adding the finalizer changed its resourceVersion) it stays.
pub async fn withdraw<K: Cacheable>(client: &kube::Client, object: &K) -> Result<(), kube::Error> {
    let api: Api<K> = Api::namespaced(client.clone(), &object.namespace().unwrap_or_default());
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: object.resource_version(),
            uid: object.uid(),
        }),
        ..DeleteParams::default()
    };
    api.delete(&object.name_any(), &params).await.map(|_| ())
}
