//! What the embedded API server serves: the built-in kinds and every kind a
//! CustomResourceDefinition declares, with what discovery, tables, validation and
//! conversion need to know about each.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, WebhookClientConfig,
};
use serde_json::Value;

use super::events;
use super::store::ResourceKey;
use super::structural::compile_cel;

/// One served kind.
#[derive(Clone, Debug)]
pub struct Resource {
    pub group: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Served versions, in the order the CRD lists them.
    pub versions: Vec<ServedVersion>,
    /// The version objects are stored in.
    pub storage_version: String,
    /// How objects move between versions; `None` just rewrites `apiVersion`.
    pub conversion_webhook: Option<WebhookClientConfig>,
    /// Built-in kinds are stored as given; only custom resources have schemas.
    pub builtin: bool,
}

#[derive(Clone, Debug)]
pub struct ServedVersion {
    pub name: String,
    /// The structural schema (`openAPIV3Schema`), for custom resources.
    pub schema: Option<Value>,
    /// The schema's CEL rules, compiled once when the CRD is served.
    pub cel: Option<Arc<kube_cel::CompiledSchema>>,
    pub status_subresource: bool,
    pub printer_columns: Vec<CustomResourceColumnDefinition>,
}

impl Resource {
    pub fn key(&self) -> ResourceKey {
        ResourceKey::new(&self.group, &self.plural)
    }

    /// The collection objects of this kind are stored in (events.k8s.io Events share the
    /// core Events').
    pub fn storage_key(&self) -> ResourceKey {
        if events::is_events_view(&self.group, &self.plural) {
            events::storage_key()
        } else {
            self.key()
        }
    }

    pub fn version(&self, name: &str) -> Option<&ServedVersion> {
        self.versions.iter().find(|v| v.name == name)
    }

    /// `group/version`, or just `version` for the core group.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_owned()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// The kinds a CRD declares, or `None` when it serves no version.
    pub fn from_crd(crd: &CustomResourceDefinition) -> Option<Resource> {
        let spec = &crd.spec;
        let versions: Vec<ServedVersion> = spec
            .versions
            .iter()
            .filter(|v| v.served)
            .map(|v| {
                let schema = v
                    .schema
                    .as_ref()
                    .and_then(|s| s.open_api_v3_schema.as_ref())
                    .and_then(|s| serde_json::to_value(s).ok());
                let cel = schema.as_ref().map(|s| Arc::new(compile_cel(s)));
                (v, schema, cel)
            })
            .map(|(v, schema, cel)| ServedVersion {
                name: v.name.clone(),
                schema,
                cel,
                status_subresource: v.subresources.as_ref().is_some_and(|s| s.status.is_some()),
                printer_columns: v.additional_printer_columns.clone().unwrap_or_default(),
            })
            .collect();
        if versions.is_empty() {
            return None;
        }
        let storage_version = spec
            .versions
            .iter()
            .find(|v| v.storage)
            .map_or_else(|| versions[0].name.clone(), |v| v.name.clone());
        let conversion_webhook = spec
            .conversion
            .as_ref()
            .filter(|c| c.strategy == "Webhook")
            .and_then(|c| c.webhook.as_ref()?.client_config.clone());
        Some(Resource {
            group: spec.group.clone(),
            kind: spec.names.kind.clone(),
            plural: spec.names.plural.clone(),
            singular: spec
                .names
                .singular
                .clone()
                .unwrap_or_else(|| spec.names.kind.to_lowercase()),
            namespaced: spec.scope == "Namespaced",
            short_names: spec.names.short_names.clone().unwrap_or_default(),
            categories: spec.names.categories.clone().unwrap_or_default(),
            versions,
            storage_version,
            conversion_webhook,
            builtin: false,
        })
    }
}

/// A built-in kind: (group, version, kind, plural, namespaced, status subresource, short names).
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    &'static [&'static str],
);

