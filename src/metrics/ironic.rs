//! Ironic request counts and latencies by endpoint, method and status: the load capm3
//! puts on Ironic, which upstream cannot show.

use std::time::Duration;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

use super::register;

#[derive(Clone)]
pub struct IronicMetrics {
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl IronicMetrics {
    pub fn new() -> IronicMetrics {
        IronicMetrics {
            requests: IntCounterVec::new(
                Opts::new(
                    "capm3_ironic_requests_total",
                    "Requests sent to Ironic, by endpoint, method and HTTP status (0: no response)",
                ),
                &["endpoint", "method", "code"],
            )
            .expect("valid metric name"),
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "capm3_ironic_request_duration_seconds",
                    "Latency of Ironic requests, by endpoint and method",
                ),
                &["endpoint", "method"],
            )
            .expect("valid metric name"),
        }
    }

    /// Records one request; `path` is the request path, reduced to its endpoint label here.
    pub fn observe(&self, method: &str, path: &str, code: u16, took: Duration) {
        let endpoint = endpoint_label(path);
        self.requests
            .with_label_values(&[endpoint.as_str(), method, &code.to_string()])
            .inc();
        self.latency
            .with_label_values(&[endpoint.as_str(), method])
            .observe(took.as_secs_f64());
    }

    pub(super) fn register(&self, registry: &Registry) {
        register(registry, &self.requests);
        register(registry, &self.latency);
    }
}

impl Default for IronicMetrics {
    fn default() -> Self {
        IronicMetrics::new()
    }
}

/// Sub-resources whose next path segment is a name (a VIF id, a trait, a BIOS setting).
const NAMED_SUBRESOURCES: [&str; 3] = ["vifs", "traits", "bios"];

/// A request path without its identifiers, so the label has few values:
/// `/v1/nodes/3f2a…/states/provision?x=1` → `/v1/nodes/{id}/states/provision`.
pub fn endpoint_label(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut label = String::new();
    for (i, segment) in segments.iter().enumerate() {
        label.push('/');
        let is_identifier = (i == 2 && segments[0] == "v1")
            || (i == 4 && NAMED_SUBRESOURCES.contains(&segments[3]));
        label.push_str(if is_identifier { "{id}" } else { segment });
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_labels_drop_identifiers_and_queries() {
        for (path, label) in [
            ("/", "/"),
            ("/v1/nodes", "/v1/nodes"),
            ("/v1/nodes?fields=uuid,name&limit=100", "/v1/nodes"),
            ("/v1/nodes/3f2a-11", "/v1/nodes/{id}"),
            (
                "/v1/nodes/host-0/states/provision",
                "/v1/nodes/{id}/states/provision",
            ),
            ("/v1/nodes/host-0/vifs/abc", "/v1/nodes/{id}/vifs/{id}"),
            ("/v1/ports/9", "/v1/ports/{id}"),
            ("/v1/drivers", "/v1/drivers"),
        ] {
            assert_eq!(endpoint_label(path), label, "{path}");
        }
    }
}
