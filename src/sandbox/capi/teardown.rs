//! Deleting a Cluster, in Cluster API's order: its control plane, MachineDeployments,
//! MachineSets and Machines first, waiting until every Machine is gone (each waits for its
//! Metal3Machine, so hosts are released); then its Metal3Cluster, waiting until CAPM3 lets it
//! go; then its workload cluster and kubeconfig; then the finalizer.

use std::fmt::Debug;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{DeleteParams, ListParams};
use kube::runtime::controller::Action;
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;

use super::cluster::metal3_cluster_name;
use super::names::CLUSTER_FINALIZER;
use super::{Context, Error, absent_ok, control_plane};
use crate::api::capi::{Cluster, Machine, MachineDeployment, MachineSet};
use crate::api::capm3::v1beta2::Metal3Cluster;
use crate::kubeutil::finalizers;

pub async fn run(context: &Context, cluster: &Cluster) -> Result<Action, Error> {
    if !finalizers::has_finalizer(cluster, CLUSTER_FINALIZER) {
        return Ok(Action::await_change());
    }
    let namespace = cluster.namespace().unwrap_or_default();
    let name = cluster.name_any();
    control_plane::delete(context, cluster).await?;
    delete_members::<MachineDeployment>(context, &namespace, &name, |d| &d.spec.cluster_name)
        .await?;
    delete_members::<MachineSet>(context, &namespace, &name, |s| &s.spec.cluster_name).await?;
    let machines =
        delete_members::<Machine>(context, &namespace, &name, |m| &m.spec.cluster_name).await?;
    if machines > 0 {
        tracing::info!(%namespace, cluster = %name, machines, "Cluster deletion waits for its Machines");
        return Ok(Action::await_change());
    }
    if let Ok(Some(infrastructure)) = metal3_cluster_name(cluster) {
        let api = context.api::<Metal3Cluster>(&namespace);
        if let Some(metal3_cluster) = absent_ok(api.get(infrastructure).await)? {
            if metal3_cluster.meta().deletion_timestamp.is_none() {
                delete_ignoring_absent(&api, infrastructure).await?;
            }
            tracing::info!(%namespace, cluster = %name, "Cluster deletion waits for its Metal3Cluster");
            return Ok(Action::await_change());
        }
    }
    context.workloads.stop(&namespace, &name).await;
    let kubeconfig = format!("{name}-kubeconfig");
    delete_ignoring_absent(&context.api::<Secret>(&namespace), &kubeconfig).await?;
    finalizers::release(
        &context.api::<Cluster>(&namespace),
        cluster,
        CLUSTER_FINALIZER,
    )
    .await?;
    tracing::info!(%namespace, cluster = %name, "Cluster deleted");
    Ok(Action::await_change())
}

/// Deletes the objects of kind `K` that belong to Cluster `cluster`; returns how many there
/// still were, those already being deleted included.
async fn delete_members<K>(
    context: &Context,
    namespace: &str,
    cluster: &str,
    cluster_of: impl Fn(&K) -> &String,
) -> Result<usize, kube::Error>
where
    K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Clone
        + DeserializeOwned
        + Debug,
{
    let api = context.api::<K>(namespace);
    let members: Vec<K> = api
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|member| cluster_of(member) == cluster)
        .collect();
    for member in &members {
        if member.meta().deletion_timestamp.is_none() {
            delete_ignoring_absent(&api, &member.name_any()).await?;
        }
    }
    Ok(members.len())
}

/// Deletes `name` (in the background, as Cluster API does); gone already is fine.
pub async fn delete_ignoring_absent<K>(api: &kube::Api<K>, name: &str) -> Result<(), kube::Error>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    absent_ok(api.delete(name, &DeleteParams::background()).await).map(|_| ())
}
