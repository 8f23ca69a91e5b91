//! What every decision hands back besides its writes: the conditions to set on the object
//! being reconciled, the Events to emit, and when to look again.

use std::time::Duration;

use super::conditions::{Cond, LegacyCond};
use super::names::REQUEUE_AFTER;

/// When the controller should look at the object again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Next {
    /// Only when something it watches changes (kube-runtime's `await_change`).
    #[default]
    AwaitChange,
    /// After this long (zero: at once).
    After(Duration),
    /// The step failed: return this as the reconcile error, so the error policy backs off.
    Retry(String),
}

impl Next {
    /// Upstream's usual 30 s wait for something that is not ready yet.
    pub fn later() -> Next {
        Next::After(REQUEUE_AFTER)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// A Kubernetes Event about the reconciled object (upstream emits none; these are ours).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub type_: EventType,
    /// CamelCase, machine readable.
    pub reason: &'static str,
    /// What the controller did or tried, CamelCase.
    pub action: &'static str,
    pub note: String,
}

impl Event {
    pub fn normal(reason: &'static str, action: &'static str, note: impl Into<String>) -> Event {
        Event {
            type_: EventType::Normal,
            reason,
            action,
            note: note.into(),
        }
    }

    pub fn warning(reason: &'static str, action: &'static str, note: impl Into<String>) -> Event {
        Event {
            type_: EventType::Warning,
            reason,
            action,
            note: note.into(),
        }
    }
}

/// Conditions, Events and requeue of one decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// v1beta2 conditions to set.
    pub conditions: Vec<Cond>,
    /// Deprecated v1beta1 conditions to set.
    pub v1beta1: Vec<LegacyCond>,
    pub events: Vec<Event>,
    pub next: Next,
}

impl Report {
    /// A report that only says when to look again.
    pub fn next(next: Next) -> Report {
        Report {
            next,
            ..Report::default()
        }
    }

    pub fn with(mut self, condition: Cond) -> Report {
        self.conditions.push(condition);
        self
    }

    pub fn with_v1beta1(mut self, condition: LegacyCond) -> Report {
        self.v1beta1.push(condition);
        self
    }

    pub fn with_event(mut self, event: Event) -> Report {
        self.events.push(event);
        self
    }

    /// Appends `later`'s conditions and events; its `next` wins.
    pub fn then(mut self, later: Report) -> Report {
        self.conditions.extend(later.conditions);
        self.v1beta1.extend(later.v1beta1);
        self.events.extend(later.events);
        self.next = later.next;
        self
    }
}
