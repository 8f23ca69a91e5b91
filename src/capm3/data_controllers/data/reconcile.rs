//! One pass over one Metal3Data (reference §1.4): the Cluster and pause, the finalizer, the
//! render (`createSecrets`) and the status; on deletion, the release of its addresses once its
//! claim lets go of it.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::runtime::controller::Action;

use super::addresses::{Collected, collect};
use super::lifecycle::{
    NO_METAL3_MACHINE, Progress, WRONG_METAL3_MACHINE, cluster_name, held_by, must_wait, paused,
    status_patch, uses_template,
};
use super::secrets::{secret, secret_names, spec_patch};
use super::{CONTROLLER, Context, release};
use crate::api::bmo::v1alpha1::BareMetalHost;
use crate::api::capi::{Cluster, Machine};
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate, Metal3Machine};
use crate::capm3::associate::associated_host;
use crate::capm3::data_controllers::kubeio::{self, lost_race};
use crate::capm3::data_controllers::template::indexes::claim_of;
use crate::capm3::data_controllers::triggers::owner_named;
use crate::capm3::names::{DATA_FINALIZER, META_DATA_KEY, REQUEUE_AFTER};
use crate::capm3::preconditions::owner_machine;
use crate::kubeutil::finalizers::has_finalizer;
use crate::render::{Inputs, Objects, RenderError, meta_data, network_data, referenced_pools};

/// How soon a pass that lost a race to another writer runs again.
const NO_MACHINE: &str = "Waiting for Machine Controller to set OwnerRef on Metal3Machine";
const NO_HOST: &str = "Waiting for BareMetalHost to become available";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kube(#[from] kube::Error),
}

pub async fn reconcile(data: Arc<Metal3Data>, context: Arc<Context>) -> Result<Action, Error> {
    let raced = |error: &Error| matches!(error, Error::Kube(error) if lost_race(error));
    context
        .common
        .observed(CONTROLLER, pass(&context, &data), raced)
        .await
}

async fn pass(context: &Context, cached: &Metal3Data) -> Result<Action, Error> {
    let client = &context.common.client;
    let namespace = cached.namespace().unwrap_or_default();
    // The Metal3Data as it is now: its status is written against it.
    let Some(data) = kubeio::get::<Metal3Data>(client, &namespace, &cached.name_any()).await?
    else {
        return Ok(Action::await_change());
    };
    if data.metadata.deletion_timestamp.is_some() {
        return delete(context, data).await;
    }
    // MD-01: no Cluster, nothing to do (upstream does not look again either).
    let Some(cluster) = cluster_name(&data) else {
        return Ok(Action::await_change());
    };
    let Some(cluster) = kubeio::get::<Cluster>(client, &namespace, cluster).await? else {
        tracing::debug!(data = %data.name_any(), "waiting for the Cluster");
        return Ok(Action::await_change());
    };
    if paused(&data, &cluster) {
        return Ok(Action::requeue(REQUEUE_AFTER));
    }
    let data = kubeio::add_finalizer(client, &data, DATA_FINALIZER).await?;
    let mut pass = DataPass {
        context,
        data,
        created: Vec::new(),
    };
    let progress = pass.render().await?;
    let DataPass { data, created, .. } = pass;
    if !created.is_empty() {
        let note = format!("Rendered Secrets {}", created.join(", "));
        context
            .events
            .note(&data, false, "SecretsRendered", note)
            .await;
    }
    if let Progress::Failed(message) = &progress {
        let shown = data
            .status
            .as_ref()
            .and_then(|s| s.error_message.as_deref());
        if shown != Some(message.as_str()) {
            context
                .events
                .note(&data, true, "RenderFailed", message.clone())
                .await;
        }
    }
    if let Some(status) = status_patch(&data, &progress) {
        kubeio::status(client, &data, status).await?;
    }
    Ok(match progress {
        Progress::Ready | Progress::Idle => Action::await_change(),
        Progress::Waiting(why) => {
            tracing::debug!(data = %data.name_any(), "{why}");
            Action::requeue(REQUEUE_AFTER)
        }
        Progress::Failed(_) => Action::requeue(REQUEUE_AFTER),
    })
}

/// MD-19, IP-10: once its claim lets go, the Metal3Data releases its IP claims and its
/// finalizer. Its Secrets go with it (owner references).
async fn delete(context: &Context, data: Metal3Data) -> Result<Action, Error> {
    if !has_finalizer(&data, DATA_FINALIZER) {
        return Ok(Action::await_change());
    }
    let client = &context.common.client;
    let namespace = data.namespace().unwrap_or_default();
    let claim = match claim_of(&data) {
        Some(claim) => kubeio::get::<Metal3DataClaim>(client, &namespace, claim).await?,
        None => None,
    };
    if must_wait(&data, claim.as_ref()) {
        return Ok(Action::requeue(REQUEUE_AFTER));
    }
    let released = release::release(context, &data).await?;
    if released > 0 {
        let note = format!("Released {released} IP address claim(s)");
        context
            .events
            .note(&data, false, "AddressesReleased", note)
            .await;
    }
    kubeio::remove_finalizer(client, &data, DATA_FINALIZER).await?;
    Ok(Action::await_change())
}

/// One render pass (upstream's `createSecrets`), keeping the Metal3Data current as it is
/// written.
struct DataPass<'a> {
    context: &'a Context,
    data: Metal3Data,
    /// The Secrets this pass made.
    created: Vec<String>,
}

/// Ends a render pass early with this progress.
macro_rules! or_progress {
    ($value:expr, $progress:expr) => {
        match $value {
            Some(value) => value,
            None => return Ok($progress),
        }
    };
}

