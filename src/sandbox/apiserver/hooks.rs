//! What tests and the benchmark can do to the embedded API server: count requests, inject
//! faults, drop every open watch.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

/// A fault to inject into requests that match.
#[derive(Clone, Debug)]
pub struct Fault {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`;
    /// `None` matches every verb.
    pub verb: Option<String>,
    /// A plural resource name, with `/status` for the subresource; `None` matches all.
    pub resource: Option<String>,
    /// The share of matching requests that fail (0.0–1.0).
    pub probability: f64,
    pub action: FaultAction,
    /// How many times it fires before it is used up; `None` for ever.
    pub times: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer with this HTTP status (409, 429, 500, 503, …) instead of serving the request.
    Status(u16),
    /// Serve the request only after this delay (for client timeouts).
    Delay(Duration),
}

/// Requests by (verb, resource).
pub type Counts = BTreeMap<(String, String), u64>;

pub struct Hooks {
    counts: Mutex<Counts>,
    /// The same per client program (the User-Agent up to its first `/`).
    counts_by_program: Mutex<BTreeMap<String, Counts>>,
    faults: Mutex<Vec<Fault>>,
    watch_epoch: watch::Sender<u64>,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            counts: Mutex::default(),
            counts_by_program: Mutex::default(),
            faults: Mutex::default(),
            watch_epoch: watch::Sender::new(0),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Hooks {
    /// Counts a request, and under `program` when the client named itself.
    pub fn count(&self, program: Option<&str>, verb: &str, resource: &str) {
        let key = (verb.to_owned(), resource.to_owned());
        if let Some(program) = program {
            *lock(&self.counts_by_program)
                .entry(program.to_owned())
                .or_default()
                .entry(key.clone())
                .or_default() += 1;
        }
        *lock(&self.counts).entry(key).or_default() += 1;
    }

    /// Requests served so far to clients whose User-Agent names `program`, by (verb,
    /// resource): how the benchmark tells the manager's requests from everyone else's.
    pub fn counts_from(&self, program: &str) -> Counts {
        lock(&self.counts_by_program)
            .get(program)
            .cloned()
            .unwrap_or_default()
    }

    /// Requests served so far, by (verb, resource).
    pub fn counts(&self) -> Counts {
        lock(&self.counts).clone()
    }

    /// Requests of one verb, over all resources.
    pub fn total(&self, verb: &str) -> u64 {
        lock(&self.counts)
            .iter()
            .filter(|((v, _), _)| v == verb)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn inject(&self, fault: Fault) {
        lock(&self.faults).push(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// The fault that fires for this request, if any (using up one of its `times`).
    pub fn fault_for(&self, verb: &str, resource: &str) -> Option<FaultAction> {
        let mut faults = lock(&self.faults);
        let fired = faults.iter_mut().find(|f| {
            f.verb.as_deref().is_none_or(|v| v == verb)
                && f.resource.as_deref().is_none_or(|r| r == resource)
                && f.times != Some(0)
                && fastrand::f64() < f.probability
        })?;
        if let Some(times) = fired.times.as_mut() {
            *times -= 1;
        }
        Some(fired.action)
    }

    /// Ends every open watch; clients see the stream close and watch again.
    pub fn drop_watches(&self) {
        self.watch_epoch.send_modify(|epoch| *epoch += 1);
    }

    /// Changes when watches are to be dropped.
    pub fn watch_epoch(&self) -> watch::Receiver<u64> {
        self.watch_epoch.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_match_by_verb_and_resource_and_run_out() {
        let hooks = Hooks::default();
        hooks.inject(Fault {
            verb: Some("update".into()),
            resource: Some("baremetalhosts".into()),
            probability: 1.0,
            action: FaultAction::Status(409),
            times: Some(2),
        });
        assert_eq!(hooks.fault_for("get", "baremetalhosts"), None);
        assert_eq!(hooks.fault_for("update", "secrets"), None);
        assert_eq!(
            hooks.fault_for("update", "baremetalhosts"),
            Some(FaultAction::Status(409))
        );
        assert_eq!(
            hooks.fault_for("update", "baremetalhosts"),
            Some(FaultAction::Status(409))
        );
        assert_eq!(hooks.fault_for("update", "baremetalhosts"), None, "used up");
    }

    #[test]
    fn a_share_of_requests_fails() {
        let hooks = Hooks::default();
        hooks.inject(Fault {
            verb: None,
            resource: None,
            probability: 0.3,
            action: FaultAction::Status(500),
            times: None,
        });
        let failed = (0..10_000)
            .filter(|_| hooks.fault_for("get", "x").is_some())
            .count();
        assert!((2_000..4_000).contains(&failed), "{failed} of 10000");
    }

    #[test]
    fn counts_add_up_by_verb() {
        let hooks = Hooks::default();
        hooks.count(Some("capm3-manager"), "get", "secrets");
        hooks.count(None, "get", "baremetalhosts");
        hooks.count(Some("kubectl"), "patch", "baremetalhosts/status");
        assert_eq!(hooks.total("get"), 2);
        assert_eq!(
            hooks.counts_from("capm3-manager"),
            BTreeMap::from([(("get".into(), "secrets".into()), 1)])
        );
        assert_eq!(
            hooks
                .counts()
                .get(&("patch".into(), "baremetalhosts/status".into())),
            Some(&1)
        );
    }
}