/// The built-in kinds the sandbox serves: what controllers, kubectl and leader election use.
const BUILTINS: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", false, true, &["ns"]),
    ("", "v1", "Secret", "secrets", true, false, &[]),
    ("", "v1", "ConfigMap", "configmaps", true, false, &["cm"]),
    ("", "v1", "Node", "nodes", false, true, &["no"]),
    ("", "v1", "Event", "events", true, false, &["ev"]),
    (
        "events.k8s.io",
        "v1",
        "Event",
        "events",
        true,
        false,
        &["ev"],
    ),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        true,
        false,
        &[],
    ),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        false,
        &["sa"],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        false,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        false,
        &[],
    ),
    (
        "authentication.k8s.io",
        "v1",
        "TokenReview",
        "tokenreviews",
        false,
        false,
        &[],
    ),
    (
        "authorization.k8s.io",
        "v1",
        "SubjectAccessReview",
        "subjectaccessreviews",
        false,
        false,
        &[],
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        true,
        &["crd", "crds"],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        false,
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        false,
        &[],
    ),
];

fn builtin(&(group, version, kind, plural, namespaced, status, short_names): &Builtin) -> Resource {
    Resource {
        group: group.into(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        namespaced,
        short_names: short_names.iter().map(|s| (*s).into()).collect(),
        categories: Vec::new(),
        versions: vec![ServedVersion {
            name: version.into(),
            schema: None,
            cel: None,
            status_subresource: status,
            printer_columns: Vec::new(),
        }],
        storage_version: version.into(),
        conversion_webhook: None,
        builtin: true,
    }
}

/// Every served kind, by group and plural. Cheap to read; written when CRDs change.
pub struct Registry {
    resources: RwLock<BTreeMap<ResourceKey, Arc<Resource>>>,
}

impl Default for Registry {
    fn default() -> Self {
        let resources = BUILTINS
            .iter()
            .map(builtin)
            .map(|r| (r.key(), Arc::new(r)))
            .collect();
        Self {
            resources: RwLock::new(resources),
        }
    }
}

impl Registry {
    pub fn get(&self, group: &str, plural: &str) -> Option<Arc<Resource>> {
        self.read().get(&ResourceKey::new(group, plural)).cloned()
    }

    /// Serves (or re-serves) the kinds of a created or updated CRD.
    pub fn serve_crd(&self, crd: &CustomResourceDefinition) {
        let key = ResourceKey::new(&crd.spec.group, &crd.spec.names.plural);
        let mut resources = self.write();
        match Resource::from_crd(crd) {
            Some(resource) => resources.insert(key, Arc::new(resource)),
            None => resources.remove(&key),
        };
    }

    /// Stops serving a deleted CRD's kinds.
    pub fn remove_crd(&self, crd: &CustomResourceDefinition) {
        self.write()
            .remove(&ResourceKey::new(&crd.spec.group, &crd.spec.names.plural));
    }

    /// Every served kind, sorted by group and plural.
    pub fn all(&self) -> Vec<Arc<Resource>> {
        self.read().values().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<ResourceKey, Arc<Resource>>> {
        self.resources
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<ResourceKey, Arc<Resource>>> {
        self.resources
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_served() {
        let registry = Registry::default();
        let ns = registry.get("", "namespaces").expect("namespaces");
        assert!(!ns.namespaced && ns.builtin);
        assert_eq!(
            registry
                .get("coordination.k8s.io", "leases")
                .map(|r| r.kind.clone())
                .as_deref(),
            Some("Lease")
        );
    }

    #[test]
    fn a_crd_serves_its_kind_with_every_served_version() {
        let registry = Registry::default();
        let crd = crate::crds::infrastructure()
            .into_iter()
            .find(|c| c.spec.names.kind == "Metal3Machine")
            .expect("crd");
        registry.serve_crd(&crd);
        let m3m = registry
            .get("infrastructure.cluster.x-k8s.io", "metal3machines")
            .expect("served");
        let names: Vec<&str> = m3m.versions.iter().map(|v| v.name.as_str()).collect();
        assert!(names.contains(&"v1beta1") && names.contains(&"v1beta2"));
        assert_eq!(m3m.storage_version, "v1beta2");
        assert!(m3m.conversion_webhook.is_some());
        assert!(m3m.short_names.contains(&"m3m".to_owned()));
        assert!(
            m3m.version("v1beta2")
                .is_some_and(|v| v.status_subresource && v.schema.is_some())
        );
        registry.remove_crd(&crd);
        assert!(
            registry
                .get("infrastructure.cluster.x-k8s.io", "metal3machines")
                .is_none()
        );
    }
}
