//! How the API server treats object metadata on create, update and delete: what it sets,
//! what it keeps, and when an object really goes. Pure functions of the stored object and
//! the request; the HTTP layer applies their results to the store.

use serde_json::{Map, Value, json};

use super::store::Change;

/// What the request wrote to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The object itself: with a status subresource, its status is not writable here.
    Main { status_subresource: bool },
    /// The status subresource: only the status is writable.
    Status,
}

/// Why a write is refused; the HTTP layer words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Conflict(String),
    Invalid(String, String),
    /// The patch itself cannot be applied (a failed JSON-patch `test`, a bad path).
    Patch(String),
    /// A server-side apply would take fields other managers own.
    ApplyConflict(String),
}

/// Server-set metadata of a new object. `name` was resolved from `name`/`generateName`.
pub fn prepare_create(
    mut object: Value,
    name: &str,
    namespace: Option<&str>,
    uid: &str,
    now: &str,
    target: Target,
) -> Value {
    let meta = metadata(&mut object);
    meta.insert("name".into(), json!(name));
    match namespace {
        Some(ns) => meta.insert("namespace".into(), json!(ns)),
        None => meta.remove("namespace"),
    };
    meta.insert("uid".into(), json!(uid));
    meta.insert("creationTimestamp".into(), json!(now));
    meta.insert("generation".into(), json!(1));
    for server_owned in [
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        meta.remove(server_owned);
    }
    if target
        == (Target::Main {
            status_subresource: true,
        })
    {
        // With a status subresource, status is written only through /status.
        if let Some(obj) = object.as_object_mut() {
            obj.remove("status");
        }
    }
    object
}

/// The stored result of writing `new` over `old`, or why it is refused.
pub fn prepare_update(old: &Value, mut new: Value, target: Target) -> Result<Change, Refusal> {
    let requested_rv = new["metadata"]["resourceVersion"]
        .as_str()
        .filter(|rv| !rv.is_empty());
    if requested_rv.is_some_and(|rv| Some(rv) != old["metadata"]["resourceVersion"].as_str()) {
        return Err(Refusal::Conflict(
            "the object has been modified; please apply your changes to the latest version and try again".into(),
        ));
    }
    match target {
        Target::Status => {
            // Only the status changes; everything else stays as stored.
            let status = new.get("status").cloned();
            new = old.clone();
            set_or_remove(&mut new, "status", status);
        }
        Target::Main {
            status_subresource: true,
        } => {
            let status = old.get("status").cloned();
            set_or_remove(&mut new, "status", status);
        }
        Target::Main {
            status_subresource: false,
        } => {}
    }
    for immutable in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ] {
        let kept = old["metadata"].get(immutable).cloned();
        let meta = metadata(&mut new);
        match kept {
            Some(v) => meta.insert(immutable.into(), v),
            None => meta.remove(immutable),
        };
    }
    let deleting = old["metadata"].get("deletionTimestamp").is_some();
    if deleting {
        let before = finalizers(old);
        if let Some(added) = finalizers(&new).into_iter().find(|f| !before.contains(f)) {
            return Err(Refusal::Invalid(
                "metadata.finalizers".into(),
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers [{added:?}]"
                ),
            ));
        }
        if finalizers(&new).is_empty() {
            return Ok(Change::Delete);
        }
    }
    let generation = old["metadata"]["generation"].as_i64().unwrap_or(1);
    let bumped = if content_changed(old, &new, target) {
        generation + 1
    } else {
        generation
    };
    metadata(&mut new).insert("generation".into(), json!(bumped));
    // resourceVersion is set by the store; compare without it to spot a no-op.
    metadata(&mut new).remove("resourceVersion");
    let mut old_without_rv = old.clone();
    metadata(&mut old_without_rv).remove("resourceVersion");
    Ok(if new == old_without_rv {
        Change::Keep
    } else {
        Change::Replace(new)
    })
}

