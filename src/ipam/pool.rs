//! What a pool itself carries (ipam reference §2.2 steps 3 and 5): the Cluster's labels and
//! owner reference when `spec.clusterName` is set, and whether it is paused.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;

use super::claim::PAUSED_ANNOTATION;
use crate::api::capi::Cluster;
use crate::api::ipam::v1alpha1::IPPool;

/// CAPI's cluster-name label.
pub const CLUSTER_NAME_LABEL: &str = "cluster.x-k8s.io/cluster-name";
/// CAPI's provider label, and this provider's value.
pub const PROVIDER_LABEL: &str = "cluster.x-k8s.io/provider";
pub const PROVIDER: &str = "ipam-metal3";

/// The labels to merge into the pool, or `None` when it carries them (IPAM-43). Upstream
/// overwrites them on every pass and never removes them.
pub fn missing_labels(pool: &IPPool) -> Option<BTreeMap<String, String>> {
    let cluster = pool.spec.cluster_name.as_ref()?;
    let wanted = BTreeMap::from([
        (CLUSTER_NAME_LABEL.to_owned(), cluster.clone()),
        (PROVIDER_LABEL.to_owned(), PROVIDER.to_owned()),
    ]);
    let labels = pool.metadata.labels.clone().unwrap_or_default();
    let present = wanted.iter().all(|(k, v)| labels.get(k) == Some(v));
    (!present).then_some(wanted)
}

/// The pool's owner references with one to `cluster` (IPAM-45): matched by name, kind and API
/// group, refreshed to the Cluster's version and UID, never the controller. `None` when
/// already so.
pub fn with_cluster_owner(
    owners: &[OwnerReference],
    cluster: &Cluster,
) -> Option<Vec<OwnerReference>> {
    let wanted = OwnerReference {
        api_version: Cluster::api_version(&()).into_owned(),
        kind: Cluster::kind(&()).into_owned(),
        name: cluster.metadata.name.clone().unwrap_or_default(),
        uid: cluster.metadata.uid.clone().unwrap_or_default(),
        controller: Some(false),
        block_owner_deletion: None,
    };
    let group = |api_version: &str| api_version.split_once('/').map(|(g, _)| g.to_owned());
    let same = |owner: &OwnerReference| {
        owner.name == wanted.name
            && owner.kind == wanted.kind
            && group(&owner.api_version) == group(&wanted.api_version)
    };
    let mut updated = owners.to_vec();
    match updated.iter_mut().find(|owner| same(owner)) {
        Some(existing) => {
            existing.api_version = wanted.api_version;
            existing.uid = wanted.uid;
            existing.controller = Some(false);
        }
        None => updated.push(wanted),
    }
    (updated != owners).then_some(updated)
}

/// Whether the pool carries `cluster.x-k8s.io/paused` (Q-16, fixed: honoured with or without
/// a Cluster).
pub fn annotated_paused(meta: &ObjectMeta) -> bool {
    meta.annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(PAUSED_ANNOTATION))
}

/// IPAM-46: the Cluster is paused.
pub fn cluster_paused(cluster: &Cluster) -> bool {
    cluster.spec.paused == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ipam::v1alpha1::IPPoolSpec;

    fn pool(cluster: Option<&str>, labels: &[(&str, &str)]) -> IPPool {
        let mut pool = IPPool::new(
            "pool",
            IPPoolSpec {
                allocation_strategy: None,
                cluster_name: cluster.map(str::to_owned),
                dns_servers: None,
                gateway: None,
                name_prefix: "p".into(),
                pools: None,
                pre_allocations: None,
                prefix: None,
            },
        );
        pool.metadata.labels = Some(
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        pool
    }

    /// IPAM-43
    #[test]
    fn cluster_labels() {
        assert_eq!(missing_labels(&pool(None, &[])), None);
        let wanted = missing_labels(&pool(Some("c1"), &[("other", "x")])).expect("labels");
        assert_eq!(
            wanted.get(CLUSTER_NAME_LABEL).map(String::as_str),
            Some("c1")
        );
        assert_eq!(
            wanted.get(PROVIDER_LABEL).map(String::as_str),
            Some("ipam-metal3")
        );
        let labelled = pool(
            Some("c1"),
            &[(CLUSTER_NAME_LABEL, "c1"), (PROVIDER_LABEL, PROVIDER)],
        );
        assert_eq!(missing_labels(&labelled), None);
        let renamed = pool(
            Some("c2"),
            &[(CLUSTER_NAME_LABEL, "c1"), (PROVIDER_LABEL, PROVIDER)],
        );
        assert!(missing_labels(&renamed).is_some());
    }

    fn cluster(uid: &str) -> Cluster {
        let mut cluster = Cluster::new("c1", Default::default());
        cluster.metadata.uid = Some(uid.into());
        cluster
    }

    /// IPAM-45
    #[test]
    fn cluster_owner_reference() {
        let added = with_cluster_owner(&[], &cluster("u1")).expect("added");
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].api_version, "cluster.x-k8s.io/v1beta2");
        assert_eq!(
            (added[0].kind.as_str(), added[0].uid.as_str()),
            ("Cluster", "u1")
        );
        assert_eq!(added[0].controller, Some(false));
        assert_eq!(with_cluster_owner(&added, &cluster("u1")), None);
        // An older version of the same group is refreshed in place.
        let mut old = added.clone();
        old[0].api_version = "cluster.x-k8s.io/v1beta1".into();
        old[0].uid = "u0".into();
        let refreshed = with_cluster_owner(&old, &cluster("u1")).expect("refreshed");
        assert_eq!(refreshed, added);
        // A same-named owner of another group is a different owner.
        let mut foreign = added.clone();
        foreign[0].api_version = "example.com/v1".into();
        assert_eq!(
            with_cluster_owner(&foreign, &cluster("u1")).map(|o| o.len()),
            Some(2)
        );
    }
}
