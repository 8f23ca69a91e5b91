//! The Secrets a host names: its BMC credentials and its configdrive data. Read directly, not
//! cached: a cache of every Secret in the cluster would cost memory for nothing.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::{Map, Value, json};

use crate::api::bmo::v1alpha1::{BareMetalHost, CredentialsStatus};
use crate::bmc::Credentials;
use crate::bmo::provisioner::ProvisionData;

/// The finalizer on Secrets the host depends on.
pub const SECRET_FINALIZER: &str = "baremetalhost.metal3.io/secret";
/// The label on Secrets the operator uses (upstream watches only these).
const SECRET_LABEL: (&str, &str) = ("environment.metal3.io", "baremetal");

/// Why the BMC credentials cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The host may get its Secret later: look again soon.
    #[error("BMC credentials secret {0} not found")]
    Missing(String),
    /// Only a change to the host or the Secret helps.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Kube(#[from] kube::Error),
}

/// The BMC credentials, and the reference the status records them by.
pub struct LoadedCredentials {
    pub credentials: Credentials,
    pub status: CredentialsStatus,
}

/// Reads and checks the BMC Secret, and (unless the host is going away) marks it as the
/// host's: finalizer, label and owner reference.
pub async fn load_credentials(
    client: &kube::Client,
    host: &BareMetalHost,
) -> Result<LoadedCredentials, CredentialsError> {
    let namespace = host.metadata.namespace.clone().unwrap_or_default();
    let Some(bmc) = host.spec.bmc.as_ref() else {
        return Err(CredentialsError::Invalid(
            "Missing BMC connection detail 'Address'".into(),
        ));
    };
    if bmc.address.is_empty() {
        return Err(CredentialsError::Invalid(
            "Missing BMC connection detail 'Address'".into(),
        ));
    }
    if bmc.credentials_name.is_empty() {
        return Err(CredentialsError::Invalid(
            "Missing BMC connection detail 'Credentials'".into(),
        ));
    }
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    let Some(secret) = secrets.get_opt(&bmc.credentials_name).await? else {
        return Err(CredentialsError::Missing(bmc.credentials_name.clone()));
    };
    let field = |key: &str| text(&secret, key).map(|value| value.trim().to_owned());
    let (username, password) = match (field("username"), field("password")) {
        (Some(username), Some(password)) if !username.is_empty() && !password.is_empty() => {
            (username, password)
        }
        (username, _) => {
            let missing = if username.is_none_or(|u| u.is_empty()) {
                "username"
            } else {
                "password"
            };
            return Err(CredentialsError::Invalid(format!(
                "Missing BMC connection detail '{missing}' in credentials secret {}",
                bmc.credentials_name
            )));
        }
    };
    if host.metadata.deletion_timestamp.is_none() {
        claim_secret(&secrets, &secret, host).await?;
    }
    Ok(LoadedCredentials {
        credentials: Credentials { username, password },
        status: CredentialsStatus {
            credentials: Some(k8s_openapi::api::core::v1::SecretReference {
                name: Some(bmc.credentials_name.clone()),
                namespace: Some(namespace),
            }),
            credentials_version: secret.metadata.resource_version.clone(),
        },
    })
}

