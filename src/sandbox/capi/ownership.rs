//! Ownership as Cluster API sets it: the owner reference (controller) of a Cluster on its
//! infrastructure and control plane, of a Machine on its infrastructure machine, and the
//! `cluster.x-k8s.io/cluster-name` label copied onto every object of a Cluster. Written as
//! merge patches carrying the resourceVersion read, so a stale copy never drops someone
//! else's owner or label.

use std::collections::BTreeMap;
use std::fmt::Debug;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::api::{Patch, PatchParams};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::{Api, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::api::capi::Cluster;
use crate::capm3::names::{CAPI_PAUSED, CLUSTER_NAME_LABEL};

/// A reference to `owner`; `controller` marks the managing owner, which also blocks the
/// owner's foreground deletion, as Kubernetes' `SetControllerReference` does.
pub fn owner_reference<K: Resource<DynamicType = ()>>(
    owner: &K,
    controller: bool,
) -> OwnerReference {
    OwnerReference {
        api_version: K::api_version(&()).into_owned(),
        kind: K::kind(&()).into_owned(),
        name: owner.name_any(),
        uid: owner.uid().unwrap_or_default(),
        controller: Some(controller),
        block_owner_deletion: Some(controller),
    }
}

/// Whether `object` is owned by the object with `uid`.
pub fn owned_by<K: Resource>(object: &K, uid: &str) -> bool {
    object.owner_references().iter().any(|o| o.uid == uid)
}

/// `existing` with `owner` added, or `None` when it is already there. Another controller
/// already named keeps that role: `owner` is then added as a plain owner.
pub fn with_owner(
    existing: &[OwnerReference],
    owner: OwnerReference,
) -> Option<Vec<OwnerReference>> {
    if existing.iter().any(|o| o.uid == owner.uid) {
        return None;
    }
    let other_controller = existing.iter().any(|o| o.controller == Some(true));
    let owner = if other_controller {
        OwnerReference {
            controller: Some(false),
            block_owner_deletion: Some(false),
            ..owner
        }
    } else {
        owner
    };
    Some(existing.iter().cloned().chain([owner]).collect())
}

/// Makes `object` owned by `owner` (if any) and labelled with its Cluster, as Cluster API does
/// with every object it references; returns whether it wrote.
pub async fn adopt<K>(
    api: &Api<K>,
    object: &K,
    owner: Option<OwnerReference>,
    cluster: &str,
) -> Result<bool, kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    let owners = owner.and_then(|owner| with_owner(object.owner_references(), owner));
    let labelled = object.labels().get(CLUSTER_NAME_LABEL).map(String::as_str) == Some(cluster);
    if owners.is_none() && labelled {
        return Ok(false);
    }
    let mut metadata = json!({"resourceVersion": object.resource_version()});
    if let Some(owners) = owners {
        metadata["ownerReferences"] = json!(owners);
    }
    if !labelled {
        metadata["labels"] = json!({ CLUSTER_NAME_LABEL: cluster });
    }
    api.patch(
        &object.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&json!({ "metadata": metadata })),
    )
    .await?;
    Ok(true)
}

/// Whether Cluster API leaves `object` alone: its Cluster is paused (`spec.paused`) or it
/// carries the `cluster.x-k8s.io/paused` annotation.
pub fn paused<K: Resource>(cluster: Option<&Cluster>, object: &K) -> bool {
    cluster.is_some_and(|c| c.spec.paused == Some(true))
        || object.annotations().contains_key(CAPI_PAUSED)
}

/// Labels merged left to right (later keys win).
pub fn merged<'a>(
    parts: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    parts
        .into_iter()
        .flat_map(|part| part.iter().map(|(k, v)| (k.clone(), v.clone())))
        .collect()
}

/// The objects of `store` that belong to `cluster` (by `spec.clusterName`): what a Cluster's
/// change (unpaused, created late) brings back.
pub fn members_of<K>(
    store: &Store<K>,
    cluster: &Cluster,
    cluster_of: impl Fn(&K) -> &String,
) -> Vec<ObjectRef<K>>
where
    K: Resource<DynamicType = ()> + Clone + 'static,
{
    let namespace = cluster.namespace();
    let name = cluster.name_any();
    store
        .state()
        .iter()
        .filter(|member| member.namespace() == namespace && *cluster_of(member) == name)
        .map(|member| ObjectRef::from_obj(member.as_ref()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(uid: &str, controller: bool) -> OwnerReference {
        OwnerReference {
            api_version: "cluster.x-k8s.io/v1beta2".into(),
            kind: "Cluster".into(),
            name: uid.into(),
            uid: uid.into(),
            controller: Some(controller),
            block_owner_deletion: Some(controller),
        }
    }

    #[test]
    fn an_owner_is_added_once() {
        let added = with_owner(&[], reference("a", true)).expect("added");
        assert_eq!(added, vec![reference("a", true)]);
        assert_eq!(with_owner(&added, reference("a", true)), None);
    }

    #[test]
    fn another_controller_keeps_its_role() {
        let existing = [reference("a", true)];
        let added = with_owner(&existing, reference("b", true)).expect("added");
        assert_eq!(added, vec![reference("a", true), reference("b", false)]);
    }
}
