//! The embedded API server's storage: every object as JSON, one resourceVersion counter
//! for all of them (as etcd's revision), a bounded history of changes so that watches can
//! resume from a resourceVersion, and a broadcast of new changes to live watches.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

/// Which collection an object lives in: API group and plural resource name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceKey {
    pub group: String,
    pub resource: String,
}

impl ResourceKey {
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_owned(),
            resource: resource.to_owned(),
        }
    }
}

/// An object's place in its collection; the namespace is empty for cluster-scoped kinds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn new(namespace: &str, name: &str) -> Self {
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug)]
pub struct Event {
    pub resource_version: u64,
    pub event_type: EventType,
    pub resource: ResourceKey,
    pub object: Arc<Value>,
}

/// A watch's starting point: the changes still in history, then every later change (of
/// every resource; the receiver filters).
pub struct Watch {
    pub backlog: Vec<Arc<Event>>,
    pub live: broadcast::Receiver<Arc<Event>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("already exists")]
    AlreadyExists,
    /// The caller's resourceVersion precondition does not hold.
    #[error(
        "the object has been modified; please apply your changes to the latest version and try again"
    )]
    Conflict,
    /// The watch asked to start before the oldest change still kept.
    #[error("too old resource version: {requested} ({oldest})")]
    Gone { requested: u64, oldest: u64 },
}

/// A change to make to an object, decided by [`Store::update`]'s closure under the lock.
pub enum Change {
    /// Store this as the new object.
    Replace(Value),
    /// Remove the object (the last finalizer is gone, or it never had one).
    Delete,
    /// Nothing to write (a no-op update keeps the resourceVersion).
    Keep,
}

const BROADCAST_CAPACITY: usize = 65_536;

pub struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<Event>>,
}

/// Where an object is stored.
type Place = (ResourceKey, ObjectKey);

