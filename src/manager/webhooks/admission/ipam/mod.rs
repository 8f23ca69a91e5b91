//! The `ipam.metal3.io` webhooks (ipam reference §4): what ip-address-manager's validators
//! check that the CRD schema does not. The schema's patterns already refuse an unparsable
//! `gateway`, `dnsServers`, pool bounds, `preAllocations` and IPAddress `spec.address`, and its
//! default sets `allocationStrategy: sequential` (IPAM-51), so neither is repeated here and
//! there is no mutating webhook (upstream's IPClaim and IPAddress defaulters do nothing).
//!
//! Refusals are upstream's: a 422 `Invalid` whose causes print values as Go's `field.Invalid`
//! does (`Invalid value: "10.0.0.1"`, an ObjectReference as `v1.ObjectReference{…}`).

mod claims;
mod pool;

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::de::DeserializeOwned;

use super::{KindWebhooks, Request, Verdict};
use crate::api::field::{ErrorKind, FieldError, FieldPath};
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim, IPPool};
use crate::bmc::gourl::quote;
use crate::ipam::address::Ip;
use crate::ipam::claim;

pub fn webhooks() -> Vec<KindWebhooks> {
    vec![
        KindWebhooks::of::<IPPool>(pool::validate, None),
        KindWebhooks::of::<IPClaim>(claims::validate_claim, None),
        KindWebhooks::of::<IPAddress>(claims::validate_address, None),
    ]
}

/// Runs `rules` on the request's object and, on update, the stored one, both as `K`. An object
/// that does not parse as `K` (the schema makes that rare) is denied with the reason.
fn check<K: DeserializeOwned>(
    request: &Request,
    rules: impl FnOnce(&K, Option<&K>) -> Vec<FieldError>,
) -> Verdict {
    let parse = |value: &serde_json::Value| {
        serde_json::from_value::<K>(value.clone()).map_err(|error| error.to_string())
    };
    let parsed = parse(request.object).and_then(|object| {
        let old = request.old_object.map(parse).transpose()?;
        Ok((object, old))
    });
    match parsed {
        Ok((object, old)) => Verdict {
            errors: rules(&object, old.as_ref()),
            ..Verdict::default()
        },
        Err(error) => Verdict {
            denials: vec![format!("cannot read the object: {error}")],
            ..Verdict::default()
        },
    }
}

/// `field.Invalid(path, value, detail)`, with `value` already printed.
fn invalid(path: FieldPath, value: String, detail: impl Into<String>) -> FieldError {
    FieldError {
        path,
        kind: ErrorKind::Invalid,
        value: Some(value),
        detail: detail.into(),
    }
}

/// A string value as Go prints it in a field error.
fn go_string(text: &str) -> String {
    quote(text.as_bytes())
}

/// An ObjectReference as Go's `%#v` prints it, which is how upstream's messages show one.
fn go_reference(reference: &ObjectReference) -> String {
    let field = |value: &Option<String>| go_string(value.as_deref().unwrap_or_default());
    format!(
        "v1.ObjectReference{{Kind:{}, Namespace:{}, Name:{}, UID:{}, APIVersion:{}, \
         ResourceVersion:{}, FieldPath:{}}}",
        field(&reference.kind),
        field(&reference.namespace),
        field(&reference.name),
        field(&reference.uid),
        field(&reference.api_version),
        field(&reference.resource_version),
        field(&reference.field_path),
    )
}

fn path(segments: &[&str]) -> FieldPath {
    segments
        .iter()
        .fold(FieldPath::root(), |path, segment| path.child(segment))
}

/// `spec.pool.name: cannot be empty` and its like, for a reference without a name.
fn unnamed(reference: &ObjectReference, field: &str) -> Option<FieldError> {
    let name = reference.name.as_deref().unwrap_or_default();
    name.is_empty().then(|| {
        invalid(
            path(&["spec", field, "name"]),
            go_string(name),
            "cannot be empty",
        )
    })
}

/// Whether a reference points elsewhere than `old` did: upstream compares the name, the
/// namespace and the kind.
fn repointed(old: &ObjectReference, new: &ObjectReference) -> bool {
    old.name != new.name || old.namespace != new.namespace || old.kind != new.kind
}

/// `spec.<field>: cannot be modified`, when the reference was repointed.
fn reference_changed(
    old: &ObjectReference,
    new: &ObjectReference,
    field: &str,
) -> Option<FieldError> {
    repointed(old, new).then(|| {
        invalid(
            path(&["spec", field]),
            go_reference(new),
            "cannot be modified",
        )
    })
}

/// The `ipAddress` annotation (the address a claim asks for) must be an IP address when set.
fn requested_address(meta: &ObjectMeta) -> Option<FieldError> {
    let value = claim::requested_address(meta)?;
    Ip::parse(value).is_none().then(|| {
        invalid(
            path(&["metadata", "annotations", "ipAddress"]),
            go_string(value),
            "is not a valid IP address",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_print_as_go_does() {
        let reference = ObjectReference {
            kind: Some("IPPool".into()),
            name: Some("pool".into()),
            ..ObjectReference::default()
        };
        assert_eq!(
            go_reference(&reference),
            r#"v1.ObjectReference{Kind:"IPPool", Namespace:"", Name:"pool", UID:"", APIVersion:"", ResourceVersion:"", FieldPath:""}"#
        );
    }
}
