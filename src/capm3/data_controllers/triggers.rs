//! What starts a reconcile: changes of a watched kind, minus objects annotated
//! `cluster.x-k8s.io/paused` (upstream's `ResourceNotPausedAndHasFilterLabel`; the watch filter
//! label is applied by the watch itself), and the maps from a changed object to the objects it
//! concerns.

use std::sync::Arc;

use futures::{Stream, StreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;
use kube::runtime::WatchStreamExt;
use kube::runtime::reflector::ReflectHandle;
use kube::runtime::utils::{Predicate, PredicateConfig, predicates};

use crate::capm3::names::{CAPI_PAUSED, GROUP};
use crate::capm3::node_reuse::group_of;
use crate::manager::caches::Cacheable;

/// Whether `meta` carries the Cluster API pause annotation.
pub fn annotated_paused(meta: &ObjectMeta) -> bool {
    meta.annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(CAPI_PAUSED))
}

/// Changes of spec, labels, annotations, finalizers and deletion, not of status: a
/// controller's own status writes do not start another pass.
pub fn spec_changes<K: Cacheable>(
    handle: Option<ReflectHandle<K>>,
) -> impl Stream<Item = Arc<K>> + Send {
    futures::stream::iter(handle)
        .flatten()
        .map(|object| Ok((*object).clone()))
        .predicate_filter(
            predicates::generation
                .combine(predicates::labels)
                .combine(predicates::annotations)
                .combine(predicates::finalizers)
                .combine(deletion),
            PredicateConfig::default(),
        )
        .filter_map(|object| std::future::ready(object.ok().filter(|o| !paused(o))))
        .map(Arc::new)
}

/// Every change, status included (an IP claim getting its address, a claim being pointed at
/// its Metal3Data).
pub fn all_changes<K: Cacheable>(
    handle: Option<ReflectHandle<K>>,
) -> impl Stream<Item = Arc<K>> + Send {
    futures::stream::iter(handle)
        .flatten()
        .filter(|object| std::future::ready(!paused(object.as_ref())))
}

fn paused<K: Resource>(object: &K) -> bool {
    annotated_paused(object.meta())
}

/// A deletion request changes no generation when the object has finalizers.
fn deletion<K: Resource>(object: &K) -> Option<u64> {
    object.meta().deletion_timestamp.as_ref().map(|_| 1)
}

/// Whether an owner reference names a CAPM3 kind (`infrastructure.cluster.x-k8s.io`, any
/// version: references survive version upgrades and `clusterctl move`).
pub fn owner_is(owner: &OwnerReference, kind: &str) -> bool {
    owner.kind == kind && group_of(&owner.api_version) == GROUP
}

/// The name of `meta`'s owner of CAPM3 kind `kind`, if any.
pub fn owner_named<'a>(meta: &'a ObjectMeta, kind: &str) -> Option<&'a str> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| owner_is(o, kind))
        .map(|o| o.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(value: serde_json::Value) -> ObjectMeta {
        serde_json::from_value(value).expect("meta")
    }

    #[test]
    fn owners_of_a_capm3_kind_in_any_version() {
        let m = meta(json!({"ownerReferences": [
            {"apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine", "name": "capi", "uid": "1"},
            {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "Metal3Machine", "name": "m3m", "uid": "2"},
        ]}));
        assert_eq!(owner_named(&m, "Metal3Machine"), Some("m3m"));
        assert_eq!(owner_named(&m, "Metal3Data"), None);
    }

    #[test]
    fn pause_annotation_with_any_value() {
        assert!(annotated_paused(&meta(
            json!({"annotations": {"cluster.x-k8s.io/paused": ""}})
        )));
        assert!(!annotated_paused(&meta(json!({"annotations": {"x": "y"}}))));
    }
}
