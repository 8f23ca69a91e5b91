//! Typed reads and writes of one namespace's objects for the controller tests, each failing
//! the test on an API error.

use kube::Api;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

/// A namespaced kind the tests create and read as typed objects.
pub trait Kind:
    kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + Clone
    + serde::de::DeserializeOwned
    + serde::Serialize
    + std::fmt::Debug
{
}

impl<K> Kind for K where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + serde::Serialize
        + std::fmt::Debug
{
}

pub struct Objects {
    pub client: kube::Client,
    pub namespace: String,
}

impl Objects {
    pub fn new(client: kube::Client, namespace: &str) -> Objects {
        Objects {
            client,
            namespace: namespace.to_owned(),
        }
    }

    pub fn api<K: Kind>(&self) -> Api<K> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    pub async fn create<K: Kind>(&self, object: Value) -> K {
        let object: K = serde_json::from_value(object).expect("valid object");
        self.api::<K>()
            .create(&PostParams::default(), &object)
            .await
            .expect("created")
    }

    pub async fn get<K: Kind>(&self, name: &str) -> Option<K> {
        self.api::<K>().get_opt(name).await.expect("get")
    }

    pub async fn list<K: Kind>(&self) -> Vec<K> {
        self.api::<K>()
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
    }

    pub async fn delete<K: Kind>(&self, name: &str) {
        self.api::<K>()
            .delete(name, &DeleteParams::default())
            .await
            .expect("deleted");
    }

    pub async fn merge<K: Kind>(&self, name: &str, patch: Value) {
        self.api::<K>()
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("patched");
    }

    /// Merges `status` into the object's status subresource.
    pub async fn merge_status<K: Kind>(&self, name: &str, status: Value) {
        self.api::<K>()
            .patch_status(
                name,
                &PatchParams::default(),
                &Patch::Merge(&json!({ "status": status })),
            )
            .await
            .expect("status patched");
    }

    /// Waits until `name` is gone.
    pub async fn gone<K: Kind>(&self, name: &str) {
        super::eventually(&format!("{} {name} gone", K::kind(&())), || async {
            self.get::<K>(name).await.is_none().then_some(())
        })
        .await
    }
}
