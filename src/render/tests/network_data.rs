use serde_json::json;

use super::{Fixture, network};
use crate::render::RenderError;

fn rendered(fixture: &Fixture) -> String {
    fixture
        .network_data()
        .expect("renders")
        .expect("has networkData")
}

#[test]
fn md10_links_networks_and_services_are_always_present() {
    assert_eq!(
        rendered(&network(json!({}))),
        "links: []\nnetworks: []\nservices: []\n"
    );
    let fixture = Fixture::new(json!({"metaData": {}}));
    assert_eq!(fixture.network_data(), Ok(None));
}

#[test]
fn md10_links_are_bonds_then_ethernets_then_vlans() {
    let fixture = network(json!({"links": {
        "vlans": [{"id": "v", "vlanID": 5, "vlanLink": "b", "macAddress": {}}],
        "ethernets": [{"id": "e", "type": "phy", "macAddress": {}}],
        "bonds": [{"id": "b", "bondMode": "active-backup", "macAddress": {}, "parameters": []}],
    }}));
    let rendered = rendered(&fixture);
    let ids: Vec<&str> = rendered
        .lines()
        .filter_map(|l| l.trim_start_matches(['-', ' ']).strip_prefix("id: "))
        .collect();
    assert_eq!(ids, ["b", "e", "v"]);
}

#[test]
fn md11_ethernet_links() {
    let fixture = network(json!({"links": {"ethernets": [
        {"id": "enp1s0", "type": "phy", "name": "prov", "mtu": 9000, "macAddress": {"string": "0a:1b:2c:3d:4e:5f"}},
        {"id": "tap0", "type": "tap", "macAddress": {}},
    ]}}));
    assert_eq!(
        rendered(&fixture),
        "links:\n- ethernet_mac_address: 0a:1b:2c:3d:4e:5f\n  id: enp1s0\n  mtu: 9000\n  name: prov\n  type: phy\n- id: tap0\n  mtu: 1500\n  type: tap\nnetworks: []\nservices: []\n"
    );
}

#[test]
fn md12_bond_links_with_parameters() {
    let fixture = network(json!({"links": {"bonds": [
        {
            "id": "bond0", "bondMode": "balance-xor", "bondLinks": [],
            "macAddress": {"fromHostInterface": "eth1"},
            "parameters": [{"name": "miimon", "value": 100}, {"name": "use_carrier", "value": true}, {"name": "empty"}],
        },
        {"id": "bond1", "bondMode": "802.3ad", "bondXmitHashPolicy": "layer2+3", "mtu": 1280, "macAddress": {}, "parameters": []},
    ]}}));
    // Unset bondXmitHashPolicy renders "", unset bondLinks null, a parameter without value null.
    let expected = concat!(
        "links:\n",
        "- bond_empty: null\n",
        "  bond_links: []\n",
        "  bond_miimon: 100\n",
        "  bond_mode: balance-xor\n",
        "  bond_use_carrier: true\n",
        "  bond_xmit_hash_policy: \"\"\n",
        "  ethernet_mac_address: 0a:1b:2c:3d:4e:5f\n",
        "  id: bond0\n",
        "  mtu: 1500\n",
        "  type: bond\n",
        "- bond_links: null\n",
        "  bond_mode: 802.3ad\n",
        "  bond_xmit_hash_policy: layer2+3\n",
        "  id: bond1\n",
        "  mtu: 1280\n",
        "  type: bond\n",
        "networks: []\n",
        "services: []\n",
    );
    assert_eq!(rendered(&fixture), expected);
}

#[test]
fn md12_parameters_may_not_replace_structured_fields() {
    let fixture = network(json!({"links": {"bonds": [{
        "id": "bond0", "bondMode": "802.3ad", "macAddress": {},
        "parameters": [{"name": "mode", "value": "x"}, {"name": "miimon", "value": 1}, {"name": "links", "value": []}],
    }]}}));
    let error = fixture.network_data().expect_err("colliding parameters");
    assert_eq!(
        error.to_string(),
        "illegal params \"mode\", \"links\" into bond params blob into link id=bond0"
    );
}

#[test]
fn md13_vlan_links() {
    let fixture = network(json!({"links": {"vlans": [
        {"id": "vlan7", "name": "bond0.7", "vlanID": 7, "vlanLink": "bond0", "macAddress": {"string": "0a:1b:2c:3d:4e:60"}},
    ]}}));
    assert_eq!(
        rendered(&fixture),
        "links:\n- id: vlan7\n  mtu: 1500\n  name: bond0.7\n  type: vlan\n  vlan_id: 7\n  vlan_link: bond0\n  vlan_mac_address: 0a:1b:2c:3d:4e:60\nnetworks: []\nservices: []\n"
    );
}

