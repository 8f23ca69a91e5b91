//! The three objects a template can read from (`machine`, `metal3machine`, `baremetalhost`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::Machine;
use crate::api::capm3::v1beta2::{FromPoolAnnotation, Metal3Machine, TemplateObject};

use super::RenderError;

/// The Machine, its Metal3Machine and the BareMetalHost it was given.
#[derive(Clone, Copy, Debug)]
pub struct Objects<'a> {
    pub machine: &'a Machine,
    pub metal3_machine: &'a Metal3Machine,
    pub host: &'a BareMetalHost,
}

/// The object's name as templates spell it (and upstream's messages print it).
pub(super) fn object_kind(object: TemplateObject) -> &'static str {
    match object {
        TemplateObject::Machine => "machine",
        TemplateObject::Metal3Machine => "metal3machine",
        TemplateObject::Baremetalhost => "baremetalhost",
    }
}

impl<'a> Objects<'a> {
    fn metadata(self, object: TemplateObject) -> &'a ObjectMeta {
        match object {
            TemplateObject::Machine => &self.machine.metadata,
            TemplateObject::Metal3Machine => &self.metal3_machine.metadata,
            TemplateObject::Baremetalhost => &self.host.metadata,
        }
    }

    pub(super) fn name(self, object: TemplateObject) -> &'a str {
        self.metadata(object).name.as_deref().unwrap_or_default()
    }

    /// A label's value, empty when the label is missing.
    pub(super) fn label(self, object: TemplateObject, label: &str) -> &'a str {
        let labels = self.metadata(object).labels.as_ref();
        labels.and_then(|l| l.get(label)).map_or("", String::as_str)
    }

    /// An annotation's value, empty when the annotation is missing.
    pub(super) fn annotation(self, object: TemplateObject, annotation: &str) -> &'a str {
        let annotations = self.metadata(object).annotations.as_ref();
        annotations
            .and_then(|a| a.get(annotation))
            .map_or("", String::as_str)
    }

    /// The pool a `fromPoolAnnotation` names; a missing or empty annotation is an error.
    pub(super) fn annotated_pool(self, from: &FromPoolAnnotation) -> Result<&'a str, RenderError> {
        match self.annotation(from.object, &from.annotation) {
            "" => Err(RenderError::PoolAnnotationEmpty {
                object: object_kind(from.object),
                annotation: from.annotation.clone(),
            }),
            pool => Ok(pool),
        }
    }

    /// The MAC of the inspected NIC with this name (upstream's `getBMHMacByName`).
    pub(super) fn nic_mac(self, interface: &str) -> Result<&'a str, RenderError> {
        let nics = self
            .host
            .status
            .as_ref()
            .and_then(|s| s.hardware.as_ref())
            .and_then(|h| h.nics.as_ref());
        let nics = nics.ok_or(RenderError::NicsNotPopulated)?;
        nics.iter()
            .find(|nic| nic.name.as_deref().unwrap_or_default() == interface)
            .map(|nic| nic.mac.as_deref().unwrap_or_default())
            .ok_or_else(|| RenderError::NicNotFound(interface.to_owned()))
    }

    /// `spec.bootMACAddress` of the host, which must be set.
    pub(super) fn boot_mac(self) -> Result<&'a str, RenderError> {
        match self
            .host
            .spec
            .boot_mac_address
            .as_deref()
            .unwrap_or_default()
        {
            "" => Err(RenderError::BootMacNotSet(
                self.name(TemplateObject::Baremetalhost).to_owned(),
            )),
            mac => Ok(mac),
        }
    }

    /// `<metal3machine namespace>/<host name>/<metal3machine name>`: the providerID without
    /// its `metal3://` scheme, always in the metaData.
    pub(super) fn provider_id(self) -> String {
        let namespace = self
            .metal3_machine
            .metadata
            .namespace
            .as_deref()
            .unwrap_or_default();
        format!(
            "{namespace}/{}/{}",
            self.name(TemplateObject::Baremetalhost),
            self.name(TemplateObject::Metal3Machine)
        )
    }
}
