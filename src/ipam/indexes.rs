//! The pool's `status.indexes` (claim name → address) and `status.lastUpdated` (ipam reference
//! §2.8). The IPAddress objects are the truth; the map is rebuilt from them, so it survives a
//! `clusterctl move` that drops status.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde_json::{Map, Value, json};

use crate::api::ipam::v1alpha1::IPPoolStatus;

/// IPAM-35: every `(claim name, address)` of the pool's IPAddresses, Metal3 ones first and CAPI
/// ones after, so a CAPI claim wins a name shared with an IPClaim as upstream's listing order
/// makes it (Q-3: the wire format keeps the bare name).
pub fn rebuild<'a>(
    metal3: impl IntoIterator<Item = (&'a str, &'a str)>,
    capi: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, String> {
    metal3
        .into_iter()
        .chain(capi)
        .map(|(claim, address)| (claim.to_owned(), address.to_owned()))
        .collect()
}

/// The merge patch of the pool's status, or `None` when it already says so (IPAM-36):
/// `lastUpdated` starts at the pool's creation and moves when `indexes` changes.
pub fn status_patch(
    status: Option<&IPPoolStatus>,
    created: Option<&Time>,
    indexes: &BTreeMap<String, String>,
    now: Time,
) -> Option<Value> {
    let current = status.and_then(|s| s.indexes.clone()).unwrap_or_default();
    let last_updated = status.and_then(|s| s.last_updated.clone());
    let changed = current != *indexes;
    if !changed && last_updated.is_some() {
        return None;
    }
    let last_updated = if changed { Some(now) } else { created.cloned() };
    // Entries that went away are removed explicitly: a merge patch merges maps.
    let mut entries: Map<String, Value> = current
        .keys()
        .filter(|claim| !indexes.contains_key(*claim))
        .map(|claim| (claim.clone(), Value::Null))
        .collect();
    entries.extend(
        indexes
            .iter()
            .map(|(claim, address)| (claim.clone(), Value::String(address.clone()))),
    );
    Some(json!({"status": {"indexes": entries, "lastUpdated": last_updated}}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::Timestamp;

    fn time(second: i64) -> Time {
        Time(Timestamp::from_second(second).expect("time"))
    }

    fn map(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// IPAM-35 (and Q-3: the CAPI entry wins a shared name; a hand-made IPAddress without a
    /// claim has key "").
    #[test]
    fn rebuild_maps_claims_to_addresses() {
        let indexes = rebuild(
            [
                ("abce", "192.168.0.11"),
                ("same", "192.168.0.13"),
                ("", "192.168.0.20"),
            ],
            [("cabce", "192.168.0.12"), ("same", "192.168.0.14")],
        );
        assert_eq!(
            indexes,
            map(&[
                ("", "192.168.0.20"),
                ("abce", "192.168.0.11"),
                ("cabce", "192.168.0.12"),
                ("same", "192.168.0.14"),
            ])
        );
    }

    /// IPAM-36
    #[test]
    fn last_updated_starts_at_creation_and_follows_changes() {
        let created = time(10);
        let initial = status_patch(None, Some(&created), &BTreeMap::new(), time(99));
        assert_eq!(
            initial,
            Some(json!({"status": {"indexes": {}, "lastUpdated": "1970-01-01T00:00:10Z"}}))
        );
        let settled = IPPoolStatus {
            indexes: Some(map(&[("a", "10.0.0.1"), ("b", "10.0.0.2")])),
            last_updated: Some(time(20)),
        };
        let same = map(&[("a", "10.0.0.1"), ("b", "10.0.0.2")]);
        assert_eq!(
            status_patch(Some(&settled), Some(&created), &same, time(99)),
            None
        );
        let changed = map(&[("a", "10.0.0.1"), ("c", "10.0.0.3")]);
        assert_eq!(
            status_patch(Some(&settled), Some(&created), &changed, time(99)),
            Some(json!({"status": {
                "indexes": {"a": "10.0.0.1", "b": null, "c": "10.0.0.3"},
                "lastUpdated": "1970-01-01T00:01:39Z",
            }}))
        );
    }
}