/// What a delete does: preconditions, then finalizers decide whether the object goes now.
pub fn prepare_delete(current: &Value, options: &Value, now: &str) -> Result<Change, Refusal> {
    let precondition = |field: &str| {
        options["preconditions"][field]
            .as_str()
            .filter(|v| !v.is_empty())
    };
    for field in ["uid", "resourceVersion"] {
        let recorded = current["metadata"][field].as_str().unwrap_or_default();
        if let Some(expected) = precondition(field).filter(|e| *e != recorded) {
            return Err(Refusal::Conflict(format!(
                "the {field} in the precondition ({expected}) does not match the {field} in record ({recorded}). The object might have been deleted and then recreated"
            )));
        }
    }
    let mut finalizers = finalizers(current);
    match options["propagationPolicy"].as_str() {
        Some("Foreground") => push_unique(&mut finalizers, "foregroundDeletion"),
        Some("Orphan") => push_unique(&mut finalizers, "orphan"),
        _ => {}
    }
    if finalizers.is_empty() {
        return Ok(Change::Delete);
    }
    let mut updated = current.clone();
    let meta = metadata(&mut updated);
    if !meta.contains_key("deletionTimestamp") {
        meta.insert("deletionTimestamp".into(), json!(now));
        meta.insert("deletionGracePeriodSeconds".into(), json!(0));
    }
    meta.insert("finalizers".into(), json!(finalizers));
    meta.remove("resourceVersion");
    Ok(if updated == *current {
        Change::Keep
    } else {
        Change::Replace(updated)
    })
}

pub fn finalizers(object: &Value) -> Vec<String> {
    object["metadata"]["finalizers"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|f| f == item) {
        list.push(item.to_owned());
    }
}

/// Whether the write changed what `generation` tracks: everything but metadata and status
/// with a status subresource, everything but metadata without one.
fn content_changed(old: &Value, new: &Value, target: Target) -> bool {
    let strip = |v: &Value| -> Value {
        let mut v = v.clone();
        if let Some(obj) = v.as_object_mut() {
            obj.remove("metadata");
            if target
                != (Target::Main {
                    status_subresource: false,
                })
            {
                obj.remove("status");
            }
        }
        v
    };
    strip(old) != strip(new)
}

fn metadata(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = json!({});
    }
    let obj = object.as_object_mut().expect("made an object above");
    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    meta.as_object_mut().expect("made an object above")
}

fn set_or_remove(object: &mut Value, field: &str, value: Option<Value>) {
    if let Some(obj) = object.as_object_mut() {
        match value {
            Some(v) => obj.insert(field.into(), v),
            None => obj.remove(field),
        };
    }
}

