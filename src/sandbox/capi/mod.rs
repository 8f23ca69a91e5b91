//! Minimal Cluster API stand-ins for `capm3 sandbox` and the tests: just enough of the
//! Cluster API core, kubeadm bootstrap and control plane controllers for CAPM3's flow to run
//! without them. NOT product controllers: no rolling updates, no MachineHealthCheck, no
//! drain, no real bootstrap data (docs/sandbox.md, "Cluster API stand-ins").
//!
//! - [`cluster`]: a Cluster owns its Metal3Cluster, mirrors its provisioned state and
//!   endpoint, gets a workload cluster ([`workload`]) and its `<cluster>-kubeconfig` Secret;
//!   deleting it ([`teardown`]) removes its topology, Machines and infrastructure in order.
//! - [`deployment`] → [`machine_set`] and [`control_plane`] (KubeadmControlPlane or any
//!   control-plane kind with the contract's `spec.replicas` and
//!   `spec.machineTemplate.spec.infrastructureRef`) keep `replicas` Machines, each with a
//!   Metal3Machine cloned from the template ([`replicas`]).
//! - [`machine`]: bootstrap data ([`bootstrap`]), ownership of its Metal3Machine, the Node
//!   joining the workload cluster ([`kubelet`]) and the status propagated back
//!   ([`machine_status`]); deleting a Machine waits for its Metal3Machine.
//!
//! Each controller watches what it reads (its own watches: deletions matter here, and
//! kube's shared streams do not carry them) and reads the rest from the API when it needs it.

mod bootstrap;
mod cluster;
mod conditions;
mod control_plane;
mod deployment;
mod kubelet;
mod machine;
mod machine_set;
mod machine_status;
mod names;
mod ownership;
mod replicas;
mod teardown;
mod workload;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use k8s_openapi::NamespaceResourceScope;
use kube::runtime::controller::Action;
use kube::{Api, Resource};

use crate::kubeutil::errors::lost_race;
use crate::kubeutil::events::Events;
use control_plane::ControlPlaneKinds;
use workload::WorkloadClusters;

/// The reporting controller of the stand-ins' Events.
pub const REPORTER: &str = "capm3-sandbox-cluster-api";
/// How soon an object is looked at again after a failure.
const ERROR_RETRY: Duration = Duration::from_secs(5);

/// What the stand-ins handle.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only this namespace; every namespace when `None`.
    pub namespace: Option<String>,
}

impl Options {
    /// The objects of kind `K` in scope.
    fn api<K>(&self, client: &kube::Client) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>,
    {
        match &self.namespace {
            Some(namespace) => Api::namespaced(client.clone(), namespace),
            None => Api::all(client.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum Error {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    /// A workload cluster could not be started or reached.
    #[error("{0}")]
    Workload(String),
    /// An object cannot progress: it refers to something missing, or to a kind the
    /// stand-ins do not handle. Retried, as it may be fixed.
    #[error("{0}")]
    Blocked(String),
}

/// What every pass shares.
struct Context {
    client: kube::Client,
    options: Options,
    events: Events,
    workloads: WorkloadClusters,
    control_planes: ControlPlaneKinds,
}

impl Context {
    fn api<K>(&self, namespace: &str) -> Api<K>
    where
        K: Resource<Scope = NamespaceResourceScope, DynamicType = ()>,
    {
        Api::namespaced(self.client.clone(), namespace)
    }
}

type Shutdown = Shared<BoxFuture<'static, ()>>;

/// Runs the stand-ins against the management cluster of `client` until `shutdown` resolves,
/// then stops every workload cluster they started.
pub async fn run(
    client: kube::Client,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (node_changes, nodes_changed) = futures::channel::mpsc::unbounded();
    let (control_plane_changes, control_planes_changed) = futures::channel::mpsc::unbounded();
    let context = Arc::new(Context {
        events: Events::new(client.clone(), REPORTER),
        workloads: WorkloadClusters::new(node_changes),
        control_planes: ControlPlaneKinds::new(options.namespace.clone(), control_plane_changes),
        client,
        options,
    });
    let shutdown: Shutdown = shutdown.boxed().shared();
    futures::join!(
        cluster::run(context.clone(), shutdown.clone()),
        control_plane::run(context.clone(), control_planes_changed, shutdown.clone()),
        deployment::run(context.clone(), shutdown.clone()),
        machine_set::run(context.clone(), shutdown.clone()),
        machine::run(context.clone(), nodes_changed, shutdown),
    );
    context.control_planes.stop();
    context.workloads.stop_all().await;
}

/// A lost race (conflict, or the object went) is redone soon on the newer object; anything
/// else is logged and retried.
fn error_policy<K: Resource<DynamicType = ()>>(
    object: Arc<K>,
    error: &Error,
    _context: Arc<Context>,
) -> Action {
    if let Error::Kube(error) = error
        && lost_race(error)
    {
        return Action::requeue(Duration::from_millis(200 + fastrand::u64(..300)));
    }
    crate::kubeutil::retry_after_error(object.as_ref(), error, ERROR_RETRY)
}

/// `Ok(None)` for an object that is not there.
fn absent_ok<T>(result: Result<T, kube::Error>) -> Result<Option<T>, kube::Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if crate::kubeutil::errors::not_found(&error) => Ok(None),
        Err(error) => Err(error),
    }
}

/// A name for a new object of `base`, as Cluster API's name generator makes them:
/// `<base>-<5 random characters>`, the base cut to fit 63 characters.
fn generate_name(base: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let base: String = base.chars().take(57).collect();
    let suffix: String = (0..5)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect();
    format!("{base}-{suffix}")
}

/// The Cluster `namespace/name`, unless it is absent or being deleted: nothing is made for a
/// Cluster on its way out.
async fn live_cluster(
    context: &Context,
    namespace: &str,
    name: &str,
) -> Result<Option<crate::api::capi::Cluster>, kube::Error> {
    let cluster = absent_ok(
        context
            .api::<crate::api::capi::Cluster>(namespace)
            .get(name)
            .await,
    )?;
    Ok(cluster.filter(|c| c.meta().deletion_timestamp.is_none()))
}
