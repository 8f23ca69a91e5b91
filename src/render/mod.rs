//! Rendering of a Metal3Data's metaData and networkData: pure functions from the template,
//! the Metal3Data, the Machine, Metal3Machine and BareMetalHost, and the allocated addresses
//! to the YAML documents upstream CAPM3 writes into the `<m3m>-metadata` / `<m3m>-networkdata`
//! Secrets, byte for byte. The Metal3Data controller does the IO (claims, Secrets) around it;
//! docs/rendering.md is the user-facing description.

mod addresses;
mod error;
mod meta_data;
mod network_data;
mod objects;
mod pools;
pub mod yaml;

#[cfg(test)]
mod tests;

pub use addresses::{Addresses, PoolAddress};
pub use error::RenderError;
pub use meta_data::meta_data;
pub use network_data::network_data;
pub use objects::Objects;
pub use pools::{METAL3_IPAM_GROUP, METAL3_POOL_KIND, PoolRef, ReferencedPools, referenced_pools};

use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataTemplateSpec};

/// Everything a render reads.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    pub template: &'a Metal3DataTemplateSpec,
    /// Supplies `spec.index` (unset reads as 0) and the namespace.
    pub data: &'a Metal3Data,
    pub objects: Objects<'a>,
    /// The addresses of every pool [`referenced_pools`] lists.
    pub addresses: &'a Addresses,
}
