//! The Ironic-backed [`Provisioner`] (upstream's `pkg/provisioner/ironic`). Each call reads
//! the host's node (once per reconcile), sends at most one state-changing request, and says
//! whether to look again; bmo-upstream-behaviour.md §4 is the specification.

mod actions;
mod capacity;
mod clean_steps;
mod configdrive;
mod delete;
mod deprovision;
mod device_hints;
mod enroll;
mod hardware_details;
mod inspect;
mod instance_info;
mod lookup;
mod patch;
mod power;
mod prepare;
mod provision;
mod register;
pub mod snapshot;
#[cfg(test)]
mod test_support;

use std::sync::{Arc, Mutex};

pub use hardware_details::hardware_details;

use crate::bmc::{AccessDetails, BmcError, ParseOptions};
use crate::bmo::annotations::RebootMode;
use crate::bmo::provisioner::{
    HardwareState, HostData, Inspection, Outcome, PrepareData, ProvisionData, ProvisionResult,
    Provisioner, ProvisionerFactory,
};
use crate::ironic::{IronicClient, Node};

/// The operator's Ironic settings (manager flags).
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `DEPLOY_KERNEL_URL`, `DEPLOY_RAMDISK_URL`: the deploy ramdisk booted over the network.
    pub deploy_kernel_url: Option<String>,
    pub deploy_ramdisk_url: Option<String>,
    /// `DEPLOY_ISO_URL`: the deploy ramdisk as an ISO, for virtual-media drivers.
    pub deploy_iso_url: Option<String>,
    /// `PROVISIONING_LIMIT`: hosts inspecting, provisioning or deprovisioning at once.
    pub provisioning_limit: u32,
    /// `--enable-fake-hardware`: accept the `fake-hardware` BMC schemes.
    pub allow_fake_hardware: bool,
    /// `PROVISIONING_NETWORK_DISABLED`: only virtual-media drivers can register.
    pub provisioning_network_disabled: bool,
}

/// Makes a provisioner per host and reconcile, sharing the client and settings.
#[derive(Clone)]
pub struct IronicProvisionerFactory {
    client: Arc<IronicClient>,
    config: Arc<Config>,
    snapshot: Arc<snapshot::Snapshot>,
}

impl IronicProvisionerFactory {
    pub fn new(client: IronicClient, config: Config) -> IronicProvisionerFactory {
        IronicProvisionerFactory {
            client: Arc::new(client),
            config: Arc::new(config),
            snapshot: Arc::default(),
        }
    }
}

impl ProvisionerFactory for IronicProvisionerFactory {
    type Provisioner = IronicProvisioner;

    /// A provisioner bound to `host` for one reconcile.
    fn for_host(&self, host: HostData) -> IronicProvisioner {
        let access = crate::bmc::parse(
            &host.bmc_address,
            &ParseOptions {
                disable_certificate_verification: host.disable_certificate_verification,
                allow_fake_hardware: self.config.allow_fake_hardware,
            },
        );
        IronicProvisioner {
            client: self.client.clone(),
            config: self.config.clone(),
            snapshot: self.snapshot.clone(),
            known: Mutex::new(lookup::Known {
                uuid: host.provisioner_id.clone(),
                node: None,
                ports: None,
            }),
            host,
            access,
        }
    }
}

/// The provisioner for one host during one reconcile.
pub struct IronicProvisioner {
    client: Arc<IronicClient>,
    config: Arc<Config>,
    /// The shared listing hosts at rest read their node from.
    snapshot: Arc<snapshot::Snapshot>,
    host: HostData,
    access: Result<AccessDetails, BmcError>,
    /// The node as last read or written during this reconcile.
    known: Mutex<lookup::Known>,
}

impl Provisioner for IronicProvisioner {
    async fn register(
        &self,
        credentials_changed: bool,
        restart_on_failure: bool,
    ) -> ProvisionResult<(Outcome, String)> {
        register::register(self, credentials_changed, restart_on_failure).await
    }

    async fn inspect_hardware(
        &self,
        restart_on_failure: bool,
        refresh: bool,
        force_reboot: bool,
    ) -> ProvisionResult<Inspection> {
        inspect::inspect_hardware(self, restart_on_failure, refresh, force_reboot).await
    }

    async fn update_hardware_state(&self) -> ProvisionResult<HardwareState> {
        power::hardware_state(self).await
    }

    async fn prepare(
        &self,
        data: &PrepareData,
        unprepared: bool,
        restart_on_failure: bool,
    ) -> ProvisionResult<(Outcome, bool)> {
        prepare::prepare(self, data, unprepared, restart_on_failure).await
    }

    async fn adopt(&self, restart_on_failure: bool) -> ProvisionResult<Outcome> {
        deprovision::adopt(self, restart_on_failure).await
    }

    async fn provision(
        &self,
        data: &ProvisionData,
        force_reboot: bool,
    ) -> ProvisionResult<Outcome> {
        provision::provision(self, data, force_reboot).await
    }

    async fn deprovision(&self, restart_on_failure: bool) -> ProvisionResult<Outcome> {
        deprovision::deprovision(self, restart_on_failure).await
    }

    async fn delete(&self) -> ProvisionResult<Outcome> {
        delete::delete(self, false).await
    }

    async fn detach(&self, force: bool) -> ProvisionResult<Outcome> {
        delete::delete(self, force).await
    }

    async fn power_on(&self, force: bool) -> ProvisionResult<Outcome> {
        power::power_on(self, force).await
    }

    async fn power_off(&self, mode: RebootMode, force: bool) -> ProvisionResult<Outcome> {
        power::power_off(self, mode, force).await
    }

    async fn has_capacity(&self) -> ProvisionResult<bool> {
        capacity::has_capacity(self).await
    }
}

impl IronicProvisioner {
    /// The parsed BMC address; registration reports a bad one as the host's error.
    fn access(&self) -> ProvisionResult<&AccessDetails> {
        self.access
            .as_ref()
            .map_err(|e| crate::bmo::provisioner::ProvisionerError::Other(e.to_string()))
    }

    fn remember(&self, node: Option<Node>) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(node) = &node {
            known.uuid.clone_from(&node.uuid);
        }
        known.node = node;
        known.ports = None;
    }
}
