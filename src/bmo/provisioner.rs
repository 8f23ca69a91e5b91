//! What the host state machine asks of the machine-management backend (upstream's
//! `pkg/provisioner.Provisioner`). The Ironic implementation turns each call into at most one
//! state-changing Ironic request and reports whether it changed anything; a test fixture
//! answers from memory, so the state machine is tested without a server.
//!
//! A provisioner is bound to one host for one reconcile (upstream's factory pattern): it may
//! read the host's node once and reuse it for every call of that reconcile.

use std::future::Future;
use std::time::Duration;

use crate::api::bmo::v1alpha1::{
    AutomatedCleaningMode, BootMode, HardwareDetails, Image, InspectionMode, RAIDConfig,
    RootDeviceHints,
};
use crate::bmc::Credentials;
use crate::bmo::annotations::RebootMode;
use crate::bmo::state::ProvisioningState;

/// Upstream's `provisioner.Result`: whether the call changed something (so the state machine
/// should look again), when to look again, and the failure the backend reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// A request was sent or a transition is still running.
    pub dirty: bool,
    /// When to reconcile again; zero means at once (when dirty) or not at all.
    pub requeue_after: Duration,
    /// The operation failed: the host records this as its error.
    pub error_message: Option<String>,
    /// This call sent the request that began the operation (the host announces it).
    pub started: bool,
}

impl Outcome {
    /// Nothing left to do.
    pub fn done() -> Outcome {
        Outcome::default()
    }

    /// Still working: look again after `delay`.
    pub fn waiting(delay: Duration) -> Outcome {
        Outcome {
            dirty: true,
            requeue_after: delay,
            ..Outcome::default()
        }
    }

    /// The operation failed with `message`.
    pub fn failed(message: impl Into<String>) -> Outcome {
        Outcome {
            error_message: Some(message.into()),
            ..Outcome::default()
        }
    }
}

/// A failure to talk to the backend at all (not an operation that failed): the reconcile is
/// retried with the controller's backoff and the host's status is left as it is.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionerError {
    #[error(transparent)]
    Ironic(#[from] crate::ironic::IronicError),
    /// The host has no node (none was registered, or Ironic lost it): register again.
    #[error("the host is not registered in Ironic")]
    NeedsRegistration,
    #[error("{0}")]
    Other(String),
}

pub type ProvisionResult<T> = Result<T, ProvisionerError>;

/// What the backend needs to know about the host, read from the BareMetalHost and its BMC
/// Secret before the reconcile (upstream's `HostData` and `ManagementAccessData`).
#[derive(Debug, Clone)]
pub struct HostData {
    pub namespace: String,
    pub name: String,
    /// `metadata.uid`: the node's `instance_uuid` and the configdrive's `uuid`.
    pub uid: String,
    /// `status.provisioning.ID`: the node UUID, empty before registration.
    pub provisioner_id: String,
    pub bmc_address: String,
    pub disable_certificate_verification: bool,
    pub credentials: Credentials,
    pub boot_mac_address: Option<String>,
    pub boot_mode: BootMode,
    pub automated_cleaning_mode: AutomatedCleaningMode,
    pub inspection_mode: InspectionMode,
    /// The host's current provisioning state (registration depends on it).
    pub state: ProvisioningState,
    /// `status.provisioning.image`: what is on the disk now, if anything.
    pub current_image: Option<Image>,
    pub has_custom_deploy: bool,
    pub disable_power_off: bool,
    pub cpu_architecture: Option<String>,
    /// MAC addresses and PXE flags of the NICs inspection found (ports are created for them).
    pub nics: Vec<(String, bool)>,
}

/// What `prepare` applies (manual cleaning).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrepareData {
    pub target_raid: Option<RAIDConfig>,
    pub actual_raid: Option<RAIDConfig>,
    pub root_device_hints: Option<RootDeviceHints>,
}

/// What `provision` deploys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProvisionData {
    pub image: Option<Image>,
    pub custom_deploy: Option<String>,
    pub boot_mode: Option<BootMode>,
    pub root_device_hints: Option<RootDeviceHints>,
    /// The configdrive: user data as given, network data and meta data as JSON.
    pub user_data: Option<String>,
    pub network_data: Option<serde_json::Value>,
    pub meta_data: Option<serde_json::Map<String, serde_json::Value>>,
    /// `user:password` for an `oci://` image's registry.
    pub image_pull_secret: Option<String>,
}

/// What `inspect_hardware` reports besides the outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inspection {
    pub outcome: Outcome,
    /// Inspection was started by this call (the annotations asking for it are then removed).
    pub started: bool,
    /// The inventory, once inspection finished.
    pub details: Option<HardwareDetails>,
}

/// The node's observed condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HardwareState {
    /// `None` while the power state is unknown.
    pub powered_on: Option<bool>,
    /// Ironic's node `fault` is `power failure`.
    pub power_failure: bool,
    /// Ironic's node `health` (`OK`, `Warning`, `Critical`), when it reports one.
    pub health: Option<String>,
}

/// The operations the host state machine uses, each at most one state-changing request.
pub trait Provisioner: Send + Sync {
    /// Enrols or updates the node; returns the outcome and the node's ID.
    fn register(
        &self,
        credentials_changed: bool,
        restart_on_failure: bool,
    ) -> impl Future<Output = ProvisionResult<(Outcome, String)>> + Send;

    fn inspect_hardware(
        &self,
        restart_on_failure: bool,
        refresh: bool,
        force_reboot: bool,
    ) -> impl Future<Output = ProvisionResult<Inspection>> + Send;

    fn update_hardware_state(&self) -> impl Future<Output = ProvisionResult<HardwareState>> + Send;

    /// Returns the outcome and whether cleaning was started by this call.
    fn prepare(
        &self,
        data: &PrepareData,
        unprepared: bool,
        restart_on_failure: bool,
    ) -> impl Future<Output = ProvisionResult<(Outcome, bool)>> + Send;

    fn adopt(
        &self,
        restart_on_failure: bool,
    ) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    fn provision(
        &self,
        data: &ProvisionData,
        force_reboot: bool,
    ) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    fn deprovision(
        &self,
        restart_on_failure: bool,
    ) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    /// Removes the node, waiting for running work to finish.
    fn delete(&self) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    /// Removes the node without touching the hardware (`force` aborts running work).
    fn detach(&self, force: bool) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    fn power_on(&self, force: bool) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    fn power_off(
        &self,
        mode: RebootMode,
        force: bool,
    ) -> impl Future<Output = ProvisionResult<Outcome>> + Send;

    /// Whether another host may start inspecting, provisioning or deprovisioning
    /// (the provisioning limit).
    fn has_capacity(&self) -> impl Future<Output = ProvisionResult<bool>> + Send;
}

/// Makes the provisioner for one host and one reconcile.
pub trait ProvisionerFactory: Send + Sync + 'static {
    type Provisioner: Provisioner;

    fn for_host(&self, host: HostData) -> Self::Provisioner;
}
