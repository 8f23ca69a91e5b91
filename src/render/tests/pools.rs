use serde_json::json;

use super::Fixture;
use crate::render::{PoolRef, RenderError, referenced_pools};

fn pools(fixture: &Fixture) -> Result<Vec<String>, RenderError> {
    let pools = referenced_pools(&fixture.template, Some(fixture.objects()))?;
    Ok(pools
        .iter()
        .map(|p| format!("{}/{}/{}", p.api_group, p.kind, p.name))
        .collect())
}

#[test]
fn every_metadata_pool_list_is_claimed_with_defaults() {
    let fixture = Fixture::new(json!({"metaData": {
        "ipAddressesFromPool": [{"key": "a", "name": "p1"}],
        "prefixesFromPool": [{"key": "b", "name": "p2", "apiGroup": "", "kind": ""}],
        "gatewaysFromPool": [{"key": "c", "name": "p3", "apiGroup": "ipam.cluster.x-k8s.io", "kind": "InClusterIPPool"}],
        "dnsServersFromPool": [{"key": "d", "name": "p4"}],
    }}));
    assert_eq!(
        pools(&fixture),
        Ok(vec![
            "ipam.metal3.io/IPPool/p1".into(),
            "ipam.metal3.io/IPPool/p2".into(),
            "ipam.cluster.x-k8s.io/InClusterIPPool/p3".into(),
            "ipam.metal3.io/IPPool/p4".into(),
        ])
    );
}

#[test]
fn network_data_pools_are_the_ones_rendering_reads() {
    let annotation = json!({"object": "baremetalhost", "annotation": "pool"});
    let fixture = Fixture::new(json!({"networkData": {
        "networks": {
            "ipv4": [
                // The annotation hides fromPoolRef and ipAddressFromIPPool.
                {"id": "a", "link": "e", "fromPoolAnnotation": annotation, "fromPoolRef": {"name": "hidden1"}, "ipAddressFromIPPool": "hidden2"},
                {"id": "b", "link": "e", "fromPoolRef": {"name": "ref", "apiGroup": "ipam.cluster.x-k8s.io", "kind": "GlobalInClusterIPPool"}, "routes": [
                    // A literal gateway hides the pools.
                    {"network": "0.0.0.0", "gateway": {"string": "10.0.0.1", "fromIPPool": "hidden3"}, "services": {"dnsFromIPPool": "route-dns"}},
                ]},
            ],
            "ipv6": [{"id": "c", "link": "e", "ipAddressFromIPPool": "v6"}],
            // DHCP and SLAAC route gateways, annotation ones included.
            "ipv4DHCP": [{"id": "d", "link": "e", "routes": [{"network": "10.0.0.0", "gateway": {"fromPoolAnnotation": {"object": "machine", "annotation": "pool"}}}]}],
            "ipv6SLAAC": [{"id": "s", "link": "e", "routes": [{"network": "::", "gateway": {"fromPoolRef": {"name": "slaac-gw"}}}]}],
        },
        "services": {"dnsFromIPPool": "top-dns"},
    }}));
    assert_eq!(
        pools(&fixture),
        Ok(vec![
            "ipam.metal3.io/IPPool/pool-a".into(),
            "ipam.metal3.io/IPPool/pool-b".into(),
            "ipam.cluster.x-k8s.io/GlobalInClusterIPPool/ref".into(),
            "ipam.metal3.io/IPPool/route-dns".into(),
            "ipam.metal3.io/IPPool/slaac-gw".into(),
            "ipam.metal3.io/IPPool/top-dns".into(),
            "ipam.metal3.io/IPPool/v6".into(),
        ])
    );
    // IP-10: without the objects (releasing), annotation pools are skipped.
    let released = referenced_pools(&fixture.template, None).expect("pools");
    assert!(released.get("pool-a").is_none() && released.get("pool-b").is_none());
    assert_eq!(released.len(), 5);
}

// IP-07
#[test]
fn ip07_one_name_with_two_kinds_is_rejected() {
    let fixture = Fixture::new(json!({
        "metaData": {"ipAddressesFromPool": [{"key": "a", "name": "p"}]},
        "networkData": {"networks": {"ipv4": [
            {"id": "n", "link": "e", "fromPoolRef": {"name": "p", "apiGroup": "ipam.cluster.x-k8s.io", "kind": "InClusterIPPool"}},
        ]}},
    }));
    let error = pools(&fixture).expect_err("conflicting kinds");
    assert_eq!(error, RenderError::ConflictingPoolReferences("p".into()));
    assert_eq!(
        error.to_string(),
        "multiple references with the same name but different resource types: pool \"p\""
    );
}

// IP-08
#[test]
fn ip08_pool_annotations_resolve_on_each_object_and_must_be_set() {
    let on = |object: &str, annotation: &str| {
        let from = json!({"object": object, "annotation": annotation});
        let fixture = Fixture::new(
            json!({"networkData": {"networks": {"ipv4": [{"id": "n", "link": "e", "fromPoolAnnotation": from}]}}}),
        );
        pools(&fixture)
    };
    assert_eq!(
        on("machine", "pool"),
        Ok(vec!["ipam.metal3.io/IPPool/pool-b".into()])
    );
    assert_eq!(
        on("baremetalhost", "pool"),
        Ok(vec!["ipam.metal3.io/IPPool/pool-a".into()])
    );
    assert_eq!(
        on("metal3machine", "pool"),
        Err(RenderError::PoolAnnotationEmpty {
            object: "metal3machine",
            annotation: "pool".into()
        })
    );
    assert!(on("baremetalhost", "empty").is_err());
}

#[test]
fn metal3_pools_are_recognised_by_group_and_kind() {
    let pool = |api_group: &str, kind: &str| PoolRef {
        name: "p".into(),
        api_group: api_group.into(),
        kind: kind.into(),
    };
    assert!(pool("ipam.metal3.io", "IPPool").is_metal3());
    assert!(!pool("ipam.metal3.io", "InClusterIPPool").is_metal3());
    assert!(!pool("ipam.cluster.x-k8s.io", "IPPool").is_metal3());
}
