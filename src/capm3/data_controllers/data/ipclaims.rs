//! The IP claims a Metal3Data makes for the pools its template reads (reference §2.3): a Metal3
//! `IPClaim` for an `ipam.metal3.io` IPPool, a Cluster API `IPAddressClaim` for any other pool
//! kind; what a claim's state means for rendering; the address it brings; and which claims
//! go when the Metal3Data does.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::{Resource, ResourceExt};

use crate::api::capi::{self, IPAddressClaim, IPAddressClaimSpec, IPPoolReference};
use crate::api::capm3::v1beta2::Metal3Data;
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim, IPClaimSpec};
use crate::capm3::data_controllers::triggers::owner_is;
use crate::capm3::names::{DATA_FINALIZER, DATA_NAME_LABEL, POOL_NAME_LABEL};
use crate::render::{PoolAddress, PoolRef};

/// The name of an IP claim for `pool`: `<prefix>-<pool>`, the prefix being the Metal3Data's
/// name, or the host's with BMH-name based preallocation.
pub fn claim_name(prefix: &str, pool: &str) -> String {
    format!("{prefix}-{pool}")
}

/// The names an existing IPClaim for `pool` may have, in the order upstream looks: after the
/// Metal3Data, then after the host (made with preallocation, possibly before a restart that
/// turned the flag off).
pub fn ip_claim_names(data: &str, host: &str, pool: &str) -> [String; 2] {
    [claim_name(data, pool), claim_name(host, pool)]
}

/// The Metal3Data as the controlling owner of its claims (and Secrets).
pub fn data_owner(data: &Metal3Data) -> OwnerReference {
    OwnerReference {
        api_version: Metal3Data::api_version(&()).into_owned(),
        kind: Metal3Data::kind(&()).into_owned(),
        name: data.name_any(),
        uid: data.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: None,
    }
}

/// The metadata of a new claim: the Metal3Data's namespace and labels, held by its finalizer,
/// owned by it.
fn claim_meta(data: &Metal3Data, name: String, extra: &[(&str, &str)]) -> ObjectMeta {
    let mut labels: BTreeMap<String, String> = data.labels().clone();
    for (key, value) in extra {
        labels.insert((*key).to_owned(), (*value).to_owned());
    }
    ObjectMeta {
        name: Some(name),
        namespace: data.namespace(),
        labels: Some(labels).filter(|l| !l.is_empty()),
        finalizers: Some(vec![DATA_FINALIZER.to_owned()]),
        owner_references: Some(vec![data_owner(data)]),
        ..ObjectMeta::default()
    }
}

/// The IPClaim for a Metal3 pool (IP-01): `<m3d>-<pool>`; with BMH-name based preallocation
/// `<host>-<pool>`, labelled with the Metal3Data and pool names (IP-02), so a host gets the
/// same address back from the pool's `preAllocations`.
pub fn new_ip_claim(data: &Metal3Data, pool: &str, host: &str, preallocation: bool) -> IPClaim {
    let data_name = data.name_any();
    let metadata = if preallocation {
        claim_meta(
            data,
            claim_name(host, pool),
            &[(DATA_NAME_LABEL, &data_name), (POOL_NAME_LABEL, pool)],
        )
    } else {
        claim_meta(data, claim_name(&data_name, pool), &[])
    };
    IPClaim {
        metadata,
        spec: IPClaimSpec {
            pool: ObjectReference {
                name: Some(pool.to_owned()),
                namespace: data.namespace(),
                ..ObjectReference::default()
            },
        },
        status: None,
    }
}

/// The Cluster API IPAddressClaim `<m3d>-<pool>` for a pool of another kind (IP-03).
pub fn new_capi_claim(data: &Metal3Data, pool: &PoolRef) -> IPAddressClaim {
    IPAddressClaim {
        metadata: claim_meta(data, claim_name(&data.name_any(), &pool.name), &[]),
        spec: IPAddressClaimSpec {
            pool_ref: IPPoolReference {
                api_group: pool.api_group.clone(),
                kind: pool.kind.clone(),
                name: pool.name.clone(),
            },
            ..IPAddressClaimSpec::default()
        },
        status: None,
    }
}

