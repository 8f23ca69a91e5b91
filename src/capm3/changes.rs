//! Changes a decision makes to the Metal3Machine itself. The shell applies them to its copy
//! of the object and writes metadata/spec and status back once, as upstream's deferred patch
//! does; every other object is written through the merge patches the decisions return.

use k8s_openapi::api::core::v1::SecretReference;

use super::names::HOST_ANNOTATION;
use crate::api::capm3::v1beta2::{
    MachineAddress, Metal3Machine, Metal3MachineInitializationStatus, Metal3MachineStatus,
    Metal3ObjectRef,
};

/// Each field is `None` when unchanged. `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MachineChanges {
    /// `metadata.annotations["metal3.io/BareMetalHost"]`.
    pub host_annotation: Option<String>,
    pub failure_domain: Option<Option<String>>,
    /// `spec.dataTemplate.namespace`, defaulted to the Metal3Machine's own (DTI-02).
    pub data_template_namespace: Option<String>,
    pub provider_id: Option<String>,
    pub user_data: Option<SecretReference>,
    pub meta_data: Option<Option<SecretReference>>,
    pub network_data: Option<Option<SecretReference>>,
    pub rendered_data: Option<Option<Metal3ObjectRef>>,
    pub addresses: Option<Option<Vec<MachineAddress>>>,
    /// `status.initialization.provisioned`.
    pub provisioned: Option<bool>,
}

impl MachineChanges {
    pub fn is_empty(&self) -> bool {
        *self == MachineChanges::default()
    }

    /// These changes, then `later`'s on top.
    pub fn then(self, later: MachineChanges) -> MachineChanges {
        MachineChanges {
            host_annotation: later.host_annotation.or(self.host_annotation),
            failure_domain: later.failure_domain.or(self.failure_domain),
            data_template_namespace: later
                .data_template_namespace
                .or(self.data_template_namespace),
            provider_id: later.provider_id.or(self.provider_id),
            user_data: later.user_data.or(self.user_data),
            meta_data: later.meta_data.or(self.meta_data),
            network_data: later.network_data.or(self.network_data),
            rendered_data: later.rendered_data.or(self.rendered_data),
            addresses: later.addresses.or(self.addresses),
            provisioned: later.provisioned.or(self.provisioned),
        }
    }

    /// Writes the changes into `machine`.
    pub fn apply(&self, machine: &mut Metal3Machine) {
        if let Some(host) = &self.host_annotation {
            machine
                .metadata
                .annotations
                .get_or_insert_default()
                .insert(HOST_ANNOTATION.to_owned(), host.clone());
        }
        if let Some(failure_domain) = &self.failure_domain {
            machine.spec.failure_domain = failure_domain.clone();
        }
        if let (Some(namespace), Some(template)) = (
            &self.data_template_namespace,
            machine.spec.data_template.as_mut(),
        ) {
            template.namespace = Some(namespace.clone());
        }
        if let Some(provider_id) = &self.provider_id {
            machine.spec.provider_id = Some(provider_id.clone());
        }
        let status = machine.status.get_or_insert_with(empty_status);
        if let Some(user_data) = &self.user_data {
            status.user_data = Some(user_data.clone());
        }
        if let Some(meta_data) = &self.meta_data {
            status.meta_data = meta_data.clone();
        }
        if let Some(network_data) = &self.network_data {
            status.network_data = network_data.clone();
        }
        if let Some(rendered_data) = &self.rendered_data {
            status.rendered_data = rendered_data.clone();
        }
        if let Some(addresses) = &self.addresses {
            status.addresses = addresses.clone();
        }
        if let Some(provisioned) = self.provisioned {
            status.initialization = Some(Metal3MachineInitializationStatus {
                provisioned: Some(provisioned),
            });
        }
    }
}

/// A status with nothing in it, for a Metal3Machine that has none yet.
pub fn empty_status() -> Metal3MachineStatus {
    Metal3MachineStatus {
        addresses: None,
        conditions: None,
        deprecated: None,
        initialization: None,
        last_updated: None,
        meta_data: None,
        network_data: None,
        rendered_data: None,
        user_data: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::fixtures::machine;

    #[test]
    fn apply_and_then() {
        let mut m3m = machine("m3m", json!({"spec": {"dataTemplate": {"name": "t"}}}));
        let first = MachineChanges {
            provider_id: Some("metal3://a".into()),
            provisioned: Some(false),
            ..MachineChanges::default()
        };
        let second = MachineChanges {
            host_annotation: Some("metal3/h".into()),
            data_template_namespace: Some("metal3".into()),
            provisioned: Some(true),
            meta_data: Some(None),
            ..MachineChanges::default()
        };
        let changes = first.then(second);
        changes.apply(&mut m3m);
        assert_eq!(m3m.spec.provider_id.as_deref(), Some("metal3://a"));
        assert_eq!(
            m3m.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(HOST_ANNOTATION))
                .map(String::as_str),
            Some("metal3/h")
        );
        assert_eq!(
            m3m.spec.data_template.and_then(|t| t.namespace).as_deref(),
            Some("metal3")
        );
        let status = m3m.status.expect("status");
        assert_eq!(
            status.initialization.and_then(|i| i.provisioned),
            Some(true)
        );
        assert!(MachineChanges::default().is_empty());
    }
}
