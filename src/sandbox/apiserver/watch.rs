//! Watches: a stream of `{"type": …, "object": …}` lines, as the API server sends them.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures::Stream;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::api::{Api, ListOptions};
use super::registry::Resource;
use super::request::ResourcePath;
use super::selectors::{FieldSelector, LabelSelector, labels_of};
use super::status::ApiError;
use super::store::{Event, StoreError};

/// Query parameters of a watch.
#[derive(Clone, Debug, Default)]
pub struct WatchOptions {
    pub list: ListOptions,
    pub resource_version: Option<String>,
    pub allow_bookmarks: bool,
    pub send_initial_events: bool,
    pub timeout: Option<Duration>,
}

/// How often a watch that allows bookmarks gets one.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(15);
/// How long a watch lasts when the client does not say (the API server picks 30–60 min).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

struct State {
    api: Arc<Api>,
    resource: Arc<Resource>,
    path: ResourcePath,
    labels: LabelSelector,
    fields: FieldSelector,
    pending: VecDeque<Value>,
    live: Option<tokio::sync::broadcast::Receiver<Arc<Event>>>,
    last_revision: u64,
    deadline: Instant,
    bookmarks: bool,
    next_bookmark: Instant,
    /// Changes when a test drops every watch.
    dropped: tokio::sync::watch::Receiver<u64>,
}

/// Starts a watch. Errors in the request itself are returned; a resourceVersion older
/// than the kept history becomes an `ERROR` event with a 410 Status, as the API server
/// does it.
pub async fn watch(
    api: Arc<Api>,
    path: ResourcePath,
    options: WatchOptions,
) -> Result<impl Stream<Item = Result<Bytes, Infallible>>, ApiError> {
    let (resource, _) = api.resolve(&path)?;
    let labels = LabelSelector::parse(options.list.label_selector.as_deref().unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(options.list.field_selector.as_deref().unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let requested: Option<u64> = match options.resource_version.as_deref() {
        None | Some("") | Some("0") => None,
        Some(rv) => Some(
            rv.parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?,
        ),
    };
    let now = Instant::now();
    let mut state = State {
        api: api.clone(),
        resource: resource.clone(),
        path: path.clone(),
        labels,
        fields,
        pending: VecDeque::new(),
        live: None,
        last_revision: 0,
        deadline: now + options.timeout.unwrap_or(DEFAULT_TIMEOUT),
        bookmarks: options.allow_bookmarks,
        next_bookmark: now + BOOKMARK_INTERVAL,
        dropped: api.hooks.watch_epoch(),
    };
    // Without a resourceVersion (or with sendInitialEvents) the watch starts with the
    // current state as ADDED events.
    let since = match (requested, options.send_initial_events) {
        (Some(rv), false) => rv,
        _ => {
            let (objects, revision) = api
                .store
                .list(&resource.storage_key(), path.namespace.as_deref());
            for object in objects {
                if state.selected(&object) {
                    let shown = api
                        .present(&resource, (*object).clone(), &path.version)
                        .await?;
                    state
                        .pending
                        .push_back(json!({"type": "ADDED", "object": shown}));
                }
            }
            if options.send_initial_events {
                state
                    .pending
                    .push_back(bookmark(&resource, &path.version, revision, true));
            }
            revision
        }
    };
    state.last_revision = since;
    match api.store.watch(&resource.storage_key(), since) {
        Ok(start) => {
            for event in start.backlog {
                state.push(&event).await;
            }
            state.live = Some(start.live);
        }
        Err(StoreError::Gone { requested, oldest }) => {
            let gone = ApiError::gone(format!("too old resource version: {requested} ({oldest})"));
            state
                .pending
                .push_back(json!({"type": "ERROR", "object": gone.body}));
        }
        Err(other) => return Err(ApiError::internal(other.to_string())),
    }
    Ok(futures::stream::unfold(state, next))
}

async fn next(mut state: State) -> Option<(Result<Bytes, Infallible>, State)> {
    loop {
        if let Some(event) = state.pending.pop_front() {
            let mut line = serde_json::to_vec(&event).unwrap_or_default();
            line.push(b'\n');
            return Some((Ok(Bytes::from(line)), state));
        }
        let live = state.live.as_mut()?;
        let wake = if state.bookmarks {
            state.deadline.min(state.next_bookmark)
        } else {
            state.deadline
        };
        tokio::select! {
            _ = state.dropped.changed() => return None,
            received = live.recv() => match received {
                Ok(event) => state.push(&event).await,
                // Too slow to keep up: end the watch; the client resumes or relists.
                Err(RecvError::Lagged(_) | RecvError::Closed) => return None,
            },
            _ = tokio::time::sleep_until(wake) => {
                if Instant::now() >= state.deadline {
                    return None;
                }
                state.next_bookmark = Instant::now() + BOOKMARK_INTERVAL;
                let revision = state.last_revision.max(state.api.store.revision());
                state.pending.push_back(bookmark(&state.resource, &state.path.version, revision, false));
            }
        }
    }
}

impl State {
    fn selected(&self, object: &Value) -> bool {
        let namespace_ok = self
            .path
            .namespace
            .as_deref()
            .is_none_or(|ns| object["metadata"]["namespace"].as_str() == Some(ns));
        namespace_ok && self.labels.matches(&labels_of(object)) && self.fields.matches(object)
    }

    async fn push(&mut self, event: &Event) {
        if event.resource != self.resource.storage_key()
            || event.resource_version <= self.last_revision
        {
            return;
        }
        self.last_revision = event.resource_version;
        if !self.selected(&event.object) {
            return;
        }
        let shown = self
            .api
            .present(&self.resource, (*event.object).clone(), &self.path.version)
            .await;
        let line = match shown {
            Ok(object) => json!({"type": event.event_type.as_str(), "object": object}),
            Err(error) => json!({"type": "ERROR", "object": error.body}),
        };
        self.pending.push_back(line);
    }
}

fn bookmark(resource: &Resource, version: &str, revision: u64, initial_events_end: bool) -> Value {
    let mut metadata = json!({"resourceVersion": revision.to_string()});
    if initial_events_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"type": "BOOKMARK", "object": {"apiVersion": resource.api_version(version), "kind": resource.kind, "metadata": metadata}})
}
