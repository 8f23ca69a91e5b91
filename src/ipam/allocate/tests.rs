use std::collections::BTreeMap;

use super::*;

fn range(start: &str, end: &str) -> Pool {
    Pool {
        start: Some(start.into()),
        end: Some(end.into()),
        subnet: None,
        prefix: None,
        gateway: None,
        dns_servers: None,
    }
}

fn subnet(cidr: &str) -> Pool {
    Pool {
        start: None,
        end: None,
        subnet: Some(cidr.into()),
        prefix: None,
        gateway: None,
        dns_servers: None,
    }
}

fn with(entry: Pool, prefix: i64, gateway: &str, dns: &str) -> Pool {
    Pool {
        prefix: Some(prefix),
        gateway: Some(gateway.into()),
        dns_servers: Some(vec![dns.into()]),
        ..entry
    }
}

fn spec(pools: Vec<Pool>) -> IPPoolSpec {
    IPPoolSpec {
        allocation_strategy: None,
        cluster_name: None,
        dns_servers: None,
        gateway: None,
        name_prefix: "test".into(),
        pools: Some(pools),
        pre_allocations: None,
        prefix: None,
    }
}

fn defaults(spec: IPPoolSpec, prefix: i64, gateway: &str, dns: &str) -> IPPoolSpec {
    IPPoolSpec {
        prefix: Some(prefix),
        gateway: Some(gateway.into()),
        dns_servers: Some(vec![dns.into()]),
        ..spec
    }
}

fn pre_allocated(spec: IPPoolSpec, entries: &[(&str, &str)]) -> IPPoolSpec {
    IPPoolSpec {
        pre_allocations: Some(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        ),
        ..spec
    }
}

fn in_use(spec: &IPPoolSpec, addresses: &[&str]) -> InUse {
    let mut in_use = InUse::new(spec, false);
    for (i, address) in addresses.iter().enumerate() {
        in_use.hold(
            address,
            Holder::Address {
                kind: ClaimKind::Metal3,
                claim: format!("other-{i}"),
            },
        );
    }
    in_use
}

fn first_index(_: u64) -> u64 {
    0
}

/// (address, prefix, gateway, dns) or the stored message.
type Outcome = Result<(String, i64, Option<String>, Option<Vec<String>>), String>;

fn run(spec: &IPPoolSpec, used: &[&str], claim: &str, requested: Option<&str>) -> Outcome {
    allocate(
        spec,
        Request { claim, requested },
        &in_use(spec, used),
        &mut first_index,
    )
    .map(|a| (a.address, a.prefix, a.gateway, a.dns_servers))
    .map_err(|e| e.to_string())
}

/// (name, pool, addresses in use, claim, `ipAddress` annotation, outcome).
type Case<'a> = (
    &'a str,
    &'a IPPoolSpec,
    &'a [&'a str],
    &'a str,
    Option<&'a str>,
    Outcome,
);

fn ok(address: &str, prefix: i64, gateway: Option<&str>, dns: Option<&str>) -> Outcome {
    Ok((
        address.into(),
        prefix,
        gateway.map(str::to_owned),
        dns.map(|d| vec![d.to_owned()]),
    ))
}

fn err(message: &str) -> Outcome {
    Err(message.into())
}

