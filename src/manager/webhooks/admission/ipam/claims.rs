//! IPClaim (IPAM-56) and IPAddress (IPAM-57): references that name something and, once made,
//! keep pointing at it; and a readable `ipAddress` annotation.

use super::{check, go_string, invalid, path, reference_changed, requested_address, unnamed};
use crate::api::field::FieldError;
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim};
use crate::manager::webhooks::admission::{Request, Verdict};

pub fn validate_claim(request: &Request) -> Verdict {
    check(request, claim_rules)
}

pub fn validate_address(request: &Request) -> Verdict {
    check(request, address_rules)
}

/// A claim names its pool on create; on update its pool stays; the requested address parses
/// either way.
fn claim_rules(claim: &IPClaim, old: Option<&IPClaim>) -> Vec<FieldError> {
    let changes = match old {
        None => unnamed(&claim.spec.pool, "pool"),
        Some(old) => reference_changed(&old.spec.pool, &claim.spec.pool, "pool"),
    };
    changes
        .into_iter()
        .chain(requested_address(&claim.metadata))
        .collect()
}

/// An address names its pool and claim on create; on update its address, pool and claim
/// stay. Upstream checks the annotation on create only.
fn address_rules(address: &IPAddress, old: Option<&IPAddress>) -> Vec<FieldError> {
    let spec = &address.spec;
    match old {
        None => [unnamed(&spec.pool, "pool"), unnamed(&spec.claim, "claim")]
            .into_iter()
            .flatten()
            .chain(requested_address(&address.metadata))
            .collect(),
        Some(old) => [
            (old.spec.address != spec.address).then(|| {
                invalid(
                    path(&["spec", "address"]),
                    go_string(&spec.address),
                    "cannot be modified",
                )
            }),
            reference_changed(&old.spec.pool, &spec.pool, "pool"),
            reference_changed(&old.spec.claim, &spec.claim, "claim"),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn messages(errors: Vec<FieldError>) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    fn claim(value: Value) -> IPClaim {
        serde_json::from_value(value).expect("claim")
    }

    fn address(value: Value) -> IPAddress {
        serde_json::from_value(value).expect("address")
    }

    #[test]
    fn ipam_56_a_claim_names_its_pool_and_keeps_it() {
        let unnamed = claim(
            json!({"metadata": {"name": "c", "annotations": {"ipAddress": "10.0.0.300"}},
                                   "spec": {"pool": {"kind": "IPPool"}}}),
        );
        assert_eq!(
            messages(claim_rules(&unnamed, None)),
            [
                r#"spec.pool.name: Invalid value: "": cannot be empty"#,
                r#"metadata.annotations.ipAddress: Invalid value: "10.0.0.300": is not a valid IP address"#,
            ]
        );
        let old = claim(json!({"metadata": {"name": "c"}, "spec": {"pool": {"name": "a"}}}));
        let moved = claim(
            json!({"metadata": {"name": "c", "annotations": {"ipAddress": "10.0.0.3"}},
                                 "spec": {"pool": {"name": "a", "namespace": "other"}}}),
        );
        assert_eq!(
            messages(claim_rules(&moved, Some(&old))),
            [
                r#"spec.pool: Invalid value: v1.ObjectReference{Kind:"", Namespace:"other", Name:"a", UID:"", APIVersion:"", ResourceVersion:"", FieldPath:""}: cannot be modified"#
            ]
        );
        // Only name, namespace and kind count, as upstream compares them.
        let annotated = claim(
            json!({"metadata": {"name": "c", "annotations": {"ipAddress": "2001:db8::5"}},
                                     "spec": {"pool": {"name": "a", "apiVersion": "ipam.metal3.io/v1alpha1"}}}),
        );
        assert!(claim_rules(&annotated, Some(&old)).is_empty());
    }

    #[test]
    fn ipam_57_an_address_names_its_pool_and_claim_and_never_changes() {
        let bare = address(json!({"metadata": {"name": "a"},
            "spec": {"address": "10.0.0.1", "pool": {}, "claim": {"name": ""}}}));
        assert_eq!(
            messages(address_rules(&bare, None)),
            [
                r#"spec.pool.name: Invalid value: "": cannot be empty"#,
                r#"spec.claim.name: Invalid value: "": cannot be empty"#,
            ]
        );
        let old = address(json!({"metadata": {"name": "a"},
            "spec": {"address": "10.0.0.1", "pool": {"name": "p"}, "claim": {"name": "c"}}}));
        let changed = address(json!({"metadata": {"name": "a"},
            "spec": {"address": "10.0.0.2", "pool": {"name": "p", "kind": "IPPool"}, "claim": {"name": "d"}}}));
        assert_eq!(
            messages(address_rules(&changed, Some(&old))),
            [
                r#"spec.address: Invalid value: "10.0.0.2": cannot be modified"#,
                r#"spec.pool: Invalid value: v1.ObjectReference{Kind:"IPPool", Namespace:"", Name:"p", UID:"", APIVersion:"", ResourceVersion:"", FieldPath:""}: cannot be modified"#,
                r#"spec.claim: Invalid value: v1.ObjectReference{Kind:"", Namespace:"", Name:"d", UID:"", APIVersion:"", ResourceVersion:"", FieldPath:""}: cannot be modified"#,
            ]
        );
        assert!(address_rules(&old, Some(&old)).is_empty());
    }
}
