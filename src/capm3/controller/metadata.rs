//! A Metal3Machine's data template integration (reference §1.2.4, §1.2.5, §1.2.6 DEL-01): the
//! Metal3DataClaim it creates and releases, and the rendered Metal3Data it waits for. The
//! Metal3DataTemplate and Metal3Data controllers render the data; this side only reads it.

use kube::api::{DeleteParams, PostParams};
use kube::{Api, ResourceExt};

use super::pass::MachinePass;
use super::writes::{already_exists, not_found};
use super::{Context, Error, find};
use crate::api::capm3::v1beta2::Metal3DataClaim;
use crate::capm3::data;
use crate::capm3::names::MACHINE_FINALIZER;
use crate::capm3::outcome::Next;
use crate::kubeutil::finalizers;

/// AssociateM3Metadata and WaitForM3Metadata; `Some` ends the pass (waiting for the claim or
/// the data, or a failed step).
pub(super) async fn associate(
    context: &Context,
    pass: &mut MachinePass,
) -> Result<Option<Next>, Error> {
    let plan = match data::associate_metadata(&pass.working) {
        Ok(plan) => plan,
        Err(report) => return Ok(Some(pass.absorb(report))),
    };
    pass.change(&plan.machine);
    if let Some(claim) = plan.claim
        && !create_claim(context, claim).await?
    {
        return Ok(Some(Next::later()));
    }
    pass.absorb(plan.report);
    let namespace = pass.namespace();
    let claim = find(&context.stores.claims, &namespace, &pass.working.name_any());
    let rendered = match data::rendered_data(&pass.working, claim.as_deref()) {
        Ok(Some(rendered)) => rendered,
        Ok(None) => return Ok(None),
        Err(report) => return Ok(Some(pass.absorb(report))),
    };
    let data_namespace = rendered
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
        .unwrap_or(namespace);
    let rendered_data = rendered
        .name
        .as_deref()
        .and_then(|name| find(&context.stores.data, &data_namespace, name));
    match data::data_secrets(&pass.working, &rendered, rendered_data.as_deref()) {
        Ok((changes, report)) => {
            pass.change(&changes);
            pass.absorb(report);
            Ok(None)
        }
        Err(report) => Ok(Some(pass.absorb(report))),
    }
}

/// Creates the machine's Metal3DataClaim unless the cache holds it; `false` when the API
/// server already has it (the cache lags: look again later, its watch event comes first).
async fn create_claim(context: &Context, claim: Metal3DataClaim) -> Result<bool, kube::Error> {
    let namespace = claim.namespace().unwrap_or_default();
    if find(&context.stores.claims, &namespace, &claim.name_any()).is_some() {
        return Ok(true);
    }
    let api: Api<Metal3DataClaim> = Api::namespaced(context.client.clone(), &namespace);
    match api.create(&PostParams::default(), &claim).await {
        Ok(_) => Ok(true),
        Err(error) if already_exists(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Releases the machine's Metal3DataClaim `name` (DEL-01): its finalizer off, then deleted.
/// Read from the API, not the cache, so a claim created moments ago is not missed; gone at
/// any step is fine.
pub(super) async fn release_claim(
    context: &Context,
    namespace: &str,
    name: &str,
) -> Result<(), kube::Error> {
    let api: Api<Metal3DataClaim> = Api::namespaced(context.client.clone(), namespace);
    let gone = |result: Result<(), kube::Error>| match result {
        Err(error) if not_found(&error) => Ok(()),
        other => other,
    };
    let Some(claim) = api.get_opt(name).await? else {
        return Ok(());
    };
    gone(finalizers::release(&api, &claim, MACHINE_FINALIZER).await)?;
    if claim.metadata.deletion_timestamp.is_none() {
        gone(api.delete(name, &DeleteParams::default()).await.map(|_| ()))?;
    }
    Ok(())
}
