//! One Metal3Machine pass, in upstream's order (reference §1.2; the order is listed in
//! [`crate::capm3`]): the objects it waits for, block-move and pause, then deletion or the
//! normal path — finalizer, host association, metadata, the host's spec, the Node.

use std::sync::Arc;

use kube::runtime::controller::Action;
use kube::{Api, ResourceExt};

use super::pass::MachinePass;
use super::writes::HostWrite;
use super::{
    Context, Error, action, claim, find, metadata, observed, race_retry, release, retry_or_fail,
    writes,
};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};
use crate::api::capm3::v1beta2::{Metal3Cluster, Metal3Machine};
use crate::capm3::conditions::{self as cond, Cond, reason};
use crate::capm3::names::MACHINE_FINALIZER;
use crate::capm3::outcome::{Next, Report};
use crate::capm3::provider_id::{self, NodeLinkInput};
use crate::capm3::select::consumer_is;
use crate::capm3::{associate, preconditions};
use crate::kubeutil::finalizers::{has_finalizer, with_finalizer};

/// The controller's name in metrics and logs.
pub(super) const CONTROLLER: &str = "metal3machine";

/// What the rest of a pass reads, once the machine's owners are there.
pub(super) struct Inputs<'a> {
    pub owner: &'a Machine,
    pub cluster: &'a Cluster,
    pub metal3_cluster: &'a Metal3Cluster,
    /// The host the machine's annotation names, if it exists.
    pub host: Option<&'a BareMetalHost>,
}

pub(super) async fn reconcile(
    machine: Arc<Metal3Machine>,
    context: Arc<Context>,
) -> Result<Action, Error> {
    observed(&context, CONTROLLER, reconcile_machine(&context, &machine)).await
}

async fn reconcile_machine(context: &Context, machine: &Metal3Machine) -> Result<Action, Error> {
    let api: Api<Metal3Machine> = Api::namespaced(
        context.client.clone(),
        &machine.namespace().unwrap_or_default(),
    );
    let mut pass = MachinePass::new(machine.clone());
    let next = match steps(context, &api, &mut pass).await {
        Ok(next) => next,
        Err(error) => {
            pass.publish(&context.events).await;
            return retry_or_fail(error);
        }
    };
    match pass.finish(&api, &context.events).await {
        Ok(()) => action(next),
        Err(error) => retry_or_fail(error.into()),
    }
}

async fn steps(
    context: &Context,
    api: &Api<Metal3Machine>,
    pass: &mut MachinePass,
) -> Result<Next, Error> {
    let namespace = pass.namespace();
    let stores = &context.stores;
    let owner = preconditions::owner_machine(&pass.working)
        .and_then(|name| find(&stores.capi_machines, &namespace, name));
    if let Some(owner) = &owner {
        let changes = preconditions::failure_domain(&pass.working, owner);
        pass.change(&changes);
    }
    let cluster = owner
        .as_deref()
        .and_then(preconditions::cluster_of)
        .and_then(|name| find(&stores.clusters, &namespace, name));
    let metal3_cluster = cluster
        .as_deref()
        .and_then(preconditions::metal3_cluster_of)
        .and_then(|name| find(&stores.metal3_clusters, &namespace, name));
    if let Err(report) = preconditions::gate(
        owner.as_deref(),
        cluster.as_deref(),
        metal3_cluster.as_deref(),
    ) {
        return Ok(pass.absorb(report));
    }
    let (Some(owner), Some(cluster), Some(metal3_cluster)) = (owner, cluster, metal3_cluster)
    else {
        // The gate passed, so all three are there.
        return Ok(Next::AwaitChange);
    };
    let host = associate::associated_host(&pass.working)
        .and_then(|name| find(&stores.hosts, &namespace, name));
    if let Some(next) = pause(context, pass, &cluster, host.as_deref()).await {
        return Ok(next);
    }
    let inputs = Inputs {
        owner: &owner,
        cluster: &cluster,
        metal3_cluster: &metal3_cluster,
        host: host.as_deref(),
    };
    if pass.working.metadata.deletion_timestamp.is_some() {
        return release::run(context, api, pass, &inputs).await;
    }
    normal(context, api, pass, &inputs).await
}

fn host_api(context: &Context, host: &BareMetalHost) -> Api<BareMetalHost> {
    Api::namespaced(
        context.client.clone(),
        &host.namespace().unwrap_or_default(),
    )
}

