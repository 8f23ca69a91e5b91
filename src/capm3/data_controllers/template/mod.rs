//! The Metal3DataTemplate controller (reference §1.3): one work queue keyed by template,
//! triggered by the template, by the Metal3DataClaims that reference it and by its
//! Metal3Datas. There is no separate claim controller: a template pass serves all its claims.

pub mod claims;
pub mod indexes;
pub mod objects;
mod reconcile;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::kubeutil::events::Events;
use futures::StreamExt;
use kube::ResourceExt;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{ObjectRef, Store};

use super::triggers::spec_changes;
use super::{Caches, Common};
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate};
use crate::kubeutil::leadership::elected;

/// The controller's name in metrics, logs and Events (controller-runtime's lower-cased kind).
pub const CONTROLLER: &str = "metal3datatemplate";
/// How soon a template is looked at again after an API failure.
const ERROR_RETRY: Duration = Duration::from_secs(10);

/// What every reconcile shares.
pub struct Context {
    common: Common,
    events: Events,
    claims: Store<Metal3DataClaim>,
    datas: Store<Metal3Data>,
}

/// The controller, ready to run until `shutdown` resolves.
pub(crate) fn controller<S>(
    common: Common,
    caches: &Caches,
    concurrency: u16,
    shutdown: S,
) -> impl Future<Output = ()> + use<S>
where
    S: Future<Output = ()> + Send + Sync + 'static,
{
    let context = Arc::new(Context {
        events: Events::new(common.client.clone(), CONTROLLER),
        claims: caches.claims.store.clone(),
        datas: caches.datas.store.clone(),
        common,
    });
    let templates = spec_changes(caches.templates.subscribe());
    Controller::for_shared_stream(templates, caches.templates.store.clone())
        .watches_shared_stream(spec_changes(caches.claims.subscribe()), template_of_claim)
        .watches_shared_stream(spec_changes(caches.datas.subscribe()), template_of_data)
        .with_config(controller::Config::default().concurrency(concurrency))
        .reconcile_all_on(elected(context.common.leading.clone()))
        .graceful_shutdown_on(shutdown)
        .run(reconcile::reconcile, error_policy, context)
        .for_each(crate::kubeutil::log_errors(CONTROLLER))
}

/// The template a claim asks for, in the claim's namespace (a claim naming another namespace
/// is ignored, as upstream).
fn template_of_claim(claim: Arc<Metal3DataClaim>) -> Option<ObjectRef<Metal3DataTemplate>> {
    let namespace = claim.namespace()?;
    let reference = claim.spec.template.as_ref()?;
    if reference
        .namespace
        .as_deref()
        .is_some_and(|ns| !ns.is_empty() && ns != namespace)
    {
        return None;
    }
    let name = reference.name.as_deref().filter(|n| !n.is_empty())?;
    Some(ObjectRef::new(name).within(&namespace))
}

/// The template a Metal3Data was made from: its index frees or its deletion progresses.
fn template_of_data(data: Arc<Metal3Data>) -> Option<ObjectRef<Metal3DataTemplate>> {
    let namespace = data.namespace()?;
    let name = data.spec.template.as_ref()?.name.as_deref()?;
    Some(ObjectRef::new(name).within(&namespace))
}

fn error_policy(
    template: Arc<Metal3DataTemplate>,
    error: &reconcile::Error,
    _context: Arc<Context>,
) -> controller::Action {
    crate::kubeutil::retry_after_error(template.as_ref(), error, ERROR_RETRY)
}