/// Adds what is missing of the finalizer, label and owner reference.
async fn claim_secret(
    secrets: &Api<Secret>,
    secret: &Secret,
    host: &BareMetalHost,
) -> Result<(), kube::Error> {
    let meta = &secret.metadata;
    let has_finalizer = meta
        .finalizers
        .iter()
        .flatten()
        .any(|f| f == SECRET_FINALIZER);
    let has_label = meta
        .labels
        .as_ref()
        .and_then(|labels| labels.get(SECRET_LABEL.0))
        .is_some_and(|value| value == SECRET_LABEL.1);
    let host_uid = host.metadata.uid.clone().unwrap_or_default();
    let owned = meta
        .owner_references
        .iter()
        .flatten()
        .any(|owner| owner.uid == host_uid);
    if has_finalizer && has_label && owned {
        return Ok(());
    }
    let mut finalizers = meta.finalizers.clone().unwrap_or_default();
    if !has_finalizer {
        finalizers.push(SECRET_FINALIZER.to_owned());
    }
    let mut owners = meta.owner_references.clone().unwrap_or_default();
    if !owned {
        owners.push(
            k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference {
                api_version: "metal3.io/v1alpha1".into(),
                kind: "BareMetalHost".into(),
                name: host.metadata.name.clone().unwrap_or_default(),
                uid: host_uid,
                ..Default::default()
            },
        );
    }
    let patch = json!({"metadata": {
        "resourceVersion": meta.resource_version,
        "finalizers": finalizers,
        "labels": {SECRET_LABEL.0: SECRET_LABEL.1},
        "ownerReferences": owners,
    }});
    let name = meta.name.clone().unwrap_or_default();
    secrets
        .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// Removes the host's finalizer from its BMC Secret (and any other Secret it holds).
pub async fn release_secrets(
    client: &kube::Client,
    host: &BareMetalHost,
) -> Result<(), kube::Error> {
    let namespace = host.metadata.namespace.clone().unwrap_or_default();
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    let names = [
        host.spec
            .bmc
            .as_ref()
            .map(|bmc| bmc.credentials_name.clone()),
        host.spec.preprovisioning_network_data_name.clone(),
    ];
    for name in names.into_iter().flatten().filter(|name| !name.is_empty()) {
        if let Some(secret) = secrets.get_opt(&name).await? {
            super::writes::release(&secrets, &secret, SECRET_FINALIZER).await?;
        }
    }
    Ok(())
}

/// The configdrive and image data for provisioning, from the Secrets the host names. An
/// error says which Secret or key is missing.
pub async fn provision_data(
    client: &kube::Client,
    host: &BareMetalHost,
) -> Result<Result<ProvisionData, String>, kube::Error> {
    let namespace = host.metadata.namespace.clone().unwrap_or_default();
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    let read = |reference: Option<&k8s_openapi::api::core::v1::SecretReference>| {
        let name = reference
            .and_then(|r| r.name.clone())
            .filter(|n| !n.is_empty());
        let secrets = secrets.clone();
        async move {
            match name {
                None => Ok(None),
                Some(name) => secrets.get_opt(&name).await.map(|s| Some((name, s))),
            }
        }
    };
    let mut data = ProvisionData {
        image: host.spec.image.clone(),
        custom_deploy: host.spec.custom_deploy.as_ref().map(|d| d.method.clone()),
        boot_mode: host.spec.boot_mode,
        root_device_hints: host
            .status
            .as_ref()
            .and_then(|status| status.provisioning.root_device_hints.clone()),
        ..ProvisionData::default()
    };
    if let Some((name, secret)) = read(host.spec.user_data.as_ref()).await? {
        let Some(secret) = secret else {
            return Ok(Err(format!("user data secret {name} not found")));
        };
        data.user_data = text(&secret, "userData").or_else(|| text(&secret, "value"));
    }
    let network_reference = host.spec.network_data.clone().or_else(|| {
        host.spec
            .preprovisioning_network_data_name
            .clone()
            .map(|name| k8s_openapi::api::core::v1::SecretReference {
                name: Some(name),
                namespace: None,
            })
    });
    if let Some((name, secret)) = read(network_reference.as_ref()).await? {
        let Some(secret) = secret else {
            return Ok(Err(format!("network data secret {name} not found")));
        };
        let raw = text(&secret, "networkData").or_else(|| text(&secret, "value"));
        match raw.map(|raw| parse_yaml(&raw)).transpose() {
            Ok(value) => data.network_data = value,
            Err(error) => return Ok(Err(format!("network data in secret {name}: {error}"))),
        }
    }
    if let Some((name, secret)) = read(host.spec.meta_data.as_ref()).await? {
        let Some(secret) = secret else {
            return Ok(Err(format!("meta data secret {name} not found")));
        };
        let raw = text(&secret, "metaData").or_else(|| text(&secret, "value"));
        match raw.map(|raw| parse_yaml(&raw)).transpose() {
            Ok(Some(Value::Object(map))) => data.meta_data = Some(map),
            Ok(None | Some(Value::Null)) => data.meta_data = Some(Map::new()),
            Ok(Some(_)) => return Ok(Err(format!("meta data in secret {name} is not a map"))),
            Err(error) => return Ok(Err(format!("meta data in secret {name}: {error}"))),
        }
    }
    if let Some(name) = host
        .spec
        .image
        .as_ref()
        .and_then(|image| image.oci_auth_secret_name.clone())
    {
        let Some(secret) = secrets.get_opt(&name).await? else {
            return Ok(Err(format!("image pull secret {name} not found")));
        };
        data.image_pull_secret = registry_credentials(&secret, host);
    }
    Ok(Ok(data))
}

/// A Secret value as text.
fn text(secret: &Secret, key: &str) -> Option<String> {
    let data: &BTreeMap<String, ByteString> = secret.data.as_ref()?;
    data.get(key)
        .map(|bytes| String::from_utf8_lossy(&bytes.0).into_owned())
}

fn parse_yaml(raw: &str) -> Result<Value, String> {
    serde_norway::from_str(raw).map_err(|error| error.to_string())
}

/// `user:password` for the image's registry from a Docker config Secret.
fn registry_credentials(secret: &Secret, host: &BareMetalHost) -> Option<String> {
    let config = text(secret, ".dockerconfigjson").or_else(|| text(secret, ".dockercfg"))?;
    let config: Value = serde_json::from_str(&config).ok()?;
    let auths = config.get("auths").unwrap_or(&config).as_object()?;
    let registry = host
        .spec
        .image
        .as_ref()?
        .url
        .strip_prefix("oci://")?
        .split('/')
        .next()?
        .to_owned();
    let entry = auths.get(&registry).or_else(|| auths.values().next())?;
    if let Some(auth) = entry.get("auth").and_then(Value::as_str) {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth)
            .ok()?;
        return String::from_utf8(decoded).ok();
    }
    let user = entry.get("username")?.as_str()?;
    let password = entry.get("password")?.as_str()?;
    Some(format!("{user}:{password}"))
}
