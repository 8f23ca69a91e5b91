//! Publishing Events, for every controller. kube's `Recorder` folds every Event with the same
//! reason and action into the series of the first one, keeping that one's message: each later
//! state change, or an error with a new message, showed only as a count on the first Event.
//! Upstream's recorder (client-go) folds only identical Events, message included; so does this
//! one, with a `Recorder` per message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kube::Resource;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

/// How long a message's recorder outlives its last use: longer than kube's own six minutes
/// of folding, so a repeated Event keeps counting on its series.
const IDLE: Duration = Duration::from_secs(600);

pub struct Events {
    client: kube::Client,
    reporter: Reporter,
    recorders: Mutex<ByMessage<Recorder>>,
}

impl Events {
    /// Events reported by `controller`, from this pod (`POD_NAME`).
    pub fn new(client: kube::Client, controller: &str) -> Events {
        Events {
            client,
            reporter: Reporter {
                controller: controller.to_owned(),
                instance: std::env::var("POD_NAME").ok(),
            },
            recorders: Mutex::new(ByMessage::default()),
        }
    }

    /// Publishes `event` about `object`. A failure is only logged: an Event is never worth
    /// failing a reconcile for.
    pub async fn publish<K: Resource<DynamicType = ()>>(&self, object: &K, event: &Event) {
        let recorder = self
            .recorders
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(
                event.note.as_deref().unwrap_or_default(),
                Instant::now(),
                || Recorder::new(self.client.clone(), self.reporter.clone()),
            );
        if let Err(error) = recorder.publish(event, &object.object_ref(&())).await {
            tracing::debug!(reason = %event.reason, "event not recorded: {error}");
        }
    }

    /// Publishes a Normal (or Warning) Event whose action is its reason.
    pub async fn note<K: Resource<DynamicType = ()>>(
        &self,
        object: &K,
        warning: bool,
        reason: &str,
        note: String,
    ) {
        let event = Event {
            type_: if warning {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: reason.to_owned(),
            note: Some(note),
            action: reason.to_owned(),
            secondary: None,
        };
        self.publish(object, &event).await;
    }
}

/// One value per message, forgotten once unused for [`IDLE`].
struct ByMessage<T> {
    entries: HashMap<String, (T, Instant)>,
}

impl<T> Default for ByMessage<T> {
    fn default() -> Self {
        ByMessage {
            entries: HashMap::new(),
        }
    }
}

impl<T: Clone> ByMessage<T> {
    fn get(&mut self, message: &str, now: Instant, make: impl FnOnce() -> T) -> T {
        self.entries
            .retain(|_, (_, used)| now.saturating_duration_since(*used) < IDLE);
        let entry = self
            .entries
            .entry(message.to_owned())
            .or_insert_with(|| (make(), now));
        entry.1 = now;
        entry.0.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_has_its_own_recorder_until_it_is_idle() {
        let mut recorders = ByMessage::default();
        let start = Instant::now();
        let mut made = 0;
        let mut get = |message: &str, at: Duration| {
            recorders.get(message, start + at, || {
                made += 1;
                made
            })
        };
        let first = get("from \"\" to \"registering\"", Duration::ZERO);
        assert_eq!(get("from \"\" to \"registering\"", IDLE / 2), first);
        let second = get("from \"registering\" to \"inspecting\"", IDLE / 2);
        assert_ne!(second, first, "another message, another recorder");
        // Used at IDLE / 2, the first message's recorder is still there just before 1.5 IDLE.
        assert_eq!(get("from \"\" to \"registering\"", IDLE), first);
        let later = IDLE * 3;
        assert_ne!(
            get("from \"\" to \"registering\"", later),
            first,
            "forgotten"
        );
        assert_eq!(recorders.entries.len(), 1, "idle entries dropped");
    }
}
