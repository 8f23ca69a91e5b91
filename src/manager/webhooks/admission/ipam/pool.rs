//! IPPool (IPAM-52…55): entries that describe a range, pre-allocations that fit in one and
//! are not shared, a random strategy only over sized entries, and on update a fixed name
//! prefix and strategy and no address in use left outside the pools.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{check, go_string, invalid, path};
use crate::api::field::{FieldError, FieldPath};
use crate::api::ipam::v1alpha1::{AllocationStrategy, IPPool, IPPoolSpec, Pool};
use crate::ipam::address::{Ip, Subnet, pool_size, validate_pool};
use crate::manager::webhooks::admission::{Request, Verdict};

pub fn validate(request: &Request) -> Verdict {
    check(request, rules)
}

fn rules(pool: &IPPool, old: Option<&IPPool>) -> Vec<FieldError> {
    let spec = &pool.spec;
    let mut errors = Vec::new();
    if let Some(old) = old {
        errors.extend(fixed_fields(&old.spec, spec));
    }
    errors.extend(duplicate_pre_allocations(spec));
    errors.extend(entries(spec));
    // Upstream's create message says "bonds" (Q-22): kept, as users' tests match on it.
    let detail = match old {
        None => "is out of bonds of the pools given",
        Some(_) => "is out of bounds of the pools given",
    };
    let pools = spec.pools.as_deref().unwrap_or_default();
    errors.extend(
        spec.pre_allocations
            .iter()
            .flatten()
            .filter(|(_, address)| !in_bounds(pools, address))
            .map(|(_, address)| {
                invalid(
                    path(&["spec", "preAllocations"]),
                    go_string(address),
                    detail,
                )
            }),
    );
    if let Some(old) = old {
        errors.extend(in_use_outside(old, pools));
    }
    errors
}

/// The name prefix and the strategy are set at creation (an unset strategy is sequential).
fn fixed_fields(old: &IPPoolSpec, new: &IPPoolSpec) -> Vec<FieldError> {
    let strategy = |spec: &IPPoolSpec| {
        spec.allocation_strategy
            .unwrap_or(AllocationStrategy::Sequential)
    };
    let mut errors = Vec::new();
    if old.name_prefix != new.name_prefix {
        errors.push(invalid(
            path(&["spec", "namePrefix"]),
            go_string(&new.name_prefix),
            "cannot be modified",
        ));
    }
    if strategy(old) != strategy(new) {
        let shown = match new.allocation_strategy {
            None => "",
            Some(AllocationStrategy::Sequential) => "sequential",
            Some(AllocationStrategy::Random) => "random",
        };
        errors.push(invalid(
            path(&["spec", "allocationStrategy"]),
            go_string(shown),
            "cannot be modified after creation",
        ));
    }
    errors
}

/// One address pre-allocated to two claims. Addresses compare as addresses, so
/// `2001:db8::5` and `2001:db8::0005` are the same; the claim reported is the later in name
/// order (upstream's depends on map iteration).
fn duplicate_pre_allocations(spec: &IPPoolSpec) -> Vec<FieldError> {
    let mut holders: BTreeMap<IpAddr, &str> = BTreeMap::new();
    let mut errors = Vec::new();
    for (claim, address) in spec.pre_allocations.iter().flatten() {
        let Ok(ip) = address.parse::<IpAddr>() else {
            continue;
        };
        match holders.get(&ip) {
            Some(holder) => errors.push(invalid(
                path(&["spec", "preAllocations", claim]),
                go_string(address),
                format!(
                    "IP address is already pre-allocated to claim {}",
                    go_string(holder)
                ),
            )),
            None => {
                holders.insert(ip, claim);
            }
        }
    }
    errors
}

/// Each entry: at least one bound, bounds in order, and under the random strategy a size the
/// allocator can draw from.
fn entries(spec: &IPPoolSpec) -> Vec<FieldError> {
    let random = spec.allocation_strategy == Some(AllocationStrategy::Random);
    let entry_error = |at: &FieldPath, detail: String| invalid(at.clone(), go_string(""), detail);
    let mut errors = Vec::new();
    for (i, entry) in spec.pools.iter().flatten().enumerate() {
        let at = FieldPath::root().child("spec").child("pools").index(i);
        if entry.start.is_none() && entry.end.is_none() && entry.subnet.is_none() {
            errors.push(entry_error(
                &at,
                "pool entry must specify at least one of start, end, or subnet".into(),
            ));
            continue;
        }
        if let Err(error) = validate_pool(entry) {
            errors.push(entry_error(&at, error.to_string()));
            continue;
        }
        if let (true, Err(error)) = (random, pool_size(entry)) {
            errors.push(entry_error(
                &at,
                format!("cannot be used with allocationStrategy \"random\": {error}"),
            ));
        }
    }
    errors
}

/// Addresses the old pool handed out that the new entries no longer cover.
fn in_use_outside(old: &IPPool, pools: &[Pool]) -> Vec<FieldError> {
    old.status
        .as_ref()
        .and_then(|status| status.indexes.as_ref())
        .into_iter()
        .flatten()
        .filter(|(_, address)| !in_bounds(pools, address))
        .map(|(_, address)| {
            invalid(
                path(&["spec", "pools"]),
                go_string(address),
                "is in use but out of bounds of the pools given",
            )
        })
        .collect()
}