#[test]
fn md14_mac_sources_and_validation() {
    let mac_of = |mac: serde_json::Value| {
        let fixture = network(
            json!({"links": {"ethernets": [{"id": "e", "type": "phy", "macAddress": mac}]}}),
        );
        fixture.network_data().map(|d| {
            let d = d.expect("has networkData");
            d.lines()
                .find_map(|l| {
                    l.strip_prefix("- ethernet_mac_address: ")
                        .map(str::to_owned)
                })
                .unwrap_or_default()
        })
    };
    // A literal string wins over the other sources.
    assert_eq!(
        mac_of(json!({"string": "0a:1b:2c:3d:4e:61", "fromHostInterface": "eth1"})),
        Ok("0a:1b:2c:3d:4e:61".into())
    );
    assert_eq!(
        mac_of(json!({"fromHostInterface": "eth1"})),
        Ok("0a:1b:2c:3d:4e:5f".into())
    );
    assert_eq!(
        mac_of(json!({"fromAnnotation": {"object": "machine", "annotation": "mac"}})),
        Ok("AA-BB-CC-DD-EE-FF".into())
    );
    assert_eq!(
        mac_of(json!({"string": "0a:1b:2c"})),
        Err(RenderError::BadMac("0a:1b:2c".into()))
    );
    assert_eq!(
        mac_of(json!({"fromAnnotation": {"object": "baremetalhost", "annotation": "missing"}})),
        Err(RenderError::BadMac(String::new()))
    );
    assert_eq!(
        mac_of(json!({"fromHostInterface": "eth9"})),
        Err(RenderError::NicNotFound("eth9".into()))
    );
    assert_eq!(
        RenderError::BadMac("x".into()).to_string(),
        "bad MAC address: x"
    );
}

#[test]
fn md15_static_networks_render_address_and_netmask() {
    let mut fixture = network(json!({"networks": {
        "ipv4": [{"id": "v4", "link": "e", "ipAddressFromIPPool": "pool-a"}],
        "ipv6": [{"id": "v6", "link": "e", "fromPoolRef": {"name": "pool6"}}],
    }}));
    let expected = concat!(
        "links: []\n",
        "networks:\n",
        "- id: v4\n",
        "  ip_address: 10.0.0.5\n",
        "  link: e\n",
        "  netmask: 255.255.255.0\n",
        "  routes: []\n",
        "  type: ipv4\n",
        "- id: v6\n",
        "  ip_address: fd00::5\n",
        "  link: e\n",
        "  netmask: 'ffff:ffff:ffff:ffff::'\n",
        "  routes: []\n",
        "  type: ipv6\n",
        "services: []\n",
    );
    assert_eq!(rendered(&fixture), expected);

    // No prefix on the address: an empty netmask. A prefix too long for IPv4: an error.
    fixture.addresses.get_mut("pool6").expect("pool6").prefix = None;
    assert!(rendered(&fixture).contains("  netmask: \"\"\n"));
    fixture.addresses.get_mut("pool-a").expect("pool-a").prefix = Some(64);
    assert_eq!(
        fixture.network_data(),
        Err(RenderError::PrefixOutOfRange {
            prefix: 64,
            version: 4
        })
    );
}

#[test]
fn static_network_pool_is_annotation_then_pool_ref_then_pool_name() {
    let address_of = |network: serde_json::Value| {
        let fixture = network_with_ipv4(network);
        let rendered = rendered(&fixture);
        rendered
            .lines()
            .find_map(|l| l.strip_prefix("  ip_address: ").map(str::to_owned))
            .expect("an address")
    };
    let annotation = json!({"object": "machine", "annotation": "pool"});
    assert_eq!(
        address_of(
            json!({"fromPoolAnnotation": annotation, "fromPoolRef": {"name": "pool-a"}, "ipAddressFromIPPool": "pool-a"})
        ),
        "10.1.0.5"
    );
    assert_eq!(
        address_of(json!({"fromPoolRef": {"name": "pool-b"}, "ipAddressFromIPPool": "pool-a"})),
        "10.1.0.5"
    );
    assert_eq!(
        address_of(json!({"ipAddressFromIPPool": "pool-a"})),
        "10.0.0.5"
    );

    let fixture = network_with_ipv4(
        json!({"fromPoolAnnotation": {"object": "baremetalhost", "annotation": "empty"}}),
    );
    let error = fixture.network_data().expect_err("empty annotation");
    assert_eq!(
        error.to_string(),
        "annotation empty not found or empty on baremetalhost"
    );
}

fn network_with_ipv4(source: serde_json::Value) -> Fixture {
    let mut ipv4 = json!({"id": "v4", "link": "e"});
    if let (Some(ipv4), Some(source)) = (ipv4.as_object_mut(), source.as_object()) {
        ipv4.extend(source.clone());
    }
    network(json!({"networks": {"ipv4": [ipv4]}}))
}

