//! Prometheus metrics: upstream's `metal3_*` host metrics (so existing dashboards work),
//! controller-runtime's reconcile and work-queue names, and Ironic request metrics.
//! One [`Metrics`] per process, registered in its own registry and served by the manager.

mod controllers;
mod hosts;
mod ironic;

use prometheus::{Encoder, Registry, TextEncoder};

pub use controllers::ControllerMetrics;
pub use hosts::HostMetrics;
pub use ironic::{IronicMetrics, endpoint_label};

/// Every metric family of the process, in one registry.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub hosts: HostMetrics,
    pub controllers: ControllerMetrics,
    pub ironic: IronicMetrics,
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let metrics = Metrics {
            hosts: HostMetrics::new(),
            controllers: ControllerMetrics::new(),
            ironic: IronicMetrics::new(),
            registry,
        };
        metrics.hosts.register(&metrics.registry);
        metrics.controllers.register(&metrics.registry);
        metrics.ironic.register(&metrics.registry);
        metrics
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding gathered families into a Vec cannot fail: the names were validated when
        // the families were built.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Registers one collector; the names are constants, so a clash is a programming error
/// caught by the tests below.
fn register<C: prometheus::core::Collector + Clone + 'static>(registry: &Registry, collector: &C) {
    if let Err(e) = registry.register(Box::new(collector.clone())) {
        tracing::error!("metric not registered: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_registers_once() {
        // Registration errors are logged, not returned; count the families to catch them.
        let metrics = Metrics::new();
        metrics
            .hosts
            .reconcile
            .with_label_values(&["ns", "h"])
            .inc();
        metrics
            .controllers
            .observe("baremetalhost", std::time::Duration::from_millis(5), true);
        metrics
            .ironic
            .observe("GET", "/v1/nodes", 200, std::time::Duration::from_millis(1));
        let names: Vec<String> = metrics
            .registry
            .gather()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        for name in [
            "metal3_reconcile_total",
            "controller_runtime_reconcile_total",
            "controller_runtime_reconcile_time_seconds",
            "capm3_ironic_requests_total",
            "capm3_ironic_request_duration_seconds",
        ] {
            assert!(
                names.iter().any(|n| n == name),
                "{name} missing from {names:?}"
            );
        }
    }

    #[test]
    fn renders_the_text_format() {
        let metrics = Metrics::new();
        metrics
            .hosts
            .provisioning_state_change
            .with_label_values(&["registering", "inspecting"])
            .inc();
        let text = metrics.render();
        assert!(
            text.contains(
                "metal3_provisioning_state_change_total{new_state=\"inspecting\",prev_state=\"registering\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("# TYPE metal3_provisioning_state_change_total counter"));
    }
}
