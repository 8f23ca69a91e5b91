//! Admission webhooks, as the API server calls them: MutatingWebhookConfigurations before
//! schema validation, ValidatingWebhookConfigurations after, with AdmissionReview v1.

use base64::Engine;
use serde_json::{Value, json};

use super::api::Api;
use super::registry::Resource;
use super::selectors::{LabelSelector, labels_of};
use super::status::ApiError;
use super::store::{ObjectKey, ResourceKey};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
        }
    }
}

/// What is being admitted: the kind and version of the request, and where.
pub struct Request<'a> {
    pub resource: &'a Resource,
    pub version: &'a str,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub operation: Operation,
    pub dry_run: bool,
}

#[derive(Clone, Copy)]
enum Phase {
    Mutating,
    Validating,
}

impl Phase {
    fn configurations(self) -> ResourceKey {
        match self {
            Phase::Mutating => ResourceKey::new(
                "admissionregistration.k8s.io",
                "mutatingwebhookconfigurations",
            ),
            Phase::Validating => ResourceKey::new(
                "admissionregistration.k8s.io",
                "validatingwebhookconfigurations",
            ),
        }
    }
}

impl Api {
    /// Runs the mutating webhooks that match; returns the object as they left it.
    pub async fn mutate(
        &self,
        request: &Request<'_>,
        mut object: Value,
        old: Option<&Value>,
    ) -> Result<Value, ApiError> {
        for (webhook, version) in
            self.matching_webhooks(Phase::Mutating, request, Some(&object), old)
        {
            let sent = self
                .convert_to(request.resource, object.clone(), &version)
                .await?;
            let old_sent = match old {
                Some(o) => Some(
                    self.convert_to(request.resource, o.clone(), &version)
                        .await?,
                ),
                None => None,
            };
            let Some(response) = self
                .call(&webhook, request, &version, Some(&sent), old_sent.as_ref())
                .await?
            else {
                continue;
            };
            if let Some(patch) = response["patch"].as_str() {
                let mut patched = sent;
                apply_json_patch(&mut patched, patch)
                    .map_err(|e| failed(&webhook, &format!("invalid patch: {e}")))?;
                object = self
                    .convert_to(
                        request.resource,
                        patched,
                        &request.resource.api_version(request.version),
                    )
                    .await?;
            }
        }
        Ok(object)
    }

    /// Runs the validating webhooks that match; an error when one denies.
    pub async fn validate_admission(
        &self,
        request: &Request<'_>,
        object: Option<&Value>,
        old: Option<&Value>,
    ) -> Result<(), ApiError> {
        for (webhook, version) in self.matching_webhooks(Phase::Validating, request, object, old) {
            let sent = match object {
                Some(o) => Some(
                    self.convert_to(request.resource, o.clone(), &version)
                        .await?,
                ),
                None => None,
            };
            let old_sent = match old {
                Some(o) => Some(
                    self.convert_to(request.resource, o.clone(), &version)
                        .await?,
                ),
                None => None,
            };
            self.call(
                &webhook,
                request,
                &version,
                sent.as_ref(),
                old_sent.as_ref(),
            )
            .await?;
        }
        Ok(())
    }

    /// Webhooks whose rules and selectors match, with the version each is to see the
    /// object in.
    fn matching_webhooks(
        &self,
        phase: Phase,
        request: &Request<'_>,
        object: Option<&Value>,
        old: Option<&Value>,
    ) -> Vec<(Value, String)> {
        // Webhook configurations themselves are never subject to webhooks.
        if request.resource.group == "admissionregistration.k8s.io" {
            return Vec::new();
        }
        let labels = labels_of(object.or(old).unwrap_or(&Value::Null));
        let namespace_labels = request
            .namespace
            .and_then(|ns| {
                self.store
                    .get(&ResourceKey::new("", "namespaces"), &ObjectKey::new("", ns))
            })
            .map(|ns| labels_of(&ns))
            .unwrap_or_default();
        let (configurations, _) = self.store.list(&phase.configurations(), None);
        let mut matched = Vec::new();
        for configuration in configurations {
            for webhook in configuration["webhooks"].as_array().into_iter().flatten() {
                let selected = selector_matches(&webhook["objectSelector"], &labels)
                    && (request.namespace.is_none()
                        || selector_matches(&webhook["namespaceSelector"], &namespace_labels));
                if let (true, Some(version)) = (selected, rule_version(webhook, request)) {
                    matched.push((webhook.clone(), version));
                }
            }
        }
        matched
    }

