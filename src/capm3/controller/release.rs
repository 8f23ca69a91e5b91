//! Deleting a Metal3Machine (reference §1.2.6; DEL-01…DEL-11): the data claim is released,
//! the host deprovisioned and, once it is, released; then the finalizer goes.

use kube::Api;

use super::machine::Inputs;
use super::pass::MachinePass;
use super::writes::HostWrite;
use super::{Context, Error, metadata, owners, race_retry, writes};
use crate::api::capm3::v1beta2::Metal3Machine;
use crate::capm3::data;
use crate::capm3::delete::{self, ReleaseInput, ReuseRelease};
use crate::capm3::names::MACHINE_FINALIZER;
use crate::capm3::outcome::Next;
use crate::kubeutil::finalizers::{has_finalizer, without_finalizer};

fn release_input<'a>(
    context: &Context,
    pass: &'a MachinePass,
    inputs: &Inputs<'a>,
    reuse: Option<&'a ReuseRelease>,
) -> ReleaseInput<'a> {
    ReleaseInput {
        machine: &pass.working,
        cluster_name: &inputs.owner.spec.cluster_name,
        host: inputs.host,
        fast_track: context.settings.fast_track,
        reuse,
    }
}

pub(super) async fn run(
    context: &Context,
    api: &Api<Metal3Machine>,
    pass: &mut MachinePass,
    inputs: &Inputs<'_>,
) -> Result<Next, Error> {
    let next = pass.absorb(delete::deleting());
    if !has_finalizer(&pass.working, MACHINE_FINALIZER) {
        return Ok(next);
    }
    let released = data::release_metadata(&pass.working);
    pass.change(&released.machine);
    if let Err(error) = metadata::release_claim(context, &pass.namespace(), &released.claim).await {
        return Ok(pass.absorb(delete::deletion_failed(true, &error.to_string())));
    }
    let mut release = delete::release_host(&release_input(context, pass, inputs, None));
    // Node reuse is looked up (MachineSet or control plane, template) only for the final
    // release, the one step that reads it.
    let reuse = if release.finished && release.host_patch.is_some() {
        match owners::reuse_on_release(context, inputs.owner, inputs.cluster).await {
            Ok(reuse) => reuse,
            Err(error) => return Ok(pass.absorb(delete::deletion_failed(false, &error))),
        }
    } else {
        None
    };
    if reuse.is_some() {
        release = delete::release_host(&release_input(context, pass, inputs, reuse.as_ref()));
    }
    if let (Some(patch), Some(host)) = (&release.host_patch, inputs.host) {
        match writes::host(&context.client, host, patch).await {
            Ok(HostWrite::Written) => {}
            // A host gone meanwhile is found missing on the next pass: nothing to release.
            Ok(HostWrite::Conflict | HostWrite::Gone) => return Ok(Next::After(race_retry())),
            Err(error) => {
                return Ok(pass.absorb(delete::deletion_failed(false, &error.to_string())));
            }
        }
    }
    if release.unlabel_bmc_secret
        && let Some(host) = inputs.host
        && let Err(error) = writes::bmc_secret_label(
            &context.client,
            host,
            &inputs.owner.spec.cluster_name,
            false,
        )
        .await
    {
        return Ok(pass.absorb(delete::deletion_failed(false, &error.to_string())));
    }
    let next = pass.absorb(release.report);
    if release.finished {
        pass.working.metadata.finalizers =
            Some(without_finalizer(&pass.working, MACHINE_FINALIZER));
        pass.write_metadata(api).await?;
        pass.released = true;
    }
    Ok(next)
}
