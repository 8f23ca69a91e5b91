//! The `infrastructure.cluster.x-k8s.io` v1beta2 webhooks: upstream validates all nine kinds
//! and defaults Metal3Cluster and Metal3RemediationTemplate. Rules the CRDs' CEL already
//! enforces are not repeated here; their validating endpoints answer with what remains.

use serde_json::{Value, json};

#[cfg(test)]
use super::Settings;
use super::{KindWebhooks, Request, Verdict};
use crate::api::capm3::v1beta2 as b2;
use crate::api::field::{ErrorKind, FieldError, FieldPath};

pub fn webhooks() -> Vec<KindWebhooks> {
    vec![
        KindWebhooks::of::<b2::Metal3Cluster>(schema_rules_only, Some(default_cluster)),
        KindWebhooks::of::<b2::Metal3ClusterTemplate>(schema_rules_only, None),
        KindWebhooks::of::<b2::Metal3Machine>(validate_machine, None),
        KindWebhooks::of::<b2::Metal3MachineTemplate>(schema_rules_only, None),
        KindWebhooks::of::<b2::Metal3DataTemplate>(validate_data_template, None),
        KindWebhooks::of::<b2::Metal3Data>(schema_rules_only, None),
        KindWebhooks::of::<b2::Metal3DataClaim>(validate_data_claim, None),
        KindWebhooks::of::<b2::Metal3Remediation>(schema_rules_only, None),
        KindWebhooks::of::<b2::Metal3RemediationTemplate>(
            schema_rules_only,
            Some(default_remediation_template),
        ),
    ]
}

/// Kinds whose every upstream webhook rule is a CEL rule or schema bound in the CRD.
fn schema_rules_only(_: &Request) -> Verdict {
    Verdict::default()
}

/// Upstream's Metal3Cluster defaulter: API server port 6443, cloud provider off.
fn default_cluster(object: &mut Value) {
    let spec = ensure_object(object, "spec");
    let endpoint = ensure_object(spec, "controlPlaneEndpoint");
    if endpoint["port"].as_i64().unwrap_or(0) == 0 {
        endpoint["port"] = json!(6443);
    }
    if spec.get("cloudProviderEnabled").is_none_or(Value::is_null) {
        spec["cloudProviderEnabled"] = json!(false);
    }
}

/// Upstream's Metal3RemediationTemplate defaulter: type Reboot, 600 s timeout, one retry. A
/// template without a strategy gets one (upstream's defaulter dereferences it unchecked).
fn default_remediation_template(object: &mut Value) {
    let strategy = ensure_object(
        ensure_object(
            ensure_object(ensure_object(object, "spec"), "template"),
            "spec",
        ),
        "strategy",
    );
    if strategy["type"].as_str().unwrap_or_default().is_empty() {
        strategy["type"] = json!("Reboot");
    }
    if strategy["timeoutSeconds"].as_i64().unwrap_or(0) == 0 {
        strategy["timeoutSeconds"] = json!(600);
    }
    if strategy["retryLimit"].as_i64().unwrap_or(0) < 1 {
        strategy["retryLimit"] = json!(1);
    }
}

/// Secrets named by a Metal3Machine must be in its own namespace: a machine could otherwise
/// hand another tenant's user data to its host.
fn validate_machine(request: &Request) -> Verdict {
    let spec = &request.object["spec"];
    let errors = ["userData", "metaData", "networkData"]
        .into_iter()
        .filter(|field| {
            let namespace = spec[*field]["namespace"].as_str().unwrap_or_default();
            !namespace.is_empty() && namespace != request.namespace
        })
        .map(|field| {
            forbidden(
                FieldPath::root()
                    .child("spec")
                    .child(field)
                    .child("namespace"),
                "cross-namespace secret references are not allowed",
            )
        })
        .collect();
    Verdict {
        errors,
        ..Verdict::default()
    }
}

fn validate_data_template(request: &Request) -> Verdict {
    let deprecated = request.object["spec"]["clusterName"]
        .as_str()
        .is_some_and(|name| !name.is_empty());
    Verdict {
        warnings: deprecated
            .then(|| {
                "spec.clusterName is deprecated and will be removed in a future release".to_owned()
            })
            .into_iter()
            .collect(),
        ..Verdict::default()
    }
}

