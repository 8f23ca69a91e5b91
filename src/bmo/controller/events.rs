//! Publishing Events about hosts. kube's `Recorder` folds every Event with the same reason and
//! action into the series of the first one, keeping that one's message: each later state
//! change, or an error with a new message, showed only as a count on the first Event.
//! Upstream's recorder (client-go) folds only identical Events, message included; so does this
//! one, with a `Recorder` per message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::events::{Event, Recorder, Reporter};

/// How long a message's recorder outlives its last use: longer than kube's own six minutes
/// of folding, so a repeated Event keeps counting on its series.
const IDLE: Duration = Duration::from_secs(600);

pub struct Events {
    client: kube::Client,
    reporter: Reporter,
    recorders: Mutex<ByMessage<Recorder>>,
}

impl Events {
    pub fn new(client: kube::Client, reporter: Reporter) -> Events {
        Events {
            client,
            reporter,
            recorders: Mutex::new(ByMessage::default()),
        }
    }

    pub async fn publish(
        &self,
        event: &Event,
        regarding: &ObjectReference,
    ) -> Result<(), kube::Error> {
        let recorder = self
            .recorders
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(
                event.note.as_deref().unwrap_or_default(),
                Instant::now(),
                || Recorder::new(self.client.clone(), self.reporter.clone()),
            );
        recorder.publish(event, regarding).await
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
