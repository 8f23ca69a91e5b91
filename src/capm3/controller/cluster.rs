//! The Metal3Cluster controller (reference §1.1; M3C-01…M3C-09): the owner Cluster and its
//! Machines from the caches, [`crate::capm3::cluster::reconcile`], then the finalizer and the
//! status written back.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::runtime::controller::Action;
use kube::{Api, ResourceExt};

use super::{Context, Error, action, find, observed, retry_or_fail, triggers, writes};
use crate::api::capm3::v1beta2::{
    Metal3Cluster, Metal3ClusterDeprecatedStatus, Metal3ClusterInitializationStatus,
    Metal3ClusterStatus, Metal3ClusterV1Beta1DeprecatedStatus,
};
use crate::capm3::cluster::{
    self, ClusterInput, ClusterPlan, FinalizerChange, is_externally_managed, owner_cluster,
};
use crate::capm3::conditions::{self, CLUSTER_READY_OF, v1beta1};
use crate::capm3::names::CLUSTER_FINALIZER;
use crate::kubeutil::finalizers;

/// The controller's name in metrics and logs.
pub(super) const CONTROLLER: &str = "metal3cluster";

pub(super) async fn reconcile(
    metal3_cluster: Arc<Metal3Cluster>,
    context: Arc<Context>,
) -> Result<Action, Error> {
    observed(&context, CONTROLLER, async {
        reconcile_cluster(&context, &metal3_cluster)
            .await
            .or_else(retry_or_fail)
    })
    .await
}

/// The plan for `metal3_cluster`: an owner reference naming a Cluster the cache does not
/// hold is upstream's failure to get the owner Cluster.
fn plan(context: &Context, metal3_cluster: &Metal3Cluster) -> ClusterPlan {
    let namespace = metal3_cluster.namespace().unwrap_or_default();
    let owner = owner_cluster(metal3_cluster);
    let cluster = owner.and_then(|name| find(&context.stores.clusters, &namespace, name));
    if let (Some(name), None) = (owner, &cluster) {
        let (failure, report) =
            cluster::owner_cluster_failed(&format!("Cluster {namespace}/{name} not found"));
        return ClusterPlan {
            failure: Some(Some(failure)),
            report,
            ..ClusterPlan::default()
        };
    }
    let machines = match (&cluster, &metal3_cluster.metadata.deletion_timestamp) {
        (Some(cluster), Some(_)) => triggers::machines_in_cluster(
            &context.stores.capi_machines,
            &namespace,
            &cluster.name_any(),
        )
        .len(),
        _ => 0,
    };
    cluster::reconcile(&ClusterInput {
        metal3_cluster,
        cluster: cluster.as_deref(),
        machines,
    })
}

async fn reconcile_cluster(
    context: &Context,
    metal3_cluster: &Metal3Cluster,
) -> Result<Action, Error> {
    if is_externally_managed(metal3_cluster) {
        return Ok(Action::await_change());
    }
    let api: Api<Metal3Cluster> = Api::namespaced(
        context.client.clone(),
        &metal3_cluster.namespace().unwrap_or_default(),
    );
    let plan = plan(context, metal3_cluster);
    writes::publish(&context.events, metal3_cluster, &plan.report.events).await;
    let stored = match plan.finalizer {
        Some(FinalizerChange::Add) => {
            finalizers::add(&api, metal3_cluster, CLUSTER_FINALIZER).await?
        }
        Some(FinalizerChange::Remove) => {
            finalizers::release(&api, metal3_cluster, CLUSTER_FINALIZER).await?;
            return Ok(Action::await_change());
        }
        None => metal3_cluster.clone(),
    };
    let wanted = planned(&stored, &plan, &Time(Timestamp::now()));
    writes::status(&api, &stored, &wanted).await?;
    action(plan.report.next)
}

fn empty_status() -> Metal3ClusterStatus {
    Metal3ClusterStatus {
        conditions: None,
        deprecated: None,
        failure_domains: None,
        initialization: None,
        last_updated: None,
    }
}

fn v1beta1_status(status: &mut Metal3ClusterStatus) -> &mut Metal3ClusterV1Beta1DeprecatedStatus {
    status
        .deprecated
        .get_or_insert(Metal3ClusterDeprecatedStatus { v1_beta1: None })
        .v1_beta1
        .get_or_insert(Metal3ClusterV1Beta1DeprecatedStatus {
            conditions: None,
            failure_message: None,
            failure_reason: None,
        })
}