    /// Calls one webhook; `Ok(None)` when it failed and its failurePolicy is Ignore.
    async fn call(
        &self,
        webhook: &Value,
        request: &Request<'_>,
        version: &str,
        object: Option<&Value>,
        old: Option<&Value>,
    ) -> Result<Option<Value>, ApiError> {
        let resource = request.resource;
        let kind = json!({"group": resource.group, "version": version, "kind": resource.kind});
        let gvr = json!({"group": resource.group, "version": version, "resource": resource.plural});
        let mut review_request = json!({
            "uid": uuid::Uuid::new_v4().to_string(),
            "kind": kind,
            "resource": gvr,
            "requestKind": {"group": resource.group, "version": request.version, "kind": resource.kind},
            "requestResource": {"group": resource.group, "version": request.version, "resource": resource.plural},
            "name": request.name,
            "operation": request.operation.as_str(),
            "userInfo": {"username": "system:admin", "groups": ["system:masters", "system:authenticated"]},
            "object": object.cloned().unwrap_or(Value::Null),
            "oldObject": old.cloned().unwrap_or(Value::Null),
            "dryRun": request.dry_run,
        });
        if let Some(ns) = request.namespace {
            review_request["namespace"] = json!(ns);
        }
        if let Some(sub) = request.subresource {
            review_request["subResource"] = json!(sub);
        }
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": review_request});
        let config = serde_json::from_value(webhook["clientConfig"].clone()).unwrap_or_default();
        let answer = match self.webhooks.post(&config, &review).await {
            Ok(answer) => answer,
            Err(_) if webhook["failurePolicy"] == "Ignore" => return Ok(None),
            Err(e) => return Err(failed(webhook, &e)),
        };
        let response = answer["response"].clone();
        if response["allowed"] != Value::Bool(true) {
            return Err(denied(webhook, &response["status"]));
        }
        Ok(Some(response))
    }

    async fn convert_to(
        &self,
        resource: &Resource,
        object: Value,
        api_version: &str,
    ) -> Result<Value, ApiError> {
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        self.present(resource, object, version).await
    }
}

/// The version a webhook's rules want the object in, if a rule matches the request:
/// the request's own version, or with `matchPolicy: Equivalent` (the default) another
/// version of the same kind that the rule names.
fn rule_version(webhook: &Value, request: &Request<'_>) -> Option<String> {
    let resource = request.resource;
    let target = match request.subresource {
        Some(sub) => format!("{}/{sub}", resource.plural),
        None => resource.plural.clone(),
    };
    let equivalent = webhook["matchPolicy"] != "Exact";
    for rule in webhook["rules"].as_array().into_iter().flatten() {
        let has = |field: &str, wanted: &str| {
            rule[field]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v == "*" || v == wanted)
        };
        let scope_ok = match rule["scope"].as_str() {
            Some("Namespaced") => resource.namespaced,
            Some("Cluster") => !resource.namespaced,
            _ => true,
        };
        let resource_ok = rule["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|r| resource_pattern(r, &target));
        if !(has("operations", request.operation.as_str())
            && has("apiGroups", &resource.group)
            && resource_ok
            && scope_ok)
        {
            continue;
        }
        if has("apiVersions", request.version) {
            return Some(request.version.to_owned());
        }
        if equivalent {
            let named = rule["apiVersions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str);
            if let Some(v) = named.into_iter().find(|v| resource.version(v).is_some()) {
                return Some(v.to_owned());
            }
        }
    }
    None
}

/// `*`, `plural`, `plural/sub`, `plural/*`, `*/sub`, `*/*`.
fn resource_pattern(pattern: &str, target: &str) -> bool {
    let (p_res, p_sub) = pattern
        .split_once('/')
        .map_or((pattern, None), |(r, s)| (r, Some(s)));
    let (t_res, t_sub) = target
        .split_once('/')
        .map_or((target, None), |(r, s)| (r, Some(s)));
    let res_ok = p_res == "*" || p_res == t_res;
    let sub_ok = match (p_sub, t_sub) {
        (None, None) => true,
        (Some("*"), Some(_)) => true,
        (Some(p), Some(t)) => p == t,
        _ => false,
    };
    (pattern == "*" && t_sub.is_none()) || (res_ok && sub_ok)
}

/// A metav1.LabelSelector (as JSON) against labels; an absent selector matches all.
fn selector_matches(selector: &Value, labels: &std::collections::BTreeMap<String, String>) -> bool {
    if !selector.is_object() {
        return true;
    }
    let mut terms: Vec<String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for expression in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = expression["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = expression["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        terms.push(match expression["operator"].as_str() {
            Some("In") => format!("{key} in ({})", values.join(",")),
            Some("NotIn") => format!("{key} notin ({})", values.join(",")),
            Some("DoesNotExist") => format!("!{key}"),
            _ => key.to_owned(),
        });
    }
    LabelSelector::parse(&terms.join(",")).is_ok_and(|s| s.matches(labels))
}

fn apply_json_patch(object: &mut Value, encoded: &str) -> Result<(), String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| e.to_string())?;
    let patch: json_patch::Patch = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    json_patch::patch(object, &patch.0).map_err(|e| e.to_string())
}