#[test]
fn md16_dhcp_and_slaac_networks_with_routes() {
    let route4 = json!({"network": "10.9.0.0", "prefix": 16, "gateway": {"string": "10.0.0.254"}});
    let route6 = json!({"network": "fd01::", "prefix": 64, "gateway": {"string": "fd00::fe"}});
    let fixture = network(json!({"networks": {
        "ipv4DHCP": [{"id": "d4", "link": "e", "routes": [route4]}],
        "ipv6DHCP": [{"id": "d6", "link": "e"}],
        "ipv6SLAAC": [{"id": "s6", "link": "e", "routes": [route6]}],
    }}));
    let expected = concat!(
        "links: []\n",
        "networks:\n",
        "- id: d4\n",
        "  link: e\n",
        "  routes:\n",
        "  - gateway: 10.0.0.254\n",
        "    netmask: 255.255.0.0\n",
        "    network: 10.9.0.0\n",
        "    services: []\n",
        "  type: ipv4_dhcp\n",
        "- id: d6\n",
        "  link: e\n",
        "  routes: []\n",
        "  type: ipv6_dhcp\n",
        "- id: s6\n",
        "  link: e\n",
        "  routes:\n",
        "  - gateway: fd00::fe\n",
        "    netmask: 'ffff:ffff:ffff:ffff::'\n",
        "    network: 'fd01::'\n",
        "    services: []\n",
        "  type: ipv6_slaac\n",
        "services: []\n",
    );
    assert_eq!(rendered(&fixture), expected);
}

#[test]
fn md17_route_gateway_is_string_then_annotation_then_pool_ref_then_pool_name() {
    let gateway_of = |gateway: serde_json::Value| {
        let route = json!({"network": "0.0.0.0", "gateway": gateway});
        let fixture = network(
            json!({"networks": {"ipv4DHCP": [{"id": "d", "link": "e", "routes": [route]}]}}),
        );
        let rendered = rendered(&fixture);
        rendered
            .lines()
            .find_map(|l| l.strip_prefix("  - gateway: ").map(str::to_owned))
            .expect("a gateway")
    };
    let annotation = json!({"object": "baremetalhost", "annotation": "pool"});
    assert_eq!(
        gateway_of(
            json!({"string": "10.9.9.9", "fromPoolAnnotation": annotation, "fromIPPool": "pool-b"})
        ),
        "10.9.9.9"
    );
    assert_eq!(
        gateway_of(json!({"fromPoolAnnotation": annotation, "fromPoolRef": {"name": "pool-b"}})),
        "10.0.0.1"
    );
    assert_eq!(
        gateway_of(json!({"fromPoolRef": {"name": "pool-b"}, "fromIPPool": "pool-a"})),
        "10.1.0.1"
    );
    assert_eq!(gateway_of(json!({"fromIPPool": "pool-a"})), "10.0.0.1");
    assert_eq!(gateway_of(json!({})), "\"\"");
}

#[test]
fn md17_route_netmask_defaults_to_prefix_zero() {
    let route = json!({"network": "::", "gateway": {"fromIPPool": "pool6"}});
    let fixture =
        network(json!({"networks": {"ipv6DHCP": [{"id": "d", "link": "e", "routes": [route]}]}}));
    assert!(
        rendered(&fixture).contains("  - gateway: fd00::1\n    netmask: '::'\n    network: '::'\n")
    );
}

#[test]
fn md18_dns_services_from_lists_then_pools() {
    let route = json!({"network": "0.0.0.0", "gateway": {}, "services": {"dns": ["1.1.1.1"], "dnsFromIPPool": "pool-a"}});
    let fixture = network(json!({
        "networks": {"ipv4DHCP": [{"id": "d", "link": "e", "routes": [route]}]},
        "services": {"dns": ["9.9.9.9", "2620:fe::fe"], "dnsFromIPPool": "pool6"},
    }));
    let expected = concat!(
        "links: []\n",
        "networks:\n",
        "- id: d\n",
        "  link: e\n",
        "  routes:\n",
        "  - gateway: \"\"\n",
        "    netmask: 0.0.0.0\n",
        "    network: 0.0.0.0\n",
        "    services:\n",
        "    - address: 1.1.1.1\n",
        "      type: dns\n",
        "    - address: 10.0.0.2\n",
        "      type: dns\n",
        "    - address: 10.0.0.3\n",
        "      type: dns\n",
        "  type: ipv4_dhcp\n",
        "services:\n",
        "- address: 9.9.9.9\n",
        "  type: dns\n",
        "- address: 2620:fe::fe\n",
        "  type: dns\n",
        "- address: fd00::53\n",
        "  type: dns\n",
    );
    assert_eq!(rendered(&fixture), expected);
}

#[test]
fn md18_dns_from_an_unallocated_pool_is_an_error() {
    let fixture = network(json!({"services": {"dnsFromIPPool": "nope"}}));
    assert_eq!(
        fixture.network_data(),
        Err(RenderError::PoolNotFound("nope".into()))
    );
}
