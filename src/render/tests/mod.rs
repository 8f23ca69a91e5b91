//! Focused tests of the renderer, one behaviour each, on a small set of objects.

mod meta_data;
mod network_data;
mod pools;

use serde_json::{Value, json};

use super::{Addresses, Inputs, Objects, PoolAddress, RenderError};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::Machine;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataTemplateSpec, Metal3Machine};

/// Metal3Data `t-2` (index 2) in namespace `ns`; Machine `machine-a`; Metal3Machine `m3m-a`;
/// BareMetalHost `host-a` with NICs eth0/eth1; pools `pool-a`, `pool-b`, `pool6`.
struct Fixture {
    template: Metal3DataTemplateSpec,
    data: Metal3Data,
    machine: Machine,
    metal3_machine: Metal3Machine,
    host: BareMetalHost,
    addresses: Addresses,
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid test object")
}

fn address(address: &str, prefix: i64, gateway: &str, dns: &[&str]) -> PoolAddress {
    PoolAddress {
        address: address.to_owned(),
        prefix: Some(prefix),
        gateway: Some(gateway.to_owned()),
        dns_servers: dns.iter().map(|s| (*s).to_owned()).collect(),
    }
}

impl Fixture {
    fn new(template: Value) -> Self {
        Self {
            template: from_json(template),
            data: from_json(json!({
                "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data",
                "metadata": {"name": "t-2", "namespace": "ns"},
                "spec": {"index": 2, "template": {"name": "t", "namespace": "ns"}},
            })),
            machine: from_json(json!({
                "apiVersion": "cluster.x-k8s.io/v1beta2", "kind": "Machine",
                "metadata": {
                    "name": "machine-a", "namespace": "ns",
                    "labels": {"machine-label": "ml"},
                    "annotations": {"machine-annotation": "ma", "mac": "AA-BB-CC-DD-EE-FF", "pool": "pool-b"},
                },
                "spec": {"clusterName": "c"},
            })),
            metal3_machine: from_json(json!({
                "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
                "metadata": {
                    "name": "m3m-a", "namespace": "ns",
                    "labels": {"m3m-label": "m3l"}, "annotations": {"m3m-annotation": "m3a"},
                },
                "spec": {},
            })),
            host: from_json(json!({
                "apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
                "metadata": {
                    "name": "host-a", "namespace": "ns",
                    "labels": {"host-label": "hl"}, "annotations": {"pool": "pool-a", "empty": ""},
                },
                "spec": {"online": true, "bootMACAddress": "00:11:22:33:44:00"},
                "status": {
                    "errorCount": 0, "errorMessage": "", "operationalStatus": "OK",
                    "poweredOn": true, "provisioningFailCount": 0,
                    "provisioning": {"ID": "", "state": "provisioning"},
                    "hardware": {"nics": [
                        {"name": "eth0", "mac": "00:11:22:33:44:01"},
                        {"name": "eth1", "mac": "0a:1b:2c:3d:4e:5f"},
                    ]},
                },
            })),
            addresses: [
                (
                    "pool-a",
                    address("10.0.0.5", 24, "10.0.0.1", &["10.0.0.2", "10.0.0.3"]),
                ),
                ("pool-b", address("10.1.0.5", 16, "10.1.0.1", &[])),
                ("pool6", address("fd00::5", 64, "fd00::1", &["fd00::53"])),
            ]
            .into_iter()
            .map(|(name, a)| (name.to_owned(), a))
            .collect(),
        }
    }

    fn objects(&self) -> Objects<'_> {
        Objects {
            machine: &self.machine,
            metal3_machine: &self.metal3_machine,
            host: &self.host,
        }
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            template: &self.template,
            data: &self.data,
            objects: self.objects(),
            addresses: &self.addresses,
        }
    }

    fn meta_data(&self) -> Result<Option<String>, RenderError> {
        super::meta_data(&self.inputs())
    }

    fn network_data(&self) -> Result<Option<String>, RenderError> {
        super::network_data(&self.inputs())
    }
}

/// A template with only this metaData.
fn meta(meta_data: Value) -> Fixture {
    Fixture::new(json!({ "metaData": meta_data }))
}

/// A template with only this networkData.
fn network(network_data: Value) -> Fixture {
    Fixture::new(json!({ "networkData": network_data }))
}
