use proptest::prelude::*;

use super::*;

fn entry(start: Option<&str>, end: Option<&str>, subnet: Option<&str>) -> Pool {
    Pool {
        start: start.map(str::to_owned),
        end: end.map(str::to_owned),
        subnet: subnet.map(str::to_owned),
        prefix: None,
        gateway: None,
        dns_servers: None,
    }
}

fn ip(text: &str) -> Ip {
    Ip::parse(text).expect("valid address")
}

fn rendered(result: Result<Ip, AddressError>) -> Result<String, String> {
    result.map(|ip| ip.to_string()).map_err(|e| e.to_string())
}

#[test]
fn parses_and_renders_as_go_does() {
    for (input, output) in [
        ("192.168.0.1", Some("192.168.0.1")),
        ("1.2.3.04", None),
        ("01.2.3.4", None),
        ("::ffff:10.0.0.1", Some("10.0.0.1")),
        ("2001:DB8::0005", Some("2001:db8::5")),
        ("1:0:0:1:0:0:0:1", Some("1:0:0:1::1")),
        ("1:0:0:1:0:0:1:1", Some("1::1:0:0:1:1")),
        ("1:2:3:0:5:6:7:8", Some("1:2:3:0:5:6:7:8")),
        ("::1.2.3.4", Some("::102:304")),
        ("fe80::1%eth0", None),
        ("", None),
    ] {
        assert_eq!(
            Ip::parse(input).map(|ip| ip.to_string()).as_deref(),
            output,
            "{input}"
        );
    }
    // Go's net.IP.Equal: an IPv4-mapped IPv6 address is the IPv4 address.
    assert_eq!(ip("::ffff:10.0.0.1"), ip("10.0.0.1"));
    assert_eq!(ip("2001:db8::0005"), ip("2001:db8::5"));
}

