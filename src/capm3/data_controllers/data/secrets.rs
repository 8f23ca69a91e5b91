//! The rendered Secrets (MD-02, MD-03): `<metal3machine>-metadata` (key `metaData`) and
//! `<metal3machine>-networkdata` (key `networkData`), one per section of the template, made
//! once and never rewritten, so a reprovisioned host gets the same data.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::ResourceExt;
use serde_json::{Value, json};

use super::ipclaims::data_owner;
use crate::api::capm3::v1beta2::{Metal3Data, Metal3DataTemplateSpec};
use crate::capm3::names::{
    CLUSTER_NAME_LABEL, META_DATA_KEY, METAL3_SECRET_TYPE, NETWORK_DATA_KEY,
};

const META_DATA_SUFFIX: &str = "-metadata";
const NETWORK_DATA_SUFFIX: &str = "-networkdata";

/// The Secrets a Metal3Data has, by name: one for each section its template has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretNames {
    pub meta_data: Option<String>,
    pub network_data: Option<String>,
}

impl SecretNames {
    /// Each name with the key its document goes under.
    pub fn with_keys(&self) -> impl Iterator<Item = (&str, &'static str)> {
        [
            (self.meta_data.as_deref(), META_DATA_KEY),
            (self.network_data.as_deref(), NETWORK_DATA_KEY),
        ]
        .into_iter()
        .filter_map(|(name, key)| Some((name?, key)))
    }
}

/// The Secret names: those `spec.metaData` / `spec.networkData` give, else
/// `<metal3machine>-metadata` / `<metal3machine>-networkdata`.
pub fn secret_names(
    data: &Metal3Data,
    template: &Metal3DataTemplateSpec,
    metal3_machine: &str,
) -> SecretNames {
    let name = |recorded: Option<&k8s_openapi::api::core::v1::SecretReference>, suffix: &str| {
        recorded
            .and_then(|r| r.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{metal3_machine}{suffix}"))
    };
    SecretNames {
        meta_data: template
            .meta_data
            .as_ref()
            .map(|_| name(data.spec.meta_data.as_ref(), META_DATA_SUFFIX)),
        network_data: template
            .network_data
            .as_ref()
            .map(|_| name(data.spec.network_data.as_ref(), NETWORK_DATA_SUFFIX)),
    }
}

/// The `spec` merge patch recording names not recorded yet: the Metal3Machine reads them
/// from there once the Metal3Data is ready.
pub fn spec_patch(data: &Metal3Data, names: &SecretNames) -> Option<Value> {
    let namespace = data.namespace();
    let unset = |recorded: Option<&k8s_openapi::api::core::v1::SecretReference>| {
        recorded
            .and_then(|r| r.name.as_deref())
            .is_none_or(str::is_empty)
    };
    let mut spec = serde_json::Map::new();
    for (field, recorded, name) in [
        ("metaData", data.spec.meta_data.as_ref(), &names.meta_data),
        (
            "networkData",
            data.spec.network_data.as_ref(),
            &names.network_data,
        ),
    ] {
        if let Some(name) = name.as_ref().filter(|_| unset(recorded)) {
            spec.insert(
                field.to_owned(),
                json!({"name": name, "namespace": namespace}),
            );
        }
    }
    (!spec.is_empty()).then(|| json!({"spec": spec}))
}

/// A rendered Secret (MD-02): of type `infrastructure.cluster.x-k8s.io/secret`, labelled with
/// the Machine's cluster, owned by the Metal3Data (so it goes with it), holding `document`
/// under `key`.
pub fn secret(
    data: &Metal3Data,
    name: &str,
    key: &str,
    document: String,
    cluster_name: &str,
) -> Secret {
    Secret {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: data.namespace(),
            labels: Some(BTreeMap::from([(
                CLUSTER_NAME_LABEL.to_owned(),
                cluster_name.to_owned(),
            )])),
            owner_references: Some(vec![data_owner(data)]),
            ..ObjectMeta::default()
        },
        type_: Some(METAL3_SECRET_TYPE.to_owned()),
        data: Some(BTreeMap::from([(
            key.to_owned(),
            ByteString(document.into_bytes()),
        )])),
        ..Secret::default()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::capm3::data_controllers::fixtures::{data, data_with, template};
    use crate::capm3::fixtures::NS;

    fn spec(value: Value) -> Metal3DataTemplateSpec {
        template("t", value).spec
    }

    #[test]
    fn one_secret_per_template_section() {
        let d = data("t-0", "t", Some(0), Some("m3m"));
        let both = spec(json!({"metaData": {}, "networkData": {}}));
        let names = secret_names(&d, &both, "m3m");
        assert_eq!(
            names.with_keys().collect::<Vec<_>>(),
            [
                ("m3m-metadata", "metaData"),
                ("m3m-networkdata", "networkData")
            ]
        );
        let meta_only = secret_names(&d, &spec(json!({"metaData": {}})), "m3m");
        assert_eq!(meta_only.network_data, None);
        assert_eq!(
            secret_names(&d, &spec(json!({})), "m3m"),
            SecretNames::default()
        );
    }

    #[test]
    fn recorded_names_win_and_are_recorded_once() {
        let recorded = data_with(
            "t-0",
            "t",
            Some(0),
            Some("m3m"),
            json!({"spec": {"metaData": {"name": "mine", "namespace": NS}}}),
        );
        let both = spec(json!({"metaData": {}, "networkData": {}}));
        let names = secret_names(&recorded, &both, "m3m");
        assert_eq!(names.meta_data.as_deref(), Some("mine"));
        assert_eq!(
            spec_patch(&recorded, &names),
            Some(json!({"spec": {"networkData": {"name": "m3m-networkdata", "namespace": NS}}}))
        );
        let mut done = recorded.clone();
        done.spec.network_data = serde_json::from_value(json!({"name": "m3m-networkdata"})).ok();
        assert_eq!(spec_patch(&done, &names), None);
    }

    /// MD-02
    #[test]
    fn rendered_secret() {
        let d = data("t-0", "t", Some(0), Some("m3m"));
        let secret = secret(&d, "m3m-metadata", "metaData", "a: b\n".into(), "test1");
        assert_eq!(
            serde_json::to_value(&secret).expect("json"),
            json!({"apiVersion": "v1", "kind": "Secret",
                   "metadata": {"name": "m3m-metadata", "namespace": NS,
                                "labels": {"cluster.x-k8s.io/cluster-name": "test1"},
                                "ownerReferences": [{
                                    "apiVersion": "infrastructure.cluster.x-k8s.io/v1beta2",
                                    "kind": "Metal3Data", "name": "t-0", "uid": "uid-t-0",
                                    "controller": true}]},
                   "type": "infrastructure.cluster.x-k8s.io/secret",
                   "data": {"metaData": "YTogYgo="}})
        );
    }
}
