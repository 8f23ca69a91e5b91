//! The IPAddress objects a pool creates for its claims (ipam reference §2.6.1, §2.6.2).
//!
//! They are created without their finalizer: adding it later, with the resourceVersion the
//! creation returned, is what commits the address to the claim (see the controller's
//! `allocation` module). Once committed they look exactly as upstream's.

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Resource;

use super::allocate::{Allocation, ClaimError, capi_prefix};
use crate::api::capi::{self, IPAddressClaim, IPPoolReference, LocalReference};
use crate::api::ipam::v1alpha1::{IPAddress, IPAddressSpec, IPClaim, IPPool};

/// The API group written as the CAPI IPAddress's `spec.poolRef.apiGroup`.
pub const POOL_API_GROUP: &str = "ipam.metal3.io";
/// The kind written as the CAPI IPAddress's `spec.poolRef.kind`.
pub const POOL_KIND: &str = "IPPool";

/// An owner reference without the controller flag, as upstream writes them (Q-15 kept: the
/// CAPI contract would make the claim the controller, which also needs `blockOwnerDeletion`
/// rights on the claims' finalizers).
fn owner<K: Resource<DynamicType = ()>>(object: &K) -> OwnerReference {
    let meta = object.meta();
    OwnerReference {
        api_version: K::api_version(&()).into_owned(),
        kind: K::kind(&()).into_owned(),
        name: meta.name.clone().unwrap_or_default(),
        uid: meta.uid.clone().unwrap_or_default(),
        controller: None,
        block_owner_deletion: None,
    }
}

/// Name, namespace, owners (pool then claim) and the claim's labels.
fn metadata<C: Resource<DynamicType = ()>>(pool: &IPPool, claim: &C, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: pool.metadata.namespace.clone(),
        owner_references: Some(vec![owner(pool), owner(claim)]),
        labels: claim.meta().labels.clone(),
        ..ObjectMeta::default()
    }
}

/// `{name, namespace: <pool namespace>}`.
fn reference(name: Option<&String>, pool: &IPPool) -> ObjectReference {
    ObjectReference {
        name: name.cloned(),
        namespace: pool.metadata.namespace.clone(),
        ..ObjectReference::default()
    }
}

/// IPAM-28: the Metal3 IPAddress for an IPClaim.
pub fn metal3_address(
    pool: &IPPool,
    claim: &IPClaim,
    name: &str,
    allocation: &Allocation,
) -> IPAddress {
    IPAddress {
        metadata: metadata(pool, claim, name),
        spec: IPAddressSpec {
            address: allocation.address.clone(),
            claim: reference(claim.metadata.name.as_ref(), pool),
            pool: reference(pool.metadata.name.as_ref(), pool),
            prefix: (allocation.prefix != 0).then_some(allocation.prefix),
            gateway: allocation.gateway.clone(),
            dns_servers: allocation.dns_servers.clone(),
        },
    }
}