/// A name for `generateName`: the prefix and five characters the API server uses.
pub fn generate_name(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let random = uuid::Uuid::new_v4();
    let suffix: String = random.as_bytes()[..5]
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: Target = Target::Main {
        status_subresource: true,
    };

    fn stored() -> Value {
        json!({"apiVersion": "metal3.io/v1alpha1", "kind": "BareMetalHost",
               "metadata": {"name": "h", "namespace": "ns", "uid": "u1", "resourceVersion": "5", "generation": 3,
                            "creationTimestamp": "2026-01-01T00:00:00Z"},
               "spec": {"online": true}, "status": {"provisioning": {"state": "available"}}})
    }

    fn replaced(change: Change) -> Value {
        match change {
            Change::Replace(v) => v,
            Change::Keep => panic!("expected a write, got Keep"),
            Change::Delete => panic!("expected a write, got Delete"),
        }
    }

    #[test]
    fn create_sets_server_metadata_and_drops_status_with_a_subresource() {
        let created = prepare_create(
            json!({"metadata": {"generateName": "h-", "resourceVersion": "9"}, "spec": {}, "status": {"x": 1}}),
            "h-abcde",
            Some("ns"),
            "u1",
            "2026-01-01T00:00:00Z",
            MAIN,
        );
        assert_eq!(created["metadata"]["name"], "h-abcde");
        assert_eq!(created["metadata"]["generation"], 1);
        assert!(created["metadata"].get("resourceVersion").is_none());
        assert!(created.get("status").is_none());
        let built_in = prepare_create(
            json!({"status": {"x": 1}}),
            "n",
            None,
            "u",
            "t",
            Target::Main {
                status_subresource: false,
            },
        );
        assert_eq!(built_in["status"]["x"], 1);
    }

    #[test]
    fn a_stale_resource_version_conflicts() {
        let mut new = stored();
        new["metadata"]["resourceVersion"] = json!("4");
        assert!(matches!(
            prepare_update(&stored(), new, MAIN),
            Err(Refusal::Conflict(_))
        ));
    }

    #[test]
    fn spec_writes_ignore_status_and_bump_generation() {
        let mut new = stored();
        new["spec"]["online"] = json!(false);
        new["status"] = json!({"provisioning": {"state": "hacked"}});
        let result = replaced(prepare_update(&stored(), new, MAIN).expect("ok"));
        assert_eq!(result["status"]["provisioning"]["state"], "available");
        assert_eq!(result["metadata"]["generation"], 4);
    }

    #[test]
    fn status_writes_ignore_everything_else_and_keep_generation() {
        let mut new = stored();
        new["spec"]["online"] = json!(false);
        new["metadata"]["labels"] = json!({"a": "b"});
        new["status"]["provisioning"]["state"] = json!("provisioned");
        let result = replaced(prepare_update(&stored(), new, Target::Status).expect("ok"));
        assert_eq!(result["spec"]["online"], true);
        assert!(result["metadata"].get("labels").is_none());
        assert_eq!(result["status"]["provisioning"]["state"], "provisioned");
        assert_eq!(result["metadata"]["generation"], 3);
    }

    #[test]
    fn metadata_only_changes_keep_generation_and_identical_writes_are_no_ops() {
        let mut new = stored();
        new["metadata"]["labels"] = json!({"a": "b"});
        new["metadata"]["uid"] = json!("forged");
        let result = replaced(prepare_update(&stored(), new, MAIN).expect("ok"));
        assert_eq!(result["metadata"]["generation"], 3);
        assert_eq!(result["metadata"]["uid"], "u1");
        assert!(matches!(
            prepare_update(&stored(), stored(), MAIN),
            Ok(Change::Keep)
        ));
    }

    #[test]
    fn delete_with_finalizers_marks_and_the_last_finalizer_removal_deletes() {
        let mut object = stored();
        object["metadata"]["finalizers"] = json!(["a", "b"]);
        let marked =
            replaced(prepare_delete(&object, &json!({}), "2026-01-02T00:00:00Z").expect("ok"));
        assert_eq!(
            marked["metadata"]["deletionTimestamp"],
            "2026-01-02T00:00:00Z"
        );
        let mut stored_marked = marked.clone();
        stored_marked["metadata"]["resourceVersion"] = json!("6");

        let mut adds = stored_marked.clone();
        adds["metadata"]["finalizers"] = json!(["a", "b", "c"]);
        assert!(matches!(
            prepare_update(&stored_marked, adds, MAIN),
            Err(Refusal::Invalid(..))
        ));

        let mut one_left = stored_marked.clone();
        one_left["metadata"]["finalizers"] = json!(["b"]);
        let kept = replaced(prepare_update(&stored_marked, one_left, MAIN).expect("ok"));
        assert_eq!(
            kept["metadata"]["deletionTimestamp"],
            "2026-01-02T00:00:00Z"
        );

        let mut none_left = stored_marked.clone();
        none_left["metadata"]["finalizers"] = json!([]);
        assert!(matches!(
            prepare_update(&stored_marked, none_left, MAIN),
            Ok(Change::Delete)
        ));
    }

    #[test]
    fn delete_without_finalizers_is_immediate_and_policies_add_theirs() {
        assert!(matches!(
            prepare_delete(&stored(), &json!({}), "t"),
            Ok(Change::Delete)
        ));
        let foreground = replaced(
            prepare_delete(&stored(), &json!({"propagationPolicy": "Foreground"}), "t")
                .expect("ok"),
        );
        assert_eq!(
            foreground["metadata"]["finalizers"],
            json!(["foregroundDeletion"])
        );
        let orphan = replaced(
            prepare_delete(&stored(), &json!({"propagationPolicy": "Orphan"}), "t").expect("ok"),
        );
        assert_eq!(orphan["metadata"]["finalizers"], json!(["orphan"]));
    }

    #[test]
    fn delete_preconditions_must_hold() {
        let wrong_uid = json!({"preconditions": {"uid": "other"}});
        assert!(matches!(
            prepare_delete(&stored(), &wrong_uid, "t"),
            Err(Refusal::Conflict(_))
        ));
        let right = json!({"preconditions": {"uid": "u1", "resourceVersion": "5"}});
        assert!(matches!(
            prepare_delete(&stored(), &right, "t"),
            Ok(Change::Delete)
        ));
    }

    #[test]
    fn generated_names_use_the_api_servers_alphabet() {
        let name = generate_name("host-");
        assert_eq!(name.len(), 10);
        assert!(
            name[5..]
                .chars()
                .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c))
        );
    }
}
