//! The names CAPM3 shares with the rest of the ecosystem (reference §0): finalizers,
//! annotations, labels, Secret keys. They are API: manifests, runbooks, clusterctl and the
//! baremetal-operator all read them, so each is spelled exactly as upstream spells it.

use std::time::Duration;

pub use crate::api::capm3::conversion::GROUP;
/// The BareMetalHost annotations capm3 reads and writes, owned by the BareMetalHost operator.
pub use crate::bmo::annotations::{PAUSED as HOST_PAUSED, STATUS as HOST_STATUS};

/// The Cluster API core group (Machine, MachineSet, MachineDeployment, Cluster).
pub const CAPI_GROUP: &str = "cluster.x-k8s.io";
/// The Cluster API group of every control-plane provider (KubeadmControlPlane, ...).
pub const CONTROL_PLANE_GROUP: &str = "controlplane.cluster.x-k8s.io";
/// The apiVersion written into a BareMetalHost consumerRef that names a Cluster (node reuse).
pub const CAPI_API_VERSION: &str = "cluster.x-k8s.io/v1beta2";

// Finalizers.
pub const CLUSTER_FINALIZER: &str = "metal3cluster.infrastructure.cluster.x-k8s.io";
/// On the Metal3Machine, and on the Metal3DataClaim the Metal3Machine creates.
pub const MACHINE_FINALIZER: &str = "metal3machine.infrastructure.cluster.x-k8s.io";
pub const DATA_TEMPLATE_FINALIZER: &str = "metal3datatemplate.infrastructure.cluster.x-k8s.io";
/// On the Metal3DataClaim (added by the template controller) and on every Metal3Data.
pub const DATA_CLAIM_FINALIZER: &str = "metal3dataclaim.infrastructure.cluster.x-k8s.io";
/// On the Metal3Data, and on every IPClaim / IPAddressClaim capm3 creates.
pub const DATA_FINALIZER: &str = "metal3data.infrastructure.cluster.x-k8s.io";
pub const REMEDIATION_FINALIZER: &str = "metal3remediation.infrastructure.cluster.x-k8s.io";

// Annotations.
/// On a Metal3Machine: `<namespace>/<name>` of its BareMetalHost, the association marker.
pub const HOST_ANNOTATION: &str = "metal3.io/BareMetalHost";
/// The value of [`HOST_PAUSED`] when capm3 paused the host (a paused Cluster); any other value
/// is a user's pause, which capm3 never removes.
pub const PAUSED_BY_CAPM3: &str = "metal3.io/capm3";
/// Stalls `clusterctl move` while an associated host's pause and status annotations are missing.
pub const BLOCK_MOVE: &str = "clusterctl.cluster.x-k8s.io/block-move";
/// On a BareMetalHost: keeps it out of host selection (written by remediation on final failure).
pub const UNHEALTHY: &str = "capm3.metal3.io/unhealthy";
/// The v1beta1 spelling of [`UNHEALTHY`], still honoured.
pub const UNHEALTHY_DEPRECATED: &str = "capi.metal3.io/unhealthy";
/// The value remediation writes into [`UNHEALTHY`].
pub const UNHEALTHY_VALUE: &str = "capm3/UnhealthyNode";
/// Prefix of the reboot (power-off) annotation remediation puts on a host; the M3R UID follows.
pub const REMEDIATION_REBOOT_PREFIX: &str = "reboot.metal3.io/metal3-remediation-";
pub const NODE_ANNOTATIONS_BACKUP: &str = "remediation.metal3.io/node-annotations-backup";
pub const NODE_LABELS_BACKUP: &str = "remediation.metal3.io/node-labels-backup";
/// On a Metal3Cluster: comma-separated label prefixes synced from hosts to Nodes.
pub const LABEL_SYNC_PREFIXES: &str = "metal3.io/metal3-label-sync-prefixes";
/// The Cluster API pause annotation, honoured on every CAPM3 kind.
pub const CAPI_PAUSED: &str = "cluster.x-k8s.io/paused";
/// Set by Cluster API on a cloned Metal3Machine: the template it came from.
pub const CLONED_FROM_NAME: &str = "cluster.x-k8s.io/cloned-from-name";
pub const CLONED_FROM_GROUP_KIND: &str = "cluster.x-k8s.io/cloned-from-groupkind";
/// The [`CLONED_FROM_GROUP_KIND`] value of a Metal3Machine cloned from a Metal3MachineTemplate.
pub const TEMPLATE_GROUP_KIND: &str = "Metal3MachineTemplate.infrastructure.cluster.x-k8s.io";
/// An externally managed Metal3Cluster carries this and is left alone.
pub const MANAGED_BY: &str = "cluster.x-k8s.io/managed-by";

// Labels.
/// The Cluster an object belongs to: read on Machines, written on hosts and their Secrets.
pub const CLUSTER_NAME_LABEL: &str = "cluster.x-k8s.io/cluster-name";
/// Present on control-plane Machines.
pub const CONTROL_PLANE_LABEL: &str = "cluster.x-k8s.io/control-plane";
/// On a released BareMetalHost: `cp-<control plane>` or `md-<machine deployment>` may reuse it.
pub const NODE_REUSE_LABEL: &str = "infrastructure.cluster.x-k8s.io/node-reuse";
/// On a BareMetalHost: its failure domain, preferred for a Metal3Machine in that domain.
pub const FAILURE_DOMAIN_LABEL: &str = "infrastructure.cluster.x-k8s.io/failure-domain";
/// On a workload Node: the UID of the BareMetalHost it runs on.
pub const NODE_UUID_LABEL: &str = "metal3.io/uuid";
/// On a workload Node: its hostname, the last way to find the Node of a host.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// On Metal3Data and IPClaims, with BMH-name based preallocation.
pub const DATA_NAME_LABEL: &str = "infrastructure.cluster.x-k8s.io/data-name";
pub const POOL_NAME_LABEL: &str = "infrastructure.cluster.x-k8s.io/pool-name";
/// With `--watch-filter`, only objects carrying this label with the flag's value are handled.
pub const WATCH_FILTER_LABEL: &str = "cluster.x-k8s.io/watch-filter";
/// On the Metal3DataTemplate CRD, so that clusterctl moves templates.
pub const MOVE_LABEL: &str = "clusterctl.cluster.x-k8s.io/move";

// Secrets.
/// The type of the rendered metaData / networkData Secrets.
pub const METAL3_SECRET_TYPE: &str = "infrastructure.cluster.x-k8s.io/secret";
pub const META_DATA_KEY: &str = "metaData";
pub const NETWORK_DATA_KEY: &str = "networkData";

/// Read once at start: `true` keeps released hosts powered on (fast track).
pub const FAST_TRACK_ENV: &str = "CAPM3_FAST_TRACK";

/// The scheme of every providerID capm3 writes.
pub const PROVIDER_ID_PREFIX: &str = "metal3://";

/// How long upstream waits before looking again at something that is not ready yet.
pub const REQUEUE_AFTER: Duration = Duration::from_secs(30);
