//! The Validating- and MutatingWebhookConfiguration that register the admission webhooks,
//! built from [`admission::kinds`] so that what is registered (config/webhook, the tests, the
//! sandbox) is exactly what the server serves. Shaped as upstream's: one webhook per kind,
//! named and routed as upstream names them, for CREATE and UPDATE of the kind's served
//! version, `matchPolicy: Equivalent` (so older versions reach the same rules), failing closed.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::admissionregistration::v1::{
    MutatingWebhook, MutatingWebhookConfiguration, RuleWithOperations, ServiceReference,
    ValidatingWebhook, ValidatingWebhookConfiguration, WebhookClientConfig,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::admission::{self, KindWebhooks, Verb};
use crate::crds::{WEBHOOK_NAMESPACE, WEBHOOK_SERVICE};

/// Upstream's configuration names with the `capm3-` prefix its kustomization gives them.
pub const VALIDATING: &str = "capm3-validating-webhook-configuration";
pub const MUTATING: &str = "capm3-mutating-webhook-configuration";
/// The cert-manager Certificate (in [`WEBHOOK_NAMESPACE`]) whose CA cert-manager's CA
/// injector writes into the configurations and the CRDs' conversion webhooks.
pub const SERVING_CERTIFICATE: &str = "capm3-serving-cert";
pub const INJECT_CA_FROM: &str = "cert-manager.io/inject-ca-from";

/// Both configurations. With `ca_bundle` (PEM) the API server trusts that CA directly;
/// without, they ask cert-manager to inject the CA of [`SERVING_CERTIFICATE`].
pub fn configurations(
    ca_bundle: Option<&[u8]>,
) -> (ValidatingWebhookConfiguration, MutatingWebhookConfiguration) {
    let kinds = admission::kinds();
    let validating = ValidatingWebhookConfiguration {
        metadata: metadata(VALIDATING, ca_bundle),
        webhooks: Some(
            kinds
                .iter()
                .map(|kind| {
                    let common = Common::new(kind, Verb::Validate, ca_bundle);
                    ValidatingWebhook {
                        name: common.name,
                        client_config: common.client_config,
                        rules: common.rules,
                        admission_review_versions: common.admission_review_versions,
                        side_effects: common.side_effects,
                        failure_policy: common.failure_policy,
                        match_policy: common.match_policy,
                        ..ValidatingWebhook::default()
                    }
                })
                .collect(),
        ),
    };
    let mutating = MutatingWebhookConfiguration {
        metadata: metadata(MUTATING, ca_bundle),
        webhooks: Some(
            kinds
                .iter()
                .filter(|kind| kind.default.is_some())
                .map(|kind| {
                    let common = Common::new(kind, Verb::Mutate, ca_bundle);
                    MutatingWebhook {
                        name: common.name,
                        client_config: common.client_config,
                        rules: common.rules,
                        admission_review_versions: common.admission_review_versions,
                        side_effects: common.side_effects,
                        failure_policy: common.failure_policy,
                        match_policy: common.match_policy,
                        ..MutatingWebhook::default()
                    }
                })
                .collect(),
        ),
    };
    (validating, mutating)
}

/// Both configurations as one YAML stream, for config/webhook.
pub fn to_yaml(ca_bundle: Option<&[u8]>) -> Result<String, serde_norway::Error> {
    let (validating, mutating) = configurations(ca_bundle);
    Ok(format!(
        "---\n{}---\n{}",
        serde_norway::to_string(&mutating)?,
        serde_norway::to_string(&validating)?
    ))
}

fn metadata(name: &str, ca_bundle: Option<&[u8]>) -> ObjectMeta {
    let annotations = ca_bundle.is_none().then(|| {
        BTreeMap::from([(
            INJECT_CA_FROM.to_owned(),
            format!("{WEBHOOK_NAMESPACE}/{SERVING_CERTIFICATE}"),
        )])
    });
    ObjectMeta {
        name: Some(name.to_owned()),
        annotations,
        ..ObjectMeta::default()
    }
}

