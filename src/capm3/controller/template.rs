//! The Metal3MachineTemplate controller (reference §1.5; MT-01…MT-03): the template's
//! automatedCleaningMode onto the Metal3Machines cloned from it, read from the shared
//! Metal3Machine cache.

use std::sync::Arc;

use kube::runtime::controller::Action;
use kube::{Api, ResourceExt};

use super::writes::{merge, not_found};
use super::{Context, Error, observed};
use crate::api::capm3::v1beta2::{Metal3Machine, Metal3MachineTemplate};
use crate::capm3::names::REQUEUE_AFTER;
use crate::capm3::template::{cleaning_mode_patches, is_paused};

/// The controller's name in metrics and logs.
pub(super) const CONTROLLER: &str = "metal3machinetemplate";

pub(super) async fn reconcile(
    template: Arc<Metal3MachineTemplate>,
    context: Arc<Context>,
) -> Result<Action, Error> {
    observed(
        &context,
        CONTROLLER,
        reconcile_template(&context, &template),
    )
    .await
}

async fn reconcile_template(
    context: &Context,
    template: &Metal3MachineTemplate,
) -> Result<Action, Error> {
    if is_paused(template) {
        return Ok(Action::requeue(REQUEUE_AFTER));
    }
    let namespace = template.namespace().unwrap_or_default();
    let machines = context.stores.machines.state();
    let in_namespace = machines
        .iter()
        .map(AsRef::as_ref)
        .filter(|m: &&Metal3Machine| m.namespace().as_deref() == Some(namespace.as_str()));
    let api: Api<Metal3Machine> = Api::namespaced(context.client.clone(), &namespace);
    for (name, patch) in cleaning_mode_patches(template, in_namespace) {
        match merge(&api, &name, &patch).await {
            Err(error) if not_found(&error) => {}
            result => {
                result?;
            }
        }
    }
    Ok(Action::await_change())
}