impl DataPass<'_> {
    fn client(&self) -> &kube::Client {
        &self.context.common.client
    }

    fn namespace(&self) -> String {
        self.data.namespace().unwrap_or_default()
    }

    async fn get<K: crate::manager::caches::Cacheable>(
        &self,
        name: &str,
    ) -> Result<Option<K>, kube::Error> {
        kubeio::get(self.client(), &self.namespace(), name).await
    }

    async fn render(&mut self) -> Result<Progress, kube::Error> {
        let template = or_progress!(self.data.spec.template.clone(), Progress::Idle);
        let template_name = or_progress!(template.name.filter(|n| !n.is_empty()), Progress::Idle);
        let template_namespace = template
            .namespace
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| self.namespace());
        let template: Option<Metal3DataTemplate> =
            kubeio::get(self.client(), &template_namespace, &template_name).await?;
        let template = or_progress!(
            template,
            Progress::Waiting(format!("Metal3DataTemplate {template_name} not found"))
        );
        let metal3_machine = match self.metal3_machine(&template).await? {
            Ok(metal3_machine) => metal3_machine,
            Err(progress) => return Ok(progress),
        };
        let names = secret_names(&self.data, &template.spec, &metal3_machine.name_any());
        if let Some(patch) = spec_patch(&self.data, &names) {
            self.data = kubeio::merge(self.client(), &self.data, patch).await?;
        }
        let mut missing = Vec::new();
        for (name, key) in names.with_keys() {
            if self.get::<Secret>(name).await?.is_none() {
                missing.push((name.to_owned(), key));
            }
        }
        // MD-03: existing Secrets are never rewritten.
        if missing.is_empty() {
            return Ok(Progress::Ready);
        }
        let machine = owner_machine(&metal3_machine).map(str::to_owned);
        let machine = or_progress!(machine, Progress::Waiting(NO_MACHINE.into()));
        let machine: Machine = or_progress!(
            self.get(&machine).await?,
            Progress::Waiting(NO_MACHINE.into())
        );
        let host = associated_host(&metal3_machine).map(str::to_owned);
        let host = or_progress!(host, Progress::Waiting(NO_HOST.into()));
        let host: BareMetalHost =
            or_progress!(self.get(&host).await?, Progress::Waiting(NO_HOST.into()));
        let objects = Objects {
            machine: &machine,
            metal3_machine: &metal3_machine,
            host: &host,
        };
        let pools = match referenced_pools(&template.spec, Some(objects)) {
            Ok(pools) => pools,
            Err(error) => return Ok(Progress::Failed(error.to_string())),
        };
        let addresses = match collect(self.context, &self.data, &host, &pools).await? {
            Collected::All(addresses) => addresses,
            Collected::Waiting(why) => return Ok(Progress::Waiting(why)),
            Collected::Failed(message) => return Ok(Progress::Failed(message)),
        };
        let inputs = Inputs {
            template: &template.spec,
            data: &self.data,
            objects,
            addresses: &addresses,
        };
        // Everything is rendered before anything is written: no half-rendered machine.
        let documents = match render_all(&inputs, &missing) {
            Ok(documents) => documents,
            Err(error) => return Ok(Progress::Failed(error.to_string())),
        };
        for ((name, key), document) in missing.iter().zip(documents) {
            let object = secret(&self.data, name, key, document, &machine.spec.cluster_name);
            if kubeio::create(self.client(), &object).await?.is_some() {
                self.created.push(name.clone());
            }
        }
        Ok(Progress::Ready)
    }

    /// The Metal3Machine the Metal3Data is for, through its claim, which must name this
    /// Metal3Data (see [`held_by`]); or how the pass ends without it.
    async fn metal3_machine(
        &self,
        template: &Metal3DataTemplate,
    ) -> Result<Result<Metal3Machine, Progress>, kube::Error> {
        let Some(claim_name) = claim_of(&self.data) else {
            return Ok(Err(Progress::Failed("Claim name not set".into())));
        };
        let Some(claim) = self.get::<Metal3DataClaim>(claim_name).await? else {
            return Ok(Err(Progress::Waiting(format!(
                "Metal3DataClaim {claim_name} not found"
            ))));
        };
        if !held_by(&self.data, &claim) {
            return Ok(Err(Progress::Waiting(format!(
                "waiting for Metal3DataClaim {claim_name} to name this Metal3Data"
            ))));
        }
        let Some(name) = owner_named(&claim.metadata, "Metal3Machine") else {
            return Ok(Err(Progress::Failed(NO_METAL3_MACHINE.into())));
        };
        let Some(metal3_machine) = self.get::<Metal3Machine>(name).await? else {
            return Ok(Err(Progress::Waiting(format!(
                "Metal3Machine {name} not found"
            ))));
        };
        if !uses_template(&metal3_machine, template) {
            return Ok(Err(Progress::Failed(WRONG_METAL3_MACHINE.into())));
        }
        Ok(Ok(metal3_machine))
    }
}

/// The documents for the missing Secrets, in their order.
fn render_all(
    inputs: &Inputs<'_>,
    missing: &[(String, &'static str)],
) -> Result<Vec<String>, RenderError> {
    missing
        .iter()
        .map(|(_, key)| {
            let document = if *key == META_DATA_KEY {
                meta_data(inputs)?
            } else {
                network_data(inputs)?
            };
            // A Secret is only missing for a section the template has, which renders.
            Ok(document.unwrap_or_default())
        })
        .collect()
}
