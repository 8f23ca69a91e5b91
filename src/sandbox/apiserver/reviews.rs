//! TokenReview and SubjectAccessReview: the checks a workload's authenticated endpoint
//! (the manager's `/metrics`) asks the API server to make. Tokens are those of
//! service-account token Secrets; access is decided by the RBAC objects stored, as the real
//! server's RBAC authorizer does. Both answer a create without storing anything.

use base64::Engine;
use serde_json::{Value, json};

use super::store::{ResourceKey, Store};

pub const TOKEN_REVIEWS: (&str, &str) = ("authentication.k8s.io", "tokenreviews");
pub const SUBJECT_ACCESS_REVIEWS: (&str, &str) = ("authorization.k8s.io", "subjectaccessreviews");

/// Whether a create of this collection is a review, answered rather than stored.
pub fn is_review(group: &str, plural: &str) -> bool {
    (group, plural) == TOKEN_REVIEWS || (group, plural) == SUBJECT_ACCESS_REVIEWS
}

/// The review with its `status` filled in.
pub fn answer(store: &Store, group: &str, mut review: Value) -> Value {
    review["status"] = if group == TOKEN_REVIEWS.0 {
        authenticate(store, review["spec"]["token"].as_str().unwrap_or_default())
    } else {
        authorize(store, &review["spec"])
    };
    review
}

/// The service account whose token Secret holds `token`.
fn authenticate(store: &Store, token: &str) -> Value {
    let secrets = ResourceKey::new("", "secrets");
    let (all, _) = store.list(&secrets, None);
    let owner = all.iter().find(|secret| {
        secret["type"] == "kubernetes.io/service-account-token"
            && secret["data"]["token"]
                .as_str()
                .and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
                .is_some_and(|t| !token.is_empty() && t == token.as_bytes())
    });
    match owner {
        Some(secret) => {
            let namespace = secret["metadata"]["namespace"].as_str().unwrap_or_default();
            let account = secret["metadata"]["annotations"]["kubernetes.io/service-account.name"]
                .as_str()
                .unwrap_or_default();
            json!({
                "authenticated": true,
                "user": {
                    "username": format!("system:serviceaccount:{namespace}:{account}"),
                    "groups": [
                        "system:serviceaccounts",
                        format!("system:serviceaccounts:{namespace}"),
                        "system:authenticated",
                    ],
                },
            })
        }
        None => json!({"authenticated": false, "error": "invalid bearer token"}),
    }
}

/// RBAC: allowed when a rule of a role bound to the user or one of its groups matches.
fn authorize(store: &Store, spec: &Value) -> Value {
    let user = spec["user"].as_str().unwrap_or_default();
    let groups: Vec<&str> = spec["groups"]
        .as_array()
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let namespace = spec["resourceAttributes"]["namespace"]
        .as_str()
        .filter(|ns| !ns.is_empty());
    let allowed = bound_rules(store, user, &groups, namespace)
        .iter()
        .any(|rule| rule_allows(rule, spec));
    if allowed {
        json!({"allowed": true, "reason": "allowed by RBAC"})
    } else {
        json!({"allowed": false})
    }
}

/// The rules of every role bound to the subject: cluster-wide, and in `namespace`.
fn bound_rules(store: &Store, user: &str, groups: &[&str], namespace: Option<&str>) -> Vec<Value> {
    let mut bindings = store.list(&rbac("clusterrolebindings"), None).0;
    if let Some(ns) = namespace {
        bindings.extend(store.list(&rbac("rolebindings"), Some(ns)).0);
    }
    let mut rules = Vec::new();
    for binding in bindings.iter().filter(|b| binds(b, user, groups)) {
        let role_ref = &binding["roleRef"];
        let name = role_ref["name"].as_str().unwrap_or_default();
        let role = if role_ref["kind"] == "Role" {
            let ns = binding["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default();
            store.get(&rbac("roles"), &super::store::ObjectKey::new(ns, name))
        } else {
            store.get(
                &rbac("clusterroles"),
                &super::store::ObjectKey::new("", name),
            )
        };
        if let Some(rule_list) = role.as_ref().and_then(|r| r["rules"].as_array()) {
            rules.extend(rule_list.iter().cloned());
        }
    }
    rules
}

fn rbac(plural: &str) -> ResourceKey {
    ResourceKey::new("rbac.authorization.k8s.io", plural)
}

fn binds(binding: &Value, user: &str, groups: &[&str]) -> bool {
    let subjects = binding["subjects"].as_array().cloned().unwrap_or_default();
    subjects.iter().any(|subject| {
        let name = subject["name"].as_str().unwrap_or_default();
        match subject["kind"].as_str() {
            Some("User") => name == user,
            Some("Group") => groups.contains(&name),
            Some("ServiceAccount") => {
                let ns = subject["namespace"].as_str().unwrap_or_default();
                user == format!("system:serviceaccount:{ns}:{name}")
            }
            _ => false,
        }
    })
}

fn rule_allows(rule: &Value, spec: &Value) -> bool {
    let has = |field: &str, wanted: &str| {
        rule[field]
            .as_array()
            .is_some_and(|values| values.iter().any(|v| v == "*" || v == wanted))
    };
    if let Some(attributes) = spec["nonResourceAttributes"].as_object() {
        let path = attributes
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let verb = attributes
            .get("verb")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let url_matches = rule["nonResourceURLs"].as_array().is_some_and(|urls| {
            urls.iter()
                .filter_map(Value::as_str)
                .any(|url| match url.strip_suffix('*') {
                    Some(prefix) => path.starts_with(prefix),
                    None => url == path,
                })
        });
        return url_matches && has("verbs", verb);
    }
    let attributes = &spec["resourceAttributes"];
    let text = |field: &str| attributes[field].as_str().unwrap_or_default();
    let resource = match text("subresource") {
        "" => text("resource").to_owned(),
        sub => format!("{}/{sub}", text("resource")),
    };
    let names_match = rule["resourceNames"]
        .as_array()
        .is_none_or(|names| names.is_empty() || names.iter().any(|n| n == text("name")));
    has("verbs", text("verb"))
        && has("apiGroups", text("group"))
        && has("resources", &resource)
        && names_match
}
