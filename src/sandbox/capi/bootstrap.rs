//! The bootstrap stand-in: a bootstrap data Secret per Machine, named like the Machine, as
//! Cluster API's kubeadm bootstrap provider writes it (type `cluster.x-k8s.io/secret`, keys
//! `value` and `format`). The data is a cloud-init placeholder: nothing boots here, and CAPM3
//! only hands the Secret to the BareMetalHost.

use k8s_openapi::api::core::v1::Secret;
use kube::ResourceExt;
use kube::api::PostParams;
use serde_json::json;

use super::names::{CLUSTER_SECRET_TYPE, SECRET_FORMAT_KEY, SECRET_VALUE_KEY};
use super::ownership::{owned_by, owner_reference};
use super::teardown::delete_ignoring_absent;
use super::{Context, Error, absent_ok};
use crate::api::capi::Machine;
use crate::capm3::names::CLUSTER_NAME_LABEL;

/// The bootstrap data Secret of `machine`, owned by it.
pub fn data_secret(machine: &Machine) -> Result<Secret, Error> {
    let namespace = machine.namespace().unwrap_or_default();
    let name = machine.name_any();
    let cluster = &machine.spec.cluster_name;
    let value = format!(
        "#cloud-config\n# capm3 sandbox: bootstrap data of Machine {namespace}/{name} (Cluster {cluster}).\n\
         # A placeholder from the Cluster API stand-ins: no kubeadm runs in the sandbox.\n"
    );
    let secret = json!({
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {CLUSTER_NAME_LABEL: cluster},
                     "ownerReferences": [owner_reference(machine, true)]},
        "type": CLUSTER_SECRET_TYPE,
        "stringData": {SECRET_VALUE_KEY: value, SECRET_FORMAT_KEY: "cloud-config"},
    });
    Ok(serde_json::from_value(secret).map_err(kube::Error::SerdeError)?)
}

/// Creates the bootstrap data Secret of `machine` unless it exists; returns its name.
pub async fn ensure(context: &Context, machine: &Machine) -> Result<String, Error> {
    let api = context.api::<Secret>(&machine.namespace().unwrap_or_default());
    match api
        .create(&PostParams::default(), &data_secret(machine)?)
        .await
    {
        Ok(_) => {}
        Err(error) if crate::kubeutil::errors::already_exists(&error) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(machine.name_any())
}

/// Deletes the bootstrap data Secret of `machine`, if it is the one made for it (a Secret the
/// user named is left alone).
pub async fn delete(context: &Context, machine: &Machine) -> Result<(), Error> {
    let Some(name) = &machine.spec.bootstrap.data_secret_name else {
        return Ok(());
    };
    let api = context.api::<Secret>(&machine.namespace().unwrap_or_default());
    let uid = machine.uid().unwrap_or_default();
    if let Some(secret) = absent_ok(api.get(name).await)?
        && owned_by(&secret, &uid)
    {
        delete_ignoring_absent(&api, name).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_cluster_api_shaped() {
        let machine: Machine = serde_json::from_value(json!({
            "metadata": {"name": "m1", "namespace": "ns", "uid": "m-uid"},
            "spec": {"clusterName": "c1", "infrastructureRef":
                     {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "Metal3Machine", "name": "m1"}},
        }))
        .expect("machine");
        let secret = data_secret(&machine).expect("secret");
        assert_eq!(secret.name_any(), "m1");
        assert_eq!(secret.type_.as_deref(), Some(CLUSTER_SECRET_TYPE));
        assert_eq!(
            secret.labels().get(CLUSTER_NAME_LABEL).map(String::as_str),
            Some("c1")
        );
        let data = secret.string_data.unwrap_or_default();
        assert!(data[SECRET_VALUE_KEY].starts_with("#cloud-config\n"));
        assert_eq!(data[SECRET_FORMAT_KEY], "cloud-config");
        assert_eq!(
            secret.metadata.owner_references.unwrap_or_default()[0].uid,
            "m-uid"
        );
    }
}