/// Why a claim brings no address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unserved {
    /// Not served yet; why, for the logs.
    Waiting(String),
    /// The claim of this name belongs to an earlier Metal3Data of the same name and is being
    /// deleted: our finalizer must come off it so it can go (IP-06).
    Stale,
    /// The pool cannot serve it (IP-05): `status.errorMessage` of the Metal3Data.
    Failed(String),
}

/// Whether `data` (this very object, by UID) owns the claim.
fn owned_by(meta: &ObjectMeta, data: &Metal3Data) -> bool {
    let uid = data.uid().unwrap_or_default();
    meta.owner_references
        .iter()
        .flatten()
        .any(|o| !uid.is_empty() && o.uid == uid)
}

/// A claim that is not ours: stale if it is on its way out, otherwise in the way (a name
/// clash, or a deletion not requested yet); upstream waits for it to go in both cases.
fn foreign(meta: &ObjectMeta, name: &str) -> Unserved {
    if meta.deletion_timestamp.is_some() {
        Unserved::Stale
    } else {
        Unserved::Waiting(format!(
            "IP claim {name} belongs to another Metal3Data, waiting for it to go"
        ))
    }
}

/// The IPAddress serving the IPClaim of `pool` (IP-04, IP-05, IP-06).
pub fn ip_claim_address(
    data: &Metal3Data,
    claim: &IPClaim,
    pool: &str,
) -> Result<String, Unserved> {
    let name = claim.name_any();
    if !owned_by(&claim.metadata, data) {
        return Err(foreign(&claim.metadata, &name));
    }
    let status = claim.status.as_ref();
    if let Some(message) = status.and_then(|s| s.error_message.as_deref()) {
        return Err(Unserved::Failed(format!(
            "IP Allocation for {pool} failed : {message}"
        )));
    }
    status
        .and_then(|s| s.address.as_ref())
        .and_then(|a| a.name.clone())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Unserved::Waiting(format!("IPClaim {name} has no address yet")))
}

/// The IPAddress serving a CAPI IPAddressClaim (IP-04). A claim being deleted is never used;
/// one owned by another Metal3Data is not either (upstream does not check the owner: a stale
/// claim of an earlier Metal3Data of the same name would hand over an address about to be
/// released).
pub fn capi_claim_address(data: &Metal3Data, claim: &IPAddressClaim) -> Result<String, Unserved> {
    let name = claim.name_any();
    if !owned_by(&claim.metadata, data) {
        return Err(foreign(&claim.metadata, &name));
    }
    if claim.metadata.deletion_timestamp.is_some() {
        return Err(Unserved::Waiting(format!(
            "IPAddressClaim {name} is being deleted"
        )));
    }
    claim
        .status
        .as_ref()
        .and_then(|s| s.address_ref.as_ref())
        .map(|r| r.name.clone())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Unserved::Waiting(format!("IPAddressClaim {name} has no address yet")))
}

/// What a Metal3 IPAddress gives the render (MD-08). A missing prefix reads as 0, as upstream
/// reads Go's zero value.
pub fn metal3_address(address: &IPAddress) -> PoolAddress {
    PoolAddress {
        address: address.spec.address.clone(),
        prefix: Some(address.spec.prefix.unwrap_or(0)),
        gateway: address.spec.gateway.clone(),
        dns_servers: address.spec.dns_servers.clone().unwrap_or_default(),
    }
}

/// What a CAPI IPAddress gives the render: it carries no DNS servers.
pub fn capi_address(address: &capi::IPAddress) -> PoolAddress {
    PoolAddress {
        address: address.spec.address.clone(),
        prefix: Some(i64::from(address.spec.prefix)),
        gateway: address.spec.gateway.clone(),
        dns_servers: Vec::new(),
    }
}