/// What a validating and a mutating webhook have in common.
struct Common {
    name: String,
    client_config: WebhookClientConfig,
    rules: Option<Vec<RuleWithOperations>>,
    admission_review_versions: Vec<String>,
    side_effects: String,
    failure_policy: Option<String>,
    match_policy: Option<String>,
}

impl Common {
    fn new(kind: &KindWebhooks, verb: Verb, ca_bundle: Option<&[u8]>) -> Common {
        Common {
            name: kind.name(verb),
            client_config: WebhookClientConfig {
                ca_bundle: ca_bundle.map(|pem| ByteString(pem.to_vec())),
                service: Some(ServiceReference {
                    name: WEBHOOK_SERVICE.to_owned(),
                    namespace: WEBHOOK_NAMESPACE.to_owned(),
                    path: Some(kind.path(verb)),
                    port: None,
                }),
                url: None,
            },
            rules: Some(vec![RuleWithOperations {
                api_groups: Some(vec![kind.group.clone()]),
                api_versions: Some(vec![kind.version.clone()]),
                operations: Some(vec!["CREATE".to_owned(), "UPDATE".to_owned()]),
                resources: Some(vec![kind.plural.clone()]),
                scope: None,
            }]),
            // The handlers answer AdmissionReview v1 only.
            admission_review_versions: vec!["v1".to_owned()],
            side_effects: "None".to_owned(),
            failure_policy: Some("Fail".to_owned()),
            match_policy: Some("Equivalent".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_at_the_path_it_is_served() {
        let (validating, mutating) = configurations(None);
        let validating = validating.webhooks.expect("webhooks");
        assert_eq!(validating.len(), admission::kinds().len());
        let machine = validating
            .iter()
            .find(|w| w.name == "validation.metal3machine.infrastructure.cluster.x-k8s.io")
            .expect("Metal3Machine");
        let service = machine.client_config.service.as_ref().expect("service");
        assert_eq!(
            service.path.as_deref(),
            Some("/validate-infrastructure-cluster-x-k8s-io-v1beta2-metal3machine")
        );
        assert_eq!(
            (service.name.as_str(), service.namespace.as_str()),
            (WEBHOOK_SERVICE, WEBHOOK_NAMESPACE)
        );
        let rule = &machine.rules.as_ref().expect("rules")[0];
        assert_eq!(
            rule.resources.as_deref(),
            Some(&["metal3machines".to_owned()][..])
        );
        assert!(
            validating
                .iter()
                .any(|w| w.name == "baremetalhost.metal3.io"),
            "the baremetal-operator's name"
        );
        let mutating: Vec<String> = mutating
            .webhooks
            .expect("webhooks")
            .into_iter()
            .map(|w| w.name)
            .collect();
        assert_eq!(
            mutating,
            [
                "default.metal3cluster.infrastructure.cluster.x-k8s.io",
                "default.metal3remediationtemplate.infrastructure.cluster.x-k8s.io"
            ]
        );
    }

    #[test]
    fn the_ca_comes_from_the_bundle_or_from_cert_manager() {
        let (validating, _) = configurations(None);
        assert_eq!(
            validating.metadata.annotations.expect("annotations")[INJECT_CA_FROM],
            "capm3-system/capm3-serving-cert"
        );
        let (validating, mutating) = configurations(Some(b"PEM"));
        assert!(validating.metadata.annotations.is_none());
        for config in mutating
            .webhooks
            .expect("webhooks")
            .iter()
            .map(|w| &w.client_config)
        {
            assert_eq!(config.ca_bundle, Some(ByteString(b"PEM".to_vec())));
        }
    }

    #[test]
    fn every_rule_names_a_resource_and_version_the_crds_serve() {
        let crds = crate::crds::metal3();
        for kind in admission::kinds() {
            let served = crds.iter().any(|crd| {
                crd.spec.group == kind.group
                    && crd.spec.names.plural == kind.plural
                    && crd
                        .spec
                        .versions
                        .iter()
                        .any(|v| v.served && v.name == kind.version)
            });
            assert!(served, "{}/{} {}", kind.group, kind.version, kind.plural);
        }
    }
}
