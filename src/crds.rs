//! The CustomResourceDefinitions capm3 ships, assembled from the API types.
//!
//! Multi-version kinds are merged with v1beta2 as the storage version and a conversion
//! webhook (`capm3-webhook-service` in `capm3-system`, path `/convert`).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceConversion, CustomResourceDefinition, ServiceReference, ValidationRule,
    WebhookClientConfig, WebhookConversion,
};
use kube::CustomResourceExt;
use kube::core::crd::merge_crds;

use crate::api::{bmo, capm3, ipam, schema};

/// Namespace and Service through which the API server reaches the conversion webhook.
pub const WEBHOOK_NAMESPACE: &str = "capm3-system";
pub const WEBHOOK_SERVICE: &str = "capm3-webhook-service";
pub const CONVERSION_PATH: &str = "/convert";

/// Every CRD capm3 ships: the Metal3 groups.
pub fn metal3() -> Vec<CustomResourceDefinition> {
    let mut crds = infrastructure();
    crds.extend([
        with_root_rules(
            bmo::v1alpha1::BareMetalHost::crd(),
            "v1alpha1",
            BARE_METAL_HOST_NAME_RULES,
        ),
        bmo::v1alpha1::HardwareData::crd(),
        bmo::v1alpha1::HostFirmwareSettings::crd(),
        bmo::v1alpha1::FirmwareSchema::crd(),
        bmo::v1alpha1::HostFirmwareComponents::crd(),
        // Upstream has a status field but no status subresource on HostUpdatePolicy.
        without_status_subresource(bmo::v1alpha1::HostUpdatePolicy::crd()),
        bmo::v1alpha1::PreprovisioningImage::crd(),
        bmo::v1alpha1::DataImage::crd(),
        bmo::v1alpha1::BMCEventSubscription::crd(),
        ipam::v1alpha1::IPPool::crd(),
        ipam::v1alpha1::IPClaim::crd(),
        ipam::v1alpha1::IPAddress::crd(),
    ]);
    crds.into_iter().map(normalized).collect()
}

/// The Cluster API CRDs, for the sandbox and the tests only.
pub fn capi() -> Vec<CustomResourceDefinition> {
    crate::api::capi::crds()
        .into_iter()
        .map(normalized)
        .collect()
}

/// The nine `infrastructure.cluster.x-k8s.io` CRDs, each serving v1beta1 and v1beta2.
pub fn infrastructure() -> Vec<CustomResourceDefinition> {
    use capm3::{v1beta1 as b1, v1beta2 as b2};
    [
        (b1::Metal3Cluster::crd(), b2::Metal3Cluster::crd()),
        (
            b1::Metal3ClusterTemplate::crd(),
            b2::Metal3ClusterTemplate::crd(),
        ),
        (b1::Metal3Machine::crd(), b2::Metal3Machine::crd()),
        (
            b1::Metal3MachineTemplate::crd(),
            b2::Metal3MachineTemplate::crd(),
        ),
        (b1::Metal3DataTemplate::crd(), b2::Metal3DataTemplate::crd()),
        (
            b1::Metal3Data::crd(),
            with_root_rules(b2::Metal3Data::crd(), "v1beta2", METAL3_DATA_NAME_RULES),
        ),
        (b1::Metal3DataClaim::crd(), b2::Metal3DataClaim::crd()),
        (b1::Metal3Remediation::crd(), b2::Metal3Remediation::crd()),
        (
            b1::Metal3RemediationTemplate::crd(),
            b2::Metal3RemediationTemplate::crd(),
        ),
    ]
    .into_iter()
    .map(|(old, new)| with_conversion_webhook(merge_versions(old, new)))
    .collect()
}

/// Rules on `metadata.name`, which only a rule at the root of the schema can see:
/// (rule, message) pairs.
const BARE_METAL_HOST_NAME_RULES: &[(&str, &str)] = &[
    (
        "self.metadata.name.matches('^[A-Za-z0-9._-]+$')",
        "BareMetalHost resource name cannot contain characters other than [A-Za-z0-9._-]",
    ),
    (
        "!self.metadata.name.matches('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')",
        "BareMetalHost resource name cannot be a UUID",
    ),
];

const METAL3_DATA_NAME_RULES: &[(&str, &str)] = &[(
    "!has(self.spec.template) || !has(self.spec.index) || self.metadata.name == self.spec.template.name + '-' + string(self.spec.index)",
    "metadata.name must be <spec.template.name>-<spec.index>",
)];

