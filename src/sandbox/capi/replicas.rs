//! Keeping `replicas` Machines for an owner — a MachineSet or a control plane — each with a
//! Metal3Machine cloned from the owner's Metal3MachineTemplate, as Cluster API's MachineSet
//! and KubeadmControlPlane controllers do. Scaling down deletes the newest Machines. There are
//! no rolling updates: a changed template only shapes the Machines made after it.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::{ListParams, PostParams};
use kube::{Resource, ResourceExt};

use super::ownership::{merged, owned_by, owner_reference};
use super::teardown::delete_ignoring_absent;
use super::{Context, Error, absent_ok, generate_name};
use crate::api::capi::{Bootstrap, ContractVersionedObjectReference, Machine, MachineSpec};
use crate::api::capm3::v1beta2::{Metal3Machine, Metal3MachineTemplate};
use crate::capm3::names::{
    CLONED_FROM_GROUP_KIND, CLONED_FROM_NAME, CLUSTER_NAME_LABEL, GROUP, TEMPLATE_GROUP_KIND,
};

/// What an owner wants.
pub struct Replicas<'a> {
    pub namespace: &'a str,
    pub cluster: &'a str,
    /// A controller reference to the owner; also names the new Machines (`<owner>-xxxxx`).
    pub owner: OwnerReference,
    pub wanted: usize,
    /// Labels and annotations of each new Machine and its Metal3Machine.
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The new Machines' spec; its `infrastructureRef` names the Metal3MachineTemplate.
    pub spec: &'a MachineSpec,
}

/// What keeping the replicas did, and the count after it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub created: Vec<String>,
    pub deleted: Vec<String>,
    pub replicas: i32,
    /// Machines with a Node.
    pub ready: i32,
}

/// What of a Machine its owner's pass depends on: deletion, whether its infrastructure is
/// provisioned and whether it has a Node. Changes of anything else need no pass.
pub fn replica_progress(machine: &Machine) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        deleting(machine),
        infrastructure_provisioned(machine),
        has_node(machine),
    )
        .hash(&mut hasher);
    Some(hasher.finish())
}

fn deleting(machine: &Machine) -> bool {
    machine.meta().deletion_timestamp.is_some()
}

fn has_node(machine: &Machine) -> bool {
    machine
        .status
        .as_ref()
        .is_some_and(|s| s.node_ref.is_some())
}

fn infrastructure_provisioned(machine: &Machine) -> bool {
    machine
        .status
        .as_ref()
        .and_then(|s| s.initialization.as_ref())
        .and_then(|i| i.infrastructure_provisioned)
        == Some(true)
}

/// How many Machines to add, and which to delete: the newest first (by creation time, then
/// name, so the choice is stable).
pub fn plan(wanted: usize, live: &[&Machine]) -> (usize, Vec<String>) {
    if live.len() <= wanted {
        return (wanted - live.len(), Vec::new());
    }
    let mut newest_first: Vec<&Machine> = live.to_vec();
    newest_first.sort_by(|a, b| {
        let key = |m: &Machine| {
            (
                m.metadata.creation_timestamp.clone().map(|t| t.0),
                m.name_any(),
            )
        };
        key(b).cmp(&key(a))
    });
    let surplus = newest_first[..live.len() - wanted]
        .iter()
        .map(|m| m.name_any())
        .collect();
    (0, surplus)
}

/// The Metal3MachineTemplate a template reference names; other kinds are not handled.
pub fn template_name(reference: &ContractVersionedObjectReference) -> Result<&str, Error> {
    if reference.api_group == GROUP
        && reference.kind == "Metal3MachineTemplate"
        && !reference.name.is_empty()
    {
        return Ok(&reference.name);
    }
    Err(Error::Blocked(format!(
        "infrastructure template {}/{} is not a Metal3MachineTemplate: the sandbox's Cluster API \
         stand-ins only clone Metal3MachineTemplates",
        reference.kind, reference.name
    )))
}

