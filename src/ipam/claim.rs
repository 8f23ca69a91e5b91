//! What a pool pass does with one claim, whichever its kind (ipam reference §2.4, §2.7), and the
//! CAPI claim's `Ready` condition.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, ObjectMeta, Time};

/// CAPI's pause annotation; any value pauses.
pub const PAUSED_ANNOTATION: &str = "cluster.x-k8s.io/paused";
/// The annotation asking for one specific address.
pub const REQUESTED_IP_ANNOTATION: &str = "ipAddress";
/// The condition type of a CAPI IPAddressClaim.
pub const READY_CONDITION: &str = "Ready";
/// The `Ready=True` reason. Upstream writes none, which the CRD rejects.
pub const READY_REASON: &str = "Ready";

/// The two kinds of claim a pool serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimKind {
    /// `ipam.metal3.io` IPClaim, answered with an `ipam.metal3.io` IPAddress.
    Metal3,
    /// `ipam.cluster.x-k8s.io` IPAddressClaim, answered with an `ipam.cluster.x-k8s.io` IPAddress.
    Capi,
}

/// The pass's decision for one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing to do: paused, already served, or deleting without our finalizer.
    Skip,
    /// Deleting, but another finalizer still needs the address (IPAM-38).
    Held,
    /// Deleting with only our finalizer left: release its address (IPAM-37, IPAM-39).
    Release,
    /// Give it an address.
    Serve,
}

/// Decides what to do with a claim. Errors are not sticky (Q-4, fixed): a claim whose last
/// allocation failed is served again on the pool's next pass, and succeeds once an address is
/// free.
pub fn step(meta: &ObjectMeta, finalizer: &str, served: bool) -> Step {
    let paused = meta
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key(PAUSED_ANNOTATION));
    if paused {
        // Q-16, fixed: a paused claim is left alone during the pool's pass too.
        return Step::Skip;
    }
    let finalizers = meta.finalizers.as_deref().unwrap_or_default();
    if meta.deletion_timestamp.is_some() {
        if !finalizers.iter().any(|f| f == finalizer) {
            Step::Skip
        } else if finalizers.iter().any(|f| f != finalizer) {
            Step::Held
        } else {
            Step::Release
        }
    } else if served {
        Step::Skip
    } else {
        Step::Serve
    }
}