fn name(webhook: &Value) -> &str {
    webhook["name"].as_str().unwrap_or_default()
}

/// kube-apiserver's wording for a webhook that could not be called.
fn failed(webhook: &Value, error: &str) -> ApiError {
    ApiError::internal(format!(
        "Internal error occurred: failed calling webhook \"{}\": failed to call webhook: {error}",
        name(webhook)
    ))
}

/// kube-apiserver's `ToStatusErr`: the webhook's status, at least 400, message prefixed.
fn denied(webhook: &Value, status: &Value) -> ApiError {
    let denied_by = format!("admission webhook \"{}\" denied the request", name(webhook));
    let message = match (status["message"].as_str(), status["reason"].as_str()) {
        (Some(m), _) if !m.is_empty() => format!("{denied_by}: {m}"),
        (_, Some(r)) if !r.is_empty() => format!("{denied_by}: {r}"),
        _ => format!("{denied_by} without explanation"),
    };
    let code = status["code"].as_u64().filter(|c| *c >= 400).unwrap_or(400) as u16;
    ApiError::denied(code, status["reason"].as_str().unwrap_or_default(), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_patterns() {
        assert!(resource_pattern("*", "metal3machines"));
        assert!(!resource_pattern("*", "metal3machines/status"));
        assert!(resource_pattern("*/*", "metal3machines/status"));
        assert!(resource_pattern(
            "metal3machines/*",
            "metal3machines/status"
        ));
        assert!(resource_pattern("*/status", "metal3machines/status"));
        assert!(resource_pattern("metal3machines", "metal3machines"));
        assert!(!resource_pattern("metal3machines", "metal3clusters"));
    }

    #[test]
    fn label_selectors_as_json() {
        let labels = [("env".to_owned(), "test".to_owned())]
            .into_iter()
            .collect();
        assert!(selector_matches(&Value::Null, &labels));
        assert!(selector_matches(
            &json!({"matchLabels": {"env": "test"}}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["test"]}]}),
            &labels
        ));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "skip", "operator": "DoesNotExist"}]}),
            &labels
        ));
    }

    #[test]
    fn denials_are_worded_like_kube_apiserver() {
        let webhook = json!({"name": "validation.metal3machine.infrastructure.cluster.x-k8s.io"});
        let error = denied(
            &webhook,
            &json!({"message": "spec.image: Required value", "code": 422, "reason": "Invalid"}),
        );
        assert_eq!(error.code, 422);
        assert_eq!(
            error.body["message"],
            "admission webhook \"validation.metal3machine.infrastructure.cluster.x-k8s.io\" denied the request: spec.image: Required value"
        );
        assert_eq!(denied(&webhook, &json!({})).code, 400);
    }
}