/// A claim renders from a template in its own namespace.
fn validate_data_claim(request: &Request) -> Verdict {
    let namespace = request.object["spec"]["template"]["namespace"]
        .as_str()
        .unwrap_or_default();
    let errors = (!namespace.is_empty() && namespace != request.namespace)
        .then(|| {
            forbidden(
                FieldPath::root()
                    .child("spec")
                    .child("template")
                    .child("namespace"),
                "cross-namespace template references are not allowed",
            )
        })
        .into_iter()
        .collect();
    Verdict {
        errors,
        ..Verdict::default()
    }
}

fn forbidden(path: FieldPath, detail: &str) -> FieldError {
    FieldError {
        path,
        kind: ErrorKind::Forbidden,
        value: None,
        detail: detail.to_owned(),
    }
}

/// `object[key]`, made an empty object first when it is missing or not an object.
fn ensure_object<'a>(object: &'a mut Value, key: &str) -> &'a mut Value {
    if !object[key].is_object() {
        object[key] = json!({});
    }
    &mut object[key]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(object: &'a Value, namespace: &'a str) -> Request<'a> {
        static SETTINGS: Settings = Settings {
            allow_fake_hardware: false,
        };
        Request {
            namespace,
            name: "test",
            object,
            old_object: None,
            settings: &SETTINGS,
        }
    }

    #[test]
    fn clusters_get_upstreams_defaults_and_keep_their_own() {
        let mut object = json!({"spec": {"controlPlaneEndpoint": {"host": "127.0.0.1"}}});
        default_cluster(&mut object);
        assert_eq!(
            object["spec"],
            json!({"controlPlaneEndpoint": {"host": "127.0.0.1", "port": 6443}, "cloudProviderEnabled": false})
        );
        let mut object = json!({"spec": {"controlPlaneEndpoint": {"host": "h", "port": 8443}, "cloudProviderEnabled": true}});
        let before = object.clone();
        default_cluster(&mut object);
        assert_eq!(object, before);
    }

    #[test]
    fn remediation_templates_get_a_reboot_strategy() {
        let mut object = json!({"spec": {"template": {"spec": {"strategy": {"retryLimit": 0, "timeoutSeconds": 300}}}}});
        default_remediation_template(&mut object);
        assert_eq!(
            object["spec"]["template"]["spec"]["strategy"],
            json!({"type": "Reboot", "retryLimit": 1, "timeoutSeconds": 300})
        );
        let mut object = json!({"spec": {"template": {"spec": {}}}});
        default_remediation_template(&mut object);
        assert_eq!(
            object["spec"]["template"]["spec"]["strategy"],
            json!({"type": "Reboot", "retryLimit": 1, "timeoutSeconds": 600})
        );
    }

    #[test]
    fn machines_may_not_name_secrets_in_other_namespaces() {
        let object = json!({"spec": {"userData": {"name": "u", "namespace": "other"},
                                     "metaData": {"name": "m", "namespace": "metal3"},
                                     "networkData": {"name": "n"}}});
        let verdict = validate_machine(&request(&object, "metal3"));
        let messages: Vec<String> = verdict.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "spec.userData.namespace: Forbidden: cross-namespace secret references are not allowed"
            ]
        );
    }

    #[test]
    fn data_claims_use_templates_of_their_namespace() {
        let object = json!({"spec": {"template": {"name": "t", "namespace": "other"}}});
        assert_eq!(
            validate_data_claim(&request(&object, "metal3"))
                .errors
                .len(),
            1
        );
        let object = json!({"spec": {"template": {"name": "t"}}});
        assert!(
            validate_data_claim(&request(&object, "metal3"))
                .errors
                .is_empty()
        );
    }

    #[test]
    fn a_cluster_name_on_a_data_template_is_a_warning() {
        let object = json!({"spec": {"clusterName": "c"}});
        let verdict = validate_data_template(&request(&object, "metal3"));
        assert!(verdict.errors.is_empty());
        assert_eq!(verdict.warnings.len(), 1);
    }
}
