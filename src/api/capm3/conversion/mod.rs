//! Conversion between the v1beta1 (deprecated, served) and v1beta2 (storage, hub)
//! versions of the nine `infrastructure.cluster.x-k8s.io` kinds.
//!
//! Typed: `TryFrom` in both directions for every kind, e.g.
//! `v1beta2::Metal3Cluster::try_from(old)` and `v1beta1::Metal3Cluster::try_from(new)`.
//! Dynamic, for the conversion webhook and the embedded API server: [`convert`].
//!
//! Both directions round-trip exactly: what one version cannot hold is kept in the
//! [`DATA_ANNOTATION`] annotation (see [`annotation`]). The field-by-field rules are
//! in the per-kind modules and listed in `docs/api-compatibility.md`.

mod annotation;
mod cluster;
mod common;
mod data;
mod data_template;
mod duration;
mod error;
mod machine;
mod remediation;

pub use annotation::DATA_ANNOTATION;
pub use error::ConversionError;

use annotation::{Direction, Object};
use common::Convert;
use serde_json::Value;

use super::{v1beta1, v1beta2};

/// The API group of every kind here.
pub const GROUP: &str = "infrastructure.cluster.x-k8s.io";

/// A kind's two versions: the v1beta1 type converts to its v1beta2 `Hub`, and these
/// JSON pointers name the fields that only one of the two can hold at all (restored
/// from the annotation even after the object was edited in the other version).
trait Kind: Convert<Hub: Object> + Object {
    const SPOKE_ONLY: &'static [&'static str];
    const HUB_ONLY: &'static [&'static str];

    fn up() -> Direction<Self, Self::Hub> {
        Direction {
            forward: Self::into_hub,
            backward: Self::from_hub,
            source_only: Self::SPOKE_ONLY,
            target_only: Self::HUB_ONLY,
        }
    }

    fn down() -> Direction<Self::Hub, Self> {
        Direction {
            forward: Self::from_hub,
            backward: Self::into_hub,
            source_only: Self::HUB_ONLY,
            target_only: Self::SPOKE_ONLY,
        }
    }
}

/// The served versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    V1Beta1,
    V1Beta2,
}

impl Version {
    fn parse(api_version: &str) -> Result<Version, ConversionError> {
        match api_version
            .strip_prefix(GROUP)
            .and_then(|v| v.strip_prefix('/'))
        {
            Some("v1beta1") => Ok(Version::V1Beta1),
            Some("v1beta2") => Ok(Version::V1Beta2),
            _ => Err(ConversionError::UnknownVersion(api_version.to_owned())),
        }
    }
}

/// Converts one object (as JSON, with `apiVersion` and `kind`) to `desired_api_version`.
/// An object already at that version comes back unchanged; metadata is kept, except
/// for the [`DATA_ANNOTATION`] annotation, which the conversion reads and writes.
pub fn convert(object: Value, desired_api_version: &str) -> Result<Value, ConversionError> {
    let field = |name| {
        object
            .get(name)
            .and_then(Value::as_str)
            .ok_or(ConversionError::MissingField(name))
    };
    let (from, kind) = (Version::parse(field("apiVersion")?)?, field("kind")?);
    let to = Version::parse(desired_api_version)?;
    let kind = kind.to_owned();
    convert_kind(&kind, object, from, to)
}

/// Deserialises `object` as `K`'s version `from`, converts it and serialises the result.
fn convert_as<K: Kind>(
    object: Value,
    from: Version,
    to: Version,
) -> Result<Value, ConversionError> {
    match (from, to) {
        (Version::V1Beta1, Version::V1Beta2) => {
            to_value(K::up().convert(from_value::<K>(object)?)?)
        }
        (Version::V1Beta2, Version::V1Beta1) => {
            to_value(K::down().convert(from_value::<K::Hub>(object)?)?)
        }
        _ => Ok(object),
    }
}

fn from_value<T: Object>(object: Value) -> Result<T, ConversionError> {
    serde_json::from_value(object).map_err(|source| ConversionError::InvalidObject {
        kind: T::kind(&()).into_owned(),
        source,
    })
}

fn to_value<T: Object>(object: T) -> Result<Value, ConversionError> {
    serde_json::to_value(object).map_err(|source| ConversionError::InvalidObject {
        kind: T::kind(&()).into_owned(),
        source,
    })
}

/// The nine kinds, their parts, and the fields only one version can hold. Generates
/// the object-level [`Convert`], [`Kind`], the public `TryFrom`s and the dispatch.
macro_rules! kinds {
    ($($kind:ident { $($part:ident),+ } spoke_only $spoke_only:expr, hub_only $hub_only:expr;)+) => {
        $(
            impl Convert for v1beta1::$kind {
                type Hub = v1beta2::$kind;
                fn into_hub(self) -> common::Result<Self::Hub> {
                    Ok(v1beta2::$kind { metadata: self.metadata, $($part: self.$part.into_hub()?),+ })
                }
                fn from_hub(hub: Self::Hub) -> common::Result<Self> {
                    Ok(v1beta1::$kind { metadata: hub.metadata, $($part: Convert::from_hub(hub.$part)?),+ })
                }
            }

            impl Kind for v1beta1::$kind {
                const SPOKE_ONLY: &'static [&'static str] = &$spoke_only;
                const HUB_ONLY: &'static [&'static str] = &$hub_only;
            }

            impl TryFrom<v1beta1::$kind> for v1beta2::$kind {
                type Error = ConversionError;
                fn try_from(object: v1beta1::$kind) -> Result<Self, ConversionError> {
                    v1beta1::$kind::up().convert(object)
                }
            }

            impl TryFrom<v1beta2::$kind> for v1beta1::$kind {
                type Error = ConversionError;
                fn try_from(object: v1beta2::$kind) -> Result<Self, ConversionError> {
                    v1beta1::$kind::down().convert(object)
                }
            }
        )+

        fn convert_kind(kind: &str, object: Value, from: Version, to: Version) -> Result<Value, ConversionError> {
            match kind {
                $(stringify!($kind) => convert_as::<v1beta1::$kind>(object, from, to),)+
                _ => Err(ConversionError::UnknownKind(kind.to_owned())),
            }
        }
    };
}

kinds! {
    Metal3Cluster { spec, status } spoke_only [], hub_only [];
    Metal3ClusterTemplate { spec } spoke_only [], hub_only ["/spec/template/metadata"];
    Metal3Machine { spec, status } spoke_only ["/status/phase"], hub_only [];
    Metal3MachineTemplate { spec } spoke_only [], hub_only ["/spec/template/metadata"];
    Metal3DataTemplate { spec, status } spoke_only ["/spec/templateReference"], hub_only [];
    Metal3Data { spec, status } spoke_only ["/spec/templateReference"], hub_only [];
    Metal3DataClaim { spec, status } spoke_only [], hub_only [];
    Metal3Remediation { spec, status } spoke_only [], hub_only [];
    Metal3RemediationTemplate { spec, status } spoke_only [], hub_only [];
}