/// A new Machine `name` of the owner; its infrastructure is the Metal3Machine of the same name.
pub fn new_machine(replicas: &Replicas<'_>, name: &str) -> Machine {
    let spec = replicas.spec;
    Machine {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(replicas.namespace.to_owned()),
            labels: Some(merged([
                &replicas.labels,
                &BTreeMap::from([(CLUSTER_NAME_LABEL.to_owned(), replicas.cluster.to_owned())]),
            ])),
            annotations: Some(replicas.annotations.clone()).filter(|a| !a.is_empty()),
            owner_references: Some(vec![replicas.owner.clone()]),
            ..ObjectMeta::default()
        },
        spec: MachineSpec {
            cluster_name: replicas.cluster.to_owned(),
            // The bootstrap stand-in provides the data; a config template reference has no
            // controller here.
            bootstrap: Bootstrap {
                config_ref: None,
                data_secret_name: spec.bootstrap.data_secret_name.clone(),
            },
            infrastructure_ref: ContractVersionedObjectReference {
                api_group: GROUP.to_owned(),
                kind: "Metal3Machine".to_owned(),
                name: name.to_owned(),
            },
            provider_id: None,
            version: spec.version.clone(),
            failure_domain: spec.failure_domain.clone(),
            rest: spec.rest.clone(),
        },
        status: None,
    }
}

/// The Metal3Machine of `machine`, cloned from `template` as Cluster API clones templates:
/// the template's metadata and spec, the Machine's labels, the cloned-from annotations and
/// the Machine as its controller owner.
pub fn clone_infrastructure(template: &Metal3MachineTemplate, machine: &Machine) -> Metal3Machine {
    let resource = &template.spec.template;
    let metadata = resource.metadata.clone();
    let template_labels = metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    let mut annotations = metadata.and_then(|m| m.annotations).unwrap_or_default();
    annotations.insert(CLONED_FROM_NAME.to_owned(), template.name_any());
    annotations.insert(
        CLONED_FROM_GROUP_KIND.to_owned(),
        TEMPLATE_GROUP_KIND.to_owned(),
    );
    let mut clone = Metal3Machine::new(&machine.name_any(), resource.spec.clone());
    clone.metadata.namespace = machine.namespace();
    clone.metadata.labels = Some(merged([&template_labels, machine.labels()]));
    clone.metadata.annotations = Some(annotations);
    clone.metadata.owner_references = Some(vec![owner_reference(machine, true)]);
    clone
}

/// Brings the owner's Machines to `wanted`: deletes the surplus, creates what is missing,
/// and clones a Metal3Machine that failed to be created with its Machine.
pub async fn keep(context: &Context, replicas: &Replicas<'_>) -> Result<Outcome, Error> {
    let namespace = replicas.namespace;
    let machines = context.api::<Machine>(namespace);
    let in_cluster =
        ListParams::default().labels(&format!("{CLUSTER_NAME_LABEL}={}", replicas.cluster));
    let owned: Vec<Machine> = machines
        .list(&in_cluster)
        .await?
        .items
        .into_iter()
        .filter(|m| owned_by(m, &replicas.owner.uid))
        .collect();
    let live: Vec<&Machine> = owned.iter().filter(|m| !deleting(m)).collect();
    let (missing, surplus) = plan(replicas.wanted, &live);
    for name in &surplus {
        delete_ignoring_absent(&machines, name).await?;
    }
    let kept: Vec<&Machine> = live
        .into_iter()
        .filter(|m| !surplus.contains(&m.name_any()))
        .collect();

    let infrastructure = context.api::<Metal3Machine>(namespace);
    let cloned: BTreeSet<String> = infrastructure
        .list(&in_cluster)
        .await?
        .items
        .iter()
        .map(|m| m.name_any())
        .collect();
    let uncloned: Vec<&&Machine> = kept
        .iter()
        .filter(|m| {
            !infrastructure_provisioned(m) && !cloned.contains(&m.spec.infrastructure_ref.name)
        })
        .collect();
    if missing > 0 || !uncloned.is_empty() {
        let name = template_name(&replicas.spec.infrastructure_ref)?;
        let Some(template) = absent_ok(
            context
                .api::<Metal3MachineTemplate>(namespace)
                .get(name)
                .await,
        )?
        else {
            return Err(Error::Blocked(format!(
                "Metal3MachineTemplate {name} not found"
            )));
        };
        for machine in uncloned {
            create_ignoring_existing(&infrastructure, &clone_infrastructure(&template, machine))
                .await?;
        }
        let mut created = Vec::new();
        for _ in 0..missing {
            let name = generate_name(&replicas.owner.name);
            let machine = machines
                .create(&PostParams::default(), &new_machine(replicas, &name))
                .await?;
            infrastructure
                .create(
                    &PostParams::default(),
                    &clone_infrastructure(&template, &machine),
                )
                .await?;
            created.push(name);
        }
        return Ok(outcome(&kept, created, surplus));
    }
    Ok(outcome(&kept, Vec::new(), surplus))
}

