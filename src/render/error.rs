//! Why a metaData or networkData could not be rendered. Messages follow upstream's wording
//! (they end up in `Metal3Data.status.errorMessage`), with the offending name added.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    /// The BareMetalHost has no inspected NICs (`status.hardware.nics`) yet.
    #[error("NICs list not populated")]
    NicsNotPopulated,
    /// No inspected NIC has this name.
    #[error("NIC name not found {0}")]
    NicNotFound(String),
    /// `fromBootMAC: true` but the BareMetalHost has no `spec.bootMACAddress`.
    #[error("bootMACAddress is not set on BareMetalHost {0}")]
    BootMacNotSet(String),
    /// A link's MAC address is not six hex pairs separated by `:` or `-`.
    #[error("bad MAC address: {0}")]
    BadMac(String),
    /// The template reads a pool that has no allocated address in the inputs.
    #[error("pool not found in cache: {0:?}")]
    PoolNotFound(String),
    /// A `fromPoolAnnotation` names an annotation that is missing or empty.
    #[error("annotation {annotation} not found or empty on {object}")]
    PoolAnnotationEmpty {
        object: &'static str,
        annotation: String,
    },
    /// One pool name referenced with two different API groups or kinds.
    #[error("multiple references with the same name but different resource types: pool {0:?}")]
    ConflictingPoolReferences(String),
    /// Bond parameters whose `bond_<name>` key is already a structured field of the link.
    #[error(
        "illegal params \"{}\" into bond params blob into link id={link}",
        .params.join("\", \"")
    )]
    IllegalBondParameters { link: String, params: Vec<String> },
    /// An allocated prefix that no netmask of that IP version has.
    #[error("prefix {prefix} is out of range for an IPv{version} netmask")]
    PrefixOutOfRange { prefix: i64, version: u8 },
}