/// `metal3_cluster` with the plan's status: failure domains, provisioned, the deprecated
/// failure, conditions with `Ready` summarised (both lists), and `lastUpdated` when asked.
fn planned(metal3_cluster: &Metal3Cluster, plan: &ClusterPlan, now: &Time) -> Metal3Cluster {
    let mut wanted = metal3_cluster.clone();
    let generation = wanted.metadata.generation;
    let status = wanted.status.get_or_insert_with(empty_status);
    if let Some(domains) = &plan.failure_domains {
        status.failure_domains = domains.clone();
    }
    if let Some(provisioned) = plan.provisioned {
        status.initialization = Some(Metal3ClusterInitializationStatus {
            provisioned: Some(provisioned),
        });
    }
    if let Some(failure) = &plan.failure {
        let deprecated = v1beta1_status(status);
        deprecated.failure_reason = failure.as_ref().map(|f| f.reason.to_owned());
        deprecated.failure_message = failure.as_ref().map(|f| f.message.clone());
    }
    status.conditions = Some(conditions::apply_with_summary(
        status.conditions.as_deref().unwrap_or_default(),
        &plan.report.conditions,
        &CLUSTER_READY_OF,
        generation,
        now,
    ));
    let existing = status
        .deprecated
        .as_ref()
        .and_then(|d| d.v1_beta1.as_ref())
        .and_then(|v| v.conditions.clone());
    let legacy = conditions::apply_v1beta1_with_summary(
        existing.as_deref().unwrap_or_default(),
        &plan.report.v1beta1,
        &v1beta1::CLUSTER_READY_OF,
        now,
    );
    if existing.is_some() || !legacy.is_empty() {
        v1beta1_status(status).conditions = Some(legacy);
    }
    if plan.touch {
        status.last_updated = Some(now.clone());
    }
    wanted
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::cluster::Failure;
    use crate::capm3::conditions::{Cond, READY, reason};
    use crate::capm3::outcome::Report;

    /// M3C-03, M3C-04, M3C-06: what a plan puts into the status.
    #[test]
    fn plan_into_status() {
        let m3c: Metal3Cluster = serde_json::from_value(json!({
            "metadata": {"name": "test1", "namespace": "metal3", "generation": 2},
            "spec": {},
        }))
        .expect("m3c");
        let now = Time(Timestamp::now());
        let plan = ClusterPlan {
            provisioned: Some(false),
            failure: Some(Some(Failure {
                reason: reason::INVALID_CONFIGURATION,
                message: "Invalid Metal3Cluster provided".into(),
            })),
            report: Report::default().with(Cond::no(
                conditions::BAREMETAL_INFRASTRUCTURE_READY,
                reason::INVALID_CONFIGURATION,
                "bad",
            )),
            touch: true,
            ..ClusterPlan::default()
        };
        let status = planned(&m3c, &plan, &now).status.expect("status");
        assert_eq!(
            status.initialization.and_then(|i| i.provisioned),
            Some(false)
        );
        let deprecated = status.deprecated.and_then(|d| d.v1_beta1).expect("v1beta1");
        assert_eq!(
            deprecated.failure_reason.as_deref(),
            Some("InvalidConfiguration")
        );
        assert_eq!(deprecated.conditions, None);
        let conditions = status.conditions.expect("conditions");
        let ready = conditions.iter().find(|c| c.type_ == READY).expect("Ready");
        assert_eq!(
            (ready.status.as_str(), ready.reason.as_str()),
            ("False", "NotReady")
        );
        assert_eq!(ready.observed_generation, Some(2));
        assert_eq!(status.last_updated, Some(now));

        let cleared = ClusterPlan {
            failure: Some(None),
            ..ClusterPlan::default()
        };
        let failed = planned(&m3c, &plan, &Time(Timestamp::now()));
        let status = planned(&failed, &cleared, &Time(Timestamp::now()))
            .status
            .expect("status");
        let deprecated = status.deprecated.and_then(|d| d.v1_beta1).expect("v1beta1");
        assert_eq!(
            (deprecated.failure_reason, deprecated.failure_message),
            (None, None)
        );
    }
}
