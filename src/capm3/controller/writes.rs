//! The API writes of the CAPM3 controllers. Every write is a JSON merge patch; writes to the
//! reconciled object carry the resourceVersion it was read at, so a pass based on a stale copy
//! fails with a conflict (and runs again on the newer one) instead of overwriting a change.

use crate::kubeutil::events::Events;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Patch, PatchParams};
use kube::runtime::events::{Event as KubeEvent, EventType as KubeEventType};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::capm3::associate::{bmc_secret_name, bmc_secret_patch};
use crate::capm3::outcome::{Event, EventType};
use crate::manager::caches::Cacheable;

pub use crate::kubeutil::errors::{already_exists, lost_race, not_found};

/// The RFC 7386 merge patch that turns `old` into `new`: members that changed or appeared are
/// set, members that went are `null`, objects are compared member by member and everything
/// else (lists included) is replaced whole. `None` when they are equal.
pub fn merge_diff(old: &Value, new: &Value) -> Option<Value> {
    match (old, new) {
        (Value::Object(old), Value::Object(new)) => {
            let mut patch = Map::new();
            for (key, value) in new {
                let change = match old.get(key) {
                    Some(before) => merge_diff(before, value),
                    None => Some(value.clone()),
                };
                if let Some(change) = change {
                    patch.insert(key.clone(), change);
                }
            }
            for key in old.keys().filter(|key| !new.contains_key(*key)) {
                patch.insert(key.clone(), Value::Null);
            }
            (!patch.is_empty()).then_some(Value::Object(patch))
        }
        (old, new) if old == new => None,
        (_, new) => Some(new.clone()),
    }
}

/// `object` as JSON, split into everything but the status, and the status alone.
fn split<K: Serialize>(object: &K) -> Result<(Value, Value), kube::Error> {
    let mut value = serde_json::to_value(object).map_err(kube::Error::SerdeError)?;
    let status = value
        .as_object_mut()
        .and_then(|o| o.remove("status"))
        .unwrap_or(Value::Null);
    Ok((value, json!({ "status": status })))
}

fn guarded(mut patch: Value, resource_version: Option<String>) -> Value {
    patch["metadata"]["resourceVersion"] = json!(resource_version);
    patch
}

/// Writes what changed in the metadata and spec from `stored` to `wanted`, guarded by
/// `stored`'s resourceVersion; the object as written, `None` when nothing changed.
pub async fn metadata_and_spec<K: Cacheable + Serialize>(
    api: &Api<K>,
    stored: &K,
    wanted: &K,
) -> Result<Option<K>, kube::Error> {
    let Some(patch) = merge_diff(&split(stored)?.0, &split(wanted)?.0) else {
        return Ok(None);
    };
    let patch = guarded(patch, stored.resource_version());
    let name = stored.name_any();
    api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(Some)
}

/// Writes what changed in the status from `stored` to `wanted` (the status subresource),
/// guarded by `stored`'s resourceVersion; the object as written, `None` when nothing changed.
pub async fn status<K: Cacheable + Serialize>(
    api: &Api<K>,
    stored: &K,
    wanted: &K,
) -> Result<Option<K>, kube::Error> {
    let Some(patch) = merge_diff(&split(stored)?.1, &split(wanted)?.1) else {
        return Ok(None);
    };
    let patch = guarded(patch, stored.resource_version());
    let name = stored.name_any();
    api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .map(Some)
}

/// Applies a merge patch a decision built to `name` (guarded when the patch carries a
/// resourceVersion).
pub async fn merge<K: Cacheable>(
    api: &Api<K>,
    name: &str,
    patch: &Value,
) -> Result<K, kube::Error> {
    api.patch(name, &PatchParams::default(), &Patch::Merge(patch))
        .await
}

/// How a write to a host went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostWrite {
    Written,
    /// The patch carried the resourceVersion the host was read at and the host changed since
    /// (409): the caller reads it again on its next pass.
    Conflict,
    /// The host is gone.
    Gone,
}

/// Applies a decision's merge patch to `host`.
pub async fn host(
    client: &kube::Client,
    host: &BareMetalHost,
    patch: &Value,
) -> Result<HostWrite, kube::Error> {
    let api: Api<BareMetalHost> =
        Api::namespaced(client.clone(), &host.namespace().unwrap_or_default());
    match merge(&api, &host.name_any(), patch).await {
        Ok(_) => Ok(HostWrite::Written),
        Err(error) if not_found(&error) => Ok(HostWrite::Gone),
        Err(error) if lost_race(&error) => {
            tracing::debug!(host = %host.name_any(), "host write lost a race: {error}");
            Ok(HostWrite::Conflict)
        }
        Err(error) => Err(error),
    }
}

/// Puts (`associate`) or takes the cluster-name label on `host`'s BMC credentials Secret
/// (ASC-03, DEL-07). The Secret is read on demand, not cached; a missing one is fine.
pub async fn bmc_secret_label(
    client: &kube::Client,
    host: &BareMetalHost,
    cluster_name: &str,
    associate: bool,
) -> Result<(), kube::Error> {
    let Some(name) = bmc_secret_name(host) else {
        return Ok(());
    };
    let api: Api<Secret> = Api::namespaced(client.clone(), &host.namespace().unwrap_or_default());
    let Some(secret) = api.get_opt(name).await? else {
        return Ok(());
    };
    match bmc_secret_patch(&secret, cluster_name, associate) {
        Some(patch) => match merge(&api, name, &patch).await {
            Err(error) if not_found(&error) => Ok(()),
            result => result.map(|_| ()),
        },
        None => Ok(()),
    }
}

/// Publishes the Events a decision reported about `object`; a failure is only logged.
pub async fn publish<K: Resource<DynamicType = ()>>(
    publisher: &Events,
    object: &K,
    events: &[Event],
) {
    for event in events {
        let event = KubeEvent {
            type_: match event.type_ {
                EventType::Normal => KubeEventType::Normal,
                EventType::Warning => KubeEventType::Warning,
            },
            reason: event.reason.to_owned(),
            note: Some(event.note.clone()),
            action: event.action.to_owned(),
            secondary: None,
        };
        publisher.publish(object, &event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_sets_changes_removes_what_went_and_replaces_lists() {
        let old = json!({"metadata": {"annotations": {"a": "1", "b": "2"}, "name": "m"},
                         "spec": {"list": [1, 2], "same": true}});
        let new = json!({"metadata": {"annotations": {"a": "1", "c": "3"}, "name": "m"},
                         "spec": {"list": [1], "same": true, "added": {"x": 1}}});
        assert_eq!(
            merge_diff(&old, &new),
            Some(json!({"metadata": {"annotations": {"c": "3", "b": null}},
                        "spec": {"list": [1], "added": {"x": 1}}}))
        );
        assert_eq!(merge_diff(&old, &old), None);
        assert_eq!(
            merge_diff(&json!({"status": null}), &json!({"status": {"a": 1}})),
            Some(json!({"status": {"a": 1}}))
        );
    }

    #[test]
    fn guarded_patches_carry_the_version() {
        assert_eq!(
            guarded(json!({"spec": {"a": 1}}), Some("7".into())),
            json!({"spec": {"a": 1}, "metadata": {"resourceVersion": "7"}})
        );
    }
}
