//! The BareMetalHost operator's metrics, with upstream's names, labels and buckets
//! (`internal/controller/metal3.io/metrics.go`), so existing dashboards and alerts work.

use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry};

use super::register;

/// Upstream's buckets for the inspect, provision and deprovision durations (seconds).
const SLOW_OPERATION_BUCKETS: [f64; 6] = [30.0, 90.0, 180.0, 360.0, 720.0, 1440.0];

#[derive(Clone)]
pub struct HostMetrics {
    pub reconcile: IntCounterVec,
    pub reconcile_error: IntCounter,
    /// Labelled with the event reason, e.g. `ProvisioningError`.
    pub host_error: IntCounterVec,
    pub power_change: IntCounterVec,
    pub credentials_missing: IntCounter,
    pub credentials_invalid: IntCounter,
    pub credentials_unhandled_error: IntCounter,
    pub credentials_updated: IntCounter,
    pub credentials_no_management_access: IntCounter,
    pub host_config_data_error: IntCounterVec,
    pub delayed_provisioning: IntCounterVec,
    pub delayed_deprovisioning: IntCounterVec,
    pub register_duration: HistogramVec,
    pub inspect_duration: HistogramVec,
    pub provision_duration: HistogramVec,
    pub deprovision_duration: HistogramVec,
    pub provisioning_state_change: IntCounterVec,
    pub registration_required: IntCounter,
    pub host_unmanaged: IntCounter,
    pub delete_without_deprovisioning: IntCounter,
    pub provisioner_not_ready: IntCounter,
    pub delete_delayed_for_detached: IntCounter,
}

fn counter(name: &str, help: &str) -> IntCounter {
    IntCounter::with_opts(Opts::new(name, help)).expect("valid metric name")
}

fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric name")
}

fn duration(name: &str, help: &str, buckets: Option<&[f64]>) -> HistogramVec {
    let mut opts = HistogramOpts::new(name, help);
    if let Some(buckets) = buckets {
        opts = opts.buckets(buckets.to_vec());
    }
    HistogramVec::new(opts, &["namespace", "host"]).expect("valid metric name")
}

const HOST: [&str; 2] = ["namespace", "host"];

impl HostMetrics {
    pub fn new() -> HostMetrics {
        let slow = Some(&SLOW_OPERATION_BUCKETS[..]);
        HostMetrics {
            reconcile: counter_vec(
                "metal3_reconcile_total",
                "The number of times hosts have been reconciled",
                &HOST,
            ),
            reconcile_error: counter(
                "metal3_reconcile_error_total",
                "The number of times the operator has failed to reconcile a host",
            ),
            host_error: counter_vec(
                "metal3_host_error_total",
                "Number of times a host has entered an error state",
                &["error_type"],
            ),
            power_change: counter_vec(
                "metal3_operation_power_change_total",
                "Number of times a host has been powered on or off",
                &["namespace", "host", "on_off"],
            ),
            credentials_missing: counter(
                "metal3_credentials_missing_total",
                "Number of times a host's credentials are found to be missing",
            ),
            credentials_invalid: counter(
                "metal3_credentials_invalid_total",
                "Number of times a host's credentials are found to be invalid",
            ),
            credentials_unhandled_error: counter(
                "metal3_credentials_unhandled_error_total",
                "Number of times getting a host's credentials fails in an unexpected way",
            ),
            credentials_updated: counter(
                "metal3_credentials_updated_total",
                "Number of times a host's credentials change",
            ),
            credentials_no_management_access: counter(
                "metal3_credentials_no_management_access_total",
                "Number of times a host management interface is unavailable",
            ),
            host_config_data_error: counter_vec(
                "metal3_host_config_data_error_total",
                "Number of times the operator has failed to retrieve host configuration data",
                &["host_data_type"],
            ),
            // Upstream names these `metal3_delayed__*` (a typo, double underscore); capm3 uses
            // the intended name (docs/manager.md).
            delayed_provisioning: counter_vec(
                "metal3_delayed_provisioning_total",
                "Number of times provisioning was delayed by the provisioning limit",
                &HOST,
            ),
            delayed_deprovisioning: counter_vec(
                "metal3_delayed_deprovisioning_total",
                "Number of times deprovisioning was delayed by the provisioning limit",
                &HOST,
            ),
            register_duration: duration(
                "metal3_operation_register_duration_seconds",
                "Length of time per registration per host",
                None,
            ),
            inspect_duration: duration(
                "metal3_operation_inspect_duration_seconds",
                "Length of time per hardware inspection per host",
                slow,
            ),
            provision_duration: duration(
                "metal3_operation_provision_duration_seconds",
                "Length of time per provisioning operation per host",
                slow,
            ),
            deprovision_duration: duration(
                "metal3_operation_deprovision_duration_seconds",
                "Length of time per deprovisioning operation per host",
                slow,
            ),
            provisioning_state_change: counter_vec(
                "metal3_provisioning_state_change_total",
                "Number of times a state transition has occurred",
                &["prev_state", "new_state"],
            ),
            registration_required: counter(
                "metal3_host_registration_required_total",
                "Number of times a host is found to require registration",
            ),
            host_unmanaged: counter(
                "metal3_host_unmanaged_total",
                "Number of times a host is found to be unmanageable",
            ),
            delete_without_deprovisioning: counter(
                "metal3_delete_without_deprovisioning_total",
                "Number of times a host is deleted despite deprovisioning failing",
            ),
            provisioner_not_ready: counter(
                "metal3_provisioner_not_ready_total",
                "Number of times a host is not provision ready",
            ),
            delete_delayed_for_detached: counter(
                "metal3_delete_delayed_for_detached_total",
                "Number of times a host's deletion waited for the detached annotation to come back",
            ),
        }
    }

    pub(super) fn register(&self, registry: &Registry) {
        for vec in [
            &self.reconcile,
            &self.host_error,
            &self.power_change,
            &self.host_config_data_error,
            &self.delayed_provisioning,
            &self.delayed_deprovisioning,
            &self.provisioning_state_change,
        ] {
            register(registry, vec);
        }
        for counter in [
            &self.reconcile_error,
            &self.credentials_missing,
            &self.credentials_invalid,
            &self.credentials_unhandled_error,
            &self.credentials_updated,
            &self.credentials_no_management_access,
            &self.registration_required,
            &self.host_unmanaged,
            &self.delete_without_deprovisioning,
            &self.provisioner_not_ready,
            &self.delete_delayed_for_detached,
        ] {
            register(registry, counter);
        }
        for histogram in [
            &self.register_duration,
            &self.inspect_duration,
            &self.provision_duration,
            &self.deprovision_duration,
        ] {
            register(registry, histogram);
        }
    }
}

impl Default for HostMetrics {
    fn default() -> Self {
        HostMetrics::new()
    }
}
