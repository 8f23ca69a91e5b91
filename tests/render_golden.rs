//! Golden files for the metaData / networkData renderer (MD-05…MD-18): each directory under
//! tests/fixtures/render/ holds the objects a Metal3Data render reads (`inputs.yaml`), the
//! allocated addresses (`addresses.yaml`) and the exact bytes upstream CAPM3 would write
//! (`metaData.yaml`, `networkData.yaml`), worked out by hand from upstream's semantics.

use std::collections::BTreeMap;
use std::path::PathBuf;

use capm3::api::bmo::v1alpha1::BareMetalHost;
use capm3::api::capi::Machine;
use capm3::api::capm3::v1beta2::{Metal3Data, Metal3DataTemplate, Metal3Machine};
use capm3::render::{
    Addresses, Inputs, Objects, PoolAddress, PoolRef, meta_data, network_data, referenced_pools,
};
use serde::Deserialize;

struct Case {
    template: Metal3DataTemplate,
    data: Metal3Data,
    machine: Machine,
    metal3_machine: Metal3Machine,
    host: BareMetalHost,
    addresses: Addresses,
    dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddressFile {
    address: String,
    prefix: Option<i64>,
    gateway: Option<String>,
    #[serde(default)]
    dns_servers: Vec<String>,
}

fn load(name: &str) -> Case {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/render")
        .join(name);
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).expect("fixture file");
    let mut documents: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for document in serde_norway::Deserializer::from_str(&read("inputs.yaml")) {
        let value = serde_json::Value::deserialize(document).expect("a YAML document");
        let kind = value["kind"].as_str().expect("a kind").to_owned();
        documents.insert(kind, value);
    }
    let mut take = |kind: &str| {
        documents
            .remove(kind)
            .unwrap_or_else(|| panic!("no {kind} in {name}"))
    };
    let addresses: BTreeMap<String, AddressFile> =
        serde_norway::from_str(&read("addresses.yaml")).expect("addresses");
    Case {
        template: serde_json::from_value(take("Metal3DataTemplate")).expect("template"),
        data: serde_json::from_value(take("Metal3Data")).expect("data"),
        machine: serde_json::from_value(take("Machine")).expect("machine"),
        metal3_machine: serde_json::from_value(take("Metal3Machine")).expect("metal3machine"),
        host: serde_json::from_value(take("BareMetalHost")).expect("host"),
        addresses: addresses
            .into_iter()
            .map(|(pool, a)| {
                let address = PoolAddress {
                    address: a.address,
                    prefix: a.prefix,
                    gateway: a.gateway,
                    dns_servers: a.dns_servers,
                };
                (pool, address)
            })
            .collect(),
        dir,
    }
}

impl Case {
    fn objects(&self) -> Objects<'_> {
        Objects {
            machine: &self.machine,
            metal3_machine: &self.metal3_machine,
            host: &self.host,
        }
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            template: &self.template.spec,
            data: &self.data,
            objects: self.objects(),
            addresses: &self.addresses,
        }
    }

    fn expected(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file)).expect("golden file")
    }

    fn assert_renders_golden_files(&self) {
        let inputs = self.inputs();
        let meta = meta_data(&inputs)
            .expect("metaData renders")
            .expect("template has metaData");
        assert_eq!(meta, self.expected("metaData.yaml"), "metaData");
        let network = network_data(&inputs)
            .expect("networkData renders")
            .expect("template has networkData");
        assert_eq!(network, self.expected("networkData.yaml"), "networkData");
    }

    fn pools(&self) -> Vec<PoolRef> {
        let pools = referenced_pools(&self.template.spec, Some(self.objects())).expect("pools");
        pools.iter().cloned().collect()
    }
}

fn metal3(name: &str) -> PoolRef {
    PoolRef {
        name: name.to_owned(),
        api_group: "ipam.metal3.io".to_owned(),
        kind: "IPPool".to_owned(),
    }
}

// MD-05, MD-06, MD-07, MD-08, MD-09, MD-10, MD-11, MD-14, MD-15, MD-16, MD-17, MD-18 on
// upstream's own example template.
#[test]
fn upstream_example_template_renders_as_upstream() {
    let case = load("upstream-example");
    case.assert_renders_golden_files();
    assert_eq!(
        case.pools(),
        ["pool1", "pool2", "pool6-1", "pool6-2"].map(metal3),
        "the example claims its four pools"
    );
}

// Every source, link type, MAC source, network type and gateway source at once (MD-05…MD-18),
// plus the dnsServersFromPool gap closed and a CAPI pool reference (IP-03).
#[test]
fn full_template_renders_every_source() {
    let case = load("full");
    case.assert_renders_golden_files();
    let capi = PoolRef {
        name: "inclusterpool".to_owned(),
        api_group: "ipam.cluster.x-k8s.io".to_owned(),
        kind: "InClusterIPPool".to_owned(),
    };
    assert_eq!(
        case.pools(),
        [
            metal3("baremetalv4-pool"),
            metal3("baremetalv6-pool"),
            capi,
            metal3("provisioning-pool"),
            metal3("storage-pool"),
        ]
    );
    // IP-10: releasing claims reads no annotations (the objects may be gone).
    let without_objects = referenced_pools(&case.template.spec, None).expect("pools");
    assert!(without_objects.get("storage-pool").is_none());
    assert_eq!(without_objects.len(), 4);
}
