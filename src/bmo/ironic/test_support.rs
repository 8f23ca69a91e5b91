//! A host for the unit tests of the pure parts.

use crate::api::bmo::v1alpha1::{AutomatedCleaningMode, BootMode, InspectionMode};
use crate::bmc::Credentials;
use crate::bmo::provisioner::HostData;
use crate::bmo::state::ProvisioningState;

pub(super) fn host() -> HostData {
    HostData {
        namespace: "metal3".into(),
        name: "worker-0".into(),
        uid: "uid-1".into(),
        provisioner_id: String::new(),
        bmc_address: "redfish://127.0.0.1/redfish/v1/Systems/1".into(),
        disable_certificate_verification: false,
        credentials: Credentials {
            username: "admin".into(),
            password: "secret".into(),
        },
        boot_mac_address: None,
        boot_mode: BootMode::Uefi,
        automated_cleaning_mode: AutomatedCleaningMode::Metadata,
        inspection_mode: InspectionMode::Agent,
        state: ProvisioningState::Registering,
        current_image: None,
        has_custom_deploy: false,
        disable_power_off: false,
        cpu_architecture: Some("x86_64".into()),
        nics: Vec::new(),
    }
}