#[test]
fn add_offset_boundaries_follow_upstream() {
    let cases = [
        ("255.255.255.254", 1, Ok("255.255.255.255")),
        (
            "255.255.255.255",
            1,
            Err("IP address overflow for : 255.255.255.255"),
        ),
        (
            "255.255.255.0",
            256,
            Err("IP address overflow for : 255.255.255.0"),
        ),
        ("0.0.0.0", 1, Ok("0.0.0.1")),
        ("2001::10", 10, Ok("2001::1a")),
        ("2001:db8::ffff:ffff", 1, Ok("2001:db8::1:0:0")),
        (
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
            1,
            Ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ),
        (
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            1,
            Err("IP address overflow for : ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ),
    ];
    for (start, offset, expected) in cases {
        let expected = expected.map(str::to_owned).map_err(str::to_owned);
        assert_eq!(
            rendered(add_offset(ip(start), None, offset)),
            expected,
            "{start}+{offset}"
        );
    }
    assert_eq!(
        rendered(add_offset(ip("192.168.0.10"), Some(ip("192.168.0.11")), 2)),
        Err("IP address out of bounds for : 192.168.0.10".to_owned())
    );
}

/// Upstream's `GetIPAddress` table (`api/v1alpha1/utils_test.go`) and §1.6's examples.
#[test]
fn ip_at_matches_upstream_examples() {
    let cases: &[(Pool, u128, Result<&str, &str>)] = &[
        (
            entry(Some("192.168.0.10"), None, None),
            1,
            Ok("192.168.0.11"),
        ),
        (
            entry(Some("192.168.0.10"), Some("192.168.0.100"), None),
            90,
            Ok("192.168.0.100"),
        ),
        (
            entry(Some("192.168.0.10"), Some("192.168.0.100"), None),
            100,
            Err("IP address out of bounds for : 192.168.0.10"),
        ),
        (
            entry(Some("192.168.0.10"), None, Some("192.168.0.0/24")),
            245,
            Ok("192.168.0.255"),
        ),
        (
            entry(Some("192.168.0.10"), None, Some("192.168.0.0/24")),
            250,
            Err("IP address out of bounds"),
        ),
        (
            entry(None, None, Some("192.168.0.10/24")),
            1,
            Ok("192.168.0.12"),
        ),
        (
            entry(None, None, Some("192.168.0.0/24")),
            0,
            Ok("192.168.0.1"),
        ),
        (
            entry(None, None, Some("192.168.0.0/24")),
            254,
            Ok("192.168.0.255"),
        ),
        (
            entry(None, None, Some("192.168.0.0/24")),
            255,
            Err("IP address out of bounds"),
        ),
        (
            entry(None, Some("192.168.0.20"), None),
            0,
            Err("either Start or Subnet is required for ipAddress"),
        ),
        (entry(Some("2001::10"), None, None), 10, Ok("2001::1a")),
        (
            entry(None, None, Some("2001:db8::/64")),
            0,
            Ok("2001:db8::1"),
        ),
        (
            entry(None, None, Some("192.168.0.0/33")),
            0,
            Err("invalid CIDR address: 192.168.0.0/33"),
        ),
    ];
    for (pool, index, expected) in cases {
        let expected = expected.map(str::to_owned).map_err(str::to_owned);
        assert_eq!(
            rendered(ip_at(pool, *index)),
            expected,
            "{pool:?} [{index}]"
        );
    }
}

fn enumerated(pool: &Pool) -> Option<(String, String)> {
    Enumeration::of(pool).map(|e| (e.first().to_string(), e.last().to_string()))
}

fn run(first: &str, last: &str) -> Option<(String, String)> {
    Some((first.to_owned(), last.to_owned()))
}

/// IPAM-07, IPAM-08, IPAM-09, IPAM-10, IPAM-11 and §1.6's enumeration consequences (Q-8 kept:
/// no reserved addresses).
#[test]
fn entries_enumerate_as_upstream_scans_do() {
    // IPAM-07: subnet-only starts after the literal CIDR address.
    assert_eq!(
        enumerated(&entry(None, None, Some("192.168.0.0/24"))),
        run("192.168.0.1", "192.168.0.255")
    );
    assert_eq!(
        enumerated(&entry(None, None, Some("192.168.1.10/24"))),
        run("192.168.1.11", "192.168.1.255")
    );
    // IPAM-08: the broadcast address is handed out; /31 yields one address, /32 none.
    assert_eq!(
        enumerated(&entry(None, None, Some("192.168.0.0/30"))),
        run("192.168.0.1", "192.168.0.3")
    );
    assert_eq!(
        enumerated(&entry(None, None, Some("192.168.0.0/31"))),
        run("192.168.0.1", "192.168.0.1")
    );
    assert_eq!(enumerated(&entry(None, None, Some("192.168.0.0/32"))), None);
    // IPAM-09: start to the end of the subnet (246 addresses).
    let start_subnet = entry(Some("192.168.0.10"), None, Some("192.168.0.0/24"));
    assert_eq!(Enumeration::of(&start_subnet).map(|e| e.len()), Some(246));
    // Start equal to the network address: the network address is handed out.
    assert_eq!(
        enumerated(&entry(Some("192.168.0.0"), None, Some("192.168.0.0/24"))),
        run("192.168.0.0", "192.168.0.255")
    );
    // IPAM-10: start-only is unbounded upward, to 255.255.255.255 for IPv4.
    assert_eq!(
        enumerated(&entry(Some("10.0.0.1"), None, None)),
        run("10.0.0.1", "255.255.255.255")
    );
    // IPAM-11: end is ignored without start.
    assert_eq!(
        enumerated(&entry(None, Some("192.168.0.5"), Some("192.168.0.0/24"))),
        run("192.168.0.1", "192.168.0.255")
    );
    assert_eq!(enumerated(&entry(None, Some("192.168.0.5"), None)), None);
    // Start outside its subnet yields nothing, as does end before start.
    assert_eq!(
        enumerated(&entry(Some("10.0.1.0"), None, Some("10.0.0.0/24"))),
        None
    );
    assert_eq!(
        enumerated(&entry(Some("10.0.0.9"), Some("10.0.0.8"), None)),
        None
    );
    // IPv6: no reserved addresses; start+end; a whole-space start.
    assert_eq!(
        enumerated(&entry(None, None, Some("2001:db8::/64"))),
        run("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff")
    );
    assert_eq!(
        enumerated(&entry(Some("2001:db8::1"), Some("2001:db8::a"), None)),
        run("2001:db8::1", "2001:db8::a")
    );
    assert_eq!(
        Enumeration::of(&entry(Some("::"), None, None)).map(|e| e.len()),
        Some(u128::MAX)
    );
}

#[test]
fn enumeration_indexes_round_trip() {
    let range = Enumeration::of(&entry(Some("192.168.0.11"), Some("192.168.0.20"), None))
        .expect("non-empty");
    assert_eq!(range.len(), 10);
    assert_eq!(range.get(2), Some(ip("192.168.0.13")));
    assert_eq!(range.get(10), None);
    assert_eq!(range.index_of(ip("192.168.0.20")), Some(9));
    assert_eq!(range.index_of(ip("192.168.0.21")), None);
    assert_eq!(range.index_of(ip("::ffff:192.168.0.11")), Some(0));
}

#[test]
fn subnets_behave_as_go_ipnet() {
    let v4 = Subnet::parse("192.168.1.10/24").expect("cidr");
    assert_eq!(v4.literal(), ip("192.168.1.10"));
    assert_eq!(v4.network(), ip("192.168.1.0"));
    assert_eq!(v4.last(), ip("192.168.1.255"));
    assert!(v4.contains(ip("192.168.1.0")));
    assert!(!v4.contains(ip("192.168.2.0")));
    let v6 = Subnet::parse("2001:db8::/32").expect("cidr");
    assert!(v6.contains(ip("2001:db8:ffff::1")));
    assert!(!v6.contains(ip("10.0.0.1")));
    // An IPv6 network never contains an IPv4 address, even `::/0`.
    assert!(
        !Subnet::parse("::/0")
            .expect("cidr")
            .contains(ip("10.0.0.1"))
    );
    // A hex-written IPv4-mapped network behaves as an IPv4 one.
    let mapped = Subnet::parse("::ffff:a00:0/120").expect("cidr");
    assert!(mapped.contains(ip("10.0.0.7")));
    for invalid in [
        "10.0.0.0",
        "10.0.0.0/",
        "10.0.0.0/33",
        "::/129",
        "10.0.0.0/-1",
        "x/8",
    ] {
        assert_eq!(
            Subnet::parse(invalid),
            Err(AddressError::InvalidCidr(invalid.to_owned()))
        );
    }
}

/// `GetPoolSize` examples from upstream's tests.
#[test]
fn pool_sizes_follow_upstream() {
    let cases: &[(Pool, Result<u64, &str>)] = &[
        (
            entry(Some("192.168.0.10"), Some("192.168.0.20"), None),
            Ok(11),
        ),
        (
            entry(Some("192.168.0.10"), Some("192.168.0.10"), None),
            Ok(1),
        ),
        (
            entry(Some("192.168.0.10"), None, Some("192.168.0.0/24")),
            Ok(246),
        ),
        (entry(None, None, Some("192.168.0.0/24")), Ok(255)),
        (entry(None, None, Some("192.168.0.10/24")), Ok(255)),
        (
            entry(Some("192.168.0.10"), None, None),
            Err("pool with Start requires End or Subnet to determine size"),
        ),
        (
            entry(None, Some("192.168.0.10"), None),
            Err("either Start or Subnet is required for ipAddress"),
        ),
        (
            entry(None, None, Some("2001:db8::/64")),
            Err("pool size exceeds int range"),
        ),
        (entry(None, None, Some("2001:db8::/65")), Ok(u64::MAX / 2)),
        (
            entry(Some("192.168.0.20"), Some("192.168.0.10"), None),
            Err("end IP 192.168.0.10 is before start IP 192.168.0.20"),
        ),
        (
            entry(Some("10.0.1.0"), None, Some("10.0.0.0/24")),
            Err("end IP 10.0.0.255 is before start IP 10.0.1.0"),
        ),
        (
            entry(Some("nope"), None, None),
            Err("invalid Start IP \"nope\""),
        ),
        (
            entry(None, Some("nope"), Some("10.0.0.0/8")),
            Err("invalid End IP \"nope\""),
        ),
        (
            entry(None, None, Some("10.0.0.0/40")),
            Err("invalid Subnet \"10.0.0.0/40\": invalid CIDR address: 10.0.0.0/40"),
        ),
    ];
    for (pool, expected) in cases {
        let expected = expected.map_err(str::to_owned);
        assert_eq!(
            pool_size(pool).map_err(|e| e.to_string()),
            expected,
            "{pool:?}"
        );
    }
}

/// `ValidatePool` is lenient about presence.
#[test]
fn validate_pool_accepts_partial_entries() {
    for pool in [
        entry(None, None, None),
        entry(Some("10.0.0.1"), None, None),
        entry(None, Some("10.0.0.1"), None),
        entry(None, None, Some("2001:db8::/32")),
    ] {
        assert_eq!(validate_pool(&pool), Ok(()), "{pool:?}");
    }
}

/// Addresses near the interesting boundaries of both families.
fn boundary_address() -> impl Strategy<Value = u128> {
    prop_oneof![
        (0u32..=u32::MAX).prop_map(|v| V4_FIRST | u128::from(v)),
        (0u32..64).prop_map(|v| V4_LAST - u128::from(v)),
        (0u32..64).prop_map(|v| V4_FIRST - 1 - u128::from(v)),
        (0u32..64).prop_map(|v| u128::MAX - u128::from(v)),
        any::<u128>(),
        (0u32..1024).prop_map(|v| 0x2001_0db8_u128 << 96 | u128::from(v)),
    ]
}

fn cidr(address: u128, bits: u32) -> String {
    let ip = Ip(address);
    if ip.is_v4() {
        format!("{ip}/{}", bits % 33)
    } else {
        format!("{ip}/{}", bits % 129)
    }
}

fn arbitrary_entry() -> impl Strategy<Value = Pool> {
    (
        proptest::option::of(boundary_address()),
        proptest::option::of(boundary_address()),
        proptest::option::of((boundary_address(), 0u32..129)),
    )
        .prop_map(|(start, end, subnet)| Pool {
            start: start.map(|v| Ip(v).to_string()),
            end: end.map(|v| Ip(v).to_string()),
            subnet: subnet.map(|(v, bits)| cidr(v, bits)),
            prefix: None,
            gateway: None,
            dns_servers: None,
        })
}

proptest! {
    /// The direct enumeration agrees with `ip_at`, index by index, around both ends of the run
    /// identical results without the scans).
    #[test]
    fn enumeration_agrees_with_ip_at(pool in arbitrary_entry(), probe in 0u128..8) {
        match Enumeration::of(&pool) {
            None => prop_assert!(ip_at(&pool, 0).is_err()),
            Some(range) => {
                let count = range.len();
                for index in [probe, count.saturating_sub(probe + 1)] {
                    prop_assert_eq!(ip_at(&pool, index).ok(), range.get(index));
                }
                if count != u128::MAX {
                    prop_assert!(ip_at(&pool, count).is_err());
                }
            }
        }
    }

    /// Rendering and parsing round-trip, so a stored address names the same address.
    #[test]
    fn rendering_round_trips(value in boundary_address()) {
        prop_assert_eq!(Ip::parse(&Ip(value).to_string()), Some(Ip(value)));
    }
}
