//! Choosing and claiming a host (reference §1.2.1, §1.2.2; SEL-*, ASC-01…ASC-05).
//!
//! The candidates come from the shared host cache, filtered by namespace in memory: no API
//! listing per pass. Upstream serialises associations with a process-wide mutex; here no lock
//! is needed, across workers or replicas:
//! 1. the machine's annotation (its choice) is written with the machine's resourceVersion, so
//!    of two passes over the same machine — two replicas during a leader hand-over, or a pass
//!    on a stale cache — only one records a choice;
//! 2. the host is claimed with the host's resourceVersion, so of two machines that chose the
//!    same host only one gets it.
//!
//! The loser of either race reads again and chooses again soon after, without any failure
//! reported; a machine whose annotation names a host it did not get forgets it first
//! ([`crate::capm3::associate::annotated_host`]).

use std::sync::Arc;

use kube::{Api, ResourceExt};

use super::pass::MachinePass;
use super::writes::{self, HostWrite};
use super::{Context, Error, owners, race_retry};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::Machine;
use crate::api::capm3::v1beta2::Metal3Machine;
use crate::capm3::associate::{self, AnnotatedHost};
use crate::capm3::names::{HOST_ANNOTATION, NODE_REUSE_LABEL};
use crate::capm3::outcome::Next;
use crate::capm3::select::{self, Choice, HostRequest};

/// The node-reuse name of `owner`, looked up only when one of `hosts` is reserved for node
/// reuse: otherwise it cannot change what is chosen.
async fn reuse_name_if_reserved<'h>(
    context: &Context,
    owner: &Machine,
    mut hosts: impl Iterator<Item = &'h BareMetalHost>,
) -> Result<Option<String>, Error> {
    if hosts.any(|host| host.labels().contains_key(NODE_REUSE_LABEL)) {
        Ok(owners::reuse_name_of(context, owner).await?)
    } else {
        Ok(None)
    }
}

/// Chooses a host for a machine without one and claims it (then the pass ends: the host's
/// change brings the machine back).
pub(super) async fn choose_and_claim(
    context: &Context,
    api: &Api<Metal3Machine>,
    pass: &mut MachinePass,
    owner: &Machine,
) -> Result<Next, Error> {
    let namespace = pass.namespace();
    let hosts: Vec<Arc<BareMetalHost>> = context
        .stores
        .hosts
        .state()
        .into_iter()
        .filter(|host| host.namespace().as_deref() == Some(namespace.as_str()))
        .collect();
    let reuse_name =
        reuse_name_if_reserved(context, owner, hosts.iter().map(AsRef::as_ref)).await?;
    let request = match HostRequest::new(&pass.working, reuse_name) {
        Ok(request) => request,
        Err(error) => return Ok(pass.absorb(associate::invalid_selector(&error))),
    };
    let mut rng = fastrand::Rng::new();
    match select::select(hosts.iter().map(AsRef::as_ref), &request, &mut rng) {
        Ok(choice) => claim(context, api, pass, owner, choice).await,
        Err(exclusions) => Ok(pass.absorb(associate::no_host(&exclusions))),
    }
}

/// Checks the host the machine's annotation names; `Some` ends the pass: the host was claimed
/// again, or lost to another consumer and forgotten, or the selector is invalid.
pub(super) async fn check_annotated(
    context: &Context,
    api: &Api<Metal3Machine>,
    pass: &mut MachinePass,
    owner: &Machine,
    host: &BareMetalHost,
) -> Result<Option<Next>, Error> {
    let reuse_name = reuse_name_if_reserved(context, owner, std::iter::once(host)).await?;
    match associate::annotated_host(host, &pass.working, reuse_name) {
        Ok(AnnotatedHost::Own | AnnotatedHost::Keep) => Ok(None),
        Ok(AnnotatedHost::Claim(choice)) => {
            claim(context, api, pass, owner, choice).await.map(Some)
        }
        Ok(AnnotatedHost::Lost) => {
            tracing::debug!(machine = %pass.working.name_any(), host = %host.name_any(),
                            "the chosen host went to another consumer, choosing again");
            forget(api, pass).await.map(Some)
        }
        Err(error) => Ok(Some(pass.absorb(associate::invalid_selector(&error)))),
    }
}

/// Drops the machine's annotation (a choice that did not become a claim) and looks again soon.
async fn forget(api: &Api<Metal3Machine>, pass: &mut MachinePass) -> Result<Next, Error> {
    if let Some(annotations) = pass.working.metadata.annotations.as_mut() {
        annotations.remove(HOST_ANNOTATION);
    }
    pass.write_metadata(api).await?;
    Ok(Next::After(race_retry()))
}

/// Records the choice on the machine, then claims the host and labels its BMC Secret.
async fn claim(
    context: &Context,
    api: &Api<Metal3Machine>,
    pass: &mut MachinePass,
    owner: &Machine,
    choice: Choice<'_>,
) -> Result<Next, Error> {
    let (Choice::Host { host, .. } | Choice::WaitForReuse { host }) = choice;
    let association = match associate::associate(&pass.working, owner, choice) {
        Ok(association) => association,
        Err(report) => return Ok(pass.absorb(report)),
    };
    // The choice (annotation) and status.userData first, with the machine's resourceVersion:
    // a pass on a stale machine, or a second replica's, stops here.
    pass.change(&association.machine);
    pass.write_metadata(api).await?;
    pass.write_status(api).await?;
    // Then the claim, with the host's resourceVersion.
    if let Some(patch) = &association.host_patch {
        match writes::host(&context.client, host, patch).await? {
            HostWrite::Written => {}
            HostWrite::Conflict => return Ok(Next::After(race_retry())),
            // Deleted since it was chosen: a missing host is otherwise waited for (it may
            // have been this machine's), so the choice goes now.
            HostWrite::Gone => return forget(api, pass).await,
        }
    }
    writes::bmc_secret_label(&context.client, host, &association.cluster_name, true).await?;
    Ok(pass.absorb(association.report))
}
