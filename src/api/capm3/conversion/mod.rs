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
            common::by_field!($kind { metadata, $($part),+ });

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

/// Helpers for the unit tests of every conversion module.
#[cfg(test)]
mod testing {
    use serde_json::{Value, json};

    pub const V1BETA1: &str = "infrastructure.cluster.x-k8s.io/v1beta1";
    pub const V1BETA2: &str = "infrastructure.cluster.x-k8s.io/v1beta2";

    /// A `kind` object at `api_version` with `body` (its `spec`, `status`).
    pub fn object(api_version: &str, kind: &str, body: Value) -> Value {
        let mut object = json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": "m3", "namespace": "ns"},
        });
        if let (Some(object), Value::Object(body)) = (object.as_object_mut(), body) {
            object.extend(body);
        }
        object
    }

    /// `object` converted to `api_version`; conversion errors fail the test.
    pub fn to(object: Value, api_version: &str) -> Value {
        super::convert(object, api_version).expect("the object converts")
    }

    /// Converts `object` to `via` and back, checks that gives `object` again, and
    /// returns the intermediate object.
    pub fn round_trip(object: &Value, via: &str) -> Value {
        let home = object["apiVersion"]
            .as_str()
            .expect("test objects have an apiVersion");
        let there = to(object.clone(), via);
        assert_eq!(&to(there.clone(), home), object, "round trip via {via}");
        there
    }

    /// The conversion-data annotation's payload, if any.
    pub fn stored(object: &Value) -> Option<Value> {
        let text = object["metadata"]["annotations"][super::DATA_ANNOTATION].as_str()?;
        Some(serde_json::from_str(text).expect("the annotation is JSON"))
    }
}

/// API-05: the entry points.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::testing::{V1BETA1, V1BETA2, object};
    use super::{ConversionError, convert, v1beta1, v1beta2};

    #[test]
    fn the_same_version_comes_back_unchanged() {
        let old = object(V1BETA1, "Metal3Machine", json!({"spec": {}, "unknown": 1}));
        assert_eq!(convert(old.clone(), V1BETA1).expect("no-op"), old);
    }

    #[test]
    fn unknown_kinds_versions_and_shapes_are_errors() {
        let machine = || object(V1BETA1, "Metal3Machine", json!({"spec": {}}));
        let mut no_kind = machine();
        no_kind.as_object_mut().expect("an object").remove("kind");
        let table = [
            (
                object(V1BETA1, "Metal3Host", json!({"spec": {}})),
                V1BETA2,
                "kind \"Metal3Host\"",
            ),
            (
                machine(),
                "infrastructure.cluster.x-k8s.io/v1alpha5",
                "apiVersion",
            ),
            (machine(), "cluster.x-k8s.io/v1beta2", "apiVersion"),
            (
                object("v1", "Metal3Machine", json!({})),
                V1BETA2,
                "apiVersion \"v1\"",
            ),
            (no_kind, V1BETA2, "the object has no kind"),
            (
                object(V1BETA1, "Metal3Machine", json!({"spec": 1})),
                V1BETA2,
                "not a valid Metal3Machine",
            ),
        ];
        for (object, to, message) in table {
            let error = convert(object, to).expect_err(message).to_string();
            assert!(error.contains(message), "{error}");
        }
    }

    #[test]
    fn typed_conversions_are_try_from() -> Result<(), ConversionError> {
        let old: v1beta1::Metal3DataClaim = serde_json::from_value(object(
            V1BETA1,
            "Metal3DataClaim",
            json!({"spec": {"template": {"name": "t"}}}),
        ))
        .expect("a valid claim");
        let new = v1beta2::Metal3DataClaim::try_from(old.clone())?;
        assert_eq!(
            new.spec.template.as_ref().and_then(|t| t.name.as_deref()),
            Some("t")
        );
        assert_eq!(v1beta1::Metal3DataClaim::try_from(new)?, old);
        Ok(())
    }
}
