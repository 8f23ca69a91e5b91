//! Letting go of a Metal3Data's addresses when it is deleted (reference §1.4 `ReleaseLeases`,
//! IP-10): each IP claim loses our finalizer and is deleted; the IP address manager then frees
//! its address.
//!
//! Upstream finds the claims by the names it gives them, from the pools the template names,
//! and so cannot find those of pools named by a `fromPoolAnnotation` once the annotated objects
//! are gone: their claims keep our finalizer and their addresses forever (quirk 9). Here the
//! claims are found by their owner, the Metal3Data, as well: every claim a Metal3Data made is
//! released, whatever named its pool.

use std::collections::BTreeMap;

use kube::ResourceExt;

use super::Context;
use super::ipclaims::{claim_name, released_with};
use crate::api::capi::IPAddressClaim;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataTemplate};
use crate::api::ipam::v1alpha1::IPClaim;
use crate::capm3::data_controllers::kubeio;
use crate::capm3::names::DATA_FINALIZER;
use crate::manager::caches::Cacheable;
use crate::render::referenced_pools;

/// Releases every IP claim of `data`; how many there were.
pub async fn release(context: &Context, data: &Metal3Data) -> Result<usize, kube::Error> {
    let client = &context.common.client;
    let namespace = data.namespace().unwrap_or_default();
    let name = data.name_any();
    let mut ip_claims: BTreeMap<String, IPClaim> =
        owned_claims(&context.ip_claims.state(), &namespace, &name);
    let mut capi_claims: BTreeMap<String, IPAddressClaim> =
        owned_claims(&context.capi_claims.state(), &namespace, &name);
    // The names the claims were given, read now: the cache may not have seen a claim just made.
    if let Some(template) = template_of(client, data).await? {
        // Annotation-named pools cannot be resolved without the objects; ownership covers them.
        for pool in referenced_pools(&template.spec, None)
            .unwrap_or_default()
            .iter()
        {
            let claim = claim_name(&name, &pool.name);
            if pool.is_metal3() {
                named(client, &namespace, &name, &claim, &mut ip_claims).await?;
            } else {
                named(client, &namespace, &name, &claim, &mut capi_claims).await?;
            }
        }
    }
    let count = ip_claims.len() + capi_claims.len();
    for claim in ip_claims.values() {
        kubeio::release(client, claim, DATA_FINALIZER).await?;
    }
    for claim in capi_claims.values() {
        kubeio::release(client, claim, DATA_FINALIZER).await?;
    }
    Ok(count)
}

fn claim_in<K: Cacheable>(claim: &K, namespace: &str) -> bool {
    claim.namespace().as_deref() == Some(namespace)
}

/// The cached claims of `namespace` a Metal3Data named `data` owns, by name.
fn owned_claims<K: Cacheable>(
    cached: &[std::sync::Arc<K>],
    namespace: &str,
    data: &str,
) -> BTreeMap<String, K> {
    cached
        .iter()
        .filter(|claim| claim_in(claim.as_ref(), namespace))
        .filter(|claim| released_with(data, claim.meta(), false))
        .map(|claim| (claim.name_any(), (**claim).clone()))
        .collect()
}

/// Adds the claim called `claim`, read now, if it goes with the Metal3Data `data`.
async fn named<K: Cacheable>(
    client: &kube::Client,
    namespace: &str,
    data: &str,
    claim: &str,
    claims: &mut BTreeMap<String, K>,
) -> Result<(), kube::Error> {
    if let Some(found) = kubeio::get::<K>(client, namespace, claim).await?
        && released_with(data, found.meta(), true)
    {
        claims.insert(claim.to_owned(), found);
    }
    Ok(())
}

/// The template the Metal3Data was made from, if it still exists.
async fn template_of(
    client: &kube::Client,
    data: &Metal3Data,
) -> Result<Option<Metal3DataTemplate>, kube::Error> {
    let Some(reference) = data.spec.template.as_ref() else {
        return Ok(None);
    };
    let namespace = reference
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .or_else(|| data.namespace())
        .unwrap_or_default();
    kubeio::get(
        client,
        &namespace,
        reference.name.as_deref().unwrap_or_default(),
    )
    .await
}
