//! The MachineSet stand-in: keeps `spec.replicas` Machines (default 1) stamped from
//! `spec.template`, labelled with the set (and its deployment), each with a Metal3Machine
//! cloned from the template's Metal3MachineTemplate ([`super::replicas`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Resource, ResourceExt};
use serde_json::json;

use super::names::{DEPLOYMENT_NAME_LABEL, SET_NAME_LABEL};
use super::ownership::{adopt, members_of, merged, owner_reference, paused};
use super::replicas::{self, Outcome, Replicas, replica_progress};
use super::{Context, Error, Shutdown, error_policy, live_cluster};
use crate::api::capi::{Cluster, Machine, MachineSet, MachineSetStatus};

const CONTROLLER: &str = "sandbox-machineset";
/// Machine changes closer together than this bring a set back once.
const DEBOUNCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Watches MachineSets, their Machines and their Clusters.
pub async fn run(context: Arc<Context>, shutdown: Shutdown) {
    let client = &context.client;
    let controller = Controller::new(
        context.options.api::<MachineSet>(client),
        watcher::Config::default(),
    );
    let sets = controller.store();
    // Only the Machine changes that change the set's count or status bring it back, at most
    // once a second: each pass lists the Cluster's Machines, and at a thousand Machines a pass
    // per status write would keep the API server busy listing.
    let machine_changes = watcher(
        context.options.api::<Machine>(client),
        watcher::Config::default(),
    )
    .touched_objects()
    .predicate_filter(replica_progress, Default::default());
    controller
        .owns_stream(machine_changes)
        .with_config(controller::Config::default().debounce(DEBOUNCE))
        .watches(
            context.options.api::<Cluster>(client),
            watcher::Config::default(),
            move |cluster| members_of(&sets, &cluster, |set: &MachineSet| &set.spec.cluster_name),
        )
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
}

/// `spec.replicas` as a count; unset means one, as Cluster API defaults it.
pub fn wanted(replicas: Option<i32>) -> usize {
    usize::try_from(replicas.unwrap_or(1)).unwrap_or(0)
}

async fn reconcile(set: Arc<MachineSet>, context: Arc<Context>) -> Result<Action, Error> {
    if set.meta().deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let namespace = set.namespace().unwrap_or_default();
    let cluster_name = &set.spec.cluster_name;
    let Some(cluster) = live_cluster(&context, &namespace, cluster_name).await? else {
        return Ok(Action::await_change());
    };
    if paused(Some(&cluster), set.as_ref()) {
        return Ok(Action::await_change());
    }
    let api = context.api::<MachineSet>(&namespace);
    // A set of its own (no deployment) belongs to its Cluster, for `clusterctl move`.
    let cluster_owner = set
        .owner_references()
        .is_empty()
        .then(|| owner_reference(&cluster, false));
    if adopt(&api, set.as_ref(), cluster_owner, cluster_name).await? {
        return Ok(Action::await_change());
    }

    let template = &set.spec.template;
    let template_meta = template.metadata.clone().unwrap_or_default();
    let mut own = BTreeMap::from([(SET_NAME_LABEL.to_owned(), set.name_any())]);
    if let Some(deployment) = set.labels().get(DEPLOYMENT_NAME_LABEL) {
        own.insert(DEPLOYMENT_NAME_LABEL.to_owned(), deployment.clone());
    }
    let replicas = Replicas {
        namespace: &namespace,
        cluster: cluster_name,
        owner: owner_reference(set.as_ref(), true),
        wanted: wanted(set.spec.replicas),
        labels: merged([&template_meta.labels.unwrap_or_default(), &own]),
        annotations: template_meta.annotations.unwrap_or_default(),
        spec: &template.spec,
    };
    let outcome = replicas::keep(&context, &replicas).await?;
    report(&context, set.as_ref(), &outcome).await;

    let status = MachineSetStatus {
        replicas: Some(outcome.replicas),
        ready_replicas: Some(outcome.ready),
        available_replicas: Some(outcome.ready),
        ..set.status.clone().unwrap_or_default()
    };
    if set.status.as_ref() != Some(&status) {
        let patch = json!({ "status": status });
        api.patch_status(
            &set.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await?;
    }
    Ok(Action::await_change())
}

/// Events for the Machines created and deleted, as Cluster API's MachineSet controller emits
/// them, about `owner`.
pub async fn report<K: Resource<DynamicType = ()>>(
    context: &Context,
    owner: &K,
    outcome: &Outcome,
) {
    for name in &outcome.created {
        context
            .events
            .note(
                owner,
                false,
                "SuccessfulCreate",
                format!("Created machine {name}"),
            )
            .await;
    }
    for name in &outcome.deleted {
        context
            .events
            .note(
                owner,
                false,
                "SuccessfulDelete",
                format!("Deleted machine {name}"),
            )
            .await;
    }
}