/// Upstream's `allocateAddress` table (ipam reference §2.5.3) and the checklist items it covers.
#[test]
fn allocation_table() {
    let basic = defaults(
        spec(vec![range("192.168.0.11", "192.168.0.20")]),
        24,
        "192.168.0.1",
        "8.8.4.4",
    );
    let two_entries = pre_allocated(
        defaults(
            spec(vec![
                with(
                    range("192.168.0.11", "192.168.0.20"),
                    26,
                    "192.168.1.1",
                    "8.8.8.8",
                ),
                range("192.168.0.21", "192.168.0.30"),
            ]),
            24,
            "192.168.0.1",
            "8.8.4.4",
        ),
        &[("TestRef", "192.168.0.21")],
    );
    let one_entry = |pre: &str| {
        pre_allocated(
            defaults(
                spec(vec![with(
                    range("192.168.0.11", "192.168.0.20"),
                    26,
                    "192.168.1.1",
                    "8.8.8.8",
                )]),
                24,
                "192.168.0.1",
                "8.8.4.4",
            ),
            &[("TestRef", pre)],
        )
    };
    let mut host_bits = spec(vec![
        range("192.168.0.10", "192.168.0.10"),
        subnet("192.168.1.10/24"),
    ]);
    host_bits.prefix = Some(26);
    host_bits.gateway = Some("192.168.2.1".into());
    let ipv6 = pre_allocated(
        spec(vec![range("2001:db8::1", "2001:db8::a")]),
        &[("TestRef", "2001:db8::0005")],
    );
    let (pre11, pre15, pre21) = (
        one_entry("192.168.0.11"),
        one_entry("192.168.0.15"),
        one_entry("192.168.0.21"),
    );
    let small = spec(vec![subnet("192.168.0.0/30")]);
    let used = ["192.168.0.11", "192.168.0.12"];
    let cases: Vec<Case> = vec![
        // IPAM-06
        (
            "sequential",
            &basic,
            &used,
            "claim",
            None,
            ok("192.168.0.13", 24, Some("192.168.0.1"), Some("8.8.4.4")),
        ),
        // IPAM-19
        (
            "requested",
            &basic,
            &used,
            "claim",
            Some("192.168.0.16"),
            ok("192.168.0.16", 24, Some("192.168.0.1"), Some("8.8.4.4")),
        ),
        // IPAM-20
        (
            "requested in use",
            &basic,
            &used,
            "claim",
            Some("192.168.0.11"),
            err("Requested IP not available"),
        ),
        // IPAM-21 (Q-6 kept)
        (
            "requested outside every entry",
            &basic,
            &used,
            "claim",
            Some("10.0.0.1"),
            err("Exhausted IP Pools"),
        ),
        // IPAM-23
        (
            "invalid annotation",
            &basic,
            &[],
            "claim",
            Some("not-a-valid-ip"),
            err("Invalid ipAddress annotation \"not-a-valid-ip\": not a valid IP address"),
        ),
        // IPAM-13, IPAM-16: overrides from the entry that holds the pre-allocation.
        (
            "pre-allocated in the second entry",
            &two_entries,
            &[],
            "TestRef",
            None,
            ok("192.168.0.21", 24, Some("192.168.0.1"), Some("8.8.4.4")),
        ),
        (
            "pre-allocated in the first entry",
            &pre15,
            &[],
            "TestRef",
            None,
            ok("192.168.0.15", 26, Some("192.168.1.1"), Some("8.8.8.8")),
        ),
        // IPAM-18
        (
            "pre-allocation out of bounds",
            &pre21,
            &[],
            "TestRef",
            None,
            err("Pre-allocated IP out of bounds"),
        ),
        // IPAM-22
        (
            "pre-allocation and annotation disagree",
            &pre15,
            &[],
            "TestRef",
            Some("192.168.0.16"),
            err("PreAllocation and requested ip address are conflicting"),
        ),
        (
            "pre-allocation and annotation agree",
            &pre15,
            &[],
            "TestRef",
            Some("::ffff:192.168.0.15"),
            ok("192.168.0.15", 26, Some("192.168.1.1"), Some("8.8.8.8")),
        ),
        // IPAM-17: another claim's pre-allocation is not handed out...
        (
            "others skip a pre-allocation",
            &pre11,
            &[],
            "claim",
            None,
            ok("192.168.0.12", 26, Some("192.168.1.1"), Some("8.8.8.8")),
        ),
        // ...nor requested (IPAM-20).
        (
            "requesting another claim's pre-allocation",
            &pre11,
            &[],
            "claim",
            Some("192.168.0.11"),
            err("Requested IP not available"),
        ),
        // Q-20, fixed: a pre-allocation held by another claim's IPAddress is reported.
        (
            "pre-allocation already taken",
            &pre15,
            &["192.168.0.15"],
            "TestRef",
            None,
            err("Pre-allocated IP not available"),
        ),
        // IPAM-12, IPAM-07: the second entry once the first is full; host bits kept.
        (
            "next entry, subnet with host bits",
            &host_bits,
            &["192.168.0.10", "192.168.1.11"],
            "claim",
            None,
            ok("192.168.1.12", 26, Some("192.168.2.1"), None),
        ),
        // IPAM-08, IPAM-24
        (
            "exhausted",
            &small,
            &["192.168.0.1", "192.168.0.2", "192.168.0.3"],
            "claim",
            None,
            err("Exhausted IP Pools"),
        ),
        // IPAM-16: stored in canonical form.
        (
            "IPv6 pre-allocation, non-canonical",
            &ipv6,
            &[],
            "TestRef",
            None,
            ok("2001:db8::5", 0, None, None),
        ),
        // IPAM-14: no prefix configured → 0.
        (
            "IPv6 sequential without prefix",
            &ipv6,
            &["2001:db8::1"],
            "claim",
            None,
            ok("2001:db8::2", 0, None, None),
        ),
        // a non-canonical pre-allocation reserves the canonical address.
        (
            "IPv6 skip non-canonical pre-allocation",
            &ipv6,
            &["2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:DB8::4"],
            "claim",
            None,
            ok("2001:db8::6", 0, None, None),
        ),
    ];
    for (name, spec, used, claim, requested, expected) in cases {
        assert_eq!(run(spec, used, claim, requested), expected, "{name}");
    }
}