/// Whether an IP claim of either kind goes with the Metal3Data `data` (IP-10): one a Metal3Data
/// of that name owns (this one, or an earlier one of the same name whose release was cut
/// short). A claim found under one of the names we give (`named`) is also released when no
/// Metal3Data owns it (made by hand or by an old release), as upstream releases by name.
pub fn released_with(data: &str, meta: &ObjectMeta, named: bool) -> bool {
    let mut owners = meta
        .owner_references
        .iter()
        .flatten()
        .filter(|o| owner_is(o, "Metal3Data"))
        .peekable();
    if owners.peek().is_none() {
        return named;
    }
    owners.any(|o| o.name == data)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::data_controllers::fixtures::data_with;
    use crate::capm3::fixtures::NS;

    fn data() -> Metal3Data {
        data_with(
            "t-3",
            "t",
            Some(3),
            Some("m"),
            json!({"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": "test1"}}}),
        )
    }

    fn ip_claim(overlay: serde_json::Value) -> IPClaim {
        let mut base = json!({
            "metadata": {"name": "t-3-pool", "namespace": NS, "ownerReferences": [
                {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data",
                 "name": "t-3", "uid": "uid-t-3", "controller": true}]},
            "spec": {"pool": {"name": "pool", "namespace": NS}},
        });
        crate::capm3::fixtures::merge(&mut base, overlay);
        serde_json::from_value(base).expect("claim")
    }

    /// IP-01: `<m3d>-<pool>`, our finalizer, owned by the Metal3Data, its labels, `spec.pool`.
    #[test]
    fn ip_claim_named_after_the_data() {
        let claim = new_ip_claim(&data(), "pool", "host-1", false);
        assert_eq!(
            serde_json::to_value(&claim).expect("json"),
            json!({"apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPClaim",
                   "metadata": {"name": "t-3-pool", "namespace": NS,
                                "labels": {"cluster.x-k8s.io/cluster-name": "test1"},
                                "finalizers": ["metal3data.infrastructure.cluster.x-k8s.io"],
                                "ownerReferences": [{
                                    "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
                                    "kind": "Metal3Data", "name": "t-3", "uid": "uid-t-3",
                                    "controller": true}]},
                   "spec": {"pool": {"name": "pool", "namespace": NS}}})
        );
    }

    /// IP-02
    #[test]
    fn preallocation_names_the_claim_after_the_host() {
        let claim = new_ip_claim(&data(), "pool", "host-1", true);
        assert_eq!(claim.name_any(), "host-1-pool");
        assert_eq!(
            claim.labels().get(DATA_NAME_LABEL).map(String::as_str),
            Some("t-3")
        );
        assert_eq!(
            claim.labels().get(POOL_NAME_LABEL).map(String::as_str),
            Some("pool")
        );
        assert_eq!(
            ip_claim_names("t-3", "host-1", "pool"),
            ["t-3-pool", "host-1-pool"]
        );
    }

    /// IP-03
    #[test]
    fn capi_claim_for_other_pool_kinds() {
        let pool = PoolRef {
            name: "infoblox".into(),
            api_group: "ipam.example.com".into(),
            kind: "InfobloxPool".into(),
        };
        let claim = new_capi_claim(&data(), &pool);
        assert_eq!(claim.name_any(), "t-3-infoblox");
        assert_eq!(
            serde_json::to_value(&claim.spec).expect("json"),
            json!({"poolRef": {"apiGroup": "ipam.example.com", "kind": "InfobloxPool",
                               "name": "infoblox"}})
        );
        assert_eq!(claim.finalizers(), [DATA_FINALIZER]);
    }

    /// IP-04, IP-05, IP-06
    #[test]
    fn ip_claim_addresses() {
        let d = data();
        let state = |overlay| ip_claim_address(&d, &ip_claim(overlay), "pool");
        assert!(matches!(state(json!({})), Err(Unserved::Waiting(_))));
        assert_eq!(
            state(json!({"status": {"address": {"name": "pool-10-0-0-5"}}})),
            Ok("pool-10-0-0-5".into())
        );
        assert_eq!(
            state(json!({"status": {"errorMessage": "Exhausted IP Pools"}})),
            Err(Unserved::Failed(
                "IP Allocation for pool failed : Exhausted IP Pools".into()
            ))
        );
        let foreign_owner = json!({"metadata": {"ownerReferences": [
            {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data",
             "name": "t-3", "uid": "old-uid"}]},
            "status": {"address": {"name": "pool-10-0-0-5"}}});
        assert!(matches!(
            state(foreign_owner.clone()),
            Err(Unserved::Waiting(_))
        ));
        let mut stale = foreign_owner;
        crate::capm3::fixtures::merge(
            &mut stale,
            json!({"metadata": {"deletionTimestamp": "2024-01-01T00:00:00Z",
                                "finalizers": ["metal3data.infrastructure.cluster.x-k8s.io"]}}),
        );
        assert_eq!(state(stale), Err(Unserved::Stale));
        // Our own claim being deleted is still read, as upstream.
        assert_eq!(
            state(
                json!({"metadata": {"deletionTimestamp": "2024-01-01T00:00:00Z",
                                      "finalizers": ["x"]},
                         "status": {"address": {"name": "a"}}})
            ),
            Ok("a".into())
        );
    }

    #[test]
    fn capi_claim_addresses() {
        let d = data();
        let pool = PoolRef {
            name: "p".into(),
            api_group: "x.io".into(),
            kind: "P".into(),
        };
        let mut claim = new_capi_claim(&d, &pool);
        assert!(matches!(
            capi_claim_address(&d, &claim),
            Err(Unserved::Waiting(_))
        ));
        claim.status = serde_json::from_value(json!({"addressRef": {"name": "addr"}})).ok();
        assert_eq!(capi_claim_address(&d, &claim), Ok("addr".into()));
        claim.metadata.deletion_timestamp =
            serde_json::from_value(json!("2024-01-01T00:00:00Z")).ok();
        assert!(matches!(
            capi_claim_address(&d, &claim),
            Err(Unserved::Waiting(_))
        ));
    }

    /// MD-08: the address, prefix (0 when unset), gateway and DNS servers.
    #[test]
    fn addresses_for_the_render() {
        let address: IPAddress = serde_json::from_value(json!({
            "metadata": {"name": "a"},
            "spec": {"address": "192.168.0.5", "gateway": "192.168.0.1",
                     "dnsServers": ["8.8.8.8"], "pool": {"name": "p"}, "claim": {"name": "c"}},
        }))
        .expect("address");
        assert_eq!(
            metal3_address(&address),
            PoolAddress {
                address: "192.168.0.5".into(),
                prefix: Some(0),
                gateway: Some("192.168.0.1".into()),
                dns_servers: vec!["8.8.8.8".into()],
            }
        );
        let capi: capi::IPAddress = serde_json::from_value(json!({
            "metadata": {"name": "a"},
            "spec": {"address": "10.0.0.5", "prefix": 24, "claimRef": {"name": "c"},
                     "poolRef": {"apiGroup": "x.io", "kind": "P", "name": "p"}},
        }))
        .expect("address");
        assert_eq!(capi_address(&capi).prefix, Some(24));
        assert!(capi_address(&capi).dns_servers.is_empty());
    }

    /// IP-10: claims of this Metal3Data (or an earlier one of its name) go; another's stay.
    #[test]
    fn which_claims_are_released() {
        let owned = |name: &str| -> ObjectMeta {
            serde_json::from_value(json!({"ownerReferences": [
                {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data",
                 "name": name, "uid": "u"}]}))
            .expect("meta")
        };
        assert!(released_with("t-3", &owned("t-3"), false));
        assert!(!released_with("t-3", &owned("t-30"), true));
        assert!(released_with("t-3", &ObjectMeta::default(), true));
        assert!(!released_with("t-3", &ObjectMeta::default(), false));
    }
}
