//! The vocabulary every kind's conversion is written in: the [`Convert`] trait, the
//! helpers for v1beta1/v1beta2 differences that recur across kinds, and the types
//! shared by several kinds (endpoints, references, failure domains, legacy status).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ObjectReference, SecretReference, TypedLocalObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::{Serialize, de::DeserializeOwned};

use super::ConversionError;
use crate::api::capm3::{v1beta1, v1beta2};

pub(crate) type Result<T> = std::result::Result<T, ConversionError>;

/// A pure, field-by-field conversion between a v1beta1 type (`Self`) and its v1beta2
/// counterpart. "Pure": no annotation handling; whatever the other version cannot
/// hold is simply dropped here and preserved by [`super::annotation`].
pub(crate) trait Convert: Sized {
    type Hub;
    fn into_hub(self) -> Result<Self::Hub>;
    fn from_hub(hub: Self::Hub) -> Result<Self>;
}

// Optional fields and lists convert element by element, so every kind's code reads
// `field: self.field.into_hub()?` whatever the field's container.
impl<T: Convert> Convert for Option<T> {
    type Hub = Option<T::Hub>;
    fn into_hub(self) -> Result<Self::Hub> {
        self.map(T::into_hub).transpose()
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        hub.map(T::from_hub).transpose()
    }
}

impl<T: Convert> Convert for Vec<T> {
    type Hub = Vec<T::Hub>;
    fn into_hub(self) -> Result<Self::Hub> {
        self.into_iter().map(T::into_hub).collect()
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        hub.into_iter().map(T::from_hub).collect()
    }
}

/// Types both versions share.
macro_rules! identity {
    ($($ty:ty),+) => {$(
        impl Convert for $ty {
            type Hub = $ty;
            fn into_hub(self) -> Result<Self::Hub> {
                Ok(self)
            }
            fn from_hub(hub: Self::Hub) -> Result<Self> {
                Ok(hub)
            }
        }
    )+};
}
identity!(String, bool, Time, SecretReference, ObjectMeta);

/// [`Convert`] for structs named alike in both versions whose fields all convert by
/// name: only the field types differ.
macro_rules! by_field {
    ($($ty:ident { $($field:ident),+ $(,)? })+) => {$(
        impl $crate::api::capm3::conversion::common::Convert for v1beta1::$ty {
            type Hub = v1beta2::$ty;
            fn into_hub(self) -> $crate::api::capm3::conversion::common::Result<Self::Hub> {
                use $crate::api::capm3::conversion::common::Convert as C;
                Ok(v1beta2::$ty { $($field: C::into_hub(self.$field)?),+ })
            }
            fn from_hub(hub: Self::Hub) -> $crate::api::capm3::conversion::common::Result<Self> {
                use $crate::api::capm3::conversion::common::Convert as C;
                Ok(v1beta1::$ty { $($field: C::from_hub(hub.$field)?),+ })
            }
        }
    )+};
}
pub(crate) use by_field;

/// Template resources: v1beta2 added `template.metadata`, which v1beta1 cannot hold
/// (the kinds list it as hub-only, so it travels in the annotation).
macro_rules! template_resource {
    ($($ty:ident),+) => {$(
        impl Convert for v1beta1::$ty {
            type Hub = v1beta2::$ty;
            fn into_hub(self) -> Result<Self::Hub> {
                Ok(v1beta2::$ty {
                    metadata: None,
                    spec: self.spec.into_hub()?,
                })
            }
            fn from_hub(hub: Self::Hub) -> Result<Self> {
                Ok(v1beta1::$ty {
                    spec: Convert::from_hub(hub.spec)?,
                })
            }
        }
    )+};
}
template_resource!(Metal3ClusterTemplateResource, Metal3MachineTemplateResource);

/// Moves a value between two Rust types that have the same JSON in both versions
/// (most enums and many leaf structs differ only in doc comments and validation).
pub(crate) fn same<A: Serialize, B: DeserializeOwned>(value: A) -> Result<B> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|source| ConversionError::Shape {
            type_name: std::any::type_name::<A>(),
            source,
        })
}

/// [`Convert`] for types whose JSON is the same in both versions, named alike in both.
macro_rules! same_shape {
    ($($ty:ident),+ $(,)?) => {$(
        impl $crate::api::capm3::conversion::common::Convert for v1beta1::$ty {
            type Hub = v1beta2::$ty;
            fn into_hub(self) -> $crate::api::capm3::conversion::common::Result<Self::Hub> {
                $crate::api::capm3::conversion::common::same(self)
            }
            fn from_hub(hub: Self::Hub) -> $crate::api::capm3::conversion::common::Result<Self> {
                $crate::api::capm3::conversion::common::same(hub)
            }
        }
    )+};
}
pub(crate) use same_shape;

/// v1beta1 used Go `int` (64-bit) where v1beta2 uses `int32`: out-of-range is an error,
/// not a silent truncation as in Go's `int32(x)`.
pub(crate) fn narrow(value: i64, field: &'static str) -> Result<i32> {
    i32::try_from(value).map_err(|_| ConversionError::OutOfRange { field, value })
}

/// [`narrow`] for optional fields.
pub(crate) fn narrow_opt(value: Option<i64>, field: &'static str) -> Result<Option<i32>> {
    value.map(|v| narrow(v, field)).transpose()
}

/// Widening the other way never fails.
pub(crate) fn widen(value: Option<i32>) -> Option<i64> {
    value.map(i64::from)
}

