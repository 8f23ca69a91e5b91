//! The provisioning states (`status.provisioning.state`) and the transitions that depend only
//! on the host's own fields: where a deletion starts from each state, and when a host needs
//! provisioning. Upstream: `host_state_machine.go`.

use std::fmt;

/// Every value of `status.provisioning.state` upstream writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProvisioningState {
    None,
    Unmanaged,
    Registering,
    /// Legacy: goes straight to preparing.
    MatchProfile,
    Preparing,
    /// Deprecated alias of available, handled the same way.
    Ready,
    Available,
    Provisioning,
    Provisioned,
    ExternallyProvisioned,
    Deprovisioning,
    Inspecting,
    PoweringOffBeforeDelete,
    Deleting,
}

use ProvisioningState::*;

impl ProvisioningState {
    /// States in which the node is at rest in Ironic and only polled for power and health.
    pub fn at_rest(self) -> bool {
        matches!(
            self,
            Ready | Available | Provisioned | ExternallyProvisioned
        )
    }

    pub const ALL: [ProvisioningState; 14] = [
        None,
        Unmanaged,
        Registering,
        MatchProfile,
        Preparing,
        Ready,
        Available,
        Provisioning,
        Provisioned,
        ExternallyProvisioned,
        Deprovisioning,
        Inspecting,
        PoweringOffBeforeDelete,
        Deleting,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            None => "",
            Unmanaged => "unmanaged",
            Registering => "registering",
            MatchProfile => "match profile",
            Preparing => "preparing",
            Ready => "ready",
            Available => "available",
            Provisioning => "provisioning",
            Provisioned => "provisioned",
            ExternallyProvisioned => "externally provisioned",
            Deprovisioning => "deprovisioning",
            Inspecting => "inspecting",
            PoweringOffBeforeDelete => "powering off before delete",
            Deleting => "deleting",
        }
    }

    /// The state a status names; `None` for a value upstream never writes.
    pub fn parse(value: &str) -> Option<ProvisioningState> {
        Self::ALL.into_iter().find(|state| state.as_str() == value)
    }

    /// Where a host being deleted goes from here (`checkInitiateDelete`), for hosts that are
    /// not detached. `None`: the current state carries on (it is already on the delete path).
    pub fn on_delete(self) -> Option<ProvisioningState> {
        match self {
            None | Unmanaged | Registering => Some(Deleting),
            Provisioning | Provisioned => Some(Deprovisioning),
            Inspecting | Preparing | Available | Ready | ExternallyProvisioned | MatchProfile => {
                Some(PoweringOffBeforeDelete)
            }
            Deprovisioning | PoweringOffBeforeDelete | Deleting => Option::None,
        }
    }

    /// States whose start takes a provisioning slot (`--provisioning-limit`).
    pub fn needs_capacity(self) -> bool {
        matches!(self, Inspecting | Provisioning | Deprovisioning)
    }
}

impl fmt::Display for ProvisioningState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `NeedsProvisioning()` compares: the wanted and the provisioned image URL and custom
/// deploy method.
pub struct Deployment<'a> {
    pub online: bool,
    pub spec_image_url: &'a str,
    pub status_image_url: &'a str,
    pub spec_custom_deploy: &'a str,
    pub status_custom_deploy: &'a str,
}

impl Deployment<'_> {
    /// Online, and an image not yet provisioned or a changed custom deploy method. A changed
    /// checksum alone does not re-provision.
    pub fn needs_provisioning(&self) -> bool {
        self.online
            && ((!self.spec_image_url.is_empty() && self.status_image_url.is_empty())
                || self.spec_custom_deploy != self.status_custom_deploy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_status_string() {
        for state in ProvisioningState::ALL {
            assert_eq!(ProvisioningState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ProvisioningState::parse("bogus"), Option::None);
        assert_eq!(
            ProvisioningState::PoweringOffBeforeDelete.to_string(),
            "powering off before delete"
        );
    }

    #[test]
    fn deletion_starts_where_upstream_starts_it() {
        let expected = [
            (None, Some(Deleting)),
            (Unmanaged, Some(Deleting)),
            (Registering, Some(Deleting)),
            (MatchProfile, Some(PoweringOffBeforeDelete)),
            (Preparing, Some(PoweringOffBeforeDelete)),
            (Ready, Some(PoweringOffBeforeDelete)),
            (Available, Some(PoweringOffBeforeDelete)),
            (Provisioning, Some(Deprovisioning)),
            (Provisioned, Some(Deprovisioning)),
            (ExternallyProvisioned, Some(PoweringOffBeforeDelete)),
            (Deprovisioning, Option::None),
            (Inspecting, Some(PoweringOffBeforeDelete)),
            (PoweringOffBeforeDelete, Option::None),
            (Deleting, Option::None),
        ];
        assert_eq!(expected.len(), ProvisioningState::ALL.len());
        for (state, next) in expected {
            assert_eq!(state.on_delete(), next, "{state}");
        }
    }

    #[test]
    fn provisioning_is_needed_for_a_new_image_or_deploy_method_while_online() {
        let base = Deployment {
            online: true,
            spec_image_url: "http://127.0.0.1/a.qcow2",
            status_image_url: "",
            spec_custom_deploy: "",
            status_custom_deploy: "",
        };
        assert!(base.needs_provisioning());
        assert!(
            !Deployment {
                online: false,
                ..base
            }
            .needs_provisioning()
        );
        assert!(
            !Deployment {
                status_image_url: "http://127.0.0.1/a.qcow2",
                ..base
            }
            .needs_provisioning(),
            "already provisioned"
        );
        assert!(
            Deployment {
                spec_image_url: "",
                spec_custom_deploy: "install_coreos",
                ..base
            }
            .needs_provisioning()
        );
        assert!(
            !Deployment {
                spec_image_url: "",
                ..base
            }
            .needs_provisioning(),
            "nothing to deploy"
        );
    }
}