fn outcome(kept: &[&Machine], created: Vec<String>, deleted: Vec<String>) -> Outcome {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    Outcome {
        replicas: count(kept.len() + created.len()),
        ready: count(kept.iter().filter(|m| has_node(m)).count()),
        created,
        deleted,
    }
}

async fn create_ignoring_existing(
    api: &kube::Api<Metal3Machine>,
    object: &Metal3Machine,
) -> Result<(), kube::Error> {
    match api.create(&PostParams::default(), object).await {
        Err(error) if crate::kubeutil::errors::already_exists(&error) => Ok(()),
        result => result.map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn machine(name: &str, created: &str) -> Machine {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ns", "uid": format!("uid-{name}"),
                         "creationTimestamp": created,
                         "labels": {"cluster.x-k8s.io/cluster-name": "c1", "cluster.x-k8s.io/set-name": "ms"}},
            "spec": {"clusterName": "c1", "infrastructureRef":
                     {"apiGroup": GROUP, "kind": "Metal3Machine", "name": name}},
        }))
        .expect("machine")
    }

    /// Scale down removes the newest Machines; scale up counts what is missing.
    #[test]
    fn scaling_down_deletes_the_newest() {
        let old = machine("ms-old", "2025-01-01T00:00:00Z");
        let mid = machine("ms-mid", "2025-01-02T00:00:00Z");
        let new = machine("ms-new", "2025-01-03T00:00:00Z");
        let live = [&mid, &new, &old];
        assert_eq!(
            plan(1, &live),
            (0, vec!["ms-new".to_owned(), "ms-mid".to_owned()])
        );
        assert_eq!(plan(3, &live), (0, vec![]));
        assert_eq!(plan(5, &live), (2, vec![]));
        assert_eq!(plan(0, &[]), (0, vec![]));
    }

    fn template(metadata: Value) -> Metal3MachineTemplate {
        serde_json::from_value(json!({
            "metadata": {"name": "workers", "namespace": "ns"},
            "spec": {"template": {"metadata": metadata, "spec": {
                "image": {"url": "http://127.0.0.1/image.qcow2", "checksum": "abc"},
                "hostSelector": {"matchLabels": {"role": "worker"}}}}},
        }))
        .expect("template")
    }

    #[test]
    fn a_clone_carries_the_template_the_machine_labels_and_its_owner() {
        let machine = machine("ms-abcde", "2025-01-01T00:00:00Z");
        let clone = clone_infrastructure(
            &template(json!({"labels": {"tier": "gold"},
            "annotations": {"note": "kept"}})),
            &machine,
        );
        assert_eq!(clone.name_any(), "ms-abcde");
        assert_eq!(clone.namespace().as_deref(), Some("ns"));
        assert_eq!(
            clone.spec.image.as_ref().map(|i| i.url.as_str()),
            Some("http://127.0.0.1/image.qcow2")
        );
        let labels = clone.labels();
        assert_eq!(labels.get("tier").map(String::as_str), Some("gold"));
        assert_eq!(
            labels.get(CLUSTER_NAME_LABEL).map(String::as_str),
            Some("c1")
        );
        assert_eq!(
            labels.get("cluster.x-k8s.io/set-name").map(String::as_str),
            Some("ms")
        );
        let annotations = clone.annotations();
        assert_eq!(
            annotations.get(CLONED_FROM_NAME).map(String::as_str),
            Some("workers")
        );
        assert_eq!(
            annotations.get(CLONED_FROM_GROUP_KIND).map(String::as_str),
            Some(TEMPLATE_GROUP_KIND)
        );
        assert_eq!(annotations.get("note").map(String::as_str), Some("kept"));
        let owner = &clone.owner_references()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
            ("Machine", "ms-abcde", "uid-ms-abcde")
        );
        assert_eq!(owner.controller, Some(true));
    }

    #[test]
    fn only_metal3_machine_templates_are_cloned() {
        let reference = |kind: &str| ContractVersionedObjectReference {
            api_group: GROUP.into(),
            kind: kind.into(),
            name: "t".into(),
        };
        assert!(matches!(
            template_name(&reference("Metal3MachineTemplate")),
            Ok("t")
        ));
        assert!(template_name(&reference("DockerMachineTemplate")).is_err());
    }
}