/// v1beta1 required strings read "" when unset; v1beta2 made them optional (and
/// gave them `minLength: 1`, so `Some("")` is not a valid v1beta2 value).
pub(crate) fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

/// The inverse of [`non_empty`].
pub(crate) fn or_empty(value: Option<String>) -> String {
    value.unwrap_or_default()
}

/// A v1beta1 string that v1beta2 narrowed to an enum: values outside the enum have
/// no v1beta2 form and become unset (the annotation keeps the original).
pub(crate) fn known<E: DeserializeOwned>(value: Option<String>) -> Option<E> {
    value.and_then(|v| serde_json::from_value(serde_json::Value::String(v)).ok())
}

/// The inverse of [`known`]: an enum's wire name.
pub(crate) fn name_of<E: Serialize>(value: Option<E>) -> Result<Option<String>> {
    value.map(same).transpose()
}

/// `ObjectReference` -> `Metal3ObjectRef`: v1beta2 keeps only name and namespace;
/// apiVersion, kind, uid, resourceVersion and fieldPath are dropped.
impl Convert for ObjectReference {
    type Hub = v1beta2::Metal3ObjectRef;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::Metal3ObjectRef {
            name: self.name,
            namespace: self.namespace,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(ObjectReference {
            name: hub.name,
            namespace: hub.namespace,
            ..ObjectReference::default()
        })
    }
}

/// A reference v1beta1 requires (a value, empty when unset) and v1beta2 makes optional:
/// one with neither name nor namespace is the absent one.
pub(crate) fn required_ref_into_hub(
    reference: ObjectReference,
) -> Result<Option<v1beta2::Metal3ObjectRef>> {
    let reference = reference.into_hub()?;
    Ok((reference.name.is_some() || reference.namespace.is_some()).then_some(reference))
}

/// The inverse of [`required_ref_into_hub`].
pub(crate) fn required_ref_from_hub(
    reference: Option<v1beta2::Metal3ObjectRef>,
) -> Result<ObjectReference> {
    Ok(Option::<ObjectReference>::from_hub(reference)?.unwrap_or_default())
}

/// `TypedLocalObjectReference` -> `IPPoolReference`: `kind` became optional.
impl Convert for TypedLocalObjectReference {
    type Hub = v1beta2::IPPoolReference;
    fn into_hub(self) -> Result<Self::Hub> {
        Ok(v1beta2::IPPoolReference {
            api_group: self.api_group,
            kind: non_empty(self.kind),
            name: self.name,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(TypedLocalObjectReference {
            api_group: hub.api_group,
            kind: or_empty(hub.kind),
            name: hub.name,
        })
    }
}

/// Both endpoint fields were required in v1beta1 (zero values when unset) and are
/// optional in v1beta2; the port narrows to `int32`.
impl Convert for v1beta1::APIEndpoint {
    type Hub = v1beta2::APIEndpoint;
    fn into_hub(self) -> Result<Self::Hub> {
        let port = (self.port != 0).then_some(self.port);
        Ok(v1beta2::APIEndpoint {
            host: non_empty(self.host),
            port: narrow_opt(port, "controlPlaneEndpoint.port")?,
        })
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        Ok(v1beta1::APIEndpoint {
            host: or_empty(hub.host),
            port: widen(hub.port).unwrap_or(0),
        })
    }
}

/// Failure domains: a map keyed by name in v1beta1, a list sorted by name in v1beta2.
impl Convert for BTreeMap<String, v1beta1::FailureDomainSpec> {
    type Hub = Vec<v1beta2::FailureDomain>;
    fn into_hub(self) -> Result<Self::Hub> {
        // A BTreeMap iterates in key order, which is the order upstream sorts by.
        let domains = self
            .into_iter()
            .map(|(name, domain)| v1beta2::FailureDomain {
                attributes: domain.attributes,
                control_plane: domain.control_plane,
                name,
            });
        Ok(domains.collect())
    }
    fn from_hub(hub: Self::Hub) -> Result<Self> {
        let domains = hub.into_iter().map(|domain| {
            let spec = v1beta1::FailureDomainSpec {
                attributes: domain.attributes,
                control_plane: domain.control_plane,
            };
            (domain.name, spec)
        });
        Ok(domains.collect())
    }
}

/// The three v1beta1 top-level status fields that v1beta2 moves to
/// `status.deprecated.v1beta1`. That group has the same shape for every kind, so the
/// Metal3Machine types stand for all and [`same`] moves them to the kind's own.
pub(crate) type Legacy = v1beta2::Metal3MachineV1Beta1DeprecatedStatus;
type Deprecated = v1beta2::Metal3MachineDeprecatedStatus;

/// v1beta1 -> v1beta2: `status.deprecated` exists only when a legacy field is set,
/// as upstream does it.
pub(crate) fn deprecated<D: DeserializeOwned>(legacy: Legacy) -> Result<Option<D>> {
    if legacy == no_legacy() {
        return Ok(None);
    }
    let deprecated = Deprecated {
        v1_beta1: Some(legacy),
    };
    same(deprecated).map(Some)
}

/// v1beta2 -> v1beta1: lifts the legacy fields back to the top of the status.
pub(crate) fn legacy<D: Serialize>(deprecated: Option<D>) -> Result<Legacy> {
    let deprecated: Option<Deprecated> = deprecated.map(same).transpose()?;
    Ok(deprecated
        .and_then(|d| d.v1_beta1)
        .unwrap_or_else(no_legacy))
}

fn no_legacy() -> Legacy {
    Legacy {
        conditions: None,
        failure_message: None,
        failure_reason: None,
    }
}