struct Inner {
    revision: u64,
    objects: HashMap<ResourceKey, BTreeMap<ObjectKey, Arc<Value>>>,
    /// Garbage collection's lookups, kept with every write so that they do not scan every
    /// object (a scan per deletion made deleting a thousand Machines quadratic).
    by_uid: HashMap<String, Place>,
    by_owner: HashMap<String, BTreeSet<Place>>,
    history: VecDeque<Arc<Event>>,
    history_limit: usize,
    /// Watches may resume from any revision after this one.
    oldest_resumable: u64,
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        let inner = Inner {
            revision: 1,
            objects: HashMap::new(),
            by_uid: HashMap::new(),
            by_owner: HashMap::new(),
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            oldest_resumable: 1,
        };
        Self {
            inner: Mutex::new(inner),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated (every write
        // is a single insert or remove), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current revision: the resourceVersion of the newest change.
    pub fn revision(&self) -> u64 {
        self.lock().revision
    }

    pub fn get(&self, resource: &ResourceKey, key: &ObjectKey) -> Option<Arc<Value>> {
        self.lock().objects.get(resource)?.get(key).cloned()
    }

    /// Objects of a resource (in one namespace, or all when `namespace` is `None`), sorted
    /// by namespace and name, with the revision they were read at.
    pub fn list(&self, resource: &ResourceKey, namespace: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let objects = match (inner.objects.get(resource), namespace) {
            (None, _) => Vec::new(),
            (Some(all), None) => all.values().cloned().collect(),
            (Some(all), Some(ns)) => all
                .range(ObjectKey::new(ns, "")..)
                .take_while(|(k, _)| k.namespace == ns)
                .map(|(_, v)| v.clone())
                .collect(),
        };
        (objects, inner.revision)
    }

    /// Stores a new object, built by `build` from the resourceVersion it will get (so
    /// that server-set metadata can depend on it).
    pub fn create(
        &self,
        resource: &ResourceKey,
        key: ObjectKey,
        build: impl FnOnce(u64) -> Value,
    ) -> Result<Arc<Value>, StoreError> {
        let mut inner = self.lock();
        if inner
            .objects
            .get(resource)
            .is_some_and(|m| m.contains_key(&key))
        {
            return Err(StoreError::AlreadyExists);
        }
        let rv = inner.revision + 1;
        let object = Arc::new(with_resource_version(build(rv), rv));
        inner.put(resource, key, object.clone());
        self.record(&mut inner, EventType::Added, resource, object.clone());
        Ok(object)
    }

    /// Read-modify-write of one object under the store's lock, so that the decision and
    /// the write see the same version. `decide` gets the current object and the
    /// resourceVersion a write would get.
    pub fn update<E: From<StoreError>>(
        &self,
        resource: &ResourceKey,
        key: &ObjectKey,
        decide: impl FnOnce(&Value, u64) -> Result<Change, E>,
    ) -> Result<Option<Arc<Value>>, E> {
        let mut inner = self.lock();
        let current = inner
            .objects
            .get(resource)
            .and_then(|m| m.get(key))
            .cloned()
            .ok_or(StoreError::NotFound)?;
        let rv = inner.revision + 1;
        match decide(&current, rv)? {
            Change::Keep => Ok(Some(current)),
            Change::Replace(object) => {
                let object = Arc::new(with_resource_version(object, rv));
                inner.put(resource, key.clone(), object.clone());
                self.record(&mut inner, EventType::Modified, resource, object.clone());
                Ok(Some(object))
            }
            Change::Delete => {
                inner.remove(resource, key);
                // A deletion event carries the object as last seen, at the new revision.
                let object = Arc::new(with_resource_version((*current).clone(), rv));
                self.record(&mut inner, EventType::Deleted, resource, object.clone());
                Ok(None)
            }
        }
    }

    /// Changes to `resource` after `since` that are still in history, and a receiver for
    /// the changes after them. Fails with `Gone` when `since` is older than the history.
    pub fn watch(&self, resource: &ResourceKey, since: u64) -> Result<Watch, StoreError> {
        let inner = self.lock();
        if since < inner.oldest_resumable {
            return Err(StoreError::Gone {
                requested: since,
                oldest: inner.oldest_resumable,
            });
        }
        let backlog = inner
            .history
            .iter()
            .filter(|e| e.resource_version > since && &e.resource == resource)
            .cloned()
            .collect();
        // Subscribing under the lock: no change can slip between backlog and receiver.
        Ok(Watch {
            backlog,
            live: self.events.subscribe(),
        })
    }

    /// Every later change of every resource (for server-side loops such as garbage
    /// collection).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// Objects, of any resource, whose `ownerReferences` name `owner_uid`.
    pub fn dependents(&self, owner_uid: &str) -> Vec<(ResourceKey, ObjectKey)> {
        let inner = self.lock();
        inner
            .by_owner
            .get(owner_uid)
            .map(|places| places.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The object with this uid, of any resource.
    pub fn find_uid(&self, uid: &str) -> Option<(ResourceKey, ObjectKey, Arc<Value>)> {
        let inner = self.lock();
        let (resource, key) = inner.by_uid.get(uid)?;
        let object = inner.objects.get(resource)?.get(key)?.clone();
        Some((resource.clone(), key.clone(), object))
    }

    /// Every object with owner references or a deletion in progress: what garbage
    /// collection looks at when it has missed changes.
    pub fn gc_candidates(&self) -> Vec<Arc<Value>> {
        let inner = self.lock();
        inner
            .objects
            .values()
            .flat_map(|m| m.values())
            .filter(|o| {
                o["metadata"].get("ownerReferences").is_some()
                    || o["metadata"].get("deletionTimestamp").is_some()
            })
            .cloned()
            .collect()
    }

    /// Forgets history up to the current revision, as etcd compaction does: watches from
    /// older resourceVersions get 410 Gone.
    pub fn compact(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.oldest_resumable = inner.revision;
    }

    fn record(
        &self,
        inner: &mut Inner,
        event_type: EventType,
        resource: &ResourceKey,
        object: Arc<Value>,
    ) {
        let rv = inner.revision + 1;
        inner.revision = rv;
        let event = Arc::new(Event {
            resource_version: rv,
            event_type,
            resource: resource.clone(),
            object,
        });
        inner.history.push_back(event.clone());
        while inner.history.len() > inner.history_limit {
            if let Some(dropped) = inner.history.pop_front() {
                inner.oldest_resumable = dropped.resource_version;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
    }
}

impl Inner {
    /// Stores `object` at its place, keeping the indexes in step.
    fn put(&mut self, resource: &ResourceKey, key: ObjectKey, object: Arc<Value>) {
        self.remove(resource, &key);
        let place = (resource.clone(), key.clone());
        if let Some(uid) = object["metadata"]["uid"].as_str() {
            self.by_uid.insert(uid.to_owned(), place.clone());
        }
        for owner in owner_uids(&object) {
            self.by_owner
                .entry(owner.to_owned())
                .or_default()
                .insert(place.clone());
        }
        self.objects
            .entry(resource.clone())
            .or_default()
            .insert(key, object);
    }

    fn remove(&mut self, resource: &ResourceKey, key: &ObjectKey) {
        let Some(old) = self.objects.get_mut(resource).and_then(|m| m.remove(key)) else {
            return;
        };
        if let Some(uid) = old["metadata"]["uid"].as_str() {
            self.by_uid.remove(uid);
        }
        let place = (resource.clone(), key.clone());
        for owner in owner_uids(&old) {
            if let Some(places) = self.by_owner.get_mut(owner) {
                places.remove(&place);
                if places.is_empty() {
                    self.by_owner.remove(owner);
                }
            }
        }
    }
}

/// The uids an object's `ownerReferences` name.
fn owner_uids(object: &Value) -> impl Iterator<Item = &str> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["uid"].as_str())
}

fn with_resource_version(mut object: Value, rv: u64) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
    object
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bmh() -> ResourceKey {
        ResourceKey::new("metal3.io", "baremetalhosts")
    }

    fn object(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "ns"}, "spec": {"online": true}})
    }