/// Adds CEL rules at the root of one version's schema.
fn with_root_rules(
    mut crd: CustomResourceDefinition,
    version: &str,
    rules: &[(&str, &str)],
) -> CustomResourceDefinition {
    let schema = crd
        .spec
        .versions
        .iter_mut()
        .filter(|v| v.name == version)
        .find_map(|v| v.schema.as_mut()?.open_api_v3_schema.as_mut());
    if let Some(schema) = schema {
        let validations = schema.x_kubernetes_validations.get_or_insert_with(Vec::new);
        validations.extend(rules.iter().map(|(rule, message)| ValidationRule {
            rule: (*rule).into(),
            message: Some((*message).into()),
            ..Default::default()
        }));
    }
    crd
}

/// Drops the status subresource, where upstream has a status field but no subresource.
fn without_status_subresource(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    for version in &mut crd.spec.versions {
        version.subresources = None;
    }
    crd
}

/// Applies [`schema::normalize_nullable`] to every version's schema and names the list
/// kind, as controller-gen does.
fn normalized(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
    for version in &mut crd.spec.versions {
        if let Some(props) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        {
            let mut value = serde_json::to_value(&*props).expect("a schema serialises to JSON");
            schema::normalize_nullable(&mut value);
            *props = serde_json::from_value(value).expect("normalising keeps a valid schema");
        }
    }
    crd
}

fn merge_versions(
    v1beta1: CustomResourceDefinition,
    v1beta2: CustomResourceDefinition,
) -> CustomResourceDefinition {
    // Both inputs come from our own derives with the same names, so merging cannot fail
    // unless the types themselves are inconsistent, which the crd tests catch.
    merge_crds(vec![v1beta1, v1beta2], "v1beta2").expect("v1beta1 and v1beta2 CRDs are mergeable")
}

fn with_conversion_webhook(mut crd: CustomResourceDefinition) -> CustomResourceDefinition {
    crd.spec.conversion = Some(CustomResourceConversion {
        strategy: "Webhook".into(),
        webhook: Some(WebhookConversion {
            client_config: Some(WebhookClientConfig {
                service: Some(ServiceReference {
                    name: WEBHOOK_SERVICE.into(),
                    namespace: WEBHOOK_NAMESPACE.into(),
                    path: Some(CONVERSION_PATH.into()),
                    port: None,
                }),
                ca_bundle: None,
                url: None,
            }),
            conversion_review_versions: vec!["v1".into(), "v1beta1".into()],
        }),
    });
    crd
}

/// The file name a CRD is written to: `<group>_<plural>.yaml`, as controller-gen names them.
pub fn file_name(crd: &CustomResourceDefinition) -> String {
    format!("{}_{}.yaml", crd.spec.group, crd.spec.names.plural)
}

/// A CRD as YAML, the way it is checked in.
pub fn to_yaml(crd: &CustomResourceDefinition) -> Result<String, serde_norway::Error> {
    Ok(format!("---\n{}", serde_norway::to_string(crd)?))
}

/// Errors writing CRDs (or the other generated manifests) out.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot serialise to YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("cannot write {path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Write every Metal3 CRD into `dir` and the Cluster API CRDs into `dir/capi`, each
/// folder with a `kustomization.yaml` so that `config/` can use it as a base.
pub fn write_all(dir: &std::path::Path) -> Result<(), WriteError> {
    for (sub, crds) in [(dir.to_path_buf(), metal3()), (dir.join("capi"), capi())] {
        std::fs::create_dir_all(&sub).map_err(|source| WriteError::Io {
            path: sub.clone(),
            source,
        })?;
        let names: Vec<String> = crds.iter().map(file_name).collect();
        for (crd, name) in crds.iter().zip(&names) {
            write(&sub.join(name), &to_yaml(crd)?)?;
        }
        write(&sub.join("kustomization.yaml"), &kustomization(&names))?;
    }
    Ok(())
}

/// A kustomization listing the CRD files of one folder.
pub fn kustomization(files: &[String]) -> String {
    let resources: String = files.iter().map(|f| format!("- {f}\n")).collect();
    format!(
        "# Generated by `capm3 crds`.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n{resources}"
    )
}

fn write(path: &std::path::Path, content: &str) -> Result<(), WriteError> {
    std::fs::write(path, content).map_err(|source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Print every CRD (Metal3 and Cluster API) as one multi-document YAML stream.
pub fn print_all(out: &mut impl std::io::Write) -> Result<(), WriteError> {
    for crd in metal3().into_iter().chain(capi()) {
        let stdout = || std::path::PathBuf::from("<stdout>");
        out.write_all(to_yaml(&crd)?.as_bytes())
            .map_err(|source| WriteError::Io {
                path: stdout(),
                source,
            })?;
    }
    Ok(())
}