/// IPAM-30: the CAPI IPAddress for an IPAddressClaim; CAPI has no DNS servers. Fails on a
/// prefix CAPI cannot hold (IPAM-32).
pub fn capi_address(
    pool: &IPPool,
    claim: &IPAddressClaim,
    name: &str,
    allocation: &Allocation,
) -> Result<capi::IPAddress, ClaimError> {
    Ok(capi::IPAddress {
        metadata: metadata(pool, claim, name),
        spec: capi::IPAddressSpec {
            address: allocation.address.clone(),
            claim_ref: LocalReference {
                name: claim.metadata.name.clone().unwrap_or_default(),
            },
            gateway: allocation.gateway.clone().filter(|g| !g.is_empty()),
            pool_ref: IPPoolReference {
                api_group: POOL_API_GROUP.to_owned(),
                kind: POOL_KIND.to_owned(),
                name: pool.metadata.name.clone().unwrap_or_default(),
            },
            prefix: capi_prefix(allocation.prefix)?,
            rest: Default::default(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::capi::IPAddressClaimSpec;
    use crate::api::ipam::v1alpha1::{IPClaimSpec, IPPoolSpec};
    use crate::ipam::address::Ip;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn pool() -> IPPool {
        let mut pool = IPPool::new(
            "pool1",
            IPPoolSpec {
                allocation_strategy: None,
                cluster_name: None,
                dns_servers: None,
                gateway: None,
                name_prefix: "pool1-prov".into(),
                pools: None,
                pre_allocations: None,
                prefix: None,
            },
        );
        pool.metadata.namespace = Some("ns".into());
        pool.metadata.uid = Some("pool-uid".into());
        pool
    }

    fn allocation(prefix: i64, gateway: Option<&str>) -> Allocation {
        Allocation {
            ip: Ip::parse("192.168.0.13").expect("ip"),
            address: "192.168.0.13".into(),
            prefix,
            gateway: gateway.map(str::to_owned),
            dns_servers: Some(vec!["8.8.8.8".into()]),
        }
    }

    fn labels() -> Option<BTreeMap<String, String>> {
        Some(BTreeMap::from([("team".to_owned(), "a".to_owned())]))
    }

    /// IPAM-28, IPAM-14
    #[test]
    fn metal3_address_as_upstream() {
        let mut claim = IPClaim::new(
            "claim1",
            IPClaimSpec {
                pool: Default::default(),
            },
        );
        claim.metadata.uid = Some("claim-uid".into());
        claim.metadata.labels = labels();
        let address = metal3_address(
            &pool(),
            &claim,
            "pool1-prov-192-168-0-13",
            &allocation(24, Some("192.168.0.1")),
        );
        let value = serde_json::to_value(&address).expect("json");
        assert_eq!(
            value,
            json!({
                "apiVersion": "ipam.metal3.io/v1alpha1",
                "kind": "IPAddress",
                "metadata": {
                    "name": "pool1-prov-192-168-0-13",
                    "namespace": "ns",
                    "labels": {"team": "a"},
                    "ownerReferences": [
                        {"apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPPool",
                         "name": "pool1", "uid": "pool-uid"},
                        {"apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPClaim",
                         "name": "claim1", "uid": "claim-uid"},
                    ],
                },
                "spec": {
                    "address": "192.168.0.13",
                    "pool": {"name": "pool1", "namespace": "ns"},
                    "claim": {"name": "claim1", "namespace": "ns"},
                    "prefix": 24,
                    "gateway": "192.168.0.1",
                    "dnsServers": ["8.8.8.8"],
                },
            })
        );
        let no_prefix = metal3_address(&pool(), &claim, "n", &allocation(0, None));
        assert_eq!(no_prefix.spec.prefix, None);
    }

    /// IPAM-30, IPAM-32
    #[test]
    fn capi_address_as_upstream() {
        let mut claim = IPAddressClaim::new("claim2", IPAddressClaimSpec::default());
        claim.metadata.uid = Some("claim-uid".into());
        claim.metadata.labels = labels();
        let address = capi_address(
            &pool(),
            &claim,
            "pool1-prov-192-168-0-13",
            &allocation(0, None),
        )
        .expect("valid prefix");
        let value = serde_json::to_value(&address).expect("json");
        assert_eq!(
            value["spec"],
            json!({
                "address": "192.168.0.13",
                "claimRef": {"name": "claim2"},
                "poolRef": {"apiGroup": "ipam.metal3.io", "kind": "IPPool", "name": "pool1"},
                "prefix": 0,
            })
        );
        assert_eq!(
            value["metadata"]["ownerReferences"][1],
            json!({"apiVersion": "ipam.cluster.x-k8s.io/v1beta2", "kind": "IPAddressClaim",
                   "name": "claim2", "uid": "claim-uid"})
        );
        assert_eq!(value["metadata"]["labels"], json!({"team": "a"}));
        assert_eq!(
            capi_address(&pool(), &claim, "n", &allocation(129, None)),
            Err(ClaimError::InvalidPrefix)
        );
    }
}