/// The order claims are served in: oldest first, then by name (Q-23, fixed: upstream uses the
/// cache's order, so which pending claim gets the lowest address was arbitrary).
pub fn order_key(meta: &ObjectMeta) -> (Option<Time>, String) {
    (
        meta.creation_timestamp.clone(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// The address the claim asks for with the `ipAddress` annotation, if any.
pub fn requested_address(meta: &ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get(REQUESTED_IP_ANNOTATION)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
}

/// `conditions` with `Ready` set to `ready` (`Err((reason, message))` for `False`), the other
/// conditions kept (Q-14, fixed: upstream replaces the whole list). The transition time moves
/// only when the status does.
pub fn with_ready(
    conditions: &[Condition],
    ready: Result<(), (&str, &str)>,
    generation: Option<i64>,
    now: &Time,
) -> Vec<Condition> {
    let (status, reason, message) = match ready {
        Ok(()) => ("True", READY_REASON, ""),
        Err((reason, message)) => ("False", reason, message),
    };
    let previous = conditions.iter().find(|c| c.type_ == READY_CONDITION);
    let transition = match previous {
        Some(previous) if previous.status == status => previous.last_transition_time.clone(),
        _ => now.clone(),
    };
    let ready = Condition {
        type_: READY_CONDITION.to_owned(),
        status: status.to_owned(),
        reason: reason.to_owned(),
        message: message.to_owned(),
        observed_generation: generation,
        last_transition_time: transition,
    };
    let mut updated: Vec<Condition> = conditions
        .iter()
        .filter(|c| c.type_ != READY_CONDITION)
        .cloned()
        .collect();
    updated.insert(0, ready);
    updated
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const OURS: &str = "ipclaim.ipam.metal3.io";

    fn meta(deleting: bool, finalizers: &[&str], annotations: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            name: Some("claim".into()),
            deletion_timestamp: deleting.then_some(Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH)),
            finalizers: Some(finalizers.iter().map(|f| f.to_string()).collect()),
            annotations: Some(
                annotations
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..ObjectMeta::default()
        }
    }

    /// IPAM-26, IPAM-37, IPAM-38, Q-4 and Q-16.
    #[test]
    fn steps() {
        let cases = [
            (meta(false, &[], &[]), false, Step::Serve),
            // IPAM-26: served and not deleting → untouched.
            (meta(false, &[OURS], &[]), true, Step::Skip),
            // a failed claim (not served) is tried again.
            (meta(false, &[OURS], &[]), false, Step::Serve),
            // IPAM-37: only our finalizer left → release.
            (meta(true, &[OURS], &[]), true, Step::Release),
            (meta(true, &[OURS], &[]), false, Step::Release),
            // IPAM-38: another finalizer keeps the address.
            (
                meta(
                    true,
                    &["metal3data.infrastructure.cluster.x-k8s.io", OURS],
                    &[],
                ),
                true,
                Step::Held,
            ),
            // Deleting without our finalizer: nothing of ours to release.
            (meta(true, &["other"], &[]), false, Step::Skip),
            // paused claims are left alone.
            (
                meta(false, &[], &[(PAUSED_ANNOTATION, "")]),
                false,
                Step::Skip,
            ),
            (
                meta(true, &[OURS], &[(PAUSED_ANNOTATION, "true")]),
                true,
                Step::Skip,
            ),
        ];
        for (meta, served, expected) in cases {
            assert_eq!(
                step(&meta, OURS, served),
                expected,
                "{meta:?} served={served}"
            );
        }
    }

    #[test]
    fn requested_address_ignores_empty_values() {
        assert_eq!(requested_address(&meta(false, &[], &[])), None);
        assert_eq!(
            requested_address(&meta(false, &[], &[("ipAddress", "")])),
            None
        );
        assert_eq!(
            requested_address(&meta(false, &[], &[("ipAddress", "10.0.0.1")])),
            Some("10.0.0.1")
        );
    }

    /// IPAM-24, IPAM-31 and Q-14: Ready is merged by type with a non-empty reason.
    #[test]
    fn ready_is_merged_by_type() {
        let then = Time(k8s_openapi::jiff::Timestamp::UNIX_EPOCH);
        let now = Time(k8s_openapi::jiff::Timestamp::from_second(60).expect("time"));
        let other = Condition {
            type_: "Custom".into(),
            status: "True".into(),
            reason: "Mine".into(),
            message: String::new(),
            observed_generation: None,
            last_transition_time: then.clone(),
        };
        let failed = with_ready(
            std::slice::from_ref(&other),
            Err(("PoolExhausted", "Exhausted IP Pools")),
            Some(1),
            &then,
        );
        assert_eq!(failed.len(), 2);
        assert_eq!(
            (
                failed[0].status.as_str(),
                failed[0].reason.as_str(),
                failed[0].message.as_str()
            ),
            ("False", "PoolExhausted", "Exhausted IP Pools")
        );
        assert_eq!(failed[1], other);
        // Same status again: the transition time stays.
        let again = with_ready(&failed, Err(("AllocationFailed", "x")), Some(2), &now);
        assert_eq!(again[0].last_transition_time, then);
        let ready = with_ready(&again, Ok(()), Some(2), &now);
        assert_eq!(
            (ready[0].status.as_str(), ready[0].reason.as_str()),
            ("True", READY_REASON)
        );
        assert_eq!(ready[0].last_transition_time, now);
        assert_eq!(ready.len(), 2);
    }
}
