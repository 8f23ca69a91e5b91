use serde_json::json;

use super::{Fixture, meta};
use crate::render::RenderError;

fn rendered(fixture: &Fixture) -> String {
    fixture.meta_data().expect("renders").expect("has metaData")
}

#[test]
fn md05_strings_object_names_namespaces_labels_and_annotations() {
    let fixture = meta(json!({
        "strings": [{"key": "s", "value": "v"}],
        "objectNames": [
            {"key": "o1", "object": "machine"},
            {"key": "o2", "object": "metal3machine"},
            {"key": "o3", "object": "baremetalhost"},
        ],
        "namespaces": [{"key": "namespace"}],
        "fromLabels": [
            {"key": "l1", "object": "machine", "label": "machine-label"},
            {"key": "l2", "object": "metal3machine", "label": "m3m-label"},
            {"key": "l3", "object": "baremetalhost", "label": "missing"},
        ],
        "fromAnnotations": [
            {"key": "a1", "object": "machine", "annotation": "machine-annotation"},
            {"key": "a2", "object": "metal3machine", "annotation": "m3m-annotation"},
            {"key": "a3", "object": "baremetalhost", "annotation": "missing"},
        ],
    }));
    assert_eq!(
        rendered(&fixture),
        "a1: ma\na2: m3a\na3: \"\"\nl1: ml\nl2: m3l\nl3: \"\"\nnamespace: ns\no1: machine-a\no2: m3m-a\no3: host-a\nproviderid: ns/host-a/m3m-a\ns: v\n"
    );
}

#[test]
fn md06_indexes_are_prefix_offset_plus_index_times_step_suffix() {
    let fixture = meta(json!({"indexes": [
        {"key": "a", "offset": 1, "step": 3, "prefix": "n-", "suffix": "-s"},
        {"key": "b", "step": 0},
        {"key": "c"},
    ]}));
    // Index 2: 1 + 2*3 = 7; step 0 and an unset step count as 1.
    assert_eq!(
        rendered(&fixture),
        "a: n-7-s\nb: \"2\"\nc: \"2\"\nproviderid: ns/host-a/m3m-a\n"
    );
}

#[test]
fn md07_host_interfaces_render_nic_or_boot_macs() {
    let fixture = meta(json!({"fromHostInterfaces": [
        {"key": "mac", "interface": "eth1"},
        {"key": "boot", "fromBootMAC": true},
        {"key": "eth0", "interface": "eth0", "fromBootMAC": false},
    ]}));
    // MACs made of decimal pairs below 60 read as YAML 1.1 base-60 numbers: quoted.
    assert_eq!(
        rendered(&fixture),
        "boot: \"00:11:22:33:44:00\"\neth0: \"00:11:22:33:44:01\"\nmac: 0a:1b:2c:3d:4e:5f\nproviderid: ns/host-a/m3m-a\n"
    );
}

#[test]
fn md07_missing_nics_names_and_boot_mac_are_errors() {
    let mut fixture = meta(json!({"fromHostInterfaces": [{"key": "mac", "interface": "eth9"}]}));
    assert_eq!(
        fixture.meta_data(),
        Err(RenderError::NicNotFound("eth9".into()))
    );
    assert_eq!(
        RenderError::NicNotFound("eth9".into()).to_string(),
        "NIC name not found eth9"
    );

    fixture.host.status = None;
    assert_eq!(fixture.meta_data(), Err(RenderError::NicsNotPopulated));

    let mut fixture = meta(json!({"fromHostInterfaces": [{"key": "boot", "fromBootMAC": true}]}));
    fixture.host.spec.boot_mac_address = None;
    assert_eq!(
        fixture.meta_data(),
        Err(RenderError::BootMacNotSet("host-a".into()))
    );
}

#[test]
fn md08_addresses_prefixes_and_gateways_come_from_the_pools() {
    let mut fixture = meta(json!({
        "ipAddressesFromPool": [{"key": "ip", "name": "pool-a"}, {"key": "ip6", "name": "pool6"}],
        "prefixesFromPool": [{"key": "prefix", "name": "pool-a"}, {"key": "prefix_b", "name": "pool-b"}],
        "gatewaysFromPool": [{"key": "gateway", "name": "pool-a"}, {"key": "gateway_b", "name": "pool-b"}],
    }));
    // An address without prefix or gateway renders empty strings.
    let pool_b = fixture.addresses.get_mut("pool-b").expect("pool-b");
    pool_b.prefix = None;
    pool_b.gateway = None;
    assert_eq!(
        rendered(&fixture),
        "gateway: 10.0.0.1\ngateway_b: \"\"\nip: 10.0.0.5\nip6: fd00::5\nprefix: \"24\"\nprefix_b: \"\"\nproviderid: ns/host-a/m3m-a\n"
    );
}

#[test]
fn md08_a_pool_without_address_is_an_error() {
    let fixture = meta(json!({"gatewaysFromPool": [{"key": "gateway", "name": "nope"}]}));
    let error = fixture.meta_data().expect_err("no address for the pool");
    assert_eq!(error, RenderError::PoolNotFound("nope".into()));
    assert_eq!(error.to_string(), "pool not found in cache: \"nope\"");
}

// Upstream quirk §7.3 (issue 8): dnsServersFromPool is rendered here, comma-separated.
#[test]
fn dns_servers_from_pool_are_rendered_comma_separated() {
    let fixture = meta(json!({"dnsServersFromPool": [
        {"key": "dns", "name": "pool-a"},
        {"key": "dns_none", "name": "pool-b"},
        {"key": "dns6", "name": "pool6"},
    ]}));
    assert_eq!(
        rendered(&fixture),
        "dns: 10.0.0.2,10.0.0.3\ndns_none: \"\"\ndns6: fd00::53\nproviderid: ns/host-a/m3m-a\n"
    );
}

#[test]
fn md09_later_sources_overwrite_and_providerid_is_always_last_word() {
    let fixture = meta(json!({
        "objectNames": [{"key": "x", "object": "machine"}],
        "namespaces": [{"key": "y"}],
        "strings": [
            {"key": "x", "value": "from-strings"},
            {"key": "providerid", "value": "user-value"},
        ],
        "ipAddressesFromPool": [{"key": "y", "name": "pool-a"}],
    }));
    // namespaces (step 6) overwrites ipAddressesFromPool (step 2); strings overwrite
    // objectNames; providerid overwrites everything.
    assert_eq!(
        rendered(&fixture),
        "providerid: ns/host-a/m3m-a\nx: from-strings\n\"y\": ns\n"
    );
}

#[test]
fn md09_an_empty_metadata_section_still_has_providerid() {
    assert_eq!(rendered(&meta(json!({}))), "providerid: ns/host-a/m3m-a\n");
}

#[test]
fn no_metadata_in_the_template_renders_nothing() {
    let fixture = Fixture::new(json!({"networkData": {}}));
    assert_eq!(fixture.meta_data(), Ok(None));
}
