//! Real manifests, written as upstream's documentation writes them, are accepted by our
//! CRDs unchanged: no field pruned, no validation error, and our Rust types read them.

mod common;

use capm3::api::{bmo, capm3 as infra, ipam};
use capm3::sandbox::apiserver::structural::{apply_defaults, prune, validate, validate_cel};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// What the API server does on create: prune, default, validate (schema, then CEL).
/// Returns the stored object.
fn admit(doc: &Value) -> Result<Value, Vec<String>> {
    admit_update(doc, None)
}

/// The same on an update of `old`, where CEL transition rules (`oldSelf`) apply.
fn admit_update(doc: &Value, old: Option<&Value>) -> Result<Value, Vec<String>> {
    let (api_version, kind) = common::api_version_and_kind(doc);
    let schema = common::schema_for(&api_version, &kind)
        .ok_or(vec![format!("no CRD for {api_version} {kind}")])?;
    let mut object = doc.clone();
    let pruned = prune(&mut object, &schema);
    if !pruned.is_empty() {
        return Err(pruned
            .iter()
            .map(|p| format!("{kind}: {p}: pruned"))
            .collect());
    }
    apply_defaults(&mut object, &schema);
    let mut errors = validate(&object, &schema);
    if errors.is_empty() {
        errors = validate_cel(&object, old, &schema);
    }
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    if errors.is_empty() {
        Ok(object)
    } else {
        Err(errors)
    }
}

fn typed<T: DeserializeOwned>(object: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(object.clone())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Reads the object into the Rust type of its apiVersion and kind.
fn read_typed(object: &Value) -> Result<(), String> {
    let (api_version, kind) = common::api_version_and_kind(object);
    match (api_version.as_str(), kind.as_str()) {
        ("metal3.io/v1alpha1", "BareMetalHost") => typed::<bmo::v1alpha1::BareMetalHost>(object),
        ("ipam.metal3.io/v1alpha1", "IPPool") => typed::<ipam::v1alpha1::IPPool>(object),
        ("ipam.metal3.io/v1alpha1", "IPClaim") => typed::<ipam::v1alpha1::IPClaim>(object),
        ("infrastructure.cluster.x-k8s.io/v1beta1", "Metal3Cluster") => {
            typed::<infra::v1beta1::Metal3Cluster>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta2", "Metal3Cluster") => {
            typed::<infra::v1beta2::Metal3Cluster>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta1", "Metal3ClusterTemplate") => {
            typed::<infra::v1beta1::Metal3ClusterTemplate>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta2", "Metal3Machine") => {
            typed::<infra::v1beta2::Metal3Machine>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta1", "Metal3MachineTemplate") => {
            typed::<infra::v1beta1::Metal3MachineTemplate>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta2", "Metal3MachineTemplate") => {
            typed::<infra::v1beta2::Metal3MachineTemplate>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta1", "Metal3DataTemplate") => {
            typed::<infra::v1beta1::Metal3DataTemplate>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta2", "Metal3DataTemplate") => {
            typed::<infra::v1beta2::Metal3DataTemplate>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta1", "Metal3RemediationTemplate") => {
            typed::<infra::v1beta1::Metal3RemediationTemplate>(object)
        }
        ("infrastructure.cluster.x-k8s.io/v1beta2", "Metal3RemediationTemplate") => {
            typed::<infra::v1beta2::Metal3RemediationTemplate>(object)
        }
        other => Err(format!("no typed check for {other:?}: add one")),
    }
}

#[test]
fn documented_manifests_apply_unchanged() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in common::fixtures("manifests") {
        for doc in common::yaml_documents(&path) {
            if common::api_version_and_kind(&doc).0 == "v1" {
                continue; // Secrets and the like are not ours to check
            }
            let result = admit(&doc).and_then(|stored| read_typed(&stored).map_err(|e| vec![e]));
            if let Err(errors) = result {
                failures.push(format!("{}: {errors:?}", path.display()));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(checked >= 18, "only {checked} fixtures were checked");
}

#[test]
fn defaults_are_those_of_upstream() {
    let stored = admit(&json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3RemediationTemplate",
        "metadata": {"name": "r"},
        "spec": {"template": {"spec": {"strategy": {"type": "Reboot"}}}},
    }))
    .expect("admitted");
    let strategy = &stored["spec"]["template"]["spec"]["strategy"];
    assert_eq!(strategy["retryLimit"], 1);
    assert_eq!(strategy["timeoutSeconds"], 600);
    let stored = admit(&json!({
        "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate",
        "metadata": {"name": "t"},
        "spec": {"networkData": {"links": {"ethernets": [{"type": "phy", "id": "eth0", "macAddress": {}}]}}},
    }))
    .expect("admitted");
    assert_eq!(
        stored["spec"]["networkData"]["links"]["ethernets"][0]["mtu"],
        1500
    );
}

#[test]
fn invalid_manifests_are_rejected_with_field_paths() {
    let cases = [
        (
            json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost", "metadata": {"name": "h"},
                   "spec": {"bootMode": "BIOS", "online": "yes"}}),
            vec![
                "spec.bootMode: Unsupported value: \"BIOS\": supported values: \"UEFI\", \"UEFISecureBoot\", \"legacy\"",
                "spec.online: Invalid value: \"string\": spec.online in body must be of type boolean: \"string\"",
            ],
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine", "metadata": {"name": "m"},
                   "spec": {"image": {"url": "http://127.0.0.1/i.img", "checksumType": "sha1"}}}),
            vec![
                "spec.image.checksumType: Unsupported value: \"sha1\": supported values: \"md5\", \"sha256\", \"sha512\"",
            ],
        ),
        (
            json!({"apiVersion": "ipam.metal3.io/v1alpha1", "kind": "IPPool", "metadata": {"name": "p"},
                   "spec": {"preAllocations": {"c": "not-an-ip"}}}),
            vec![
                "spec.preAllocations[c]: Invalid value: \"not-an-ip\": spec.preAllocations[c] in body should match",
            ],
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Cluster", "metadata": {"name": "c"},
                   "spec": {"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 70000}}}),
            vec![
                "spec.controlPlaneEndpoint.port: Invalid value: 70000: spec.controlPlaneEndpoint.port in body should be less than or equal to 65535",
            ],
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3RemediationTemplate", "metadata": {"name": "r"},
                   "spec": {"template": {"spec": {"strategy": {"type": "Reboot", "timeoutSeconds": 10}}}}}),
            vec![
                "spec.template.spec.strategy.timeoutSeconds: Invalid value: 10: spec.template.spec.strategy.timeoutSeconds in body should be greater than or equal to 100",
            ],
        ),
    ];
    for (doc, expected) in cases {
        let errors = admit(&doc).expect_err("must be rejected");
        for message in expected {
            assert!(
                errors.iter().any(|e| e.starts_with(message)),
                "expected {message:?} in {errors:#?}"
            );
        }
    }
}

