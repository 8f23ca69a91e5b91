//! Reading the manager's `/metrics`: reconcile counts and latency quantiles per controller,
//! from controller-runtime's metric names.

use std::collections::BTreeMap;

use serde::Serialize;

/// One controller's reconciles.
#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Reconciles {
    pub count: u64,
    pub errors: u64,
    pub p50_seconds: Option<f64>,
    pub p99_seconds: Option<f64>,
}

/// One sample line: name, labels, value.
fn sample(line: &str) -> Option<(&str, BTreeMap<&str, &str>, f64)> {
    if line.starts_with('#') {
        return None;
    }
    let (series, value) = line.rsplit_once(' ')?;
    let value = value.parse().ok()?;
    let Some((name, labels)) = series.split_once('{') else {
        return Some((series, BTreeMap::new(), value));
    };
    let labels = labels
        .trim_end_matches('}')
        .split(',')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key, value.trim_matches('"')))
        })
        .collect();
    Some((name, labels, value))
}

/// Reconciles per controller, from a Prometheus text exposition.
pub fn reconciles(text: &str) -> BTreeMap<String, Reconciles> {
    let mut by_controller: BTreeMap<String, Reconciles> = BTreeMap::new();
    let mut buckets: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (name, labels, value) in text.lines().filter_map(sample) {
        let Some(controller) = labels.get("controller") else {
            continue;
        };
        let entry = by_controller.entry((*controller).to_owned()).or_default();
        match name {
            "controller_runtime_reconcile_total" => entry.count += value as u64,
            "controller_runtime_reconcile_errors_total" => entry.errors += value as u64,
            "controller_runtime_reconcile_time_seconds_bucket" => {
                let le = labels.get("le").and_then(|le| match *le {
                    "+Inf" => Some(f64::INFINITY),
                    le => le.parse().ok(),
                });
                if let Some(le) = le {
                    buckets
                        .entry((*controller).to_owned())
                        .or_default()
                        .push((le, value));
                }
            }
            _ => {}
        }
    }
    for (controller, mut buckets) in buckets {
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(entry) = by_controller.get_mut(&controller) {
            entry.p50_seconds = quantile(&buckets, 0.5);
            entry.p99_seconds = quantile(&buckets, 0.99);
        }
    }
    by_controller.retain(|_, r| r.count > 0);
    by_controller
}

/// The `q` quantile of cumulative `(upper bound, count)` buckets, interpolated within the
/// bucket as Prometheus' `histogram_quantile` does; the highest finite bound when it falls
/// in the `+Inf` bucket.
fn quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return Some(lower.0);
            }
            let share = if count > lower.1 {
                (rank - lower.1) / (count - lower.1)
            } else {
                0.0
            };
            return Some(lower.0 + (bound - lower.0) * share);
        }
        lower = (bound, count);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP controller_runtime_reconcile_total Total reconciliations
# TYPE controller_runtime_reconcile_total counter
controller_runtime_reconcile_total{controller="metal3machine",result="success"} 90
controller_runtime_reconcile_total{controller="metal3machine",result="requeue"} 10
controller_runtime_reconcile_total{controller="idle",result="success"} 0
controller_runtime_reconcile_errors_total{controller="metal3machine"} 3
controller_runtime_reconcile_time_seconds_bucket{controller="metal3machine",le="0.01"} 50
controller_runtime_reconcile_time_seconds_bucket{controller="metal3machine",le="0.1"} 98
controller_runtime_reconcile_time_seconds_bucket{controller="metal3machine",le="+Inf"} 100
workqueue_depth{name="metal3machine"} 0
"#;

    #[test]
    fn counts_and_quantiles_come_from_the_histogram() {
        let reconciles = reconciles(TEXT);
        assert_eq!(
            reconciles.len(),
            1,
            "controllers without reconciles are left out"
        );
        let machine = &reconciles["metal3machine"];
        assert_eq!((machine.count, machine.errors), (100, 3));
        assert_eq!(machine.p50_seconds, Some(0.01));
        // The 99th falls in the +Inf bucket: the highest finite bound.
        assert_eq!(machine.p99_seconds, Some(0.1));
    }

    #[test]
    fn quantiles_interpolate_within_a_bucket() {
        let buckets = [(1.0, 0.0), (2.0, 10.0), (f64::INFINITY, 10.0)];
        assert_eq!(quantile(&buckets, 0.5), Some(1.5));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