/// Block-move and pause (M3M-07…M3M-11); `Some` ends the pass. Write failures of the
/// block-move annotation are only logged, as upstream.
async fn pause(
    context: &Context,
    pass: &mut MachinePass,
    cluster: &Cluster,
    host: Option<&BareMetalHost>,
) -> Option<Next> {
    let (namespace, name) = (pass.namespace(), pass.working.name_any());
    // A host another consumer holds (this machine's claim lost its race) is not its to pause.
    let mut host = host
        .filter(|h| {
            h.spec
                .consumer_ref
                .as_ref()
                .is_none_or(|c| consumer_is(c, &namespace, &name))
        })
        .cloned();
    if let Some(current) = &host
        && let Some(patch) = preconditions::block_move_patch(&pass.working, current)
    {
        match writes::merge(&host_api(context, current), &current.name_any(), &patch).await {
            Ok(written) => host = Some(written),
            Err(error) => {
                tracing::debug!(host = %current.name_any(), "block-move not set: {error}")
            }
        }
    }
    let plan = preconditions::pause(&pass.working, cluster, host.as_ref());
    if let (Some(patch), Some(current)) = (&plan.host_patch, &host)
        && let Err(error) =
            writes::merge(&host_api(context, current), &current.name_any(), patch).await
    {
        let pausing = cluster.spec.paused == Some(true);
        return Some(pass.absorb(preconditions::pause_write_failed(
            pausing,
            &error.to_string(),
        )));
    }
    let paused = plan.paused;
    let next = pass.absorb(plan.report);
    paused.then_some(next)
}

/// reconcileNormal (reference §1.2).
async fn normal(
    context: &Context,
    api: &Api<Metal3Machine>,
    pass: &mut MachinePass,
    inputs: &Inputs<'_>,
) -> Result<Next, Error> {
    if !has_finalizer(&pass.working, MACHINE_FINALIZER) {
        pass.working.metadata.finalizers = Some(with_finalizer(&pass.working, MACHINE_FINALIZER));
        pass.write_metadata(api).await?;
    }
    if preconditions::linked(&pass.working, inputs.owner) {
        pass.absorb(Report::default().with(Cond::yes(
            cond::ASSOCIATE_METAL3_MACHINE_META_DATA,
            reason::META_DATA_SUCCESS,
        )));
        return update_host(context, pass, inputs, true).await;
    }
    if let Err(report) = preconditions::bootstrap_gate(inputs.owner) {
        return Ok(pass.absorb(report));
    }
    if associate::associated_host(&pass.working).is_none() {
        return claim::choose_and_claim(context, api, pass, inputs.owner).await;
    }
    if let Some(host) = inputs.host
        && let Some(next) = claim::check_annotated(context, api, pass, inputs.owner, host).await?
    {
        return Ok(next);
    }
    if let Some(next) = metadata::associate(context, pass).await? {
        return Ok(next);
    }
    update_host(context, pass, inputs, false).await
}

/// The per-pass host update (§1.2.5), then, for a provisioned host not yet linked, the
/// providerID (§1.2.7).
async fn update_host(
    context: &Context,
    pass: &mut MachinePass,
    inputs: &Inputs<'_>,
    linked: bool,
) -> Result<Next, Error> {
    let update = match associate::update(&pass.working, inputs.owner, inputs.host, linked) {
        Ok(update) => update,
        Err(report) => return Ok(pass.absorb(report)),
    };
    if let (Some(patch), Some(host)) = (&update.host_patch, inputs.host)
        && writes::host(&context.client, host, patch).await? != HostWrite::Written
    {
        return Ok(Next::After(race_retry()));
    }
    pass.change(&update.machine);
    let next = pass.absorb(update.report);
    match inputs.host {
        Some(host) if !linked && provider_id::host_provisioned(host) => {
            link_node(context, pass, inputs, host).await
        }
        _ => Ok(next),
    }
}

/// Finds the workload Node of the provisioned host and links it through the providerID.
async fn link_node(
    context: &Context,
    pass: &mut MachinePass,
    inputs: &Inputs<'_>,
    host: &BareMetalHost,
) -> Result<Next, Error> {
    let namespace = pass.namespace();
    let cluster = &inputs.owner.spec.cluster_name;
    let workload = &context.workload;
    let nodes = match workload.nodes(&context.client, &namespace, cluster).await {
        Ok(nodes) => nodes,
        Err(error) => return Ok(pass.absorb(provider_id::nodes_unreadable(&error.to_string()))),
    };
    let link = provider_id::link_node(&NodeLinkInput {
        machine: &pass.working,
        host,
        cloud_provider_enabled: inputs.metal3_cluster.spec.cloud_provider_enabled == Some(true),
        bootstrap_config: inputs
            .owner
            .spec
            .bootstrap
            .config_ref
            .as_ref()
            .is_some_and(|r| !r.name.is_empty()),
        nodes: &nodes,
    });
    if let Some(node) = &link.node
        && let Err(error) = workload
            .set_provider_id(&context.client, &namespace, cluster, node)
            .await
    {
        return Ok(pass.absorb(provider_id::nodes_unreadable(&error.to_string())));
    }
    pass.change(&link.machine);
    Ok(pass.absorb(link.report))
}
