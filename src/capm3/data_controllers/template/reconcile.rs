//! One pass over one template (reference §1.3): pause, finalizer, each claim served or
//! released, `status.indexes`, and on deletion the finalizer's release once nothing refers to
//! the template.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use kube::ResourceExt;
use kube::runtime::controller::Action;

use super::claims::{
    self, CREATE_FAILED, ClaimPlan, TemplateEnd, awaits_data, plan, references, template_end,
};
use super::indexes::{Book, claim_of, data_name, of_template};
use super::objects::{
    error_status, metal3_data, released_status, rendered_status, shows_error, template_status,
};
use super::{CONTROLLER, Context};
use crate::api::capi::Cluster;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataClaim, Metal3DataTemplate};
use crate::capm3::data_controllers::RACE_RETRY;
use crate::capm3::data_controllers::kubeio::{self, lost_race};
use crate::capm3::data_controllers::triggers::annotated_paused;
use crate::capm3::names::{
    CLUSTER_NAME_LABEL, DATA_CLAIM_FINALIZER, DATA_TEMPLATE_FINALIZER, REQUEUE_AFTER,
};
use crate::ipam::claim::order_key;
use crate::kubeutil::finalizers::has_finalizer;

/// How soon a pass that lost a race to another writer runs again.
/// How soon a deleted template looks again for its last Metal3Datas (upstream: 30 s). Their
/// final removal is no event the shared watch delivers, so the template polls for it.
const DATAS_RETRY: Duration = Duration::from_secs(5);
/// How many taken names one allocation skips before the pass starts over with a fresh listing.
const MAX_ATTEMPTS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Kube(#[from] kube::Error),
}

pub async fn reconcile(
    template: Arc<Metal3DataTemplate>,
    context: Arc<Context>,
) -> Result<Action, Error> {
    let raced = |error: &Error| matches!(error, Error::Kube(error) if lost_race(error));
    context
        .common
        .observed(CONTROLLER, pass(&context, &template), raced)
        .await
}

/// What the claims of a pass leave for its end.
#[derive(Default)]
struct Outcome {
    /// A claim waits for its paused Cluster (DT-06).
    paused: bool,
    /// A write lost a race; the pass runs again soon.
    race: bool,
    /// The first failure of a claim; the others were still served.
    error: Option<kube::Error>,
}

impl Outcome {
    fn record(&mut self, claim: &str, result: Result<(), kube::Error>) {
        match result {
            Ok(()) => {}
            Err(error) if lost_race(&error) => self.race = true,
            Err(error) => {
                tracing::warn!(claim, "serving Metal3DataClaim failed: {error}");
                self.error.get_or_insert(error);
            }
        }
    }

    fn action(self) -> Result<Action, Error> {
        match self {
            Outcome {
                error: Some(error), ..
            } => Err(error.into()),
            Outcome { race: true, .. } => Ok(Action::requeue(RACE_RETRY)),
            Outcome { paused: true, .. } => Ok(Action::requeue(REQUEUE_AFTER)),
            _ => Ok(Action::await_change()),
        }
    }
}

async fn pass(context: &Context, cached: &Metal3DataTemplate) -> Result<Action, Error> {
    let client = &context.common.client;
    let namespace = cached.namespace().unwrap_or_default();
    // The template as it is now: its status is written against it.
    let Some(mut template) =
        kubeio::get::<Metal3DataTemplate>(client, &namespace, &cached.name_any()).await?
    else {
        return Ok(Action::await_change());
    };
    // DT-09: only the template's own annotation pauses it (it is not tied to one Cluster).
    if annotated_paused(&template.metadata) {
        return Ok(Action::requeue(REQUEUE_AFTER));
    }
    let deleting = template.metadata.deletion_timestamp.is_some();
    if !deleting {
        template = kubeio::add_finalizer(client, &template, DATA_TEMPLATE_FINALIZER).await?;
    } else if !has_finalizer(&template, DATA_TEMPLATE_FINALIZER) {
        return Ok(Action::await_change());
    }
    let mut claims: Vec<Arc<Metal3DataClaim>> = context
        .claims
        .state()
        .into_iter()
        .filter(|claim| references(claim, &template))
        .collect();
    claims.sort_by_key(|claim| order_key(&claim.metadata));
    // An index is handed out from a fresh listing: the lowest free one, not the one after
    // what a lagging cache still shows. Passes that hand out none read the cache.
    let allocating = claims
        .iter()
        .any(|c| awaits_data(c) || c.metadata.deletion_timestamp.is_some());
    let datas = if allocating {
        kubeio::list(client, &namespace).await?
    } else {
        let cached = context.datas.state().into_iter();
        cached
            .filter(|d| d.namespace().as_deref() == Some(namespace.as_str()))
            .map(|d| (*d).clone())
            .collect()
    };
    let mut book = Book::new(&template.name_any(), datas);
    let mut pass = ClaimPass {
        context,
        template: &template,
        book: &mut book,
        clusters: HashMap::new(),
        outcome: Outcome::default(),
    };
    for claim in &claims {
        let result = pass.serve(claim).await;
        pass.outcome.record(&claim.name_any(), result);
    }
    let outcome = pass.outcome;
    let now = Time(Timestamp::now());
    if let Some(status) = template_status(&template, &book, now) {
        template = kubeio::status(client, &template, status).await?;
    }
    let live_claims = claims
        .iter()
        .any(|c| c.metadata.deletion_timestamp.is_none());
    match template_end(deleting, live_claims, &book) {
        TemplateEnd::Serve | TemplateEnd::WaitForClaims => outcome.action(),
        TemplateEnd::WaitForDatas => Ok(Action::requeue(DATAS_RETRY)),
        TemplateEnd::Release => {
            kubeio::remove_finalizer(client, &template, DATA_TEMPLATE_FINALIZER).await?;
            Ok(Action::await_change())
        }
    }
}