/// Upstream's webhook rules that fit the schema are CEL rules there (capm3 §3, bmo §6).
#[test]
fn webhook_rules_in_the_schema_reject_what_upstream_rejects() {
    let m3m = |spec: Value| {
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Machine",
        "metadata": {"name": "m"}, "spec": spec})
    };
    let bmh = |name: &str, mut spec: Value| {
        spec["online"] = json!(true);
        json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost", "metadata": {"name": name}, "spec": spec})
    };
    let cases = [
        (
            m3m(json!({})),
            "spec.image: Required value: either image or customDeploy is required",
        ),
        (
            m3m(json!({"image": {"url": "http://127.0.0.1/i.qcow2"}})),
            "spec.image.checksum: Required value: checksum is required",
        ),
        (
            m3m(json!({"image": {"url": "oci://127.0.0.1/img:1", "checksum": "abc"}})),
            "spec.image.checksum: Forbidden: checksum and checksumType must be empty for OCI images",
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Cluster", "metadata": {"name": "c"},
                "spec": {}}),
            "spec.controlPlaneEndpoint.host: Required value: is required",
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataClaim", "metadata": {"name": "c"},
                "spec": {}}),
            "spec.template.name: Required value: is required",
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data", "metadata": {"name": "wrong"},
                "spec": {"index": 3, "template": {"name": "tmpl"}}}),
            "metadata.name must be <spec.template.name>-<spec.index>",
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate", "metadata": {"name": "t"},
                "spec": {"metaData": {"fromHostInterfaces": [{"key": "mac", "fromBootMAC": true, "interface": "eth0"}]}}}),
            "interface is required unless fromBootMAC is true",
        ),
        (
            json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate", "metadata": {"name": "t"},
                "spec": {"networkData": {"networks": {"ipv4": [{"id": "v4", "link": "eth0"}]}}}}),
            "one of fromPoolRef.name, ipAddressFromIPPool or fromPoolAnnotation.object is required",
        ),
        (
            bmh("node-0", json!({"firmware": {"sriovEnabled": true}})),
            "spec.firmware: Forbidden: the Firmware field is no longer supported",
        ),
        (
            bmh("node_0!", json!({})),
            "cannot contain characters other than [A-Za-z0-9._-]",
        ),
        (
            bmh("0a2e3d8c-e230-4511-845a-ccb12e0b71f4", json!({})),
            "BareMetalHost resource name cannot be a UUID",
        ),
        (
            bmh("node-0", json!({"rootDeviceHints": {"deviceName": "sda"}})),
            "device name of root device hint must be a /dev/ path",
        ),
        (
            bmh(
                "node-0",
                json!({"image": {"url": "http://127.0.0.1/i.qcow2"}}),
            ),
            "checksum is required for normal images",
        ),
        (
            bmh(
                "node-0",
                json!({"raid": {"hardwareRAIDVolumes": [{"level": "1"}], "softwareRAIDVolumes": [{"level": "1"}]}}),
            ),
            "hardwareRAIDVolumes and softwareRAIDVolumes can not be set at the same time",
        ),
        (
            bmh(
                "node-0",
                json!({"raid": {"softwareRAIDVolumes": [{"level": "0", "rootVolume": true}]}}),
            ),
            "with rootVolume set must use RAID level 1",
        ),
    ];
    for (doc, expected) in cases {
        let errors = admit(&doc).expect_err(expected);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "expected {expected:?} in {errors:#?}"
        );
    }
}

#[test]
fn immutable_fields_cannot_change_on_update() {
    let data = |index: i64| {
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3Data",
        "metadata": {"name": format!("tmpl-{index}")}, "spec": {"index": index, "template": {"name": "tmpl"}}})
    };
    let old = admit(&data(1)).expect("created");
    let mut relabelled = old.clone();
    relabelled["metadata"]["labels"] = json!({"a": "b"});
    admit_update(&relabelled, Some(&old)).expect("metadata may change");
    let errors = admit_update(&data(2), Some(&old)).expect_err("index is immutable");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("spec.index: Invalid value: \"number\": cannot be modified")),
        "{errors:#?}"
    );

    let template = |dns: &str| {
        json!({"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2", "kind": "Metal3DataTemplate",
        "metadata": {"name": "t"}, "spec": {"networkData": {"services": {"dns": [dns]}}}})
    };
    let old = admit(&template("127.0.0.53")).expect("created");
    let errors =
        admit_update(&template("127.0.0.54"), Some(&old)).expect_err("networkData is immutable");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("spec.networkData") && e.contains("cannot be modified")),
        "{errors:#?}"
    );
}
