//! The MachineDeployment stand-in: one MachineSet per deployment carrying its replicas and
//! template, as Cluster API's MachineDeployment controller keeps one per template revision.
//! Machines are a MachineSet's ([`super::machine_set`]): CAPM3's node reuse names a worker's
//! deployment through its MachineSet, so the chain is kept. There are no rolling updates: a
//! changed template is handed to the same MachineSet and only shapes new Machines.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use serde_json::json;

use super::names::DEPLOYMENT_NAME_LABEL;
use super::ownership::{adopt, members_of, merged, owned_by, owner_reference, paused};
use super::teardown::delete_ignoring_absent;
use super::{Context, Error, Shutdown, error_policy, generate_name, live_cluster};
use crate::api::capi::{
    Cluster, MachineDeployment, MachineSet, MachineSetSpec, MachineSetStatus, MachineTemplateSpec,
    ObjectMeta,
};
use crate::capm3::names::CLUSTER_NAME_LABEL;

const CONTROLLER: &str = "sandbox-machinedeployment";

/// Watches MachineDeployments, their MachineSets and their Clusters.
pub async fn run(context: Arc<Context>, shutdown: Shutdown) {
    let client = &context.client;
    let controller = Controller::new(
        context.options.api::<MachineDeployment>(client),
        watcher::Config::default(),
    );
    let deployments = controller.store();
    controller
        .owns(
            context.options.api::<MachineSet>(client),
            watcher::Config::default(),
        )
        .watches(
            context.options.api::<Cluster>(client),
            watcher::Config::default(),
            move |cluster| {
                members_of(&deployments, &cluster, |d: &MachineDeployment| {
                    &d.spec.cluster_name
                })
            },
        )
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
}

/// The labels every object of the deployment carries.
fn deployment_labels(deployment: &MachineDeployment) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            CLUSTER_NAME_LABEL.to_owned(),
            deployment.spec.cluster_name.clone(),
        ),
        (DEPLOYMENT_NAME_LABEL.to_owned(), deployment.name_any()),
    ])
}

/// The deployment's Machine template, labelled with the deployment.
fn machine_template(deployment: &MachineDeployment) -> MachineTemplateSpec {
    let template = &deployment.spec.template;
    let metadata = template.metadata.clone().unwrap_or_default();
    MachineTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(merged([
                &metadata.labels.unwrap_or_default(),
                &deployment_labels(deployment),
            ])),
            annotations: metadata.annotations,
        }),
        spec: template.spec.clone(),
    }
}

/// The MachineSet a deployment starts with.
fn new_machine_set(deployment: &MachineDeployment, name: &str) -> Result<MachineSet, Error> {
    let labels = deployment_labels(deployment);
    let mut set = MachineSet::new(
        name,
        MachineSetSpec {
            cluster_name: deployment.spec.cluster_name.clone(),
            replicas: deployment.spec.replicas,
            selector: serde_json::from_value(json!({ "matchLabels": labels }))
                .map_err(kube::Error::SerdeError)?,
            template: machine_template(deployment),
            rest: Default::default(),
        },
    );
    set.metadata.namespace = deployment.namespace();
    set.metadata.labels = Some(labels);
    set.metadata.owner_references = Some(vec![owner_reference(deployment, true)]);
    Ok(set)
}

