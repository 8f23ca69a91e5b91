//! What tests, the sandbox and the benchmark can turn on the Ironic simulator.

use std::collections::HashMap;
use std::time::Duration;

use super::states::Step;

/// A failure to inject into matching steps.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Nodes whose name starts with this (`*` alone or `None` matches every node).
    pub name_prefix: Option<String>,
    /// The step that fails (`None`: every step); power changes are `power`.
    pub step: Option<String>,
    /// The share of matching steps that fail (0.0–1.0).
    pub probability: f64,
    /// How many times it fires; `None` for ever.
    pub times: Option<u64>,
}

/// An Ironic outage, as the BareMetalHost operator would see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outage {
    /// Every request gets 503 Service Unavailable.
    Unavailable,
    /// Connections are refused (the listener is closed).
    Refused,
}

#[derive(Clone, Debug, Default)]
pub struct Knobs {
    /// How long each step takes; unlisted steps take `default_latency`.
    pub latency: HashMap<Step, Duration>,
    pub default_latency: Duration,
    /// How long a power change takes to land.
    pub power_latency: Duration,
    pub failures: Vec<Failure>,
    /// Inspection stores no inventory, as the real Ironic's `fake` inspect interface does
    /// (simulated hosts otherwise report one, as real hardware's agent does).
    pub no_inventory: bool,
}

impl Knobs {
    pub fn latency_of(&self, step: Step) -> Duration {
        self.latency
            .get(&step)
            .copied()
            .unwrap_or(self.default_latency)
    }

    /// Whether `step` fails for the node named `name` (using up one of the rule's `times`).
    pub fn fails(&mut self, name: &str, step: &str) -> bool {
        let fired = self.failures.iter_mut().find(|f| {
            f.name_prefix
                .as_deref()
                .is_none_or(|p| p == "*" || name.starts_with(p))
                && f.step.as_deref().is_none_or(|s| s == step)
                && f.times != Some(0)
                && fastrand::f64() < f.probability
        });
        match fired {
            Some(rule) => {
                if let Some(times) = rule.times.as_mut() {
                    *times -= 1;
                }
                true
            }
            None => false,
        }
    }
}
