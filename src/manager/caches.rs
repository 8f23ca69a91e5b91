//! Shared watch caches: each kind is watched once per process and every controller that needs
//! it subscribes to the same store (kube-runtime's shared reflectors), so a host is held in
//! memory once however many controllers read it. `--namespace` and `--watch-filter` scope every
//! watch the same way.

use std::fmt::Debug;

use futures::StreamExt;
use k8s_openapi::NamespaceResourceScope;
use kube::runtime::reflector::{self, ReflectHandle, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::watch;

/// The label CAPI's `--watch-filter` selects on.
pub const WATCH_FILTER_LABEL: &str = "cluster.x-k8s.io/watch-filter";

/// Events a slow subscriber may lag behind before the watch waits for it.
const SUBSCRIBER_BUFFER: usize = 1024;

/// Where and what the manager watches.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// One namespace, or all when `None`.
    pub namespace: Option<String>,
    /// Only objects labelled `cluster.x-k8s.io/watch-filter=<value>`.
    pub watch_filter: Option<String>,
    /// Every cache started in this scope, shared or a controller's own: what `/readyz` waits
    /// for.
    started: StartedCaches,
}

/// The listed signals of the caches started in a scope.
#[derive(Clone, Default)]
struct StartedCaches(std::sync::Arc<std::sync::Mutex<Vec<Listed>>>);

impl Debug for StartedCaches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} caches", self.lock().len())
    }
}

impl StartedCaches {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Listed>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Scope {
    /// From `--namespace` and `--watch-filter` (empty means unset, as upstream).
    pub fn new(namespace: &str, watch_filter: &str) -> Scope {
        let set = |value: &str| Some(value.to_owned()).filter(|v| !v.is_empty());
        Scope {
            namespace: set(namespace),
            watch_filter: set(watch_filter),
            started: StartedCaches::default(),
        }
    }

    /// Whether every cache started in this scope so far has listed its kind.
    pub fn caches_listed(&self) -> bool {
        self.started.lock().iter().all(Listed::now)
    }

    fn api<K>(&self, client: &kube::Client) -> Api<K>
    where
        K: Resource<DynamicType = (), Scope = NamespaceResourceScope>,
    {
        match &self.namespace {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        }
    }

    fn watcher_config(&self) -> watcher::Config {
        let config = watcher::Config::default();
        match &self.watch_filter {
            Some(value) => config.labels(&format!("{WATCH_FILTER_LABEL}={value}")),
            None => config,
        }
    }
}

/// What a kind needs to be cached: namespaced, typed, read from the API.
pub trait Cacheable:
    Resource<DynamicType = (), Scope = NamespaceResourceScope>
    + Clone
    + Debug
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
}

impl<K> Cacheable for K where
    K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
        + Clone
        + Debug
        + DeserializeOwned
        + Send
        + Sync
        + 'static
{
}

/// One kind's cache: the store controllers read, and subscriptions to its changes. Controllers
/// subscribe before [`SharedCache::start`], which hands the cache to its watch.
pub struct SharedCache<K: Resource<DynamicType = ()> + Clone + 'static> {
    pub store: Store<K>,
    writer: reflector::store::Writer<K>,
    listed: watch::Sender<bool>,
}

/// Whether a cache has listed its kind once. Ask this, not `Store::wait_until_ready`, outside
/// kube's own Controller: that future keeps only the last poller's waker, so a second waiter
/// (or a `now_or_never` probe, which leaves a no-op waker behind) can leave the others asleep
/// for ever.
#[derive(Clone)]
pub struct Listed(watch::Receiver<bool>);

impl Listed {
    pub fn now(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until listed; false when the cache was dropped first.
    pub async fn wait(mut self) -> bool {
        self.0.wait_for(|listed| *listed).await.is_ok()
    }
}

impl<K: Cacheable> SharedCache<K> {
    pub fn new() -> SharedCache<K> {
        let (store, writer) = reflector::store_shared(SUBSCRIBER_BUFFER);
        let (listed, _) = watch::channel(false);
        SharedCache {
            store,
            writer,
            listed,
        }
    }

    pub fn listed(&self) -> Listed {
        Listed(self.listed.subscribe())
    }

    /// A stream of changed objects for one controller (`Controller::for_shared_stream`).
    pub fn subscribe(&self) -> Option<ReflectHandle<K>> {
        self.writer.subscribe()
    }

    /// Watches `K` in `scope` into the store; the watch retries with backoff while the task runs.
    pub fn start(self, client: &kube::Client, scope: &Scope) -> tokio::task::JoinHandle<()> {
        let stream = watcher(scope.api::<K>(client), scope.watcher_config())
            .default_backoff()
            .reflect_shared(self.writer);
        let listed = self.listed;
        scope.started.lock().push(Listed(listed.subscribe()));
        tokio::spawn(async move {
            stream
                .for_each(|event| {
                    match event {
                        // Yielded once the store holds the whole list.
                        Ok(watcher::Event::InitDone) => {
                            listed.send_replace(true);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(kind = %K::kind(&()), "watch failed, retrying: {e}")
                        }
                    }
                    std::future::ready(())
                })
                .await;
        })
    }
}

impl<K: Cacheable> Default for SharedCache<K> {
    fn default() -> Self {
        SharedCache::new()
    }
}
