//! Writing back what a reconcile changed: the status (with the resourceVersion it was read at,
//! so a stale cache loses instead of overwriting), annotations, finalizers and HardwareData.

use kube::Api;
use kube::Resource;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Map, Value, json};

use crate::api::bmo::v1alpha1::{BareMetalHost, HardwareData, HardwareDataSpec, HardwareDetails};

/// HardwareData's finalizer, held while its host exists.
const HARDWARE_DATA_FINALIZER: &str = "baremetalhost.metal3.io/hardwareData";

pub async fn status(api: &Api<BareMetalHost>, host: &BareMetalHost) -> Result<(), kube::Error> {
    let name = host.metadata.name.clone().unwrap_or_default();
    api.replace_status(&name, &PostParams::default(), host)
        .await?;
    Ok(())
}

/// Removes the annotations the pass removed (the pass never adds any).
pub async fn annotations(
    api: &Api<BareMetalHost>,
    before: &BareMetalHost,
    after: &BareMetalHost,
) -> Result<(), kube::Error> {
    let kept = after.metadata.annotations.clone().unwrap_or_default();
    let removed: Map<String, Value> = before
        .metadata
        .annotations
        .iter()
        .flatten()
        .filter(|(key, _)| !kept.contains_key(*key))
        .map(|(key, _)| (key.clone(), Value::Null))
        .collect();
    if removed.is_empty() {
        return Ok(());
    }
    remove_annotations(api, before, removed).await
}

pub async fn remove_annotation(
    api: &Api<BareMetalHost>,
    host: &BareMetalHost,
    key: &str,
) -> Result<(), kube::Error> {
    remove_annotations(api, host, Map::from_iter([(key.to_owned(), Value::Null)])).await
}

async fn remove_annotations(
    api: &Api<BareMetalHost>,
    host: &BareMetalHost,
    removed: Map<String, Value>,
) -> Result<(), kube::Error> {
    let name = host.metadata.name.clone().unwrap_or_default();
    let patch = json!({"metadata": {"annotations": removed}});
    api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

pub use crate::kubeutil::finalizers::{finalizers, release, with_finalizer};

/// Replaces the host's HardwareData with what inspection found: owned by the host (so it goes
/// with it) and held by a finalizer until the host's deletion releases it.
pub async fn hardware_data(
    client: &kube::Client,
    host: &BareMetalHost,
    details: HardwareDetails,
) -> Result<(), kube::Error> {
    let namespace = host.metadata.namespace.clone().unwrap_or_default();
    let name = host.metadata.name.clone().unwrap_or_default();
    let api: Api<HardwareData> = Api::namespaced(client.clone(), &namespace);
    let spec = HardwareDataSpec {
        hardware: Some(details),
    };
    if api.get_opt(&name).await?.is_some() {
        let patch = json!({"spec": spec});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        return Ok(());
    }
    let mut data = HardwareData::new(&name, spec);
    data.metadata.namespace = Some(namespace);
    data.metadata.finalizers = Some(vec![HARDWARE_DATA_FINALIZER.to_owned()]);
    data.metadata.owner_references = host.controller_owner_ref(&()).map(|owner| vec![owner]);
    api.create(&PostParams::default(), &data).await?;
    Ok(())
}

/// Lets the host's HardwareData go with it.
pub async fn release_hardware_data(
    client: &kube::Client,
    host: &BareMetalHost,
) -> Result<(), kube::Error> {
    let namespace = host.metadata.namespace.clone().unwrap_or_default();
    let name = host.metadata.name.clone().unwrap_or_default();
    let api: Api<HardwareData> = Api::namespaced(client.clone(), &namespace);
    match api.get_opt(&name).await? {
        Some(data) => release(&api, &data, HARDWARE_DATA_FINALIZER).await,
        None => Ok(()),
    }
}
