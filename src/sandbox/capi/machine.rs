//! The Machine stand-in (Cluster API's Machine controller): the cluster-name label and the
//! `machine.cluster.x-k8s.io` finalizer on the Machine; its bootstrap data
//! ([`super::bootstrap`]); its Metal3Machine owned by it and labelled with the Cluster; the
//! kubelet joining ([`super::kubelet`]); the providerID, addresses, Node reference, phase and
//! conditions propagated back ([`super::machine_status`]). Deleting a Machine deletes its
//! Metal3Machine and waits until it is gone (so its host is released first), then removes the
//! Node and the bootstrap data.

use std::sync::Arc;

use futures::channel::mpsc::UnboundedReceiver;
use futures::{StreamExt, stream};
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::watcher;
use kube::{Resource, ResourceExt};
use serde_json::json;

use super::machine_status::{Observed, desired_status, provider_id};
use super::names::{MACHINE_FINALIZER, phase};
use super::ownership::{adopt, owner_reference, paused};
use super::teardown::delete_ignoring_absent;
use super::{Context, Error, Shutdown, absent_ok, bootstrap, error_policy, kubelet};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};
use crate::api::capm3::v1beta2::Metal3Machine;
use crate::capm3::names::{CAPI_GROUP, CLUSTER_NAME_LABEL, GROUP};
use crate::capm3::node_reuse::group_of;
use crate::kubeutil::finalizers;

const CONTROLLER: &str = "sandbox-machine";

/// Watches Machines, Metal3Machines, BareMetalHosts and (through `nodes_changed`) the Nodes
/// of every workload cluster.
pub async fn run(
    context: Arc<Context>,
    nodes_changed: UnboundedReceiver<ObjectRef<Cluster>>,
    shutdown: Shutdown,
) {
    let client = &context.client;
    let controller = Controller::new(
        context.options.api::<Machine>(client),
        watcher::Config::default(),
    );
    let machines = controller.store();
    let (of_infrastructure, of_hosts) = (machines.clone(), machines.clone());
    controller
        .watches(
            context.options.api::<Metal3Machine>(client),
            watcher::Config::default(),
            move |infrastructure| machines_of_infrastructure(&of_infrastructure, &infrastructure),
        )
        .watches(
            context.options.api::<BareMetalHost>(client),
            watcher::Config::default(),
            move |host| machines_of_host(&of_hosts, &host),
        )
        .reconcile_on(
            nodes_changed.flat_map(move |cluster| stream::iter(machines_in(&machines, &cluster))),
        )
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
        .await;
}

/// The Machines whose infrastructure is the Metal3Machine `name` in `namespace`.
fn machines_named(
    machines: &Store<Machine>,
    namespace: &str,
    name: &str,
) -> Vec<ObjectRef<Machine>> {
    machines
        .state()
        .iter()
        .filter(|m| m.namespace().as_deref() == Some(namespace))
        .filter(|m| {
            m.spec.infrastructure_ref.kind == "Metal3Machine"
                && m.spec.infrastructure_ref.name == name
        })
        .map(|m| ObjectRef::from_obj(m.as_ref()))
        .collect()
}

/// The Machines of a Metal3Machine: its owners, and any Machine referring to it.
fn machines_of_infrastructure(
    machines: &Store<Machine>,
    infrastructure: &Metal3Machine,
) -> Vec<ObjectRef<Machine>> {
    let namespace = infrastructure.namespace().unwrap_or_default();
    let mut found = machines_named(machines, &namespace, &infrastructure.name_any());
    found.extend(
        infrastructure
            .owner_references()
            .iter()
            .filter(|o| o.kind == "Machine" && group_of(&o.api_version) == CAPI_GROUP)
            .map(|o| ObjectRef::new(&o.name).within(&namespace)),
    );
    found
}

/// The Machine of the Metal3Machine a host's consumerRef names.
fn machines_of_host(machines: &Store<Machine>, host: &BareMetalHost) -> Vec<ObjectRef<Machine>> {
    let Some(consumer) = &host.spec.consumer_ref else {
        return Vec::new();
    };
    if consumer.kind.as_deref() != Some("Metal3Machine") {
        return Vec::new();
    }
    let namespace = consumer
        .namespace
        .clone()
        .or_else(|| host.namespace())
        .unwrap_or_default();
    machines_named(
        machines,
        &namespace,
        consumer.name.as_deref().unwrap_or_default(),
    )
}

/// The Machines of `cluster`.
fn machines_in(machines: &Store<Machine>, cluster: &ObjectRef<Cluster>) -> Vec<ObjectRef<Machine>> {
    machines
        .state()
        .iter()
        .filter(|m| m.namespace() == cluster.namespace && m.spec.cluster_name == cluster.name)
        .map(|m| ObjectRef::from_obj(m.as_ref()))
        .collect()
}

/// The Metal3Machine a Machine's `infrastructureRef` names; `Err` for another kind.
fn metal3_machine_name(machine: &Machine) -> Result<&str, String> {
    let reference = &machine.spec.infrastructure_ref;
    if reference.api_group == GROUP
        && reference.kind == "Metal3Machine"
        && !reference.name.is_empty()
    {
        return Ok(&reference.name);
    }
    Err(format!(
        "infrastructureRef {}/{} is not a Metal3Machine: the sandbox's Cluster API stand-ins \
         only handle Metal3 infrastructure",
        reference.kind, reference.name
    ))
}