/// The claims of one template pass, served one after the other against one [`Book`].
struct ClaimPass<'a> {
    context: &'a Context,
    template: &'a Metal3DataTemplate,
    book: &'a mut Book,
    /// The Clusters read in this pass, by name (`None`: not found).
    clusters: HashMap<String, Option<Cluster>>,
    outcome: Outcome,
}

impl ClaimPass<'_> {
    fn client(&self) -> &kube::Client {
        &self.context.common.client
    }

    async fn serve(&mut self, cached: &Metal3DataClaim) -> Result<(), kube::Error> {
        // Served claims without leftovers need no reads at all.
        if plan(cached, self.book, false) == (ClaimPlan::Served { discard: vec![] }) {
            return Ok(());
        }
        // Act on the claim as it is now: every write to it carries its resourceVersion.
        let namespace = cached.namespace().unwrap_or_default();
        let Some(claim) =
            kubeio::get::<Metal3DataClaim>(self.client(), &namespace, &cached.name_any()).await?
        else {
            return Ok(());
        };
        let paused = awaits_data(&claim) && {
            let cluster = self.cluster_of(&claim).await?;
            claims::paused(&claim, cluster.as_ref())
        };
        match plan(&claim, self.book, paused) {
            ClaimPlan::Served { discard } => self.discard(&claim, &discard).await,
            ClaimPlan::Release { datas } => self.release(claim, &datas).await,
            ClaimPlan::Paused => {
                tracing::debug!(claim = %claim.name_any(), "waiting for paused Cluster");
                self.outcome.paused = true;
                Ok(())
            }
            ClaimPlan::Record { data, discard } => {
                let claim =
                    kubeio::add_finalizer(self.client(), &claim, DATA_CLAIM_FINALIZER).await?;
                self.discard(&claim, &discard).await?;
                self.record(&claim, &data).await
            }
            ClaimPlan::Create { metal3_machine } => {
                let claim =
                    kubeio::add_finalizer(self.client(), &claim, DATA_CLAIM_FINALIZER).await?;
                self.allocate(&claim, metal3_machine).await
            }
            ClaimPlan::Fail(message) => self.fail(&claim, message, "Metal3MachineMissing").await,
        }
    }

    /// The Cluster the claim's label names, read once per pass.
    async fn cluster_of(
        &mut self,
        claim: &Metal3DataClaim,
    ) -> Result<Option<Cluster>, kube::Error> {
        let Some(name) = claim
            .labels()
            .get(CLUSTER_NAME_LABEL)
            .filter(|n| !n.is_empty())
        else {
            return Ok(None);
        };
        if let Some(cluster) = self.clusters.get(name) {
            return Ok(cluster.clone());
        }
        let namespace = claim.namespace().unwrap_or_default();
        let cluster = kubeio::get::<Cluster>(self.client(), &namespace, name).await?;
        self.clusters.insert(name.clone(), cluster.clone());
        Ok(cluster)
    }

    /// Hands out the lowest free index (DT-02, DT-03): creating `<template>-<index>` takes it;
    /// a name that exists already is skipped, unless it was made for this claim (an earlier
    /// pass, or another replica), which the claim then keeps.
    async fn allocate(
        &mut self,
        claim: &Metal3DataClaim,
        metal3_machine: OwnerReference,
    ) -> Result<(), kube::Error> {
        let template_name = self.template.name_any();
        let namespace = self.template.namespace().unwrap_or_default();
        for _ in 0..MAX_ATTEMPTS {
            let index = self.book.next_free();
            let object = metal3_data(self.template, claim, metal3_machine.clone(), index);
            let created = match kubeio::create(self.client(), &object).await {
                Ok(created) => created,
                Err(error) => {
                    self.fail(claim, CREATE_FAILED, "Metal3DataCreateFailed")
                        .await?;
                    return Err(error);
                }
            };
            if let Some(data) = created {
                self.book.add(data.clone());
                self.context
                    .events
                    .note(
                        claim,
                        false,
                        "Metal3DataCreated",
                        format!("Created Metal3Data {} with index {index}", data.name_any()),
                    )
                    .await;
                return self.record(claim, &data.name_any()).await;
            }
            let name = data_name(&template_name, index);
            match kubeio::get::<Metal3Data>(self.client(), &namespace, &name).await? {
                Some(existing)
                    if claim_of(&existing) == Some(claim.name_any().as_str())
                        && of_template(&existing, &template_name)
                        && existing.metadata.deletion_timestamp.is_none() =>
                {
                    self.book.add(existing.clone());
                    return self.record(claim, &name).await;
                }
                Some(existing) if of_template(&existing, &template_name) => self.book.add(existing),
                _ => self.book.mark_taken(index),
            }
        }
        // Someone else is taking indexes as fast as this pass finds them: start over.
        self.outcome.race = true;
        Ok(())
    }

    /// DT-04: the claim now holds `data`. Written with the claim's resourceVersion, so of two
    /// replicas serving one claim at once only one succeeds; the other's Metal3Data is
    /// discarded on the next pass, before it is ever rendered.
    async fn record(&self, claim: &Metal3DataClaim, data: &str) -> Result<(), kube::Error> {
        let namespace = self.template.namespace().unwrap_or_default();
        kubeio::status(self.client(), claim, rendered_status(data, &namespace)).await?;
        Ok(())
    }

    /// Deletes Metal3Datas made for the claim that it does not hold.
    async fn discard(
        &mut self,
        claim: &Metal3DataClaim,
        names: &[String],
    ) -> Result<(), kube::Error> {
        for name in names {
            tracing::info!(claim = %claim.name_any(), data = %name, "discarding unused Metal3Data");
            self.release_data(claim, name).await?;
        }
        Ok(())
    }

    /// DT-07: the claim is being deleted: its Metal3Datas go first, then its hold on them.
    async fn release(
        &mut self,
        claim: Metal3DataClaim,
        datas: &[String],
    ) -> Result<(), kube::Error> {
        for name in datas {
            if self.release_data(&claim, name).await? {
                self.context
                    .events
                    .note(
                        &claim,
                        false,
                        "Metal3DataDeleted",
                        format!("Deleted Metal3Data {name}"),
                    )
                    .await;
            }
        }
        let claim = if claims::rendered(&claim).is_some() {
            kubeio::status(self.client(), &claim, released_status()).await?
        } else {
            claim
        };
        kubeio::remove_finalizer(self.client(), &claim, DATA_CLAIM_FINALIZER).await
    }

    /// Removes the claim's finalizer from the Metal3Data `name` and deletes it, if it was made
    /// for this claim; whether there was one.
    async fn release_data(
        &mut self,
        claim: &Metal3DataClaim,
        name: &str,
    ) -> Result<bool, kube::Error> {
        let namespace = self.template.namespace().unwrap_or_default();
        let Some(data) = kubeio::get::<Metal3Data>(self.client(), &namespace, name).await? else {
            return Ok(false);
        };
        if claim_of(&data) != Some(claim.name_any().as_str()) {
            return Ok(false);
        }
        kubeio::release(self.client(), &data, DATA_CLAIM_FINALIZER).await?;
        self.book.release(name);
        Ok(true)
    }

    /// The claim cannot be served: `status.errorMessage`, and a warning the first time.
    async fn fail(
        &self,
        claim: &Metal3DataClaim,
        message: &str,
        reason: &str,
    ) -> Result<(), kube::Error> {
        if shows_error(claim, message) {
            return Ok(());
        }
        kubeio::status(self.client(), claim, error_status(message)).await?;
        self.context
            .events
            .note(claim, true, reason, message.to_owned())
            .await;
        Ok(())
    }
}