async fn reconcile(
    deployment: Arc<MachineDeployment>,
    context: Arc<Context>,
) -> Result<Action, Error> {
    if deployment.meta().deletion_timestamp.is_some() {
        return Ok(Action::await_change());
    }
    let namespace = deployment.namespace().unwrap_or_default();
    let cluster_name = &deployment.spec.cluster_name;
    let Some(cluster) = live_cluster(&context, &namespace, cluster_name).await? else {
        return Ok(Action::await_change());
    };
    if paused(Some(&cluster), deployment.as_ref()) {
        return Ok(Action::await_change());
    }
    let api = context.api::<MachineDeployment>(&namespace);
    if adopt(
        &api,
        deployment.as_ref(),
        Some(owner_reference(&cluster, false)),
        cluster_name,
    )
    .await?
    {
        return Ok(Action::await_change());
    }

    let sets_api = context.api::<MachineSet>(&namespace);
    let uid = deployment.uid().unwrap_or_default();
    let mut sets: Vec<MachineSet> = sets_api
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|s| owned_by(s, &uid) && s.meta().deletion_timestamp.is_none())
        .collect();
    sets.sort_by_key(|s| {
        (
            s.metadata.creation_timestamp.clone().map(|t| t.0),
            s.name_any(),
        )
    });
    let Some(set) = sets.first() else {
        let name = generate_name(&deployment.name_any());
        sets_api
            .create(
                &PostParams::default(),
                &new_machine_set(&deployment, &name)?,
            )
            .await?;
        context
            .events
            .note(
                deployment.as_ref(),
                false,
                "SuccessfulCreate",
                format!("Created MachineSet {name}"),
            )
            .await;
        return Ok(Action::await_change());
    };
    for extra in &sets[1..] {
        delete_ignoring_absent(&sets_api, &extra.name_any()).await?;
    }
    let template = machine_template(&deployment);
    if set.spec.replicas != deployment.spec.replicas || set.spec.template != template {
        let patch = json!([
            {"op": "test", "path": "/metadata/resourceVersion", "value": set.resource_version()},
            {"op": "add", "path": "/spec/replicas", "value": deployment.spec.replicas},
            {"op": "add", "path": "/spec/template", "value": template},
        ]);
        let patch = serde_json::from_value(patch).map_err(kube::Error::SerdeError)?;
        sets_api
            .patch(
                &set.name_any(),
                &PatchParams::default(),
                &Patch::<()>::Json(patch),
            )
            .await?;
    }
    let observed = set.status.clone().unwrap_or_default();
    let status = MachineSetStatus {
        replicas: observed.replicas,
        ready_replicas: observed.ready_replicas,
        available_replicas: observed.available_replicas,
        ..deployment.status.clone().unwrap_or_default()
    };
    if deployment.status.as_ref() != Some(&status) {
        api.patch_status(
            &deployment.name_any(),
            &PatchParams::default(),
            &Patch::Merge(&json!({ "status": status })),
        )
        .await?;
    }
    Ok(Action::await_change())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MachineSet carries the deployment's replicas and template, labelled with the
    /// deployment, and is controlled by it.
    #[test]
    fn the_machine_set_follows_its_deployment() {
        let deployment: MachineDeployment = serde_json::from_value(json!({
            "metadata": {"name": "workers", "namespace": "ns", "uid": "md-uid"},
            "spec": {"clusterName": "c1", "replicas": 3,
                     "template": {"metadata": {"labels": {"pool": "a"}},
                                  "spec": {"clusterName": "c1", "version": "v1.33.0",
                                           "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                                                                 "kind": "Metal3MachineTemplate", "name": "workers"}}}},
        }))
        .expect("deployment");
        let set = new_machine_set(&deployment, "workers-abcde").expect("set");
        assert_eq!(set.spec.replicas, Some(3));
        let labels = set
            .spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        assert_eq!(labels.get("pool").map(String::as_str), Some("a"));
        assert_eq!(
            labels.get(DEPLOYMENT_NAME_LABEL).map(String::as_str),
            Some("workers")
        );
        assert_eq!(
            labels.get(CLUSTER_NAME_LABEL).map(String::as_str),
            Some("c1")
        );
        assert_eq!(
            set.labels().get(DEPLOYMENT_NAME_LABEL).map(String::as_str),
            Some("workers")
        );
        assert_eq!(set.spec.template.spec.version.as_deref(), Some("v1.33.0"));
        let owner = &set.owner_references()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.uid.as_str(), owner.controller),
            ("MachineDeployment", "md-uid", Some(true))
        );
    }
}
