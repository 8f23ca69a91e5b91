//! The Cluster API names the stand-ins write, spelled as Cluster API spells them (those CAPM3
//! itself reads live in [`crate::capm3::names`] and are reused from there).

/// On a Cluster: held until its topology, Machines and infrastructure are gone.
pub const CLUSTER_FINALIZER: &str = "cluster.cluster.x-k8s.io";
/// On a Machine: held until its infrastructure object is gone.
pub const MACHINE_FINALIZER: &str = "machine.cluster.x-k8s.io";

/// On the Machines (and MachineSets) of a MachineDeployment.
pub const DEPLOYMENT_NAME_LABEL: &str = "cluster.x-k8s.io/deployment-name";
/// On the Machines of a MachineSet.
pub const SET_NAME_LABEL: &str = "cluster.x-k8s.io/set-name";
/// On the Machines of a control plane: its name.
pub const CONTROL_PLANE_NAME_LABEL: &str = "cluster.x-k8s.io/control-plane-name";
/// On a workload Node of a control-plane Machine, as kubeadm labels it.
pub const NODE_ROLE_CONTROL_PLANE: &str = "node-role.kubernetes.io/control-plane";

/// On a workload Node: the Machine it belongs to, and that Machine's Cluster.
pub const NODE_MACHINE_ANNOTATION: &str = "cluster.x-k8s.io/machine";
pub const NODE_CLUSTER_NAME_ANNOTATION: &str = "cluster.x-k8s.io/cluster-name";
pub const NODE_CLUSTER_NAMESPACE_ANNOTATION: &str = "cluster.x-k8s.io/cluster-namespace";

/// The type of the Secrets Cluster API writes (bootstrap data, kubeconfig).
pub const CLUSTER_SECRET_TYPE: &str = "cluster.x-k8s.io/secret";
/// The key of the bootstrap data and of the kubeconfig in their Secrets.
pub const SECRET_VALUE_KEY: &str = "value";
/// The key saying what format the bootstrap data is in.
pub const SECRET_FORMAT_KEY: &str = "format";

/// Machine phases (`status.phase`).
pub mod phase {
    pub const PENDING: &str = "Pending";
    pub const PROVISIONING: &str = "Provisioning";
    pub const PROVISIONED: &str = "Provisioned";
    pub const RUNNING: &str = "Running";
    pub const DELETING: &str = "Deleting";
}

/// v1beta2 condition types and reasons the stand-ins report.
pub mod condition {
    pub const INFRASTRUCTURE_READY: &str = "InfrastructureReady";
    pub const CONTROL_PLANE_INITIALIZED: &str = "ControlPlaneInitialized";
    pub const BOOTSTRAP_CONFIG_READY: &str = "BootstrapConfigReady";
    pub const NODE_READY: &str = "NodeReady";
    /// The deprecated v1beta1 spelling of [`BOOTSTRAP_CONFIG_READY`], still read by CAPM3.
    pub const BOOTSTRAP_READY_V1BETA1: &str = "BootstrapReady";

    pub mod reason {
        pub const INFRASTRUCTURE_READY: &str = "InfrastructureReady";
        pub const INFRASTRUCTURE_NOT_READY: &str = "InfrastructureNotReady";
        pub const INFRASTRUCTURE_DOES_NOT_EXIST: &str = "InfrastructureDoesNotExist";
        pub const INITIALIZED: &str = "Initialized";
        pub const NOT_INITIALIZED: &str = "NotInitialized";
        pub const DATA_SECRET_PROVIDED: &str = "DataSecretProvided";
        pub const BOOTSTRAP_CONFIG_NOT_READY: &str = "BootstrapConfigNotReady";
        pub const NODE_READY: &str = "NodeReady";
        pub const NODE_NOT_READY: &str = "NodeNotReady";
        pub const NODE_DOES_NOT_EXIST: &str = "NodeDoesNotExist";
    }
}
