//! One reconcile of one pool (ipam reference §2.2): the Cluster's labels, owner reference and
//! pause, the pool's finalizer, a pass over its claims, and on deletion the finalizer's release
//! once no IPAddress refers to the pool.

use std::sync::Arc;
use std::time::Duration;

use kube::api::{Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::{Api, ResourceExt};
use serde_json::json;

use super::writes::{get_fresh, lost_race};
use super::{Context, pass};
use crate::api::capi::Cluster;
use crate::api::ipam::v1alpha1::IPPool;
use crate::ipam::pool::{annotated_paused, cluster_paused, missing_labels, with_cluster_owner};
use crate::kubeutil::finalizers;

/// The pool's finalizer (IPAM-41).
pub const POOL_FINALIZER: &str = "ippool.ipam.metal3.io";
/// How soon a pool whose Cluster is paused, or not there yet, is looked at again. Clusters are
/// not watched (as upstream); upstream relies on its 10-minute resync for a missing Cluster.
const CLUSTER_RETRY: Duration = Duration::from_secs(30);
/// How soon a pass that lost a race to another writer runs again.
const RACE_RETRY: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kube(#[from] kube::Error),
}

pub async fn reconcile(pool: Arc<IPPool>, context: Arc<Context>) -> Result<Action, Error> {
    if !*context.leading.borrow() {
        return Ok(Action::await_change());
    }
    let namespace = pool.namespace().unwrap_or_default();
    let api: Api<IPPool> = Api::namespaced(context.client.clone(), &namespace);
    // The pool as it is now, not as the cache last saw it: its status is written against it.
    let Some(pool) = get_fresh::<IPPool>(&context.client, &namespace, &pool.name_any()).await?
    else {
        return Ok(Action::await_change());
    };
    match reconcile_pool(&context, &api, pool).await {
        Err(Error::Kube(error)) if lost_race(&error) => Ok(Action::requeue(RACE_RETRY)),
        result => result,
    }
}

async fn reconcile_pool(
    context: &Context,
    api: &Api<IPPool>,
    mut pool: IPPool,
) -> Result<Action, Error> {
    let deleting = pool.metadata.deletion_timestamp.is_some();
    if let Some(labels) = missing_labels(&pool) {
        pool = patch_metadata(api, &pool, json!({"labels": labels})).await?;
    }
    if let Some(cluster_name) = pool.spec.cluster_name.clone() {
        let namespace = pool.namespace().unwrap_or_default();
        let cluster = get_fresh::<Cluster>(&context.client, &namespace, &cluster_name).await;
        match cluster {
            Ok(Some(cluster)) => {
                if let Some(owners) = with_cluster_owner(pool.owner_references(), &cluster) {
                    pool = patch_metadata(api, &pool, json!({"ownerReferences": owners})).await?;
                }
                // IPAM-46
                if cluster_paused(&cluster) || annotated_paused(&pool.metadata) {
                    return Ok(Action::requeue(CLUSTER_RETRY));
                }
            }
            // IPAM-44: no allocation until the Cluster exists; a deleting pool still releases.
            Ok(None) | Err(_) if !deleting => {
                tracing::debug!(pool = %pool.name_any(), cluster = %cluster_name, "waiting for the Cluster");
                return Ok(Action::requeue(CLUSTER_RETRY));
            }
            Ok(None) | Err(_) => {}
        }
    }
    if annotated_paused(&pool.metadata) {
        return Ok(Action::await_change());
    }
    if deleting {
        if !finalizers::has_finalizer(&pool, POOL_FINALIZER) {
            return Ok(Action::await_change());
        }
    } else {
        pool = finalizers::add(api, &pool, POOL_FINALIZER).await?;
    }
    let outcome = pass::run(context, &pool).await?;
    // IPAM-42: the pool goes once no IPAddress of either kind refers to it.
    if deleting && outcome.addresses == 0 {
        finalizers::release(api, &pool, POOL_FINALIZER).await?;
        return Ok(Action::await_change());
    }
    Ok(if outcome.again {
        Action::requeue(RACE_RETRY)
    } else {
        Action::await_change()
    })
}

/// Merges `metadata` into the pool, failing if it changed since it was read.
async fn patch_metadata(
    api: &Api<IPPool>,
    pool: &IPPool,
    mut metadata: serde_json::Value,
) -> Result<IPPool, kube::Error> {
    metadata["resourceVersion"] = json!(pool.resource_version());
    api.patch(
        &pool.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&json!({"metadata": metadata})),
    )
    .await
}