/// Upstream's `isAddressInBounds`: some entry with a bound has `start <= address <= end` and
/// a subnet holding it, for the bounds it has (IPv4 sorts before IPv6). Looser than what the
/// entry hands out (a subnet's network address, an end without a start), as upstream's; an
/// entry whose bounds do not parse is skipped.
fn in_bounds(pools: &[Pool], address: &str) -> bool {
    let Ok(ip) = address.parse::<IpAddr>() else {
        return false;
    };
    let within = |entry: &Pool| {
        let bound = |text: &Option<String>| text.as_deref().map(str::parse::<IpAddr>);
        let start_ok = match bound(&entry.start) {
            Some(Ok(start)) => start <= ip,
            Some(Err(_)) => false,
            None => true,
        };
        let end_ok = match bound(&entry.end) {
            Some(Ok(end)) => ip <= end,
            Some(Err(_)) => false,
            None => true,
        };
        let subnet_ok = match entry.subnet.as_deref().map(Subnet::parse) {
            Some(Ok(subnet)) => subnet.contains(Ip::from(ip)),
            Some(Err(_)) => false,
            None => true,
        };
        let bounded = entry.start.is_some() || entry.end.is_some() || entry.subnet.is_some();
        bounded && start_ok && end_ok && subnet_ok
    };
    pools.iter().any(within)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn pool(spec: Value) -> IPPool {
        serde_json::from_value(json!({"metadata": {"name": "pool"}, "spec": spec})).expect("pool")
    }

    fn messages(pool: &IPPool, old: Option<&IPPool>) -> Vec<String> {
        rules(pool, old).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn ipam_53_pre_allocations_lie_within_the_pools() {
        let spec = json!({"namePrefix": "p", "pools": [{"start": "10.0.0.10", "end": "10.0.0.20"}],
                          "preAllocations": {"a": "10.0.0.15", "b": "10.0.0.9"}});
        assert_eq!(
            messages(&pool(spec.clone()), None),
            [
                r#"spec.preAllocations: Invalid value: "10.0.0.9": is out of bonds of the pools given"#
            ]
        );
        let old = pool(json!({"namePrefix": "p"}));
        assert_eq!(
            messages(&pool(spec), Some(&old)),
            [
                r#"spec.preAllocations: Invalid value: "10.0.0.9": is out of bounds of the pools given"#
            ]
        );
    }

    #[test]
    fn ipam_52_name_prefix_and_strategy_are_fixed() {
        let old = pool(json!({"namePrefix": "p"}));
        let new = pool(json!({"namePrefix": "q", "allocationStrategy": "random"}));
        assert_eq!(
            messages(&new, Some(&old)),
            [
                r#"spec.namePrefix: Invalid value: "q": cannot be modified"#,
                r#"spec.allocationStrategy: Invalid value: "random": cannot be modified after creation"#,
            ]
        );
        // Unset is sequential.
        let explicit = pool(json!({"namePrefix": "p", "allocationStrategy": "sequential"}));
        assert!(messages(&explicit, Some(&old)).is_empty());
    }

    #[test]
    fn ipam_54_addresses_in_use_stay_within_the_pools() {
        let mut old = pool(json!({"namePrefix": "p", "pools": [{"subnet": "10.0.0.0/24"}]}));
        old.status = serde_json::from_value(
            json!({"indexes": {"claim-a": "10.0.0.5", "claim-b": "10.0.0.200"}}),
        )
        .expect("status");
        let shrunk =
            pool(json!({"namePrefix": "p", "pools": [{"start": "10.0.0.1", "end": "10.0.0.100"}]}));
        assert_eq!(
            messages(&shrunk, Some(&old)),
            [
                r#"spec.pools: Invalid value: "10.0.0.200": is in use but out of bounds of the pools given"#
            ]
        );
    }

    #[test]
    fn ipam_55_entries_and_pre_allocations_are_well_formed() {
        let spec = json!({"namePrefix": "p", "allocationStrategy": "random",
            "pools": [{}, {"start": "10.0.0.20", "end": "10.0.0.10"}, {"start": "10.0.1.1"},
                      {"subnet": "2001:db8::/64"}, {"subnet": "10.0.2.0/24"}],
            "preAllocations": {"a": "2001:db8::5", "b": "2001:db8::0005", "c": "10.0.2.7"}});
        assert_eq!(
            messages(&pool(spec), None),
            [
                r#"spec.preAllocations.b: Invalid value: "2001:db8::0005": IP address is already pre-allocated to claim "a""#,
                r#"spec.pools[0]: Invalid value: "": pool entry must specify at least one of start, end, or subnet"#,
                r#"spec.pools[1]: Invalid value: "": end IP 10.0.0.10 is before start IP 10.0.0.20"#,
                r#"spec.pools[2]: Invalid value: "": cannot be used with allocationStrategy "random": pool with Start requires End or Subnet to determine size"#,
                r#"spec.pools[3]: Invalid value: "": cannot be used with allocationStrategy "random": pool size exceeds int range"#,
            ]
        );
    }

    #[test]
    fn bounds_are_upstreams_loose_ones() {
        let entries: Vec<Pool> = serde_json::from_value(json!([
            {"subnet": "192.168.0.0/24"}, {"start": "172.16.0.10", "end": "172.16.0.20"},
            {"end": "10.0.0.5"}
        ]))
        .expect("entries");
        // The network address, an end without a start.
        for inside in ["192.168.0.0", "172.16.0.15", "10.0.0.1"] {
            assert!(in_bounds(&entries, inside), "{inside}");
        }
        // IPv6 sorts after every IPv4 end.
        for outside in [
            "192.168.1.1",
            "172.16.0.21",
            "10.0.0.6",
            "2001:db8::1",
            "bad",
        ] {
            assert!(!in_bounds(&entries, outside), "{outside}");
        }
        assert!(!in_bounds(&[], "10.0.0.1"));
    }
}
