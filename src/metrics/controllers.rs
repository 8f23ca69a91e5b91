//! Reconcile and work-queue metrics under controller-runtime's names, which the
//! Cluster API dashboards already chart for upstream's managers.

use std::time::Duration;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

use super::register;

#[derive(Clone)]
pub struct ControllerMetrics {
    /// `{controller, result}` with result `success` or `error`.
    pub reconcile_total: IntCounterVec,
    pub reconcile_errors: IntCounterVec,
    pub reconcile_time: HistogramVec,
    /// Objects waiting to be reconciled, per controller.
    pub workqueue_depth: IntGaugeVec,
    pub active_workers: IntGaugeVec,
}

impl ControllerMetrics {
    pub fn new() -> ControllerMetrics {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric name")
        };
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric name")
        };
        ControllerMetrics {
            reconcile_total: counter(
                "controller_runtime_reconcile_total",
                "Total number of reconciliations per controller",
                &["controller", "result"],
            ),
            reconcile_errors: counter(
                "controller_runtime_reconcile_errors_total",
                "Total number of reconciliation errors per controller",
                &["controller"],
            ),
            reconcile_time: HistogramVec::new(
                HistogramOpts::new(
                    "controller_runtime_reconcile_time_seconds",
                    "Length of time per reconciliation per controller",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0,
                ]),
                &["controller"],
            )
            .expect("valid metric name"),
            workqueue_depth: gauge(
                "workqueue_depth",
                "Current depth of the work queue",
                &["controller", "name"],
            ),
            active_workers: gauge(
                "controller_runtime_active_workers",
                "Number of currently used workers per controller",
                &["controller"],
            ),
        }
    }

    /// Records one finished reconcile.
    pub fn observe(&self, controller: &str, took: Duration, ok: bool) {
        let result = if ok { "success" } else { "error" };
        self.reconcile_total
            .with_label_values(&[controller, result])
            .inc();
        if !ok {
            self.reconcile_errors.with_label_values(&[controller]).inc();
        }
        self.reconcile_time
            .with_label_values(&[controller])
            .observe(took.as_secs_f64());
    }

    pub(super) fn register(&self, registry: &Registry) {
        register(registry, &self.reconcile_total);
        register(registry, &self.reconcile_errors);
        register(registry, &self.reconcile_time);
        register(registry, &self.workqueue_depth);
        register(registry, &self.active_workers);
    }
}

impl Default for ControllerMetrics {
    fn default() -> Self {
        ControllerMetrics::new()
    }
}