/// IPAM-40: a released address is free again, a released pre-allocation is still reserved.
#[test]
fn release_frees_or_restores_reservation() {
    let spec = pre_allocated(
        spec(vec![range("10.0.0.1", "10.0.0.3")]),
        &[("kept", "10.0.0.1")],
    );
    let mut in_use = in_use(&spec, &["10.0.0.1", "10.0.0.2"]);
    in_use.release("10.0.0.2");
    in_use.release("10.0.0.1");
    let request = Request {
        claim: "claim",
        requested: None,
    };
    let allocation = allocate(&spec, request, &in_use, &mut first_index).expect("free address");
    assert_eq!(allocation.address, "10.0.0.2");
    assert_eq!(
        in_use.holder(Ip::parse("10.0.0.1").expect("ip")),
        Some(&Holder::PreAllocated("kept".into()))
    );
}

/// IPAM-15: the random strategy starts at the drawn index, scans forward with wrap-around,
/// never returns an address in use and stays within the entry.
#[test]
fn random_strategy_scans_from_a_random_start() {
    let mut spec = spec(vec![
        range("10.0.0.1", "10.0.0.10"),
        range("10.0.1.1", "10.0.1.2"),
    ]);
    spec.allocation_strategy = Some(AllocationStrategy::Random);
    let pick = |used: &[&str], start: u64| {
        let mut drawn = Vec::new();
        let result = allocate(
            &spec,
            Request {
                claim: "claim",
                requested: None,
            },
            &in_use(&spec, used),
            &mut |size| {
                drawn.push(size);
                start
            },
        )
        .map(|a| a.address)
        .map_err(|e| e.to_string());
        (result, drawn)
    };
    assert_eq!(pick(&[], 4), (Ok("10.0.0.5".into()), vec![10]));
    assert_eq!(
        pick(&["10.0.0.5", "10.0.0.6"], 4),
        (Ok("10.0.0.7".into()), vec![10])
    );
    // Wraps around to the entry's start.
    assert_eq!(
        pick(&["10.0.0.9", "10.0.0.10"], 8),
        (Ok("10.0.0.1".into()), vec![10])
    );
    // IPAM-12: the second entry only when the first is full.
    let full: Vec<String> = (1..=10).map(|i| format!("10.0.0.{i}")).collect();
    let full: Vec<&str> = full.iter().map(String::as_str).collect();
    assert_eq!(pick(&full, 1), (Ok("10.0.1.2".into()), vec![10, 2]));
    let mut all = full.clone();
    all.extend(["10.0.1.1", "10.0.1.2"]);
    assert_eq!(
        pick(&all, 0),
        (Err("Exhausted IP Pools".into()), vec![10, 2])
    );
}

/// Q-7 kept: the size of a subnet with host bits counts from the masked network, indexes the
/// entry does not reach are skipped.
#[test]
fn random_strategy_skips_unreachable_indexes() {
    let mut spec = spec(vec![subnet("192.168.0.250/24")]);
    spec.allocation_strategy = Some(AllocationStrategy::Random);
    let allocation = allocate(
        &spec,
        Request {
            claim: "claim",
            requested: None,
        },
        &InUse::new(&spec, false),
        &mut |size| {
            assert_eq!(size, 255);
            200
        },
    )
    .expect("address");
    assert_eq!(allocation.address, "192.168.0.251");
}

/// IPAM-32 and the reasons of IPAM-24.
#[test]
fn capi_prefix_and_reasons() {
    assert_eq!(capi_prefix(0), Ok(0));
    assert_eq!(capi_prefix(128), Ok(128));
    for invalid in [-1, 129, i64::MAX] {
        assert_eq!(capi_prefix(invalid), Err(ClaimError::InvalidPrefix));
    }
    assert_eq!(
        ClaimError::InvalidPrefix.to_string(),
        "Invalid prefix value, it must be between 0 and 128"
    );
    assert_eq!(ClaimError::Exhausted.reason(), "PoolExhausted");
    assert_eq!(
        ClaimError::RequestedNotAvailable.reason(),
        "AllocationFailed"
    );
    assert_eq!(ClaimError::CreateFailed.reason(), "AllocationFailed");
}
