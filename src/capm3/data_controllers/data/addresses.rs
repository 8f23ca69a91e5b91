//! Claiming an address from every pool the template reads (reference §2.3
//! `getAddressesFromPool`): each claim is made if missing, then read; rendering waits until
//! every pool has answered (IP-04).

use kube::ResourceExt;
use kube::runtime::reflector::ObjectRef;

use super::Context;
use super::ipclaims::{
    Unserved, capi_address, capi_claim_address, claim_name, ip_claim_address, ip_claim_names,
    metal3_address, new_capi_claim, new_ip_claim,
};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{self, IPAddressClaim};
use crate::api::capm3::v1beta2::Metal3Data;
use crate::api::ipam::v1alpha1::{IPAddress, IPClaim};
use crate::capm3::data_controllers::kubeio::{self, not_found};
use crate::capm3::names::DATA_FINALIZER;
use crate::manager::caches::Cacheable;
use crate::render::{Addresses, PoolAddress, PoolRef, ReferencedPools};

/// What the pools gave.
#[derive(Debug)]
pub enum Collected {
    /// Every pool's address.
    All(Addresses),
    /// Some pool has not answered yet.
    Waiting(String),
    /// Some pool cannot answer (IP-05).
    Failed(String),
}

/// One pool's answer.
enum Answer {
    Address(PoolAddress),
    Waiting(String),
    Failed(String),
}

/// Makes the missing claims and reads every pool's address.
pub async fn collect(
    context: &Context,
    data: &Metal3Data,
    host: &BareMetalHost,
    pools: &ReferencedPools,
) -> Result<Collected, kube::Error> {
    let mut addresses = Addresses::new();
    let mut waiting = None;
    let mut failed = None;
    for pool in pools {
        // Every claim is made even when an earlier pool failed or waits, so all pools work
        // at once.
        let answer = if pool.is_metal3() {
            metal3_pool(context, data, host, pool).await?
        } else {
            capi_pool(context, data, pool).await?
        };
        match answer {
            Answer::Address(address) => {
                addresses.insert(pool.name.clone(), address);
            }
            Answer::Waiting(why) => {
                waiting.get_or_insert(why);
            }
            Answer::Failed(message) => {
                failed.get_or_insert(message);
            }
        }
    }
    Ok(match (failed, waiting) {
        (Some(message), _) => Collected::Failed(message),
        (None, Some(why)) => Collected::Waiting(why),
        (None, None) => Collected::All(addresses),
    })
}

/// The claim named `name` from `store`'s cache, else created from `object`. A claim just
/// created is used as created (upstream re-reads it under the Metal3Data's name, which fails
/// with BMH-name based preallocation and costs a render pass, quirk 14).
async fn existing_or_created<K: Cacheable + serde::Serialize>(
    context: &Context,
    cached: Option<K>,
    object: K,
) -> Result<Result<K, Answer>, kube::Error> {
    if let Some(claim) = cached {
        return Ok(Ok(claim));
    }
    let client = &context.common.client;
    let name = object.name_any();
    match kubeio::create(client, &object).await {
        Ok(Some(created)) => Ok(Ok(created)),
        Ok(None) => {
            let namespace = object.namespace().unwrap_or_default();
            Ok(kubeio::get::<K>(client, &namespace, &name)
                .await?
                .ok_or_else(|| Answer::Waiting(format!("IP claim {name} went away"))))
        }
        // The kind is not served (the CAPI IPAM CRDs are optional).
        Err(error) if not_found(&error) => Ok(Err(Answer::Failed(format!(
            "cannot create {} {name}: {error}",
            K::kind(&())
        )))),
        Err(error) => Err(error),
    }
}

/// A Metal3 IPPool: an IPClaim found under `<m3d>-<pool>` or `<host>-<pool>`, or made.
async fn metal3_pool(
    context: &Context,
    data: &Metal3Data,
    host: &BareMetalHost,
    pool: &PoolRef,
) -> Result<Answer, kube::Error> {
    let namespace = data.namespace().unwrap_or_default();
    let cached = ip_claim_names(&data.name_any(), &host.name_any(), &pool.name)
        .iter()
        .find_map(|name| {
            context
                .ip_claims
                .get(&ObjectRef::new(name).within(&namespace))
        })
        .map(|claim| (*claim).clone());
    let object = new_ip_claim(data, &pool.name, &host.name_any(), context.preallocation);
    let claim: IPClaim = match existing_or_created(context, cached, object).await? {
        Ok(claim) => claim,
        Err(answer) => return Ok(answer),
    };
    let address = match ip_claim_address(data, &claim, &pool.name) {
        Ok(address) => address,
        Err(why) => return Ok(unserved(context, &claim, why).await),
    };
    let address = kubeio::get::<IPAddress>(&context.common.client, &namespace, &address).await?;
    Ok(address.map_or_else(
        || {
            Answer::Waiting(format!(
                "IPAddress of IPClaim {} not found",
                claim.name_any()
            ))
        },
        |a| Answer::Address(metal3_address(&a)),
    ))
}

/// Any other pool kind: the CAPI IPAddressClaim `<m3d>-<pool>`, or made.
async fn capi_pool(
    context: &Context,
    data: &Metal3Data,
    pool: &PoolRef,
) -> Result<Answer, kube::Error> {
    let namespace = data.namespace().unwrap_or_default();
    let name = claim_name(&data.name_any(), &pool.name);
    let cached = context
        .capi_claims
        .get(&ObjectRef::new(&name).within(&namespace))
        .map(|claim| (*claim).clone());
    let claim: IPAddressClaim =
        match existing_or_created(context, cached, new_capi_claim(data, pool)).await? {
            Ok(claim) => claim,
            Err(answer) => return Ok(answer),
        };
    let address = match capi_claim_address(data, &claim) {
        Ok(address) => address,
        Err(why) => return Ok(unserved(context, &claim, why).await),
    };
    let address =
        kubeio::get::<capi::IPAddress>(&context.common.client, &namespace, &address).await?;
    Ok(address.map_or_else(
        || Answer::Waiting(format!("IPAddress of IPAddressClaim {name} not found")),
        |a| Answer::Address(capi_address(&a)),
    ))
}

/// A claim that brings no address (yet). A stale claim of an earlier Metal3Data of the same
/// name loses our finalizer so it can go (IP-06); failing to remove it only delays that.
async fn unserved<K: Cacheable>(context: &Context, claim: &K, why: Unserved) -> Answer {
    match why {
        Unserved::Failed(message) => Answer::Failed(message),
        Unserved::Waiting(why) => Answer::Waiting(why),
        Unserved::Stale => {
            let result =
                kubeio::remove_finalizer(&context.common.client, claim, DATA_FINALIZER).await;
            if let Err(error) = result {
                tracing::debug!(claim = %claim.name_any(), "stale IP claim keeps its finalizer: {error}");
            }
            Answer::Waiting(format!(
                "IP claim {} of an earlier Metal3Data is being deleted",
                claim.name_any()
            ))
        }
    }
}