async fn reconcile(machine: Arc<Machine>, context: Arc<Context>) -> Result<Action, Error> {
    let namespace = machine.namespace().unwrap_or_default();
    let cluster = absent_ok(
        context
            .api::<Cluster>(&namespace)
            .get(&machine.spec.cluster_name)
            .await,
    )?;
    if paused(cluster.as_ref(), machine.as_ref()) {
        return Ok(Action::await_change());
    }
    if machine.meta().deletion_timestamp.is_some() {
        return delete(&context, &machine).await;
    }
    let api = context.api::<Machine>(&namespace);
    let name = machine.name_any();
    let cluster_name = &machine.spec.cluster_name;
    let labelled = machine.labels().get(CLUSTER_NAME_LABEL) == Some(cluster_name);
    if !labelled || !finalizers::has_finalizer(machine.as_ref(), MACHINE_FINALIZER) {
        let patch = json!({"metadata": {"resourceVersion": machine.resource_version(),
            "labels": {CLUSTER_NAME_LABEL: cluster_name},
            "finalizers": finalizers::with_finalizer(machine.as_ref(), MACHINE_FINALIZER)}});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        return Ok(Action::await_change());
    }
    if machine.spec.bootstrap.data_secret_name.is_none() {
        let secret = bootstrap::ensure(&context, &machine).await?;
        let patch = json!({"metadata": {"resourceVersion": machine.resource_version()},
                           "spec": {"bootstrap": {"dataSecretName": secret}}});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        return Ok(Action::await_change());
    }

    let infrastructure = infrastructure(&context, &machine).await?;
    let mut node = None;
    if let (Some(workload), Some(infrastructure)) = (
        context.workloads.client(&namespace, cluster_name).await,
        &infrastructure,
    ) {
        if let Some(joined) = kubelet::join(&context, &workload, &machine, infrastructure).await? {
            context
                .events
                .note(
                    machine.as_ref(),
                    false,
                    "NodeJoined",
                    format!("Node {joined} joined the workload cluster"),
                )
                .await;
        }
        if let Some(id) = &machine.spec.provider_id {
            node = kubelet::node_with_provider_id(&workload, &machine, id).await?;
        }
    }
    let wanted_id = provider_id(infrastructure.as_ref());
    if wanted_id.is_some() && wanted_id != machine.spec.provider_id {
        let patch = json!({"metadata": {"resourceVersion": machine.resource_version()},
                           "spec": {"providerID": wanted_id}});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        return Ok(Action::await_change());
    }
    let status = desired_status(&Observed {
        machine: &machine,
        infrastructure: infrastructure.as_ref(),
        node: node.as_ref(),
    });
    if machine.status.as_ref() != Some(&status) {
        let was = machine.status.as_ref().and_then(|s| s.phase.clone());
        let patch =
            json!({"metadata": {"resourceVersion": machine.resource_version()}, "status": status});
        api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        if status.phase != was && status.phase.as_deref() == Some(phase::RUNNING) {
            context
                .events
                .note(
                    machine.as_ref(),
                    false,
                    "MachineRunning",
                    "Machine is running: its Node is linked".into(),
                )
                .await;
        }
    }
    Ok(Action::await_change())
}

/// The Machine's Metal3Machine, made owned by the Machine and labelled with its Cluster.
async fn infrastructure(
    context: &Context,
    machine: &Machine,
) -> Result<Option<Metal3Machine>, Error> {
    let name = match metal3_machine_name(machine) {
        Ok(name) => name,
        Err(message) => {
            context
                .events
                .note(machine, true, "UnsupportedInfrastructure", message.clone())
                .await;
            return Err(Error::Blocked(message));
        }
    };
    let api = context.api::<Metal3Machine>(&machine.namespace().unwrap_or_default());
    let Some(infrastructure) = absent_ok(api.get(name).await)? else {
        return Ok(None);
    };
    if adopt(
        &api,
        &infrastructure,
        Some(owner_reference(machine, true)),
        &machine.spec.cluster_name,
    )
    .await?
    {
        return Ok(absent_ok(api.get(name).await)?);
    }
    Ok(Some(infrastructure))
}

/// Deletion: the Metal3Machine first, waited for; then the Node and the bootstrap data.
async fn delete(context: &Context, machine: &Machine) -> Result<Action, Error> {
    if !finalizers::has_finalizer(machine, MACHINE_FINALIZER) {
        return Ok(Action::await_change());
    }
    let namespace = machine.namespace().unwrap_or_default();
    let api = context.api::<Machine>(&namespace);
    let machine =
        if machine.status.as_ref().and_then(|s| s.phase.as_deref()) != Some(phase::DELETING) {
            let patch = json!({"status": {"phase": phase::DELETING}});
            &api.patch_status(
                &machine.name_any(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await?
        } else {
            machine
        };
    if let Ok(name) = metal3_machine_name(machine) {
        let infrastructures = context.api::<Metal3Machine>(&namespace);
        if let Some(infrastructure) = absent_ok(infrastructures.get(name).await)? {
            if infrastructure.meta().deletion_timestamp.is_none() {
                delete_ignoring_absent(&infrastructures, name).await?;
                context
                    .events
                    .note(
                        machine,
                        false,
                        "DeletingInfrastructure",
                        format!("Deleting Metal3Machine {name}"),
                    )
                    .await;
            }
            return Ok(Action::await_change());
        }
    }
    if let Some(workload) = context
        .workloads
        .client(&namespace, &machine.spec.cluster_name)
        .await
    {
        kubelet::leave(&workload, machine).await?;
    }
    bootstrap::delete(context, machine).await?;
    finalizers::release(&api, machine, MACHINE_FINALIZER).await?;
    Ok(Action::await_change())
}
