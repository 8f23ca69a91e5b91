//! Garbage collection by owner references, as kube-controller-manager does it: an object
//! whose owners are all gone is deleted (background propagation); an owner deleted with
//! `Foreground` keeps its `foregroundDeletion` finalizer until its dependents are gone; one
//! deleted with `Orphan` has its dependents' references to it removed, then its `orphan`
//! finalizer.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::api::{Api, WriteOptions};
use super::objects::finalizers;
use super::request::ResourcePath;
use super::store::{Event, EventType};

const FOREGROUND: &str = "foregroundDeletion";
const ORPHAN: &str = "orphan";

/// Runs until the store goes away.
pub async fn run(api: Arc<Api>) {
    let mut events = api.store.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => handle(&api, &event).await,
            // Changes were missed: look at everything that could need collecting.
            Err(RecvError::Lagged(_)) => {
                for object in api.store.gc_candidates() {
                    collect_if_orphaned(&api, &object).await;
                    handle_deleting_owner(&api, &object).await;
                }
            }
            Err(RecvError::Closed) => return,
        }
    }
}

async fn handle(api: &Api, event: &Event) {
    let object = &event.object;
    match event.event_type {
        EventType::Deleted => {
            let uid = uid(object);
            for (resource, key) in api.store.dependents(uid) {
                if let Some(dependent) = api.store.get(&resource, &key) {
                    collect_if_orphaned(api, &dependent).await;
                }
            }
            // An owner in foreground deletion may have been waiting for this object.
            for owner_uid in owner_uids(object) {
                if let Some((_, _, owner)) = api.store.find_uid(&owner_uid) {
                    handle_deleting_owner(api, &owner).await;
                }
            }
        }
        EventType::Added | EventType::Modified => handle_deleting_owner(api, object).await,
    }
}

/// Deletes `object` when none of its owners exists any more.
async fn collect_if_orphaned(api: &Api, object: &Value) {
    let owners = owner_uids(object);
    if owners.is_empty() || owners.iter().any(|uid| api.store.find_uid(uid).is_some()) {
        return;
    }
    if let Some(path) = path_of(api, object) {
        // Not found means someone else deleted it first: nothing to do.
        let _ = api
            .delete(&path, &json!({"propagationPolicy": "Background"}))
            .await;
    }
}

/// Carries out `Orphan` and `Foreground` deletions of an owner being deleted.
async fn handle_deleting_owner(api: &Api, owner: &Value) {
    if owner["metadata"].get("deletionTimestamp").is_none() {
        return;
    }
    let held = finalizers(owner);
    let dependents = api.store.dependents(uid(owner));
    if held.iter().any(|f| f == ORPHAN) {
        for (resource, key) in &dependents {
            if let Some(path) = api.path_of(resource, key) {
                modify(api, &path, |d| remove_owner_reference(d, uid(owner))).await;
            }
        }
        remove_finalizer(api, owner, ORPHAN).await;
    } else if held.iter().any(|f| f == FOREGROUND) {
        if dependents.is_empty() {
            remove_finalizer(api, owner, FOREGROUND).await;
        }
        for (resource, key) in &dependents {
            if let Some(path) = api.path_of(resource, key) {
                let _ = api
                    .delete(&path, &json!({"propagationPolicy": "Foreground"}))
                    .await;
            }
        }
    }
}

async fn remove_finalizer(api: &Api, object: &Value, finalizer: &str) {
    if let Some(path) = path_of(api, object) {
        modify(api, &path, |o| {
            let kept: Vec<String> = finalizers(o)
                .into_iter()
                .filter(|f| f != finalizer)
                .collect();
            o["metadata"]["finalizers"] = json!(kept);
        })
        .await;
    }
}

fn remove_owner_reference(object: &mut Value, owner_uid: &str) {
    if let Some(refs) = object["metadata"]["ownerReferences"].as_array_mut() {
        refs.retain(|r| r["uid"].as_str() != Some(owner_uid));
    }
}

/// Read-modify-write through the API (so finalizer semantics apply), retried on conflicts
/// with other writers.
async fn modify(api: &Api, path: &ResourcePath, change: impl Fn(&mut Value)) {
    for _ in 0..5 {
        let Ok(mut object) = api.get(path).await else {
            return;
        };
        change(&mut object);
        match api.update(path, object, WriteOptions::default()).await {
            Err(e) if e.code == 409 => continue,
            _ => return,
        }
    }
}

fn path_of(api: &Api, object: &Value) -> Option<ResourcePath> {
    let (resource, key, _) = api.store.find_uid(uid(object))?;
    api.path_of(&resource, &key)
}

fn uid(object: &Value) -> &str {
    object["metadata"]["uid"].as_str().unwrap_or_default()
}

fn owner_uids(object: &Value) -> Vec<String> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str().map(str::to_owned))
        .collect()
}