    fn rv(object: &Value) -> u64 {
        object["metadata"]["resourceVersion"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("resourceVersion")
    }

    #[test]
    fn every_write_takes_the_next_global_resource_version() {
        let store = Store::new(100);
        let a = store
            .create(&bmh(), ObjectKey::new("ns", "a"), |_| object("a"))
            .expect("created");
        let b = store
            .create(
                &ResourceKey::new("", "secrets"),
                ObjectKey::new("ns", "b"),
                |_| object("b"),
            )
            .expect("created");
        assert_eq!((rv(&a), rv(&b)), (2, 3));
        let updated = store
            .update::<StoreError>(&bmh(), &ObjectKey::new("ns", "a"), |current, _| {
                let mut next = current.clone();
                next["spec"]["online"] = json!(false);
                Ok(Change::Replace(next))
            })
            .expect("updated")
            .expect("kept");
        assert_eq!(rv(&updated), 4);
        assert_eq!(store.revision(), 4);
    }

    #[test]
    fn uid_and_owner_lookups_follow_every_write() {
        let store = Store::new(10);
        let owned = |uid: &str, owner: Option<&str>| {
            let owners: Vec<Value> = owner.map(|o| json!({"uid": o})).into_iter().collect();
            json!({"metadata": {"name": uid, "uid": uid, "ownerReferences": owners}})
        };
        let key = |name: &str| ObjectKey::new("ns", name);
        store
            .create(&bmh(), key("owner"), |_| owned("owner", None))
            .expect("owner");
        store
            .create(&bmh(), key("child"), |_| owned("child", Some("owner")))
            .expect("child");
        assert_eq!(store.dependents("owner"), [(bmh(), key("child"))]);
        assert_eq!(store.find_uid("child").map(|f| f.1), Some(key("child")));
        // An update dropping the reference drops the dependent.
        store
            .update::<StoreError>(&bmh(), &key("child"), |_, _| {
                Ok(Change::Replace(owned("child", None)))
            })
            .expect("update");
        assert!(store.dependents("owner").is_empty());
        store
            .update::<StoreError>(&bmh(), &key("child"), |_, _| Ok(Change::Delete))
            .expect("delete");
        assert!(store.find_uid("child").is_none());
        assert!(store.find_uid("owner").is_some());
    }

    #[test]
    fn create_of_an_existing_name_fails() {
        let store = Store::new(100);
        store
            .create(&bmh(), ObjectKey::new("ns", "a"), |_| object("a"))
            .expect("created");
        let again = store.create(&bmh(), ObjectKey::new("ns", "a"), |_| object("a"));
        assert_eq!(again.err(), Some(StoreError::AlreadyExists));
    }

    #[test]
    fn list_filters_by_namespace_and_is_sorted() {
        let store = Store::new(100);
        for (ns, name) in [("b", "2"), ("a", "9"), ("b", "1"), ("ab", "0")] {
            store
                .create(
                    &bmh(),
                    ObjectKey::new(ns, name),
                    |_| json!({"metadata": {"name": name, "namespace": ns}}),
                )
                .expect("created");
        }
        let names = |objects: Vec<Arc<Value>>| -> Vec<String> {
            objects
                .iter()
                .map(|o| {
                    format!(
                        "{}/{}",
                        o["metadata"]["namespace"].as_str().unwrap_or(""),
                        o["metadata"]["name"].as_str().unwrap_or("")
                    )
                })
                .collect()
        };
        assert_eq!(names(store.list(&bmh(), Some("b")).0), ["b/1", "b/2"]);
        assert_eq!(
            names(store.list(&bmh(), None).0),
            ["a/9", "ab/0", "b/1", "b/2"]
        );
        assert_eq!(store.list(&bmh(), Some("a")).1, store.revision());
    }

    #[test]
    fn keep_writes_nothing_and_delete_emits_the_last_state() {
        let store = Store::new(100);
        let key = ObjectKey::new("ns", "a");
        store
            .create(&bmh(), key.clone(), |_| object("a"))
            .expect("created");
        store
            .update::<StoreError>(&bmh(), &key, |_, _| Ok(Change::Keep))
            .expect("kept");
        assert_eq!(store.revision(), 2);
        store
            .update::<StoreError>(&bmh(), &key, |_, _| Ok(Change::Delete))
            .expect("deleted");
        assert!(store.get(&bmh(), &key).is_none());
        let backlog = store.watch(&bmh(), 2).expect("watch").backlog;
        assert_eq!(backlog.len(), 1);
        assert_eq!(backlog[0].event_type, EventType::Deleted);
        assert_eq!(rv(&backlog[0].object), 3);
        assert_eq!(backlog[0].object["spec"]["online"], true);
    }

    #[test]
    fn watch_resumes_from_history_and_then_receives_live_events() {
        let store = Store::new(100);
        for name in ["a", "b", "c"] {
            store
                .create(&bmh(), ObjectKey::new("ns", name), |_| object(name))
                .expect("created");
        }
        let Watch { backlog, mut live } = store.watch(&bmh(), 2).expect("watch");
        let seen: Vec<u64> = backlog.iter().map(|e| e.resource_version).collect();
        assert_eq!(seen, [3, 4]);
        store
            .create(&bmh(), ObjectKey::new("ns", "d"), |_| object("d"))
            .expect("created");
        let event = live.try_recv().expect("live event");
        assert_eq!(
            (event.resource_version, event.event_type),
            (5, EventType::Added)
        );
    }

    #[test]
    fn watch_older_than_history_is_gone() {
        let store = Store::new(2);
        for name in ["a", "b", "c", "d"] {
            store
                .create(&bmh(), ObjectKey::new("ns", name), |_| object(name))
                .expect("created");
        }
        assert!(matches!(
            store.watch(&bmh(), 1),
            Err(StoreError::Gone { .. })
        ));
        assert!(store.watch(&bmh(), 3).is_ok());
        store.compact();
        assert!(matches!(
            store.watch(&bmh(), 4),
            Err(StoreError::Gone { .. })
        ));
        assert!(store.watch(&bmh(), store.revision()).is_ok());
    }

    #[test]
    fn update_of_a_missing_object_is_not_found() {
        let store = Store::new(10);
        let result =
            store.update::<StoreError>(&bmh(), &ObjectKey::new("ns", "x"), |_, _| Ok(Change::Keep));
        assert_eq!(result.err(), Some(StoreError::NotFound));
    }
}
